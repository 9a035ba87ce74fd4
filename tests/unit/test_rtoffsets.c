/* SPDX-License-Identifier: MIT */
/*
 * Runtime struct layouts: DWARF of the gcload fixtures, the generated table
 * (tools/gen-rtlayout.sh; its row for the fixtures' toolchain checked
 * against a fresh build here, every row by tests/e2e/rtlayout.bats), the
 * lookup order, the memstats recipes, and hostile DWARF bytes.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "goelf.h"
#include "rtlayout_int.h"
#include "rtmemstats.h"
#include "rtoffsets.h"

/* The fields the live reader used before the full table: known on every fixture. */
#define FIRST_FIELDS (GS_RT_HEAP_LIVE + 1)

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
	for (int f = 0; f < FIRST_FIELDS; f++) {
		if (!o.f[f].known)
			fail_msg("field %s unknown from DWARF", gs_rt_field_name(f));
	}
	/* go1.19 amd64, as read by hand with readelf and checked live */
	fixture_goversion(v, sizeof(v));
	if (strncmp(v, "go1.19", 6) == 0) {
		assert_int_equal(o.f[GS_RT_SCHED_NGSYS].off, 72);
		assert_int_equal(o.f[GS_RT_SCHED_GFREE_N].off, 152 + 24);
		assert_int_equal(o.f[GS_RT_SCHED_MNEXT].off, 48);
		assert_int_equal(o.f[GS_RT_MSTATS_NUMGC].off, 7704);
		assert_int_equal(o.f[GS_RT_HEAP_LIVE].off, 136);
	}
	if (strncmp(v, "go1.19", 6) == 0) {
		/* go1.19 amd64, as read with readelf --debug-dump=info by hand */
		assert_int_equal(o.f[GS_RT_SIZEOF_G].size, 392);
		assert_int_equal(o.f[GS_RT_G_M].off, 0x30);
		assert_int_equal(o.f[GS_RT_G_SCHED].off, 0x38);
		assert_int_equal(o.f[GS_RT_G_ATOMICSTATUS].off, 0x90);
		assert_int_equal(o.f[GS_RT_G_GOID].off, 0x98);
		assert_int_equal(o.f[GS_RT_G_GOPC].off, 0x128);
		assert_int_equal(o.f[GS_RT_G_STARTPC].off, 0x138);
		assert_int_equal(o.f[GS_RT_M_PROCID].off, 0x48);
		assert_int_equal(o.f[GS_RT_M_CURG].off, 0xc0);
		assert_int_equal(o.f[GS_RT_M_P].off, 0xd0);
		assert_int_equal(o.f[GS_RT_M_ID].off, 0xe8);
		assert_int_equal(o.f[GS_RT_MSTATS_PAUSE_TOTAL_NS].off, 0xe10);
		assert_false(o.f[GS_RT_G_PARENTGOID].known);	/* 1.21+ */
		assert_false(o.f[GS_RT_SCHED_GFREE_STACK_SIZE].known);	/* 1.25+ */
		assert_true(o.f[GS_RT_G_SCHED_RET].known);	/* gone in 1.25 */
	}
	assert_string_equal(o.f[GS_RT_SCHED_NGSYS].global, "runtime.sched");
	assert_null(o.f[GS_RT_P_GFREE_N].global);
	assert_null(o.f[GS_RT_G_GOID].global);
	assert_string_equal(o.f[GS_RT_MHEAP_SPANALLOC_INUSE].global, "runtime.mheap_");
	assert_string_equal(gs_rt_field_struct(GS_RT_G_GOID), "runtime.g");
	assert_string_equal(gs_rt_field_name(GS_RT_G_SCHED_SP), "g.sched.sp");
	/* kinds: a struct, an array, a byte, a struct's size */
	assert_int_equal(o.f[GS_RT_G_SCHED].size, o.f[GS_RT_SIZEOF_GOBUF].size);
	assert_int_equal(o.f[GS_RT_G_SCHED_SP].off, o.f[GS_RT_G_SCHED].off);
	assert_int_equal(o.f[GS_RT_P_RUNQ].count, 256);
	assert_int_equal(o.f[GS_RT_P_RUNQ].size, 256 * 8);
	assert_int_equal(o.f[GS_RT_MSTATS_PAUSE_NS].count, 256);
	assert_int_equal(o.f[GS_RT_HEAPSTATS_STATS].count, 3);
	assert_int_equal(o.f[GS_RT_HEAPSTATS_STATS].size, 3 * o.f[GS_RT_SIZEOF_HSD].size);
	assert_int_equal(o.f[GS_RT_G_WAITREASON].size, 1);
	assert_int_equal(o.f[GS_RT_MSTATS_ENABLEGC].size, 1);
	assert_int_equal(o.f[GS_RT_G_ATOMICSTATUS].size, 4);	/* through atomic.Uint32 on 1.20+ */
	/* constants */
	assert_true(o.c[GS_RT_C_GRUNNING].known);
	assert_int_equal(o.c[GS_RT_C_GRUNNING].v, 2);
	assert_int_equal(o.c[GS_RT_C_GWAITING].v, 4);
	assert_int_equal(o.c[GS_RT_C_GDEAD].v, 6);
	assert_int_equal(o.c[GS_RT_C_GSCAN].v, 0x1000);
	assert_int_equal(o.c[GS_RT_C_PRUNNING].v, 1);
	assert_true(o.c[GS_RT_C_FUNCID_GOEXIT].known);
	assert_false(o.c[GS_RT_C_GLEAKED].known);	/* 1.26+ */
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
		for (int f = 0; f < FIRST_FIELDS; f++)
			assert_true(o.f[f].known);
		for (int f = 0; f < GS_RT_NFIELDS; f++) {
			assert_int_equal(o.f[f].known, ref.f[f].known);
			assert_int_equal(o.f[f].off, ref.f[f].off);
			assert_int_equal(o.f[f].size, ref.f[f].size);
			assert_int_equal(o.f[f].count, ref.f[f].count);
		}
		for (int c = 0; c < GS_RT_NCONSTS; c++) {
			assert_int_equal(o.c[c].known, ref.c[c].known);
			assert_int_equal(o.c[c].v, ref.c[c].v);
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
	static char img[128][GS_RT_WAITNAME];
	struct gs_err err;
	struct img im;
	unsigned n;
	char v[64];

	(void)state;
	fixture_goversion(v, sizeof(v));
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf(&im.e, &dw, &err), 0);
	if (gs_rt_offsets_table(v, EM_X86_64, &tb, &err) != 0)
		fail_msg("no table row for %s: run tools/gen-rtlayout.sh", v);
	assert_int_equal(tb.src, GS_RT_SRC_TABLE);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		if (tb.f[f].known != dw.f[f].known || tb.f[f].off != dw.f[f].off ||
		    tb.f[f].size != dw.f[f].size || tb.f[f].count != dw.f[f].count ||
		    (dw.f[f].global && strcmp(tb.f[f].global, dw.f[f].global) != 0))
			fail_msg("table row for %s differs from DWARF at %s: run tools/gen-rtlayout.sh",
				 v, gs_rt_field_name(f));
	}
	for (int c = 0; c < GS_RT_NCONSTS; c++)
		if (tb.c[c].known != dw.c[c].known || tb.c[c].v != dw.c[c].v)
			fail_msg("table row for %s differs from DWARF at %s", v, gs_rt_const_name(c));
	/* the wait reasons: the fixture's own data says the same */
	assert_int_equal(gs_rt_waitreasons_image(&im.e, img, 128, &n, &err), 0);
	assert_int_equal(n, tb.nwait);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(img[i], gs_rt_waitreason(&tb, i));
	assert_null(gs_rt_waitreason(&tb, n));
	assert_null(gs_rt_waitreason(&dw, 0));	/* DWARF alone has no names */
	img_close(&im);
}

static void test_table_lookup(void **state)
{
	static const char *const known[] = {
		"go1.15", "go1.15.0", "go1.15.15", "go1.19", "go1.19.13", "go1.21.0", "go1.22.12",
		"go1.23.5", "go1.24.4", "go1.25.12", "go1.26.1", "go1.27.4",
	};
	static const char *const unknown[] = {
		"go1.190", "go1.19rc1", "go1.2", "go1.16", "go1.18.10", "go1.20.12", "go1.28",
		"go1.28.0", "go1.25.12 X:boringcrypto", "devel go1.25-abc", "go1.25.", "go1.25.x",
		"", "go1.", "go2.0",
	};
	struct gs_rt_offsets o;
	struct gs_err err;

	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		for (int m = 0; m < 2; m++) {
			if (gs_rt_offsets_table(known[i], m ? EM_AARCH64 : EM_X86_64, &o, &err) != 0)
				fail_msg("no row for %s", known[i]);
			assert_int_equal(o.src, GS_RT_SRC_TABLE);
			assert_non_null(o.row);
			assert_int_equal(strncmp(o.row, known[i], strlen("go1.NN")), 0);
			assert_true(o.f[GS_RT_SIZEOF_G].known && o.f[GS_RT_G_GOID].known);
			assert_true(o.nwait > 20 && o.wait);
			assert_string_equal(gs_rt_waitreason(&o, 0), "");
		}
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		if (gs_rt_offsets_table(unknown[i], EM_X86_64, &o, &err) != -1)
			fail_msg("a row for %s", unknown[i]);
		assert_int_equal(err.code, ENOENT);
		assert_int_equal(o.src, GS_RT_SRC_NONE);
		assert_false(o.f[GS_RT_SCHED_NGSYS].known);
	}
	assert_int_equal(gs_rt_offsets_table("go1.19.8", EM_386, &o, &err), -1);
	assert_int_equal(gs_rt_offsets_table(NULL, EM_X86_64, &o, &err), -1);

	/* per-version facts the rows must carry */
	assert_int_equal(gs_rt_offsets_table("go1.21.13", EM_X86_64, &o, &err), 0);
	assert_true(o.f[GS_RT_G_PARENTGOID].known);
	assert_true(o.f[GS_RT_SCHED_GFREE_N].known);
	assert_false(o.f[GS_RT_SCHED_GFREE_STACK_SIZE].known);
	assert_string_equal(gs_rt_waitreason(&o, 1), "GC assist marking");
	assert_int_equal(gs_rt_offsets_table("go1.25.12", EM_X86_64, &o, &err), 0);
	assert_false(o.f[GS_RT_SCHED_GFREE_N].known);		/* the free lists changed */
	assert_false(o.f[GS_RT_P_GFREE_N].known);
	assert_true(o.f[GS_RT_SCHED_GFREE_STACK_SIZE].known);
	assert_true(o.f[GS_RT_SCHED_GFREE_NOSTACK_SIZE].known);
	assert_true(o.f[GS_RT_P_GFREE_SIZE].known);
	assert_false(o.f[GS_RT_G_SCHED_RET].known);		/* gobuf.ret is gone */
	assert_false(o.f[GS_RT_HSD_INPTRSCALARBITS].known);
	assert_int_equal(gs_rt_offsets_table("go1.15.15", EM_X86_64, &o, &err), 0);
	assert_true(o.f[GS_RT_MSTATS_HEAP_LIVE].known);
	assert_false(o.f[GS_RT_MSTATS_HEAPSTATS].known);
	assert_false(o.f[GS_RT_G_PARENTGOID].known);
	assert_int_equal(o.f[GS_RT_HEAP_LIVE].global == NULL, 0);
	assert_string_equal(o.f[GS_RT_HEAP_LIVE].global, "runtime.memstats");
	assert_int_equal(gs_rt_offsets_table("go1.26.11", EM_X86_64, &o, &err), 0);
	assert_true(o.c[GS_RT_C_GLEAKED].known);
	assert_true(o.c[GS_RT_C_GDEADEXTRA].known);
}

/* Every field and constant has a name, a struct and an enumerator name. */
static void test_names(void **state)
{
	(void)state;
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		assert_non_null(gs_rt_field_name(f));
		assert_string_not_equal(gs_rt_field_name(f), "?");
		assert_int_equal(strncmp(gs_rt_field_struct(f), "runtime.", 8), 0);
		assert_int_equal(strncmp(gs_rt_field_id(f), "GS_RT_", 6), 0);
	}
	for (int c = 0; c < GS_RT_NCONSTS; c++) {
		assert_string_not_equal(gs_rt_const_name(c), "?");
		assert_int_equal(strncmp(gs_rt_const_id(c), "GS_RT_C_", 8), 0);
	}
	assert_string_equal(gs_rt_field_name(GS_RT_NFIELDS), "?");
	assert_string_equal(gs_rt_const_name(GS_RT_C_GWAITING), "_Gwaiting");
	assert_string_equal(gs_rt_field_name(GS_RT_SIZEOF_P), "sizeof(runtime.p)");
	assert_string_equal(gs_rt_field_name(GS_RT_HEAP_LIVE), "heap live");
	assert_string_equal(gs_rt_source_name(GS_RT_SRC_NONE), "none");
}

/* DWARF first, else the row for the exact version, else nothing with a reason. */
static void test_find(void **state)
{
	struct gs_rt_offsets dw, o;
	struct gs_err err;
	struct img im;
	char v[64];

	(void)state;
	fixture_goversion(v, sizeof(v));
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_find(&im.e, v, &dw, &err), 0);
	assert_int_equal(dw.src, GS_RT_SRC_DWARF);
	assert_string_equal(gs_rt_source_name(dw.src), "dwarf");
	assert_non_null(dw.wait);	/* the names from the table row of its version */
	/* a version the table does not know changes nothing when DWARF is there */
	assert_int_equal(gs_rt_offsets_find(&im.e, "go1.28", &o, &err), 0);
	assert_int_equal(o.src, GS_RT_SRC_DWARF);
	assert_null(o.wait);
	img_close(&im);

	img_open(&im, "gcload.nodwarf");
	assert_int_equal(gs_rt_offsets_find(&im.e, v, &o, &err), 0);
	assert_int_equal(o.src, GS_RT_SRC_TABLE);
	assert_string_equal(gs_rt_source_name(o.src), "table");
	assert_non_null(strstr(o.dwarf_why, "no .debug_info"));
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		assert_int_equal(o.f[f].known, dw.f[f].known);
		assert_int_equal(o.f[f].off, dw.f[f].off);
	}
	assert_int_equal(gs_rt_offsets_find(&im.e, "go1.28", &o, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.msg, "no runtime layout for go1.28");
	assert_int_equal(o.src, GS_RT_SRC_NONE);
	assert_int_equal(gs_rt_offsets_find(&im.e, "go1.20.12", &o, &err), -1);
	assert_string_equal(err.msg, "no runtime layout for go1.20.12");
	assert_int_equal(gs_rt_offsets_find(&im.e, NULL, &o, &err), -1);
	img_close(&im);
}

/* Every field a memstats recipe names exists in its release line's rows. */
static void test_memstats_recipes(void **state)
{
	struct gs_rt_offsets o;
	struct gs_err err;
	const struct gs_ms_recipe *r;

	(void)state;
	for (size_t i = 0; i < gs_rt_nrows; i++) {
		const struct gs_rt_row *row = &gs_rt_rows[i];
		unsigned described = 0;

		assert_int_equal(gs_rt_offsets_table(row->toolchain, row->machine, &o, &err), 0);
		for (int l = 0; l < GS_MS_NLINES; l++) {
			r = gs_ms_recipe(row->toolchain, l);
			assert_non_null(r->how == GS_MSH_SUM || r->how == GS_MSH_CONST ? "" : r->note);
			if (r->how != GS_MSH_UNKNOWN)
				described++;
			if (r->how == GS_MSH_SUM || r->how == GS_MSH_HEAPGOAL)
				assert_true(r->nterms > 0);
			for (unsigned t = 0; t < r->nterms; t++) {
				enum gs_rt_field f = r->t[t].f;

				if (!o.f[f].known)
					fail_msg("%s %s: %s names %s, not in the row", row->toolchain,
						 row->machine == EM_X86_64 ? "amd64" : "arm64",
						 gs_ms_line_key(l), gs_rt_field_name(f));
				if (r->t[t].flags & GS_MST_SHARDS)
					assert_int_equal(strcmp(gs_rt_field_struct(f),
								"runtime.heapStatsDelta"), 0);
				if (r->t[t].flags & GS_MST_LAST)
					assert_int_equal(o.f[f].count, 256);
			}
		}
		assert_int_equal(described, GS_MS_NLINES);
	}
	/* the facts a reader relies on */
	r = gs_ms_recipe("go1.21.13", GS_MS_ALLOC);
	assert_int_equal(r->how, GS_MSH_STW);
	assert_non_null(strstr(r->note, "stop-the-world"));
	assert_int_equal(gs_ms_recipe("go1.15.15", GS_MS_HEAP_OBJECTS)->how, GS_MSH_STW);
	assert_int_equal(gs_ms_recipe("go1.15.15", GS_MS_HEAP_INUSE)->how, GS_MSH_SUM);
	assert_int_equal(gs_ms_recipe("go1.15.15", GS_MS_HEAP_INUSE)->t[0].f,
			 GS_RT_MSTATS_HEAP_INUSE);
	assert_int_equal(gs_ms_recipe("go1.22", GS_MS_HEAP_INUSE)->t[0].f, GS_RT_GCC_HEAPINUSE);
	assert_int_equal(gs_ms_recipe("go1.22", GS_MS_NEXT_GC)->how, GS_MSH_HEAPGOAL);
	assert_int_equal(gs_ms_recipe("go1.24.4", GS_MS_GC_SYS)->nterms, 3);
	assert_int_equal(gs_ms_recipe("go1.25.12", GS_MS_GC_SYS)->nterms, 2);
	assert_int_equal(gs_ms_recipe("go1.27.4", GS_MS_ENABLE_GC)->how, GS_MSH_CONST);
	assert_int_equal(gs_ms_recipe("go1.27.4", GS_MS_ENABLE_GC)->value, 1);
	assert_int_equal(gs_ms_recipe("go1.27.4", GS_MS_PAUSE)->t[0].flags, GS_MST_LAST);
	assert_int_equal(gs_ms_recipe("go1.20.12", GS_MS_NUM_GC)->how, GS_MSH_UNKNOWN);
	assert_int_equal(gs_ms_recipe("go1.28", GS_MS_NUM_GC)->how, GS_MSH_UNKNOWN);
	assert_int_equal(gs_ms_recipe(NULL, GS_MS_NUM_GC)->how, GS_MSH_UNKNOWN);
	assert_string_equal(gs_ms_line_key(GS_MS_BUCKHASH_SYS), "buck-hash-sys");
	assert_string_equal(gs_ms_line_key(GS_MS_DEBUG_GC), "debug-gc");
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
		for (int f = 0; f < FIRST_FIELDS; f++)
			if (o.f[f].known)
				assert_true(o.f[f].size == 4 || o.f[f].size == 8);
		for (int f = FIRST_FIELDS; f < GS_RT_NFIELDS; f++) {
			if (!o.f[f].known)
				continue;
			assert_true(o.f[f].size > 0);
			if (o.f[f].count)
				assert_int_equal(o.f[f].size % o.f[f].count, 0);
		}
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

/* A byte buffer for hand-made DWARF. */
struct dbuf {
	uint8_t b[512];
	size_t n;
};

static size_t put(struct dbuf *d, const void *p, size_t n)
{
	size_t at = d->n;

	assert_true(d->n + n <= sizeof(d->b));
	memcpy(d->b + d->n, p, n);
	d->n += n;
	return at;
}

static size_t put8(struct dbuf *d, uint8_t v)
{
	return put(d, &v, 1);
}

static size_t put_str(struct dbuf *d, const char *s)
{
	return put(d, s, strlen(s) + 1);
}

/*
 * DWARF 5 as Go 1.25+ writes it (go1.19 here writes 4): the v5 unit header
 * (unit_type before address_size, then the abbrev offset), and forms only
 * v5 has -- implicit_const for a member offset, strx1 and data16 to be
 * skipped over.
 */
static void test_dwarf5_unit(void **state)
{
	static const uint8_t abbrev[] = {
		1, 0x11, 1,	0x03, 0x25, 0, 0,			/* CU: name strx1 */
		2, 0x13, 1,	0x03, 0x08, 0x0b, 0x0b, 0, 0,		/* struct: name, byte_size */
		3, 0x0d, 0,	0x03, 0x08, 0x49, 0x13, 0x38, 0x21, 8,	/* member at implicit 8 */
				0, 0,
		4, 0x0d, 0,	0x03, 0x08, 0x49, 0x13, 0x38, 0x0f, 0, 0, /* member at udata */
		5, 0x24, 0,	0x03, 0x08, 0x0b, 0x0b, 0x3e, 0x1e, 0, 0, /* base: data16 encoding */
		0,
	};
	static const uint8_t sixteen[16] = { 7 };
	struct dbuf d = { .n = 0 };
	size_t ref_mnext, ref_ngsys, at_u32, at_i64;
	uint32_t len, r;
	struct gs_rt_offsets o;
	struct gs_err err;
	struct img im;

	(void)state;
	put(&d, "\0\0\0\0", 4);			/* unit_length, patched below */
	put(&d, "\x05\x00", 2);			/* version 5 */
	put8(&d, 1);				/* DW_UT_compile */
	put8(&d, 8);				/* address_size */
	put(&d, "\0\0\0\0", 4);			/* debug_abbrev_offset */
	put8(&d, 1);				/* the CU, its name an strx1 index */
	put8(&d, 0);
	put8(&d, 2);
	put_str(&d, "runtime.schedt");
	put8(&d, 64);
	put8(&d, 4);
	put_str(&d, "mnext");
	ref_mnext = put(&d, "\0\0\0\0", 4);
	put8(&d, 16);				/* udata 16 */
	put8(&d, 3);
	put_str(&d, "ngsys");
	ref_ngsys = put(&d, "\0\0\0\0", 4);	/* its offset is the abbrev's implicit 8 */
	put8(&d, 0);				/* end of the struct's members */
	at_u32 = put8(&d, 5);
	put_str(&d, "uint32");
	put8(&d, 4);
	put(&d, sixteen, 16);
	at_i64 = put8(&d, 5);
	put_str(&d, "int64");
	put8(&d, 8);
	put(&d, sixteen, 16);
	put8(&d, 0);				/* end of the CU's children */
	len = (uint32_t)(d.n - 4);
	memcpy(d.b, &len, 4);
	r = (uint32_t)at_i64;			/* unit-relative, as DW_FORM_ref4 */
	memcpy(d.b + ref_mnext, &r, 4);
	r = (uint32_t)at_u32;
	memcpy(d.b + ref_ngsys, &r, 4);

	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf_raw(&im.e, d.b, d.n, abbrev, sizeof(abbrev), &o, &err), 0);
	assert_true(o.f[GS_RT_SCHED_NGSYS].known);
	assert_int_equal(o.f[GS_RT_SCHED_NGSYS].off, 8);
	assert_int_equal(o.f[GS_RT_SCHED_NGSYS].size, 4);
	assert_true(o.f[GS_RT_SCHED_MNEXT].known);
	assert_int_equal(o.f[GS_RT_SCHED_MNEXT].off, 16);
	assert_int_equal(o.f[GS_RT_SCHED_MNEXT].size, 8);
	assert_false(o.f[GS_RT_MSTATS_NUMGC].known);	/* no such struct here */

	/* version 6 is not read as if it were 5 */
	d.b[4] = 6;
	gs_rt_offsets_dwarf_raw(&im.e, d.b, d.n, abbrev, sizeof(abbrev), &o, &err);
	assert_false(o.f[GS_RT_SCHED_NGSYS].known);
	img_close(&im);
}

/*
 * A minimal ELF64 image holding one section: name, flags and bytes as
 * given. Enough for gs_dwarf_section, which is all the compressed-section
 * tests need.
 */
struct one_sec {
	uint8_t buf[8192];
	size_t size;
	struct gs_elf e;
};

static void one_sec_build(struct one_sec *o, const char *name, uint64_t flags,
			  const void *data, size_t len)
{
	char strtab[64];
	size_t nlen = strlen(name), slen, data_off = sizeof(Elf64_Ehdr), str_off, sh_off;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr sh[3] = { { 0 } };
	const char *why;

	strtab[0] = '\0';
	memcpy(strtab + 1, name, nlen + 1);
	memcpy(strtab + 2 + nlen, ".shstrtab", 10);
	slen = 2 + nlen + 10;
	str_off = data_off + len;
	sh_off = (str_off + slen + 7) & ~(size_t)7;
	assert_true(sh_off + sizeof(sh) <= sizeof(o->buf));

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shoff = sh_off;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	eh.e_shstrndx = 2;
	sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = flags,
			      .sh_offset = data_off, .sh_size = len, .sh_addralign = 1 };
	sh[2] = (Elf64_Shdr){ .sh_name = (Elf64_Word)(2 + nlen), .sh_type = SHT_STRTAB,
			      .sh_offset = str_off, .sh_size = slen, .sh_addralign = 1 };
	memset(o->buf, 0, sizeof(o->buf));
	memcpy(o->buf, &eh, sizeof(eh));
	memcpy(o->buf + data_off, data, len);
	memcpy(o->buf + str_off, strtab, slen);
	memcpy(o->buf + sh_off, sh, sizeof(sh));
	o->size = sh_off + sizeof(sh);
	assert_int_equal(gs_elf_parse(&o->e, o->buf, o->size, &why), 0);
}

/* SHF_COMPRESSED: Elf64_Chdr { type, reserved, size, addralign } + zlib. */
static size_t chdr_section(uint8_t *out, size_t cap, uint32_t type, uint64_t claimed,
			   const uint8_t *plain, size_t plen)
{
	Elf64_Chdr ch = { .ch_type = type, .ch_size = claimed, .ch_addralign = 1 };
	uLongf zlen = (uLongf)(cap - sizeof(ch));

	assert_int_equal(compress2(out + sizeof(ch), &zlen, plain, (uLong)plen, 9), Z_OK);
	memcpy(out, &ch, sizeof(ch));
	return sizeof(ch) + zlen;
}

/* Legacy .zdebug_*: "ZLIB", the size as big-endian 64 bits, then zlib. */
static size_t zdebug_section(uint8_t *out, size_t cap, uint64_t claimed, const uint8_t *plain,
			     size_t plen)
{
	uLongf zlen = (uLongf)(cap - 12);

	memcpy(out, "ZLIB", 4);
	for (int i = 0; i < 8; i++)
		out[4 + i] = (uint8_t)(claimed >> (56 - 8 * i));
	assert_int_equal(compress2(out + 12, &zlen, plain, (uLong)plen, 9), Z_OK);
	return 12 + zlen;
}

/*
 * The decompression path on forged headers: a claimed size is believed
 * only as far as the compressed bytes could fill it, and must match.
 */
static void test_dwarf_compressed(void **state)
{
	static struct one_sec o;
	uint8_t plain[3000], sec[4096];
	const uint8_t *data;
	struct gs_err err;
	size_t len, n;
	void *owned;

	(void)state;
	for (size_t i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 7 + i / 13);

	/* the real thing, both encodings */
	n = chdr_section(sec, sizeof(sec), ELFCOMPRESS_ZLIB, sizeof(plain), plain, sizeof(plain));
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), 0);
	assert_int_equal(len, sizeof(plain));
	assert_memory_equal(data, plain, sizeof(plain));
	assert_ptr_equal(data, owned);
	free(owned);
	n = zdebug_section(sec, sizeof(sec), sizeof(plain), plain, sizeof(plain));
	one_sec_build(&o, ".zdebug_info", 0, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), 0);
	assert_int_equal(len, sizeof(plain));
	assert_memory_equal(data, plain, sizeof(plain));
	free(owned);

	/* a claimed size no zlib stream of this length can reach: refused before any allocation */
	n = chdr_section(sec, sizeof(sec), ELFCOMPRESS_ZLIB, (uint64_t)400 << 20, plain, sizeof(plain));
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "implausible decompressed DWARF size"));
	assert_null(owned);
	n = zdebug_section(sec, sizeof(sec), UINT64_MAX, plain, sizeof(plain));
	one_sec_build(&o, ".zdebug_info", 0, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EFBIG);

	/* zero, one byte too many, one too few */
	n = chdr_section(sec, sizeof(sec), ELFCOMPRESS_ZLIB, 0, plain, sizeof(plain));
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EFBIG);
	for (int d = -1; d <= 1; d += 2) {
		n = chdr_section(sec, sizeof(sec), ELFCOMPRESS_ZLIB, sizeof(plain) + d, plain,
				 sizeof(plain));
		one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n);
		assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
		assert_int_equal(err.code, EINVAL);
		assert_non_null(strstr(err.msg, "does not decompress"));
		assert_null(owned);
	}

	/* a zlib stream cut short */
	n = chdr_section(sec, sizeof(sec), ELFCOMPRESS_ZLIB, sizeof(plain), plain, sizeof(plain));
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n - 20);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EINVAL);

	/* zstd (type 2) is reported, not guessed at; a header cut short */
	n = chdr_section(sec, sizeof(sec), 2, sizeof(plain), plain, sizeof(plain));
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, ENOTSUP);
	one_sec_build(&o, ".debug_info", SHF_COMPRESSED, sec, sizeof(Elf64_Chdr) - 1);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EINVAL);

	/* legacy sections without their magic, or shorter than its header */
	n = zdebug_section(sec, sizeof(sec), sizeof(plain), plain, sizeof(plain));
	sec[0] = 'X';
	one_sec_build(&o, ".zdebug_info", 0, sec, n);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EINVAL);
	one_sec_build(&o, ".zdebug_info", 0, "ZLIB", 4);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, EINVAL);

	/* and no section at all */
	one_sec_build(&o, ".debug_line", 0, plain, 16);
	assert_int_equal(gs_dwarf_section(&o.e, "debug_info", &data, &len, &owned, &err), -1);
	assert_int_equal(err.code, ENOENT);
}

/* ---- the decompression budget (DWARF bombs) ---- */

struct secspec {
	const char *name;
	uint64_t flags;
	const uint8_t *data;
	size_t len;
};

/* An ELF64 image (on the heap) of the given sections, parsed into *e. */
static uint8_t *elf_image(const struct secspec *sp, int n, struct gs_elf *e)
{
	size_t off = sizeof(Elf64_Ehdr), strsz = 1 + strlen(".shstrtab") + 1, shoff, total;
	Elf64_Ehdr eh = { 0 };
	Elf64_Shdr *sh;
	uint8_t *img;
	const char *why;
	size_t at, name_at = 1;

	for (int i = 0; i < n; i++) {
		off += sp[i].len;
		strsz += strlen(sp[i].name) + 1;
	}
	shoff = (off + strsz + 7) & ~(size_t)7;
	total = shoff + (size_t)(n + 2) * sizeof(Elf64_Shdr);
	img = calloc(1, total);
	assert_non_null(img);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shoff = shoff;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (Elf64_Half)(n + 2);
	eh.e_shstrndx = (Elf64_Half)(n + 1);
	memcpy(img, &eh, sizeof(eh));
	sh = (Elf64_Shdr *)(img + shoff);
	at = sizeof(Elf64_Ehdr);
	for (int i = 0; i < n; i++) {
		memcpy(img + at, sp[i].data, sp[i].len);
		sh[i + 1] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = sp[i].flags,
					  .sh_offset = at, .sh_size = sp[i].len, .sh_addralign = 1 };
		at += sp[i].len;
	}
	/* .shstrtab: "\0.shstrtab\0name1\0..." */
	img[at] = '\0';
	memcpy(img + at + 1, ".shstrtab", 10);
	sh[n + 1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB, .sh_offset = at,
				  .sh_size = strsz, .sh_addralign = 1 };
	name_at = 11;
	for (int i = 0; i < n; i++) {
		memcpy(img + at + name_at, sp[i].name, strlen(sp[i].name) + 1);
		sh[i + 1].sh_name = (Elf64_Word)name_at;
		name_at += strlen(sp[i].name) + 1;
	}
	assert_int_equal(gs_elf_parse(e, img, total, &why), 0);
	return img;
}

/* SHF_COMPRESSED bytes of: lead zeros-filled unit (0: none), plain, then tail zeros. */
static uint8_t *bomb_section(const uint8_t *plain, size_t plen, uint64_t lead, uint64_t tail,
			     size_t *outlen)
{
	static uint8_t zero[1 << 16];
	Elf64_Chdr ch = { .ch_type = ELFCOMPRESS_ZLIB, .ch_addralign = 1 };
	size_t cap = sizeof(ch) + plen + (size_t)((lead + tail) / 256) + 65536;
	uint8_t *out = malloc(cap);
	z_stream z = { 0 };
	uint64_t left;

	assert_non_null(out);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15, 8, Z_RLE), Z_OK);
	z.next_out = out + sizeof(ch);
	z.avail_out = (uInt)(cap - sizeof(ch));
#define FEED(p, n) do { z.next_in = (Bytef *)(p); z.avail_in = (uInt)(n); \
		assert_int_equal(deflate(&z, Z_NO_FLUSH), Z_OK); assert_int_equal(z.avail_in, 0); } while (0)
	if (lead) {
		uint8_t hdr[11] = { 0 };
		uint32_t ulen = (uint32_t)(lead - 4);

		memcpy(hdr, &ulen, 4);
		hdr[4] = 4;	/* version 4, abbrev offset 0, address size 8 */
		hdr[10] = 8;
		FEED(hdr, sizeof(hdr));
		for (left = lead - sizeof(hdr); left; left -= left < sizeof(zero) ? left : sizeof(zero))
			FEED(zero, left < sizeof(zero) ? left : sizeof(zero));
	}
	FEED(plain, plen);
	for (left = tail; left; left -= left < sizeof(zero) ? left : sizeof(zero))
		FEED(zero, left < sizeof(zero) ? left : sizeof(zero));
#undef FEED
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	ch.ch_size = lead + plen + tail;
	memcpy(out, &ch, sizeof(ch));
	*outlen = sizeof(ch) + z.total_out;
	deflateEnd(&z);
	return out;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

/*
 * A real unit's DWARF with 96 MiB of zeros after every section reads as it
 * did (only what is needed is inflated); 96 MiB in front of the units is
 * past the budget: "DWARF too large", and the table answers. Neither grows
 * the process by more than a few MiB.
 */
static void test_dwarf_budget(void **state)
{
	const uint64_t big = 96u << 20;
	const uint8_t *info, *abbrev;
	size_t ilen, alen, zi, za;
	void *iown, *aown;
	struct gs_rt_offsets ref, o;
	struct gs_err err;
	struct img im;
	struct gs_elf e;
	uint8_t *ci, *ca, *image;
	long before;
	char v[64];

	(void)state;
	fixture_goversion(v, sizeof(v));
	img_open(&im, "gcload");
	assert_int_equal(gs_rt_offsets_dwarf(&im.e, &ref, &err), 0);
	assert_int_equal(gs_dwarf_section(&im.e, "debug_info", &info, &ilen, &iown, &err), 0);
	assert_int_equal(gs_dwarf_section(&im.e, "debug_abbrev", &abbrev, &alen, &aown, &err), 0);

	/* zeros after: the units needed come first, the rest is never inflated */
	ci = bomb_section(info, ilen, 0, big, &zi);
	ca = bomb_section(abbrev, alen, 0, big, &za);
	{
		struct secspec sp[] = { { ".debug_info", SHF_COMPRESSED, ci, zi },
					{ ".debug_abbrev", SHF_COMPRESSED, ca, za } };

		image = elf_image(sp, 2, &e);
	}
	before = maxrss_kb();
	assert_int_equal(gs_rt_offsets_dwarf(&e, &o, &err), 0);
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		assert_int_equal(o.f[f].known, ref.f[f].known);
		assert_int_equal(o.f[f].off, ref.f[f].off);
	}
	assert_true(maxrss_kb() - before < 16 * 1024);
	/* read whole, the zeros after the units are no unit header */
	assert_int_equal(gs_rt_offsets_dwarf_full(&e, &o, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "malformed"));
	/* and a whole section that big is refused before any inflating */
	{
		const uint8_t *d2;
		size_t l2;
		void *o2;

		assert_int_equal(gs_dwarf_section(&e, "debug_info", &d2, &l2, &o2, &err), -1);
		assert_int_equal(err.code, EFBIG);
		assert_null(o2);
	}
	assert_true(maxrss_kb() - before < 16 * 1024);
	free(image);
	free(ci);

	/* a unit of zeros in front: inflated through up to the budget, then refused */
	ci = bomb_section(info, ilen, big, 0, &zi);
	{
		struct secspec sp[] = { { ".debug_info", SHF_COMPRESSED, ci, zi },
					{ ".debug_abbrev", SHF_COMPRESSED, ca, za } };

		image = elf_image(sp, 2, &e);
	}
	before = maxrss_kb();
	assert_int_equal(gs_rt_offsets_dwarf(&e, &o, &err), -1);
	assert_int_equal(err.code, EFBIG);
	assert_non_null(strstr(err.msg, "DWARF too large"));
	assert_int_equal(gs_rt_offsets_find(&e, v, &o, &err), 0);
	assert_int_equal(o.src, GS_RT_SRC_TABLE);
	assert_non_null(strstr(o.dwarf_why, "DWARF too large"));
	assert_int_equal(gs_rt_offsets_find(&e, "go1.28", &o, &err), -1);
	assert_string_equal(err.msg, "no runtime layout for go1.28");
	assert_non_null(strstr(o.dwarf_why, "DWARF too large"));
	assert_true(maxrss_kb() - before < 16 * 1024);
	free(image);
	free(ci);
	free(ca);
	free(iown);
	free(aown);
	img_close(&im);
}

/* One DWARF 4 unit named cu holding struct sname { ngsys uint32 at 8 }. */
static size_t small_unit(uint8_t *b, const char *cu, const char *sname)
{
	size_t n = 11, ref, base;
	uint32_t len, r;

	memset(b, 0, 11);
	b[4] = 4;	/* version; abbrev offset 0 */
	b[10] = 8;	/* address size */
#define PUT(p, k) (memcpy(b + n, (p), (k)), n += (k))
#define PUT8(v) (b[n++] = (uint8_t)(v))
	PUT8(1);
	PUT(cu, strlen(cu) + 1);
	PUT8(2);
	PUT(sname, strlen(sname) + 1);
	PUT8(16);
	PUT8(3);
	PUT("ngsys", 6);
	ref = n;
	PUT("\0\0\0\0", 4);
	PUT8(8);
	PUT8(0);
	base = n;
	PUT8(4);
	PUT("uint32", 7);
	PUT8(4);
	PUT8(0);
#undef PUT
#undef PUT8
	r = (uint32_t)base;
	memcpy(b + ref, &r, 4);
	len = (uint32_t)(n - 4);
	memcpy(b, &len, 4);
	return n;
}

/* DWARF that does not hold the runtime's types is not the binary's layout: the table is. */
static void test_find_foreign_dwarf(void **state)
{
	static const uint8_t abbrev[] = {
		1, 0x11, 1, 0x03, 0x08, 0, 0,			/* CU: name */
		2, 0x13, 1, 0x03, 0x08, 0x0b, 0x0b, 0, 0,	/* struct: name, byte_size */
		3, 0x0d, 0, 0x03, 0x08, 0x49, 0x13, 0x38, 0x0b, 0, 0,	/* member */
		4, 0x24, 0, 0x03, 0x08, 0x0b, 0x0b, 0, 0,	/* base type */
		0,
	};
	static const struct {
		const char *cu, *sname;
		enum gs_rt_source src;
		const char *why;
	} cases[] = {
		{ "runtime", "runtime.schedt", GS_RT_SRC_DWARF, "" },
		{ "runtime", "runtime.other", GS_RT_SRC_TABLE, "no runtime types in DWARF" },
		{ "main", "runtime.schedt", GS_RT_SRC_TABLE, "no unit of the wanted packages" },
	};
	uint8_t info[128];
	struct gs_rt_offsets o;
	struct gs_err err;
	struct gs_elf e;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = small_unit(info, cases[i].cu, cases[i].sname);
		struct secspec sp[] = { { ".debug_info", 0, info, n },
					{ ".debug_abbrev", 0, abbrev, sizeof(abbrev) } };
		uint8_t *image = elf_image(sp, 2, &e);

		assert_int_equal(gs_rt_offsets_find(&e, "go1.19.8", &o, &err), 0);
		assert_int_equal(o.src, cases[i].src);
		if (o.src == GS_RT_SRC_DWARF) {
			assert_true(o.f[GS_RT_SCHED_NGSYS].known);
			assert_int_equal(o.f[GS_RT_SCHED_NGSYS].off, 8);
			assert_int_equal(o.f[GS_RT_SCHED_NGSYS].size, 4);
			assert_false(o.f[GS_RT_SIZEOF_G].known);	/* only what DWARF says */
		} else {
			assert_non_null(strstr(o.dwarf_why, cases[i].why));
			assert_true(o.f[GS_RT_SIZEOF_G].known);
		}
		free(image);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_plain),
		cmocka_unit_test(test_dwarf_variants),
		cmocka_unit_test(test_no_dwarf),
		cmocka_unit_test(test_table_matches_dwarf),
		cmocka_unit_test(test_table_lookup),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_memstats_recipes),
		cmocka_unit_test(test_hostile_dwarf),
		cmocka_unit_test(test_dwarf_compressed),
		cmocka_unit_test(test_dwarf5_unit),
		cmocka_unit_test(test_dwarf_budget),
		cmocka_unit_test(test_find_foreign_dwarf),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
