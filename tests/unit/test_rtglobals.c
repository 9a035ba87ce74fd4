/* SPDX-License-Identifier: MIT */
/*
 * Runtime globals found in machine code (rtglobals.h) against the truth:
 * for every fetched toolchain, on amd64 and arm64, the rules run on the
 * stripped build must land on the addresses the unstripped twin's .symtab
 * gives (the same offset inside the same section: -s -w moves the data
 * segment by the size of what it drops), each confirmed by a second
 * function; on the unstripped, PIE, cgo, trimpath and build-info-removed
 * builds they must equal their own .symtab exactly. Plus the release
 * corpus, and the decoders on hand-made and random code.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arm64scan.h"
#include "coderef.h"
#include "goelf.h"
#include "rtglobals.h"
#include "rtoffsets.h"
#include "x86scan.h"

#define MAX_LINES 32

struct img {
	const void *data;
	size_t size;
	struct gs_elf e;
	struct gs_pclntab t;
	char version[64];
};

static char lines[MAX_LINES][64];
static int nlines = -1;

/* The release lines tools/fetch-go-toolchains.sh knows (one list, there). */
static void load_lines(void)
{
	char buf[128];
	FILE *p;

	if (nlines >= 0)
		return;
	nlines = 0;
	p = popen("tools/fetch-go-toolchains.sh --list", "r");
	if (!p)
		fail_msg("cannot run tools/fetch-go-toolchains.sh --list");
	while (nlines < MAX_LINES && fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0])
			snprintf(lines[nlines++], sizeof(lines[0]), "%.60s", buf);
	}
	pclose(p);
	if (nlines == 0)
		fail_msg("no release lines from tools/fetch-go-toolchains.sh --list");
}

static void img_open(struct img *im, const char *path)
{
	struct gs_moduledata md;
	const char *why;

	memset(im, 0, sizeof(*im));
	im->data = gs_map_file(path, &im->size);
	if (!im->data)
		fail_msg("cannot map %s", path);
	assert_int_equal(gs_elf_parse(&im->e, im->data, im->size, &why), 0);
	assert_int_equal(gs_pcln_find(&im->e, &im->t), 0);
	if (!im->t.text_known)
		gs_moduledata_find(&im->e, &im->t, &md);
}

static void img_close(struct img *im)
{
	gs_unmap_file(im->data, im->size);
}

/* The toolchain's exact version, as build-matrix.sh recorded it. */
static void line_version(const char *line, char *out, size_t n)
{
	char name[128];
	FILE *f;

	snprintf(name, sizeof(name), "%s/VERSION", line);
	f = fopen(gs_require_matrix(name), "r");
	if (!f || !fgets(out, (int)n, f))
		fail_msg("cannot read %s", gs_matrix(name));
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* addr in twin moved to the same offset of the same-named section of other. */
static uint64_t same_place(const struct gs_elf *twin, const struct gs_elf *other, uint64_t addr)
{
	for (uint32_t i = 0; i < twin->shnum; i++) {
		struct gs_shdr sh, sh2;
		const char *name;

		if (!gs_elf_shdr(twin, i, &sh) || !(sh.flags & SHF_ALLOC) || addr < sh.addr ||
		    addr >= sh.addr + sh.size)
			continue;
		name = gs_elf_shname(twin, &sh);
		if (!name || !gs_elf_section(other, name, &sh2))
			fail_msg("section %s missing from the stripped build", name ? name : "?");
		return addr - sh.addr + sh2.addr;
	}
	fail_msg("%#llx is in no section", (unsigned long long)addr);
	return 0;
}

static bool before_go117(const char *version)
{
	return strncmp(version, "go1.15", 6) == 0 || strncmp(version, "go1.16", 6) == 0;
}

/* Each code answer equals want (moved by map when twin is given), confirmed. */
static void expect_code(const char *what, const struct gs_rt_globals *want, const struct img *twin,
			const struct img *got_img, const struct gs_rt_globals *got, bool no_allgptr)
{
	for (int k = 0; k < GS_RTG_COUNT; k++) {
		const struct gs_rtg_addr *w = &want->g[k], *g = &got->g[k];
		uint64_t a;

		if (k == GS_RTG_ALLGPTR && no_allgptr) {
			if (g->src != GS_RTG_SRC_NONE)
				fail_msg("%s: %s found where Go has none", what, gs_rtg_name(k));
			continue;
		}
		if (w->src != GS_RTG_SRC_SYMTAB)
			fail_msg("%s: %s not in the twin's .symtab", what, gs_rtg_name(k));
		if (g->src != GS_RTG_SRC_CODE)
			fail_msg("%s: %s not found in code: %s", what, gs_rtg_name(k), g->how);
		a = twin ? same_place(&twin->e, &got_img->e, w->addr) : w->addr;
		if (g->addr != a)
			fail_msg("%s: %s: code says %#llx, .symtab %#llx (%s)", what, gs_rtg_name(k),
				 (unsigned long long)g->addr, (unsigned long long)a, g->how);
		if (!g->confirmed)
			fail_msg("%s: %s: found by %s but not confirmed", what, gs_rtg_name(k), g->how);
	}
}

/* One release line, one machine: the unstripped twin and its stripped build. */
static void check_line(const char *line, const char *arch)
{
	char tname[128], sname[128], version[64], what[256];
	struct gs_rt_offsets otwin, ostr;
	struct gs_rt_globals sym, code_twin, code_str, find_str;
	struct gs_err err;
	struct img twin, str;

	snprintf(tname, sizeof(tname), "%s/selfstat%s", line, arch);
	snprintf(sname, sizeof(sname), "%s/selfstat%s.stripped", line, arch);
	line_version(line, version, sizeof(version));
	img_open(&twin, gs_require_matrix(tname));
	img_open(&str, gs_require_matrix(sname));
	/* The twin's offsets from its DWARF, the stripped build's from the table. */
	if (gs_rt_offsets_find(&twin.e, version, &otwin, &err) < 0)
		fail_msg("%s: %s", tname, err.msg);
	if (gs_rt_offsets_find(&str.e, version, &ostr, &err) < 0)
		fail_msg("%s: %s", sname, err.msg);
	assert_int_equal(otwin.src, GS_RT_SRC_DWARF);
	assert_int_equal(ostr.src, GS_RT_SRC_TABLE);

	gs_rt_globals_find(&twin.e, &twin.t, &otwin, &sym);
	assert_true(sym.symtab);
	gs_rt_globals_code(&twin.e, &twin.t, &otwin, &code_twin);
	snprintf(what, sizeof(what), "%s (%s, code)", tname, version);
	expect_code(what, &sym, NULL, &twin, &code_twin, before_go117(version));

	gs_rt_globals_code(&str.e, &str.t, &ostr, &code_str);
	snprintf(what, sizeof(what), "%s (%s)", sname, version);
	expect_code(what, &sym, &twin, &str, &code_str, before_go117(version));

	/* Without .symtab, find takes the code's answers and says so. */
	gs_rt_globals_find(&str.e, &str.t, &ostr, &find_str);
	assert_false(find_str.symtab);
	for (int k = 0; k < GS_RTG_COUNT; k++) {
		assert_int_equal(find_str.g[k].src, code_str.g[k].src);
		assert_int_equal(find_str.g[k].addr, code_str.g[k].addr);
	}
	img_close(&twin);
	img_close(&str);
}

static void test_amd64(void **state)
{
	(void)state;
	load_lines();
	for (int k = 0; k < nlines; k++)
		check_line(lines[k], "");
}

static void test_arm64(void **state)
{
	(void)state;
	load_lines();
	for (int k = 0; k < nlines; k++)
		check_line(lines[k], ".arm64");
}

/* PIE, cgo, trimpath, no build info: the code agrees with each one's own .symtab. */
static void test_modes(void **state)
{
	static const char *const modes[] = { ".pie", ".cgo", ".trimpath", ".nobuildinfo" };
	char name[128], version[64], what[256];
	struct gs_rt_globals sym, code;
	struct gs_rt_offsets o;
	struct gs_err err;
	struct img im;

	(void)state;
	load_lines();
	for (int k = 0; k < nlines; k++) {
		line_version(lines[k], version, sizeof(version));
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			snprintf(name, sizeof(name), "%.60s/selfstat%s", lines[k], modes[m]);
			img_open(&im, gs_require_matrix(name));
			if (gs_rt_offsets_find(&im.e, version, &o, &err) < 0)
				fail_msg("%s: %s", name, err.msg);
			gs_rt_globals_find(&im.e, &im.t, &o, &sym);
			gs_rt_globals_code(&im.e, &im.t, &o, &code);
			snprintf(what, sizeof(what), "%s (%s)", name, version);
			expect_code(what, &sym, NULL, &im, &code, before_go117(version));
			img_close(&im);
		}
	}
}

/*
 * Release binaries built by others (all stripped): every global that needs
 * no struct layout is found and confirmed; the struct globals are found
 * wherever the layout knows the version, else unknown with that reason.
 */
static void test_corpus(void **state)
{
	static const char *const names[] = {
		"esbuild-0.8.57/esbuild", "esbuild-0.13.15/esbuild", "esbuild-0.15.18/esbuild",
		"esbuild-0.19.12/esbuild", "buf-1.75.0/buf", "buf-1.75.0/protoc-gen-buf-lint",
	};
	static const char *const versions[] = {
		"go1.16", "go1.17.2", "go1.19.3", "go1.20.12", "go1.27.3", "go1.27.3",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct gs_rt_globals g;
		struct gs_rt_offsets o;
		struct gs_err err;
		bool layout;
		struct img im;

		img_open(&im, gs_require_corpus(names[i]));
		layout = gs_rt_offsets_find(&im.e, versions[i], &o, &err) == 0;
		gs_rt_globals_find(&im.e, &im.t, layout ? &o : NULL, &g);
		assert_false(g.symtab);
		for (int k = 0; k < GS_RTG_COUNT; k++) {
			bool needs_layout = k == GS_RTG_SCHED || k == GS_RTG_MEMSTATS;

			if (k == GS_RTG_ALLGPTR && before_go117(versions[i])) {
				assert_int_equal(g.g[k].src, GS_RTG_SRC_NONE);
				continue;
			}
			if (needs_layout && !layout) {
				assert_int_equal(g.g[k].src, GS_RTG_SRC_NONE);
				assert_non_null(strstr(g.g[k].how, "layout"));
				continue;
			}
			if (g.g[k].src != GS_RTG_SRC_CODE || !g.g[k].confirmed)
				fail_msg("%s: %s: %s", names[i], gs_rtg_name(k), g.g[k].how);
		}
		/* The two int32s sit in writable data, apart. */
		assert_true(g.g[GS_RTG_NCPU].addr != g.g[GS_RTG_GOMAXPROCS].addr);
		img_close(&im);
	}
}

/* ---- the decoders on hand-made code ---- */

static void test_x86_refs(void **state)
{
	/*
	 * 0x1000 lea rdx, [rip+0x100]      -> 0x1107
	 * 0x1007 xchg qword ptr [rdx], rcx  atomic store through rdx
	 * 0x100a mov dword ptr [rip+0x20], 0x2710
	 * 0x1014 mov eax, dword ptr [rbx+0x18]   relative: a field
	 * 0x1017 call 0x2000
	 * 0x101c mov qword ptr [rdx], rax   rdx forgotten at the call: relative
	 */
	static const uint8_t code[] = {
		0x48, 0x8d, 0x15, 0x00, 0x01, 0x00, 0x00,
		0x48, 0x87, 0x0a,
		0xc7, 0x05, 0x20, 0x00, 0x00, 0x00, 0x10, 0x27, 0x00, 0x00,
		0x8b, 0x43, 0x18,
		0xe8, 0xe4, 0x0f, 0x00, 0x00,
		0x48, 0x89, 0x02,
	};
	struct gs_cref r[16];
	struct gs_err err;
	int n;

	(void)state;
	n = gs_x86_refs(code, sizeof(code), 0x1000, r, 16, &err);
	if (n < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 6);
	assert_int_equal(r[0].kind, GS_CREF_ADDR);
	assert_int_equal(r[0].addr, 0x1107);
	assert_int_equal(r[1].kind, GS_CREF_RMW);
	assert_true(r[1].atomic);
	assert_int_equal(r[1].addr, 0x1107);
	assert_int_equal(r[1].size, 8);
	assert_int_equal(r[2].kind, GS_CREF_STORE);
	assert_int_equal(r[2].addr, 0x1014 + 0x20);
	assert_true(r[2].has_imm);
	assert_int_equal(r[2].imm, 10000);
	assert_int_equal(r[2].size, 4);
	assert_true(r[3].rel);
	assert_int_equal(r[3].addr, 0x18);
	assert_int_equal(r[3].kind, GS_CREF_LOAD);
	assert_int_equal(r[4].kind, GS_CREF_CALL);
	assert_int_equal(r[4].addr, 0x2000);
	assert_true(r[5].rel);
	assert_int_equal(r[5].kind, GS_CREF_STORE);
	assert_int_equal(r[5].addr, 0);
	/* Too small an output: an error, never an overrun. */
	assert_int_equal(gs_x86_refs(code, sizeof(code), 0x1000, r, 2, &err), -1);
	assert_int_equal(err.code, E2BIG);
}

static void test_arm64_refs(void **state)
{
	/*
	 * 0x10000 adrp x0, 0x20000
	 * 0x10004 add  x0, x0, #0x10       -> 0x20010
	 * 0x10008 stlr x1, [x0]            atomic 8-byte store
	 * 0x1000c adrp x27, 0x20000
	 * 0x10010 ldr  w2, [x27, #0x18]    4-byte load of 0x20018
	 * 0x10014 bl   0x10100
	 * 0x10018 ldr  x3, [x0, #8]        x0 forgotten at the call: relative
	 */
	static const uint8_t code[] = {
		0x80, 0x00, 0x00, 0x90,
		0x00, 0x40, 0x00, 0x91,
		0x01, 0xfc, 0x9f, 0xc8,
		0x9b, 0x00, 0x00, 0x90,
		0x62, 0x1b, 0x40, 0xb9,
		0x3b, 0x00, 0x00, 0x94,
		0x03, 0x04, 0x40, 0xf9,
	};
	struct gs_cref r[16];
	struct gs_err err;
	int n;

	(void)state;
	n = gs_arm64_refs(code, sizeof(code), 0x10000, r, 16, &err);
	if (n < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(n, 5);
	assert_int_equal(r[0].kind, GS_CREF_ADDR);
	assert_int_equal(r[0].addr, 0x20010);
	assert_int_equal(r[1].kind, GS_CREF_STORE);
	assert_true(r[1].atomic);
	assert_int_equal(r[1].addr, 0x20010);
	assert_int_equal(r[1].size, 8);
	assert_int_equal(r[2].kind, GS_CREF_LOAD);
	assert_int_equal(r[2].addr, 0x20018);
	assert_int_equal(r[2].size, 4);
	assert_int_equal(r[3].kind, GS_CREF_CALL);
	assert_int_equal(r[3].addr, 0x10100);
	assert_true(r[4].rel);
	assert_int_equal(r[4].addr, 8);
}

/* Random bytes: some references or an error, never a crash or an overrun. */
static void test_random_code(void **state)
{
	static uint8_t junk[8192];
	struct gs_cref r[64];
	uint64_t seed = 7;
	struct gs_err err;

	(void)state;
	for (int round = 0; round < 20; round++) {
		int n;

		for (size_t i = 0; i < sizeof(junk); i++) {
			seed = seed * 6364136223846793005ull + 1;
			junk[i] = (uint8_t)(seed >> 33);
		}
		n = gs_x86_refs(junk, sizeof(junk), 0x400000, r, 64, &err);
		assert_true(n >= -1 && n <= 64);
		n = gs_arm64_refs(junk, sizeof(junk), 0x400000, r, 64, &err);
		assert_true(n >= -1 && n <= 64);
	}
}

/* Not amd64 or arm64, or no pclntab: every global unknown, with a reason. */
static void test_unsupported(void **state)
{
	struct gs_rt_globals g;
	struct img im;

	(void)state;
	img_open(&im, gs_require_fixture("hello.ppc64"));
	gs_rt_globals_code(&im.e, &im.t, NULL, &g);
	for (int k = 0; k < GS_RTG_COUNT; k++) {
		assert_int_equal(g.g[k].src, GS_RTG_SRC_NONE);
		assert_true(strlen(g.g[k].how) > 0);
	}
	gs_rt_globals_code(&im.e, NULL, NULL, &g);
	assert_non_null(strstr(g.g[GS_RTG_ALLGLEN].how, "pclntab"));
	img_close(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_refs),
		cmocka_unit_test(test_arm64_refs),
		cmocka_unit_test(test_random_code),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_amd64),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_corpus),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
