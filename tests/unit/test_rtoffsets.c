/* SPDX-License-Identifier: MIT */
/*
 * Runtime struct offsets: DWARF of the gcload fixtures, the generated table
 * (checked against a fresh build; GOSCOPE_RTOFFSETS_GEN=1 prints the row to
 * paste into user/lib/rtoffsets.c), and hostile DWARF bytes.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "goelf.h"
#include "rtoffsets.h"

struct img {
	const void *data;
	size_t size;
	struct gs_elf e;
};

static void img_open(struct img *im, const char *name)
{
	const char *why;

	im->data = gs_map_fixture(name, &im->size);
	assert_int_equal(gs_elf_parse(&im->e, im->data, im->size, &why), 0);
}

static void img_close(struct img *im)
{
	gs_unmap_file(im->data, im->size);
}

/* The Go version the fixtures were built with (build/fixtures/GOVERSION). */
static void fixture_goversion(char *buf, size_t sz)
{
	FILE *f = fopen(gs_require_fixture("GOVERSION"), "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, (int)sz, f));
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static void print_row(const struct gs_rt_offsets *o, const char *version)
{
	char minor[32];
	const char *dot2;

	snprintf(minor, sizeof(minor), "%s", version);
	dot2 = strchr(strchr(minor, '.') ? strchr(minor, '.') + 1 : minor, '.');
	if (dot2)
		minor[dot2 - minor] = '\0';
	printf("\t{ \"%s\", EM_X86_64, \"%s\", {\n", minor, version);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		static const char *const ids[GS_RT_NFIELDS] = {
			"GS_RT_SCHED_NGSYS", "GS_RT_SCHED_GFREE_N", "GS_RT_SCHED_MNEXT",
			"GS_RT_SCHED_NMFREED", "GS_RT_P_GFREE_N", "GS_RT_MSTATS_NUMGC",
			"GS_RT_HEAP_INUSE", "GS_RT_HEAP_LIVE",
		};
		if (!o->f[f].known)
			continue;
		printf("\t\t[%s] = { %u, %u, %d },\n", ids[f], o->f[f].off, o->f[f].size,
		       gs_rt_alt_index(f, o->f[f].global));
	}
	printf("\t} },\n");
}

static void test_dwarf_plain(void **state)
{
	struct gs_rt_offsets o;
	struct gs_err err;
	struct img im;
	char v[64];

	(void)state;
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf(&im.e, &o, &err), 0);
	assert_int_equal(o.src, GS_RT_SRC_DWARF);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		if (!o.f[f].known)
			fail_msg("field %s unknown from DWARF", gs_rt_field_name(f));
	}
	/* go-binary-format.md §5.3, verified live on go1.19 amd64. */
	fixture_goversion(v, sizeof(v));
	if (strncmp(v, "go1.19", 6) == 0) {
		assert_int_equal(o.f[GS_RT_SCHED_NGSYS].off, 72);
		assert_int_equal(o.f[GS_RT_SCHED_GFREE_N].off, 152 + 24);
		assert_int_equal(o.f[GS_RT_SCHED_MNEXT].off, 48);
		assert_int_equal(o.f[GS_RT_MSTATS_NUMGC].off, 7704);
		assert_int_equal(o.f[GS_RT_HEAP_LIVE].off, 136);
	}
	assert_string_equal(o.f[GS_RT_SCHED_NGSYS].global, "runtime.sched");
	assert_null(o.f[GS_RT_P_GFREE_N].global);
	assert_int_equal(o.f[GS_RT_MSTATS_NUMGC].size, 4);
	assert_int_equal(o.f[GS_RT_SCHED_MNEXT].size, 8);
	img_close(&im);
}

/* PIE and cgo (external link) builds carry the same runtime layout. */
static void test_dwarf_variants(void **state)
{
	static const char *const names[] = { "gcload.pie", "gcload.cgo" };
	struct gs_rt_offsets ref, o;
	struct gs_err err;
	struct img im;

	(void)state;
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf(&im.e, &ref, &err), 0);
	img_close(&im);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		img_open(&im, names[i]);
		if (gs_rt_offsets_dwarf(&im.e, &o, &err) != 0)
			fail_msg("%s: %s", names[i], err.msg);
		for (int f = 0; f < GS_RT_NFIELDS; f++) {
			assert_true(o.f[f].known);
			assert_int_equal(o.f[f].off, ref.f[f].off);
			assert_int_equal(o.f[f].size, ref.f[f].size);
		}
		img_close(&im);
	}
}

static void test_no_dwarf(void **state)
{
	static const char *const names[] = { "gcload.stripped", "gcload.nodwarf" };
	struct gs_rt_offsets o;
	struct gs_err err;
	struct img im;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		img_open(&im, names[i]);
		assert_int_equal(gs_rt_offsets_dwarf(&im.e, &o, &err), -1);
		assert_int_equal(err.code, ENOENT);
		img_close(&im);
	}
}

/* The table row for the fixtures' toolchain equals what DWARF says. */
static void test_table_matches_dwarf(void **state)
{
	struct gs_rt_offsets dw, tb;
	struct gs_err err;
	struct img im;
	char v[64];

	(void)state;
	fixture_goversion(v, sizeof(v));
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf(&im.e, &dw, &err), 0);
	img_close(&im);
	if (getenv("GOSCOPE_RTOFFSETS_GEN"))
		print_row(&dw, v);
	if (gs_rt_offsets_table(v, EM_X86_64, &tb, &err) != 0)
		fail_msg("no table row for %s: generate one with GOSCOPE_RTOFFSETS_GEN=1", v);
	assert_int_equal(tb.src, GS_RT_SRC_TABLE);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		if (tb.f[f].known != dw.f[f].known || tb.f[f].off != dw.f[f].off ||
		    tb.f[f].size != dw.f[f].size ||
		    (dw.f[f].global && strcmp(tb.f[f].global, dw.f[f].global) != 0)) {
			print_row(&dw, v);
			fail_msg("table row for %s differs from DWARF at %s (row above)", v,
				 gs_rt_field_name(f));
		}
	}
}

static void test_table_lookup(void **state)
{
	struct gs_rt_offsets o;
	struct gs_err err;

	(void)state;
	assert_int_equal(gs_rt_offsets_table("go1.19", EM_X86_64, &o, &err), 0);
	assert_int_equal(gs_rt_offsets_table("go1.19.13", EM_X86_64, &o, &err), 0);
	assert_int_equal(gs_rt_offsets_table("go1.190", EM_X86_64, &o, &err), -1);
	assert_int_equal(gs_rt_offsets_table("go1.19rc1", EM_X86_64, &o, &err), -1);
	assert_int_equal(gs_rt_offsets_table("go1.19.8", EM_AARCH64, &o, &err), -1);
	assert_int_equal(gs_rt_offsets_table(NULL, EM_X86_64, &o, &err), -1);
	assert_int_equal(gs_rt_offsets_table("go1.2", EM_X86_64, &o, &err), -1);
}

/* Decompressed DWARF with bytes flipped, cut short, or replaced: never a crash. */
static void test_hostile_dwarf(void **state)
{
	const uint8_t *info, *abbrev;
	size_t ilen, alen;
	void *iown, *aown;
	struct gs_rt_offsets o;
	struct gs_err err;
	struct img im;
	uint8_t *copy, *acopy;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	img_open(&im, "gcload");
	assert_int_equal(gs_dwarf_section(&im.e, "debug_info", &info, &ilen, &iown, &err), 0);
	assert_int_equal(gs_dwarf_section(&im.e, "debug_abbrev", &abbrev, &alen, &aown, &err), 0);
	copy = malloc(ilen);
	acopy = malloc(alen);
	assert_non_null(copy);
	assert_non_null(acopy);
	for (int round = 0; round < 200; round++) {
		size_t cut = ilen, acut = alen;

		memcpy(copy, info, ilen);
		memcpy(acopy, abbrev, alen);
		for (int k = 0; k < 64; k++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			if (k & 1)
				copy[(seed >> 17) % ilen] ^= (uint8_t)(seed >> 40);
			else
				acopy[(seed >> 17) % alen] ^= (uint8_t)(seed >> 40);
		}
		if (round % 4 == 1)
			cut = (size_t)(seed >> 20) % ilen;
		if (round % 4 == 2)
			acut = (size_t)(seed >> 24) % alen;
		gs_rt_offsets_dwarf_raw(&im.e, copy, cut, acopy, acut, &o, &err);
		for (int f = 0; f < GS_RT_NFIELDS; f++)
			if (o.f[f].known)
				assert_true(o.f[f].size == 4 || o.f[f].size == 8);
	}
	/* Nothing at all, and all ones. */
	assert_int_equal(gs_rt_offsets_dwarf_raw(&im.e, copy, 0, acopy, 0, &o, &err), -1);
	memset(copy, 0xff, ilen < 4096 ? ilen : 4096);
	gs_rt_offsets_dwarf_raw(&im.e, copy, ilen < 4096 ? ilen : 4096, acopy, alen, &o, &err);
	free(copy);
	free(acopy);
	free(iown);
	free(aown);
	img_close(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_plain),
		cmocka_unit_test(test_dwarf_variants),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_table_matches_dwarf),
		cmocka_unit_test(test_table_lookup),
		cmocka_unit_test(test_hostile_dwarf),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
