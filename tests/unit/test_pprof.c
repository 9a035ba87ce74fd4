/* SPDX-License-Identifier: MIT */
/*
 * The pprof writer: what a built profile holds once encoded (read back with
 * protobuf-c), the wire bytes of the top-level fields (checked by a small
 * decoder of our own, so a wrong field number in our .proto shows), the
 * de-duplication of strings, functions and locations, and the gzip framing.
 */
#include "testlib.h"

#include <errno.h>
#include <string.h>

#include <zlib.h>

#include "pprof.h"
#include "pprof/profile.pb-c.h"

static const char *str(const Gspprof__Profile *m, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < m->n_string_table);
	return m->string_table[i];
}

/*
 * A CPU profile of one binary: main.main calls main.hot, into which
 * main.add was inlined; one sample at main.add (inlined), one at main.main.
 */
static struct gs_pprof *build(uint64_t *mapid, uint64_t loc[2])
{
	struct gs_pprof *p = gs_pprof_new_cpu(GS_PPROF_CPU_PERIOD_NS);
	struct gs_pprof_mapping m = {
		.start = 0x400000, .limit = 0x480000, .offset = 0,
		.file = "/usr/bin/hot", .build_id = "abc/def",
		.has_functions = true, .has_filenames = true, .has_lines = true, .has_inline = true,
	};
	uint64_t fmain, fhot, fadd, stack[2];
	struct gs_pprof_line lines[2];

	assert_non_null(p);
	*mapid = gs_pprof_mapping(p, &m);
	fmain = gs_pprof_function(p, "main.main", "/src/main.go", 10);
	fhot = gs_pprof_function(p, "main.hot", "/src/main.go", 20);
	fadd = gs_pprof_function(p, "main.add", "/src/add.go", 3);
	lines[0] = (struct gs_pprof_line){ fadd, 5 };
	lines[1] = (struct gs_pprof_line){ fhot, 22 };
	loc[0] = gs_pprof_location(p, *mapid, 0x401010, lines, 2);
	lines[0] = (struct gs_pprof_line){ fmain, 12 };
	loc[1] = gs_pprof_location(p, *mapid, 0x400f00, lines, 1);
	stack[0] = loc[0];
	stack[1] = loc[1];
	gs_pprof_sample(p, stack, 2, 7);
	gs_pprof_sample(p, &loc[1], 1, 3);
	gs_pprof_set_time(p, 1700000000000000000LL, 2000000000LL);
	gs_pprof_comment(p, "goscope test");
	return p;
}

static void test_profile_reads_back(void **state)
{
	uint64_t mapid, loc[2];
	struct gs_pprof *p = build(&mapid, loc);
	struct gs_err err = { 0 };
	Gspprof__Profile *m;
	const Gspprof__Location *l;
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(gs_pprof_encode(p, &buf, &len, &err), 0);
	m = gspprof__profile__unpack(NULL, len, buf);
	assert_non_null(m);

	assert_string_equal(m->string_table[0], "");
	assert_int_equal(m->n_sample_type, 2);
	assert_string_equal(str(m, m->sample_type[0]->type), "samples");
	assert_string_equal(str(m, m->sample_type[0]->unit), "count");
	assert_string_equal(str(m, m->sample_type[1]->type), "cpu");
	assert_string_equal(str(m, m->sample_type[1]->unit), "nanoseconds");
	assert_non_null(m->period_type);
	assert_string_equal(str(m, m->period_type->type), "cpu");
	assert_string_equal(str(m, m->period_type->unit), "nanoseconds");
	assert_int_equal(m->period, 10000000);
	assert_int_equal(m->time_nanos, 1700000000000000000LL);
	assert_int_equal(m->duration_nanos, 2000000000LL);
	assert_int_equal(m->n_comment, 1);
	assert_string_equal(str(m, m->comment[0]), "goscope test");

	assert_int_equal(m->n_mapping, 1);
	assert_int_equal(m->mapping[0]->id, mapid);
	assert_int_equal(m->mapping[0]->memory_start, 0x400000);
	assert_int_equal(m->mapping[0]->memory_limit, 0x480000);
	assert_string_equal(str(m, m->mapping[0]->filename), "/usr/bin/hot");
	assert_string_equal(str(m, m->mapping[0]->build_id), "abc/def");
	assert_true(m->mapping[0]->has_functions && m->mapping[0]->has_inline_frames);

	assert_int_equal(m->n_function, 3);
	assert_string_equal(str(m, m->function[2]->name), "main.add");
	assert_string_equal(str(m, m->function[2]->filename), "/src/add.go");
	assert_int_equal(m->function[2]->start_line, 3);

	/* The inlined call is its own line of one location, innermost first. */
	assert_int_equal(m->n_location, 2);
	l = m->location[0];
	assert_int_equal(l->id, loc[0]);
	assert_int_equal(l->mapping_id, mapid);
	assert_int_equal(l->address, 0x401010);
	assert_int_equal(l->n_line, 2);
	assert_string_equal(str(m, m->function[l->line[0]->function_id - 1]->name), "main.add");
	assert_int_equal(l->line[0]->line, 5);
	assert_string_equal(str(m, m->function[l->line[1]->function_id - 1]->name), "main.hot");
	assert_int_equal(l->line[1]->line, 22);

	assert_int_equal(m->n_sample, 2);
	assert_int_equal(m->sample[0]->n_location_id, 2);
	assert_int_equal(m->sample[0]->location_id[0], loc[0]);
	assert_int_equal(m->sample[0]->location_id[1], loc[1]);
	assert_int_equal(m->sample[0]->n_value, 2);
	assert_int_equal(m->sample[0]->value[0], 7);
	assert_int_equal(m->sample[0]->value[1], 7 * 10000000LL);
	assert_int_equal(m->sample[1]->value[0], 3);

	gspprof__profile__free_unpacked(m, NULL);
	free(buf);
	gs_pprof_free(p);
}

static int read_varint(const uint8_t *b, size_t len, size_t *i, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *i < len; shift += 7) {
		uint8_t c = b[(*i)++];

		*v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return 0;
	}
	return -1;
}

/* The top-level fields by number, read from the wire without our .proto. */
static void test_wire_field_numbers(void **state)
{
	uint64_t mapid, loc[2], key, v, period = 0;
	struct gs_pprof *p = build(&mapid, loc);
	struct gs_err err = { 0 };
	unsigned seen[16] = { 0 };
	char first_string[8] = "x";
	uint8_t *buf;
	size_t len, i = 0;

	(void)state;
	assert_int_equal(gs_pprof_encode(p, &buf, &len, &err), 0);
	while (i < len) {
		unsigned field;

		assert_int_equal(read_varint(buf, len, &i, &key), 0);
		field = (unsigned)(key >> 3);
		assert_true(field >= 1 && field <= 14);
		seen[field]++;
		if ((key & 7) == 0) {
			assert_int_equal(read_varint(buf, len, &i, &v), 0);
			if (field == 12)
				period = v;
		} else {
			assert_int_equal(key & 7, 2);	/* length-delimited */
			assert_int_equal(read_varint(buf, len, &i, &v), 0);
			assert_true(v <= len - i);
			if (field == 6 && seen[6] == 1 && v < sizeof(first_string)) {
				memcpy(first_string, buf + i, v);
				first_string[v] = 0;
			}
			i += v;
		}
	}
	/* sample_type 1, sample 2, mapping 3, location 4, function 5, strings 6 */
	assert_int_equal(seen[1], 2);
	assert_int_equal(seen[2], 2);
	assert_int_equal(seen[3], 1);
	assert_int_equal(seen[4], 2);
	assert_int_equal(seen[5], 3);
	assert_true(seen[6] > 8);
	assert_string_equal(first_string, "");
	assert_int_equal(seen[9], 1);	/* time_nanos */
	assert_int_equal(seen[10], 1);	/* duration_nanos */
	assert_int_equal(seen[11], 1);	/* period_type */
	assert_int_equal(period, 10000000);
	assert_int_equal(seen[13], 1);	/* comment */
	free(buf);
	gs_pprof_free(p);
}

static void test_dedup(void **state)
{
	struct gs_pprof *p = gs_pprof_new_cpu(GS_PPROF_CPU_PERIOD_NS);
	struct gs_pprof_counts c;
	struct gs_pprof_line line;
	uint64_t f1, f2, f3, l1, l2, l3;

	(void)state;
	assert_non_null(p);
	f1 = gs_pprof_function(p, "main.f", "a.go", 1);
	f2 = gs_pprof_function(p, "main.f", "a.go", 1);
	f3 = gs_pprof_function(p, "main.f", "b.go", 1);
	assert_int_equal(f1, f2);
	assert_int_not_equal(f1, f3);
	line = (struct gs_pprof_line){ f1, 4 };
	l1 = gs_pprof_location(p, 1, 0x1000, &line, 1);
	l2 = gs_pprof_location(p, 1, 0x1000, &line, 1);
	l3 = gs_pprof_location(p, 0, 0x1000, NULL, 0);
	assert_int_equal(l1, l2);
	assert_int_not_equal(l1, l3);
	assert_int_equal(gs_pprof_find_location(p, 1, 0x1000), l1);
	assert_int_equal(gs_pprof_find_location(p, 1, 0x2000), 0);
	/* Many of them: the indexes grow and keep finding every one. */
	for (uint64_t a = 0; a < 5000; a++) {
		char name[32];

		snprintf(name, sizeof(name), "pkg.f%llu", (unsigned long long)a);
		line.function = gs_pprof_function(p, name, "x.go", 0);
		assert_int_equal(gs_pprof_location(p, 1, 0x10000 + a, &line, 1), a + 3);
	}
	for (uint64_t a = 0; a < 5000; a++)
		assert_int_equal(gs_pprof_find_location(p, 1, 0x10000 + a), a + 3);
	gs_pprof_counts(p, &c);
	assert_int_equal(c.functions, 5002);
	assert_int_equal(c.locations, 5002);
	/* "", samples count cpu nanoseconds, main.f a.go b.go, 5000 names, x.go */
	assert_int_equal(c.strings, 5 + 3 + 5000 + 1);
	gs_pprof_free(p);
}

static void test_gzip_file(void **state)
{
	char path[] = "/tmp/goscope-test-pprof-XXXXXX";
	uint64_t mapid, loc[2];
	struct gs_pprof *p = build(&mapid, loc);
	struct gs_err err = { 0 };
	uint8_t *raw, back[65536], magic[2];
	size_t len;
	gzFile gz;
	int fd, n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(gs_pprof_write(p, fd, &err), 0);
	assert_int_equal(pread(fd, magic, 2, 0), 2);
	assert_int_equal(magic[0], 0x1f);	/* gzip */
	assert_int_equal(magic[1], 0x8b);
	close(fd);
	assert_int_equal(gs_pprof_encode(p, &raw, &len, &err), 0);
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	n = gzread(gz, back, sizeof(back));
	gzclose(gz);
	assert_int_equal(n, (int)len);
	assert_memory_equal(back, raw, len);
	unlink(path);
	free(raw);

	/* A write error is reported, not swallowed. */
	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		assert_int_equal(gs_pprof_write(p, fd, &err), -1);
		assert_int_equal(err.code, ENOSPC);
		close(fd);
	}
	gs_pprof_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_reads_back),
		cmocka_unit_test(test_wire_field_numbers),
		cmocka_unit_test(test_dedup),
		cmocka_unit_test(test_gzip_file),
	};

	return cmocka_run_group_tests_name("pprof", tests, NULL, NULL);
}
