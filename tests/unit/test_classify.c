/* SPDX-License-Identifier: MIT */
/*
 * The classifier against real Go builds (fixtures built by make test with
 * Debian's Go), real release binaries built by others (the corpus), non-Go
 * inputs and hostile variations of real files.
 */
#include "testlib.h"

#include "classify.h"
#include "mapguard.h"
#include "modinfo.h"
#include "probepoint.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HELLO_MOD "example.com/goscope/hello"

static char goversion[64];

static void load_goversion(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s", gs_fixture("GOVERSION"));
	f = fopen(path, "r");
	goversion[0] = 0;
	if (f) {
		if (fgets(goversion, sizeof(goversion), f))
			goversion[strcspn(goversion, "\r\n")] = 0;
		fclose(f);
	}
}

/* Classify a file by path through the cached fd path; NULL if missing. */
static struct gs_class *classify_path(const char *path)
{
	struct gs_err err = { 0 };
	struct gs_class *c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	c = gs_classify_fd(fd, &err);
	close(fd);
	if (!c)
		fail_msg("classify %s: %s", path, err.msg);
	return c;
}

static struct gs_class *fixture(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s", gs_fixture(name));
	gs_require(access(path, R_OK) == 0, path);
	return classify_path(path);
}

/* Main module path, and the main package path when pkg is given. */
static void assert_module2(const struct gs_class *c, const char *mod, const char *pkg)
{
	struct gs_span p, v;

	assert_non_null(c->modinfo);
	assert_true(gs_mi_main(c->modinfo, c->modinfo_len, &p, &v));
	assert_int_equal(p.n, strlen(mod));
	assert_memory_equal(p.p, mod, p.n);
	assert_true(gs_mi_path(c->modinfo, c->modinfo_len, &p));
	if (pkg) {
		assert_int_equal(p.n, strlen(pkg));
		assert_memory_equal(p.p, pkg, p.n);
	}
}

static void assert_module(const struct gs_class *c, const char *mod)
{
	assert_module2(c, mod, mod);
}

static void check_go_fixture(const char *name, unsigned want_flags, unsigned not_flags,
			     unsigned want_ev)
{
	struct gs_class *c = fixture(name);

	if (!c)
		return;
	assert_int_equal(c->verdict, GS_GO);
	assert_string_equal(c->version, goversion);
	assert_module(c, HELLO_MOD);
	assert_int_equal(c->flags & want_flags, want_flags);
	assert_int_equal(c->flags & not_flags, 0);
	assert_int_equal(c->evidence & want_ev, want_ev);
	gs_class_put(c);
}

static void test_plain(void **state)
{
	check_go_fixture("hello", GS_FL_DWARF | GS_FL_STATIC,
			 GS_FL_STRIPPED | GS_FL_PIE | GS_FL_CGO | GS_FL_SHARED,
			 GS_EV_BUILDINFO | GS_EV_SYMTAB | GS_EV_NOTE | GS_EV_PCLNTAB);
}

static void test_stripped(void **state)
{
	check_go_fixture("hello.stripped", GS_FL_STRIPPED | GS_FL_STATIC,
			 GS_FL_DWARF | GS_FL_PIE | GS_FL_CGO,
			 GS_EV_BUILDINFO | GS_EV_NOTE | GS_EV_PCLNTAB);
}

static void test_pie(void **state)
{
	check_go_fixture("hello.pie", GS_FL_PIE, GS_FL_STATIC | GS_FL_SHARED | GS_FL_STRIPPED,
			 GS_EV_BUILDINFO | GS_EV_SYMTAB);
}

static void test_cgo(void **state)
{
	check_go_fixture("hello.cgo", GS_FL_CGO, GS_FL_STATIC | GS_FL_SHARED,
			 GS_EV_BUILDINFO | GS_EV_SYMTAB | GS_EV_PCLNTAB);
}

static void test_c_shared(void **state)
{
	struct gs_class *c = fixture("libhello.so");

	if (!c)
		return;
	assert_int_equal(c->verdict, GS_GO);
	assert_string_equal(c->version, goversion);
	assert_true(c->flags & GS_FL_SHARED);
	assert_true(c->flags & GS_FL_CGO);
	assert_false(c->flags & GS_FL_PIE);
	gs_class_put(c);
}

/* No .go.buildinfo, no note: version from the string-header scan, modinfo recovered. */
static void test_no_buildinfo(void **state)
{
	struct gs_class *c = fixture("hello.nobuildinfo");

	if (!c)
		return;
	assert_int_equal(c->verdict, GS_GO);
	assert_string_equal(c->version, goversion);
	assert_int_equal(c->evidence & (GS_EV_BUILDINFO | GS_EV_BUILDINFO_SCAN | GS_EV_NOTE), 0);
	assert_true(c->evidence & (GS_EV_PCLNTAB | GS_EV_PCLNTAB_SCAN));
	assert_true(c->evidence & GS_EV_MODULEDATA);
	/* hello keeps .symtab, so the symbol gives the exact version first */
	assert_true(c->vsrc == GS_VSRC_SYMTAB || c->vsrc == GS_VSRC_SCAN);
	assert_module(c, HELLO_MOD);
	gs_class_put(c);
}

/* Whether a binary can hold a gops agent is decided with its classification. */
static void test_agent_pkg(void **state)
{
	static const struct { const char *name; enum gs_agent_pkg want; } cases[] = {
		{ "hello", GS_AGENT_PKG_NONE },
		{ "hello.stripped", GS_AGENT_PKG_NONE },
		{ "hello.nobuildinfo", GS_AGENT_PKG_NONE },	/* modinfo recovered by scan */
		{ "agentdemo", GS_AGENT_PKG_LINKED },		/* goscope's agent, agent/go */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gs_class *c = fixture(cases[i].name);

		if (!c)
			return;
		if (c->agent_pkg != cases[i].want)
			fail_msg("%s: agent_pkg %d, want %d", cases[i].name, c->agent_pkg,
				 cases[i].want);
		gs_class_put(c);
	}
}

static uint8_t *copy_fixture(const char *name, size_t *size);

/*
 * Build info that carries no modinfo (a GOPATH build of old Go) is the whole
 * truth: no scan of the file for a modinfo blob. Here hello's own blob stays
 * in the file, where that scan would find it, while its build info says the
 * modinfo is empty.
 */
static void test_buildinfo_without_modinfo(void **state)
{
	static const char magic[] = "\xff Go buildinf:";
	struct gs_class c;
	size_t size, vlen;
	uint8_t *img = copy_fixture("hello", &size), *bi, *p;

	bi = memmem(img, size, magic, sizeof(magic) - 1);
	assert_non_null(bi);
	assert_true(bi[15] & 2);			/* Go 1.18+: strings inline */
	p = bi + 32;
	vlen = p[0];
	assert_true(vlen > 0 && vlen < 0x80);		/* a one-byte length */
	p += 1 + vlen;
	assert_true(p[0] != 0);				/* the modinfo's length */
	p[0] = 0;
	gs_classify_mem(img, size, &c);
	assert_int_equal(c.verdict, GS_GO);
	assert_int_equal(c.vsrc, GS_VSRC_BUILDINFO);
	assert_string_equal(c.version, goversion);
	assert_null(c.modinfo);
	assert_int_equal(c.evidence & GS_EV_MODINFO_SCAN, 0);
	assert_int_equal(c.agent_pkg, GS_AGENT_PKG_UNKNOWN);
	gs_class_fini(&c);

	/* The same bytes without any build info: then the scan is worth it, and finds them. */
	memset(bi, 0, sizeof(magic) - 1);
	gs_classify_mem(img, size, &c);
	assert_int_equal(c.verdict, GS_GO);
	assert_true(c.evidence & GS_EV_MODINFO_SCAN);
	assert_module(&c, HELLO_MOD);
	gs_class_fini(&c);
	free(img);
}

static void check_cross(const char *name, uint16_t machine, unsigned ptrsize, bool be)
{
	struct gs_class *c = fixture(name);

	if (!c)
		return;
	assert_int_equal(c->verdict, GS_GO);
	assert_string_equal(c->version, goversion);
	assert_int_equal(c->machine, machine);
	assert_int_equal(c->ptrsize, ptrsize);
	assert_int_equal(c->big_endian, be);
	assert_true(c->evidence & GS_EV_PCLNTAB);
	assert_module(c, HELLO_MOD);
	gs_class_put(c);
}

static void test_386(void **state)
{
	check_cross("hello.386", EM_386, 4, false);
}

static void test_arm64(void **state)
{
	check_cross("hello.arm64", EM_AARCH64, 8, false);
}

static void test_ppc64(void **state)
{
	check_cross("hello.ppc64", EM_PPC64, 8, true);
}

static void check_not_go(const char *name)
{
	struct gs_class *c = fixture(name);

	if (!c)
		return;
	assert_int_equal(c->verdict, GS_NOT_GO);
	assert_true(c->reason[0] != 0);
	assert_null(c->modinfo);
	gs_class_put(c);
}

static void test_not_go(void **state)
{
	check_not_go("cbin");
	check_not_go("script.sh");
	check_not_go("empty");
	check_not_go("random.bin");
}

/* The first 4 KiB of a Go binary: no crash, and no false exact version. */
static void test_truncated(void **state)
{
	struct gs_class *c = fixture("truncated");

	if (!c)
		return;
	assert_int_not_equal(c->verdict, GS_GO);
	gs_class_put(c);
}

/* A hundred opens of one binary parse it once. */
static void test_cache(void **state)
{
	char path[4096];
	struct gs_cache_stats s;
	struct gs_class *first, *c;

	snprintf(path, sizeof(path), "%s", gs_fixture("hello"));
	gs_require(access(path, R_OK) == 0, path);
	gs_cache_clear();
	first = classify_path(path);
	for (int i = 0; i < 99; i++) {
		c = classify_path(path);
		assert_ptr_equal(c, first);
		gs_class_put(c);
	}
	gs_cache_stats(&s);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.hits, 99);
	assert_int_equal(s.entries, 1);
	gs_class_put(first);
	gs_cache_clear();
}

/* The uprobe placement of the public fd API (probepoint.h) agrees with .symtab. */
static void check_lookup_vs_symtab(const char *name, const char *symsrc, const char *fn)
{
	char path[4096], sympath[4096];
	struct gs_sym_query q = { .name = fn };
	struct gs_probe_point pp = { .func = fn };
	struct gs_err err = { 0 };
	struct gs_elf e;
	const char *why;
	size_t size;
	const void *data;
	int fd;

	snprintf(path, sizeof(path), "%s", gs_fixture(name));
	snprintf(sympath, sizeof(sympath), "%s", gs_fixture(symsrc));
	gs_require(access(path, R_OK) == 0 && access(sympath, R_OK) == 0, path);
	data = gs_map_file(sympath, &size);
	assert_non_null(data);
	assert_int_equal(gs_elf_parse(&e, data, size, &why), 0);
	assert_int_equal(gs_symtab_lookup(&e, &q, 1), 0);
	assert_true(q.found);
	munmap((void *)data, size);

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	if (gs_probe_points_fd(fd, &pp, 1, &err) < 0)
		fail_msg("%s: %s: %s", name, fn, err.msg);
	close(fd);
	if (!pp.found)
		fail_msg("%s: %s: %s", name, fn, pp.why);
	assert_int_equal(pp.f.entry, q.value);
	assert_true(pp.f.file_off > 0);
}

static void test_lookup(void **state)
{
	check_lookup_vs_symtab("hello", "hello", "runtime.gcStart");
	check_lookup_vs_symtab("hello", "hello", "main.main");
	check_lookup_vs_symtab("hello.stripped", "hello", "runtime.gcStart");
	check_lookup_vs_symtab("hello.stripped", "hello", "main.main");
	check_lookup_vs_symtab("hello.pie", "hello.pie", "runtime.gcStart");
	check_lookup_vs_symtab("hello.cgo", "hello.cgo", "runtime.gcStart");
	check_lookup_vs_symtab("hello.cgo", "hello.cgo", "main.main");
	check_lookup_vs_symtab("hello.nobuildinfo", "hello.nobuildinfo", "runtime.gcStart");
	check_lookup_vs_symtab("hello.386", "hello.386", "runtime.gcStart");
	check_lookup_vs_symtab("hello.arm64", "hello.arm64", "runtime.gcStart");
	check_lookup_vs_symtab("hello.ppc64", "hello.ppc64", "main.main");
}

/* ---- the corpus: release binaries built by others ---- */

struct corpus_case {
	const char *file, *version, *module, *pkg;
	uint64_t gcstart;
};

static const struct corpus_case corpus[] = {
	{ "esbuild-0.8.57/esbuild", "go1.16", "github.com/evanw/esbuild", "github.com/evanw/esbuild/cmd/esbuild", 0x41be80 },
	{ "esbuild-0.13.15/esbuild", "go1.17.2", "github.com/evanw/esbuild", "github.com/evanw/esbuild/cmd/esbuild", 0x418ea0 },
	{ "esbuild-0.15.18/esbuild", "go1.19.3", "github.com/evanw/esbuild", "github.com/evanw/esbuild/cmd/esbuild", 0x4197c0 },
	{ "esbuild-0.19.12/esbuild", "go1.20.12", "github.com/evanw/esbuild", "github.com/evanw/esbuild/cmd/esbuild", 0x418ea0 },
	{ "buf-1.75.0/buf", "go1.27.3", "github.com/bufbuild/buf", "github.com/bufbuild/buf/cmd/buf", 0x431580 },
	{ "buf-1.75.0/protoc-gen-buf-breaking", "go1.27.3", "github.com/bufbuild/buf", "github.com/bufbuild/buf/cmd/protoc-gen-buf-breaking", 0x42d6a0 },
	{ "buf-1.75.0/protoc-gen-buf-lint", "go1.27.3", "github.com/bufbuild/buf", "github.com/bufbuild/buf/cmd/protoc-gen-buf-lint", 0x42d5c0 },
};

static void test_corpus(void **state)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_case *cc = &corpus[i];
		struct gs_probe_point pp[2] = { { .func = "runtime.gcStart" }, { .func = "runtime.main" } };
		struct gs_err err = { 0 };
		struct gs_class *c;
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s", gs_corpus(cc->file));
		gs_require(access(path, R_OK) == 0, path);
		c = classify_path(path);
		assert_non_null(c);
		assert_int_equal(c->verdict, GS_GO);
		assert_string_equal(c->version, cc->version);
		assert_int_equal(c->vsrc, GS_VSRC_BUILDINFO);
		assert_true(c->flags & GS_FL_STRIPPED);
		assert_module2(c, cc->module, cc->pkg);
		gs_class_put(c);

		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		if (gs_probe_points_fd(fd, pp, 2, &err) < 0)
			fail_msg("%s: %s", cc->file, err.msg);
		close(fd);
		if (!pp[0].found || !pp[1].found)
			fail_msg("%s: %s / %s", cc->file, pp[0].why, pp[1].why);
		assert_int_equal(pp[0].f.entry, cc->gcstart);
	}
}

/*
 * Version recovery without build info on real release binaries: cut the
 * build info out of an in-memory copy (zero its magic, as a removal does)
 * and ask again: the string-header scan must give the same version.
 */
static void test_corpus_no_buildinfo(void **state)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct gs_class c;
		char path[4096];
		size_t size;
		const void *map;
		uint8_t *copy, *hit;

		snprintf(path, sizeof(path), "%s", gs_corpus(corpus[i].file));
		gs_require(access(path, R_OK) == 0, path);
		map = gs_map_file(path, &size);
		assert_non_null(map);
		copy = malloc(size);
		assert_non_null(copy);
		memcpy(copy, map, size);
		munmap((void *)map, size);
		while ((hit = memmem(copy, size, "\xff Go buildinf:", 14)))
			memset(hit, 0, 14);
		gs_classify_mem(copy, size, &c);
		assert_int_equal(c.verdict, GS_GO);
		assert_string_equal(c.version, corpus[i].version);
		assert_int_equal(c.vsrc, GS_VSRC_SCAN);
		assert_non_null(c.modinfo);
		gs_class_fini(&c);
		free(copy);
	}
}

/* ---- hostile ELF ---- */

static uint8_t *copy_fixture(const char *name, size_t *size)
{
	char path[4096];
	const void *map;
	uint8_t *copy;

	snprintf(path, sizeof(path), "%s", gs_fixture(name));
	gs_require(access(path, R_OK) == 0, path);
	map = gs_map_file(path, size);
	assert_non_null(map);
	copy = malloc(*size);
	assert_non_null(copy);
	memcpy(copy, map, *size);
	munmap((void *)map, *size);
	return copy;
}

/* Extended numbering: e_shnum = 0 and e_phnum = PN_XNUM with the real counts in section 0. */
static void test_extended_numbering(void **state)
{
	struct gs_class a, b;
	Elf64_Ehdr *eh;
	Elf64_Shdr *s0;
	size_t size;
	uint8_t *img = copy_fixture("hello", &size);

	gs_classify_mem(img, size, &a);
	eh = (Elf64_Ehdr *)img;
	s0 = (Elf64_Shdr *)(img + eh->e_shoff);
	s0->sh_size = eh->e_shnum;
	s0->sh_info = eh->e_phnum;
	eh->e_shnum = 0;
	eh->e_phnum = PN_XNUM;
	gs_classify_mem(img, size, &b);
	assert_int_equal(b.verdict, a.verdict);
	assert_string_equal(b.version, a.version);
	assert_int_equal(b.evidence, a.evidence);
	assert_int_equal(b.flags, a.flags);
	gs_class_fini(&a);
	gs_class_fini(&b);
	free(img);
}

/* Header fields pointing anywhere: counts huge, offsets past the end, overlaps. */
static void test_hostile_headers(void **state)
{
	static const struct { size_t off, len; uint64_t val; } pokes[] = {
		{ 32, 8, ~0ull },		/* e_phoff */
		{ 40, 8, ~0ull - 10 },		/* e_shoff */
		{ 54, 2, 0xffff },		/* e_phentsize */
		{ 56, 2, 0xffff },		/* e_phnum */
		{ 58, 2, 1 },			/* e_shentsize too small */
		{ 60, 2, 0xffff },		/* e_shnum */
		{ 62, 2, 0xfffe },		/* e_shstrndx */
		{ 32, 8, 0 },			/* program headers overlap the ELF header */
		{ 40, 8, 64 },			/* section headers overlap program headers */
	};
	size_t size;
	uint8_t *img = copy_fixture("hello.stripped", &size);
	uint8_t *work = malloc(size);

	assert_non_null(work);
	for (size_t i = 0; i < sizeof(pokes) / sizeof(pokes[0]); i++) {
		struct gs_class c;

		memcpy(work, img, size);
		memcpy(work + pokes[i].off, &pokes[i].val, pokes[i].len);
		gs_classify_mem(work, size, &c);
		gs_class_fini(&c);
	}
	/* Every truncation length of the first 8 KiB, and a few beyond. */
	for (size_t n = 0; n < 8192 && n < size; n += 7) {
		struct gs_class c;

		gs_classify_mem(img, n, &c);
		assert_int_not_equal(c.verdict, GS_GO);
		gs_class_fini(&c);
	}
	free(work);
	free(img);
}

/* Corrupt program headers and Go structures at random; must never crash or hang. */
static void test_random_corruption(void **state)
{
	size_t size;
	uint8_t *img = copy_fixture("hello.stripped", &size);
	uint8_t *work = malloc(size);
	unsigned seed = 12345;

	assert_non_null(work);
	for (int round = 0; round < 200; round++) {
		struct gs_class c;

		memcpy(work, img, size);
		for (int k = 0; k < 16; k++) {
			size_t at;

			seed = seed * 1103515245 + 12345;
			/* half the pokes hit the headers, half anywhere */
			at = (k & 1) ? (seed >> 4) % size : (seed >> 4) % 4096;
			work[at] = (uint8_t)(seed >> 24);
		}
		gs_classify_mem(work, size, &c);
		gs_class_fini(&c);
	}
	free(work);
	free(img);
}

/* ---- a file truncated while mapped ---- */

static int touch_last_page(void *arg)
{
	const volatile uint8_t *p = arg;

	return p[8192];		/* beyond the new end of file: SIGBUS */
}

static void test_truncated_while_mapped(void **state)
{
	char path[] = "/tmp/goscope-test-XXXXXX";
	struct gs_err err = { 0 };
	const void *data;
	size_t size;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 16384), 0);
	assert_int_equal(gs_map_fd(fd, &data, &size, &err), 0);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(gs_map_guarded(touch_last_page, (void *)data), -1);
	/* and the guard is reusable: the same again */
	assert_int_equal(gs_map_guarded(touch_last_page, (void *)data), -1);
	gs_unmap(data, size);
	close(fd);
}

/* ---- modinfo text ---- */

static void test_modinfo_lines(void **state)
{
	static const char mi[] =
		"path\texample.com/x/cmd\n"
		"mod\texample.com/x\t(devel)\t\n"
		"dep\texample.com/dep\tv1.2.3\th1:abc=\n"
		"dep\texample.com/old\tv0.1.0\n"
		"=>\t../local\t(devel)\t\n"
		"build\t-ldflags=\"-s -w\"\n"
		"build\t\"we=ird\"=\"a\\tb\"\n"
		"build\tCGO_ENABLED=0\n";
	struct gs_mi_iter it;
	struct gs_mi_line l;
	struct gs_span p, v;
	char buf[64];
	int n = 0;

	gs_mi_init(&it, mi, sizeof(mi) - 1);
	while (gs_mi_next(&it, &l))
		n++;
	assert_int_equal(n, 8);
	assert_true(gs_mi_main(mi, sizeof(mi) - 1, &p, &v));
	assert_int_equal(v.n, 7);
	assert_memory_equal(v.p, "(devel)", 7);
	assert_true(gs_mi_setting(mi, sizeof(mi) - 1, "-ldflags", buf, sizeof(buf)));
	assert_string_equal(buf, "-s -w");
	assert_true(gs_mi_setting(mi, sizeof(mi) - 1, "we=ird", buf, sizeof(buf)));
	assert_string_equal(buf, "a\tb");
	assert_true(gs_mi_setting(mi, sizeof(mi) - 1, "CGO_ENABLED", buf, sizeof(buf)));
	assert_string_equal(buf, "0");
	assert_false(gs_mi_setting(mi, sizeof(mi) - 1, "GOAMD64", buf, sizeof(buf)));
}

static void test_unquote(void **state)
{
	char buf[32];
	struct gs_span s;

#define SPAN(lit) (s = (struct gs_span){ lit, sizeof(lit) - 1 })
	assert_true(gs_unquote(SPAN("\"\\u00e9\\x41\\101\""), buf, sizeof(buf)));
	assert_string_equal(buf, "\xc3\xa9" "AA");
	assert_false(gs_unquote(SPAN("\"unterminated"), buf, sizeof(buf)));
	assert_false(gs_unquote(SPAN("\"bad \\q\""), buf, sizeof(buf)));
	assert_false(gs_unquote(SPAN("\"\\U0011ffff\""), buf, sizeof(buf)));
	assert_false(gs_unquote(SPAN("\"\\x4\""), buf, sizeof(buf)));
	assert_false(gs_unquote(SPAN("\"0123456789012345678901234567890123456789\""), buf,
				sizeof(buf)));
#undef SPAN
}

static void test_version_plausible(void **state)
{
#define OK(s) assert_true(gs_version_plausible((const uint8_t *)s, sizeof(s) - 1))
#define NO(s) assert_false(gs_version_plausible((const uint8_t *)s, sizeof(s) - 1))
	OK("go1.16");
	OK("go1.19.8");
	OK("go1.21rc2");
	OK("go1.22beta1");
	OK("go1.25.1 X:nocoverageredesign");
	OK("devel go1.23-abc123 Tue Jan 1");
	NO("go1.");
	NO("go1.x");
	NO("go1.2.");
	NO("go2.0");
	NO("go1.20rc");
	NO("go1.20\n");
	NO("gox");
#undef OK
#undef NO
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_pie),
		cmocka_unit_test(test_cgo),
		cmocka_unit_test(test_c_shared),
		cmocka_unit_test(test_no_buildinfo),
		cmocka_unit_test(test_agent_pkg),
		cmocka_unit_test(test_buildinfo_without_modinfo),
		cmocka_unit_test(test_386),
		cmocka_unit_test(test_arm64),
		cmocka_unit_test(test_ppc64),
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_no_buildinfo),
		cmocka_unit_test(test_extended_numbering),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_random_corruption),
		cmocka_unit_test(test_truncated_while_mapped),
		cmocka_unit_test(test_modinfo_lines),
		cmocka_unit_test(test_unquote),
		cmocka_unit_test(test_version_plausible),
	};

	load_goversion();
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
