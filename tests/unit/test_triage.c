/* SPDX-License-Identifier: MIT */
/*
 * The ELF triage of gotriage.h: synthetic images for each rule (both
 * classes and byte orders, a name table read whole and one read name by
 * name), every header field that must make it defer to the classifier, the
 * real fixtures and the release corpus, and the rule that it never turns
 * away a file the classifier calls Go. The fd and memory paths must agree
 * on every input.
 */
#include "testlib.h"

#include <dirent.h>
#include <elf.h>
#include <string.h>

#include "classify.h"
#include "gotriage.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IMG_MAX (64u << 10)

/* What the toolchains write (docs/go-binary-format.md §8): the spec, kept apart from the code. */
static const char *const gc_names[] = {
	".gopclntab", ".go.buildinfo", ".go.module", ".go.fipsinfo", ".go.type", ".go.func",
	".gosymtab", ".typelink", ".itablink", ".noptrdata", ".noptrbss",
	".data.rel.ro.gopclntab", ".note.go.buildid",
};

/* Both paths on one image: through a temporary file, and in memory. */
static bool triage_both(const uint8_t *img, size_t n)
{
	char path[] = "/tmp/goscope-triage-XXXXXX";
	int fd = mkstemp(path);
	bool by_fd, by_mem;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, img, n), (ssize_t)n);
	by_fd = gs_maybe_go_fd(fd, n);
	close(fd);
	by_mem = gs_maybe_go_mem(img, n);
	assert_int_equal(by_fd, by_mem);
	return by_mem;
}

/* ---- synthetic images ---- */

struct sect {
	const char *name;
	uint32_t type;		/* 0: SHT_PROGBITS */
};
#define P(n) { .name = (n) }
#define NB(n) { .name = (n), .type = SHT_NOBITS }

struct spec {
	bool is32, be;
	uint16_t type;		/* 0: ET_EXEC */
	size_t pad;		/* junk before the names in the name table */
	bool unterminated;	/* the last name ends the table without a NUL */
};

struct img {
	uint8_t b[IMG_MAX];
	size_t n;
	bool is64, be;
	size_t shoff_at, shnum_at, shstrndx_at, shentsize_at;	/* header field offsets */
	size_t strtab_hdr;					/* its section header */
};

static void put(const struct img *im, uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[im->be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put_at(struct img *im, size_t off, uint64_t v, unsigned n)
{
	put(im, im->b + off, v, n);
}

/* An ELF header, then the name table, then the section table (null, s[], .shstrtab). */
static void mk(struct img *im, const struct spec *sp, const struct sect *s, unsigned ns)
{
	unsigned ent, nsh = ns + 2;
	size_t ehsz, str, pos, shoff, name[64], shname;

	assert_true(ns < ARRAY_SIZE(name));
	memset(im, 0, sizeof(*im));
	im->is64 = !sp->is32;
	im->be = sp->be;
	ent = im->is64 ? 64 : 40;
	ehsz = im->is64 ? 64 : 52;
	memcpy(im->b, ELFMAG, SELFMAG);
	im->b[EI_CLASS] = im->is64 ? ELFCLASS64 : ELFCLASS32;
	im->b[EI_DATA] = im->be ? ELFDATA2MSB : ELFDATA2LSB;
	im->b[EI_VERSION] = EV_CURRENT;
	put_at(im, 16, sp->type ? sp->type : ET_EXEC, 2);
	put_at(im, 18, im->is64 ? EM_X86_64 : EM_386, 2);

	/* The names: "\0", junk, ".shstrtab\0", then each section's. */
	str = pos = ehsz;
	im->b[pos++] = 0;
	memset(im->b + pos, 'y', sp->pad);
	pos += sp->pad;
	if (sp->pad)
		im->b[pos++] = 0;
	shname = pos - str;
	memcpy(im->b + pos, ".shstrtab", 10);
	pos += 10;
	for (unsigned i = 0; i < ns; i++) {
		size_t l = strlen(s[i].name);

		name[i] = pos - str;
		memcpy(im->b + pos, s[i].name, l);
		pos += l;
		if (!(sp->unterminated && i == ns - 1))
			im->b[pos++] = 0;
	}
	shoff = (pos + 7) & ~(size_t)7;
	assert_true(shoff + nsh * ent <= IMG_MAX);

	for (unsigned i = 1; i < nsh; i++) {
		uint8_t *h = im->b + shoff + i * ent;
		bool strtab = i == nsh - 1;
		uint32_t type = strtab ? SHT_STRTAB : s[i - 1].type ? s[i - 1].type : SHT_PROGBITS;

		put(im, h, strtab ? shname : name[i - 1], 4);
		put(im, h + 4, type, 4);
		if (im->is64) {
			put(im, h + 24, strtab ? str : 0, 8);		/* sh_offset */
			put(im, h + 32, strtab ? pos - str : 0, 8);	/* sh_size */
		} else {
			put(im, h + 16, strtab ? str : 0, 4);
			put(im, h + 20, strtab ? pos - str : 0, 4);
		}
		if (strtab)
			im->strtab_hdr = shoff + i * ent;
	}
	im->shoff_at = im->is64 ? 0x28 : 0x20;
	im->shentsize_at = im->is64 ? 0x3a : 0x2e;
	im->shnum_at = im->is64 ? 0x3c : 0x30;
	im->shstrndx_at = im->is64 ? 0x3e : 0x32;
	put_at(im, im->shoff_at, shoff, im->is64 ? 8 : 4);
	put_at(im, im->is64 ? 0x34 : 0x28, ehsz, 2);	/* e_ehsize */
	put_at(im, im->shentsize_at, ent, 2);
	put_at(im, im->shnum_at, nsh, 2);
	put_at(im, im->shstrndx_at, nsh - 1, 2);
	im->n = shoff + nsh * ent;
}

static bool mk_triage(const struct spec *sp, const struct sect *s, unsigned ns)
{
	static struct img im;

	mk(&im, sp, s, ns);
	return triage_both(im.b, im.n);
}

/* Every layout: ELF64 LE and ELF32 BE, names read whole and name by name. */
static const struct spec layouts[] = {
	{ .pad = 0 },
	{ .pad = 9000 },
	{ .is32 = true, .be = true },
	{ .is32 = true, .be = true, .pad = 9000 },
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(gc_names); i++) {
		assert_int_equal(gs_go_section(gc_names[i]), GS_GOSECT_GC);
		assert_true(strlen(gc_names[i]) < GS_GOSECT_NAME_MAX);
	}
	assert_int_equal(gs_go_section(".go_export"), GS_GOSECT_GCCGO);
	assert_int_equal(gs_go_section(".text"), GS_GOSECT_NONE);
	assert_int_equal(gs_go_section(""), GS_GOSECT_NONE);
	assert_int_equal(gs_go_section(".gopclntab2"), GS_GOSECT_NONE);
	assert_int_equal(gs_go_section(".GOPCLNTAB"), GS_GOSECT_NONE);
	assert_int_equal(gs_go_section(".data.rel.ro"), GS_GOSECT_NONE);
}

static void test_rules(void **state)
{
	const struct sect c_bin[] = { P(".interp"), P(".text"), P(".data"), NB(".bss") };
	const struct sect debug[] = { NB(".text"), P(".gopclntab"), P(".debug_info") };
	const struct sect debug2[] = { P(".gopclntab"), P(".noptrdata"), NB(".text") };
	const struct sect longname[] = {
		P(".text"), P(".gopclntab.and.a.name.far.longer.than.any.of.the.toolchains"),
	};
	const struct sect last[] = { P(".text"), P(".noptrdata") };

	(void)state;
	for (size_t l = 0; l < ARRAY_SIZE(layouts); l++) {
		struct spec sp = layouts[l];

		/* No Go section: not Go. */
		assert_false(mk_triage(&sp, c_bin, ARRAY_SIZE(c_bin)));
		/* Any one of the gc toolchain's names, or gccgo's, lets it through. */
		for (size_t i = 0; i < ARRAY_SIZE(gc_names); i++) {
			const struct sect s[] = { P(".text"), P(gc_names[i]), P(".data") };

			assert_true(mk_triage(&sp, s, ARRAY_SIZE(s)));
		}
		{
			const struct sect s[] = { P(".text"), P(".go_export") };

			assert_true(mk_triage(&sp, s, ARRAY_SIZE(s)));
		}
		/* A debug-info file: .text without bytes, wherever it sits. */
		assert_false(mk_triage(&sp, debug, ARRAY_SIZE(debug)));
		assert_false(mk_triage(&sp, debug2, ARRAY_SIZE(debug2)));
		/* A long name that starts like a Go one is not one. */
		assert_false(mk_triage(&sp, longname, ARRAY_SIZE(longname)));
		/* The table's end terminates the last name. */
		sp.unterminated = true;
		assert_true(mk_triage(&sp, last, ARRAY_SIZE(last)));
		sp.unterminated = false;
		/* Object files and core dumps are no binaries, Go sections or not. */
		sp.type = ET_REL;
		assert_false(mk_triage(&sp, last, ARRAY_SIZE(last)));
		sp.type = ET_CORE;
		assert_false(mk_triage(&sp, last, ARRAY_SIZE(last)));
		sp.type = ET_DYN;
		assert_true(mk_triage(&sp, last, ARRAY_SIZE(last)));
	}
}

/* Anything the triage cannot read as a plain section table goes to the classifier. */
static void test_doubt(void **state)
{
	static const struct sect c_bin[] = { P(".text"), P(".data") };
	static struct img im;

	(void)state;
	for (size_t l = 0; l < ARRAY_SIZE(layouts); l++) {
		unsigned ptr = layouts[l].is32 ? 4 : 8;
		uint8_t saved[8];
		size_t n;

#define RESET() mk(&im, &layouts[l], c_bin, ARRAY_SIZE(c_bin))
		RESET();
		assert_false(triage_both(im.b, im.n));
		/* no table, extended numbering, an odd entry size, a bad name-table index */
		put_at(&im, im.shoff_at, 0, ptr);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put_at(&im, im.shnum_at, 0, 2);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put_at(&im, im.shnum_at, SHN_LORESERVE, 2);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put_at(&im, im.shentsize_at, layouts[l].is32 ? 64 : 40, 2);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put_at(&im, im.shstrndx_at, 4, 2);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put_at(&im, im.shstrndx_at, SHN_XINDEX, 2);
		assert_true(triage_both(im.b, im.n));
		/* the table past the end of the file, or cut by it */
		RESET();
		put_at(&im, im.shoff_at, im.n, ptr);
		assert_true(triage_both(im.b, im.n));
		RESET();
		assert_true(triage_both(im.b, im.n - 1));
		/* the name table: not a string table, empty, past the end */
		RESET();
		put(&im, im.b + im.strtab_hdr + 4, SHT_PROGBITS, 4);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put(&im, im.b + im.strtab_hdr + (ptr == 8 ? 32 : 20), 0, ptr);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put(&im, im.b + im.strtab_hdr + (ptr == 8 ? 24 : 16), im.n, ptr);
		assert_true(triage_both(im.b, im.n));
		RESET();
		put(&im, im.b + im.strtab_hdr + (ptr == 8 ? 32 : 20), (uint64_t)1 << 30, ptr);
		assert_true(triage_both(im.b, im.n));
		/* a bad class or byte order, a file shorter than a header */
		RESET();
		memcpy(saved, im.b, 8);
		im.b[EI_CLASS] = 3;
		assert_true(triage_both(im.b, im.n));
		memcpy(im.b, saved, 8);
		im.b[EI_DATA] = 0;
		assert_true(triage_both(im.b, im.n));
		memcpy(im.b, saved, 8);
		for (n = 0; n < 64; n++)
			assert_true(triage_both(im.b, n));
#undef RESET
	}
}

/* The classifier reads the same list: gc names are evidence, gccgo's is not. */
static void test_shared_with_classifier(void **state)
{
	static const struct sect gc[] = { P(".text"), P(".noptrdata") };
	static const struct sect gccgo[] = { P(".text"), P(".go_export") };
	static const struct sect none[] = { P(".text"), P(".data") };
	static struct img im;
	struct gs_class c;

	(void)state;
	mk(&im, &layouts[0], gc, ARRAY_SIZE(gc));
	gs_classify_mem(im.b, im.n, &c);
	assert_true(c.evidence & GS_EV_SECTIONS);
	assert_int_equal(c.verdict, GS_PROBABLY_GO);
	gs_class_fini(&c);

	mk(&im, &layouts[0], gccgo, ARRAY_SIZE(gccgo));
	assert_true(triage_both(im.b, im.n));
	gs_classify_mem(im.b, im.n, &c);
	assert_false(c.evidence & GS_EV_SECTIONS);
	assert_int_equal(c.verdict, GS_NOT_GO);
	gs_class_fini(&c);

	mk(&im, &layouts[0], none, ARRAY_SIZE(none));
	gs_classify_mem(im.b, im.n, &c);
	assert_int_equal(c.verdict, GS_NOT_GO);
	gs_class_fini(&c);
}

/* ---- real files ---- */

static bool triage_path(const char *path, uint64_t *size)
{
	struct stat st;
	bool by_fd, by_mem;
	const void *map;
	size_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		fail_msg("%s: cannot open", path);
	by_fd = gs_maybe_go_fd(fd, (uint64_t)st.st_size);
	close(fd);
	map = gs_map_file(path, &n);
	assert_non_null(map);
	by_mem = gs_maybe_go_mem(map, n);
	gs_unmap_file(map, n);
	if (by_fd != by_mem)
		fail_msg("%s: fd says %d, memory %d", path, by_fd, by_mem);
	if (size)
		*size = (uint64_t)st.st_size;
	return by_fd;
}

static void test_fixtures(void **state)
{
	static const char *const go[] = {
		"hello", "hello.stripped", "hello.pie", "hello.cgo", "hello.nobuildinfo",
		"hello.386", "hello.arm64", "hello.ppc64", "libhello.so", "gcload",
		"gcload.stripped", "gcload.pie", "gcload.cgo", "gcload.nodwarf",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(go); i++)
		if (!triage_path(gs_require_fixture(go[i]), NULL))
			fail_msg("%s: turned away", go[i]);
	/* A C program: a plain section table without a Go name. */
	assert_false(triage_path(gs_require_fixture("cbin"), NULL));
}

static void test_corpus(void **state)
{
	static const char *const bins[] = {
		"esbuild-0.8.57/esbuild", "esbuild-0.13.15/esbuild", "esbuild-0.15.18/esbuild",
		"esbuild-0.19.12/esbuild", "buf-1.75.0/buf", "buf-1.75.0/protoc-gen-buf-breaking",
		"buf-1.75.0/protoc-gen-buf-lint",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++)
		if (!triage_path(gs_require_corpus(bins[i]), NULL))
			fail_msg("%s: turned away", bins[i]);
}

/* A copy of a real Go binary, each of its sections' types and names at hand. */
struct real {
	uint8_t *b;
	size_t n;
	struct gs_elf e;
};

static void real_load(struct real *r, const char *name)
{
	const void *map = gs_map_fixture(name, &r->n);
	const char *why;

	r->b = malloc(r->n);
	assert_non_null(r->b);
	memcpy(r->b, map, r->n);
	gs_unmap_file(map, r->n);
	assert_int_equal(gs_elf_parse(&r->e, r->b, r->n, &why), 0);
	assert_true(r->e.shnum > 0);
}

/* Section i's header bytes in the copy. */
static uint8_t *real_shdr(struct real *r, uint32_t i)
{
	return r->b + r->e.shoff + (uint64_t)i * r->e.shentsize;
}

/* A real Go binary without its Go names, as a debug-info file, as an object. */
static void test_real_edits(void **state)
{
	struct gs_shdr sh;
	struct real r;
	unsigned renamed = 0;
	bool text = false;

	(void)state;
	real_load(&r, "hello.stripped");
	assert_true(gs_maybe_go_mem(r.b, r.n));
	/* ET_REL */
	r.b[16] = ET_REL;
	assert_false(gs_maybe_go_mem(r.b, r.n));
	r.b[16] = ET_EXEC;
	/* .text as NOBITS, as objcopy --only-keep-debug leaves it */
	for (uint32_t i = 1; i < r.e.shnum; i++) {
		const char *n;

		assert_true(gs_elf_shdr(&r.e, i, &sh));
		n = gs_elf_shname(&r.e, &sh);
		if (n && !strcmp(n, ".text")) {
			uint32_t nobits = SHT_NOBITS, type;

			memcpy(&type, real_shdr(&r, i) + 4, 4);
			memcpy(real_shdr(&r, i) + 4, &nobits, 4);
			assert_false(triage_both(r.b, r.n));
			memcpy(real_shdr(&r, i) + 4, &type, 4);
			text = true;
		}
	}
	assert_true(text);
	/* every Go name renamed: nothing left to go on */
	for (uint32_t i = 1; i < r.e.shnum; i++) {
		char *n;

		assert_true(gs_elf_shdr(&r.e, i, &sh));
		n = (char *)gs_elf_shname(&r.e, &sh);
		if (n && gs_go_section(n) != GS_GOSECT_NONE) {
			n[1] = 'X';
			renamed++;
		}
	}
	assert_true(renamed >= 3);
	assert_false(triage_both(r.b, r.n));
	free(r.b);
}

/*
 * Never turn away what the classifier calls Go: every fixture (Go or not,
 * ELF or not) and the corpus.
 */
static void check_agrees(const char *path)
{
	struct gs_err err = { 0 };
	struct gs_class *c;
	bool maybe = triage_path(path, NULL);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	c = gs_classify_fd(fd, &err);
	close(fd);
	if (!c)
		return;	/* empty and the like: nothing to classify */
	if (c->verdict != GS_NOT_GO && !maybe)
		fail_msg("%s: classified %s but turned away by the triage", path,
			 gs_verdict_str(c->verdict));
	gs_class_put(c);
}

static void test_never_drops_go(void **state)
{
	const char *dir = gs_require_fixture(".");
	static const char *const bins[] = {
		"esbuild-0.8.57/esbuild", "esbuild-0.19.12/esbuild", "buf-1.75.0/buf",
	};
	struct dirent *de;
	unsigned n = 0;
	DIR *d;

	(void)state;
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		check_agrees(path);
		n++;
	}
	closedir(d);
	assert_true(n >= 15);
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++)
		check_agrees(gs_require_corpus(bins[i]));
	gs_cache_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_doubt),
		cmocka_unit_test(test_shared_with_classifier),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_real_edits),
		cmocka_unit_test(test_never_drops_go),
	};

	return cmocka_run_group_tests_name("triage", tests, NULL, NULL);
}
