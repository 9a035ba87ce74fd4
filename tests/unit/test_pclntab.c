/* SPDX-License-Identifier: MIT */
/*
 * pclntab and moduledata: name -> entry against .symtab on every fixture,
 * the reference addresses on the release corpus, all four header versions on
 * synthetic images (both byte orders, both classes), and hostile inputs made
 * by corrupting copies of a real binary. Inputs that must be bounds-checked
 * are copied into exact-size heap buffers so the sanitizers see overreads.
 */
#include "testlib.h"

#include <elf.h>
#include <string.h>
#include <time.h>

#include "goelf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const probe_funcs[] = {
	"runtime.gcStart", "main.main", "runtime.main", "runtime.schedinit",
};

struct img {
	const void *map;	/* the mapping, or the heap copy */
	size_t size;
	bool heap;
	struct gs_elf e;
	struct gs_pclntab t;
	struct gs_moduledata md;
	int pcln_rc, md_rc;
};

static void img_load(struct img *im)
{
	const char *why = NULL;

	assert_int_equal(gs_elf_parse(&im->e, im->map, im->size, &why), 0);
	im->pcln_rc = gs_pcln_find(&im->e, &im->t);
	im->md_rc = im->pcln_rc ? -1 : gs_moduledata_find(&im->e, &im->t, &im->md);
}

static void img_fixture(struct img *im, const char *name)
{
	memset(im, 0, sizeof(*im));
	im->map = gs_map_fixture(name, &im->size);
	img_load(im);
}

static void img_corpus(struct img *im, const char *name)
{
	memset(im, 0, sizeof(*im));
	im->map = gs_map_corpus(name, &im->size);
	img_load(im);
}

/* A private writable copy of src's first n bytes, reparsed. */
static uint8_t *img_copy(struct img *im, const struct img *src, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, src->map, n);
	memset(im, 0, sizeof(*im));
	im->map = b;
	im->size = n;
	im->heap = true;
	return b;
}

static void img_free(struct img *im)
{
	if (im->heap)
		free((void *)im->map);
	else
		gs_unmap_file(im->map, im->size);
	im->map = NULL;
}

static uint64_t sym_value(const struct gs_elf *e, const char *name)
{
	struct gs_sym_query q = { .name = name };

	assert_int_equal(gs_symtab_lookup(e, &q, 1), 0);
	if (!q.found)
		fail_msg(".symtab has no %s", name);
	return q.value;
}

/* Entry of name, checking file_off agrees with the PT_LOAD mapping. */
static uint64_t entry_of(const struct img *im, const char *name)
{
	struct gs_func f;
	uint64_t off;

	if (gs_pcln_lookup(&im->e, &im->t, name, &f) != 0)
		fail_msg("pclntab lookup of %s failed", name);
	assert_true(f.candidates >= 1);
	assert_true(f.size > 0);
	assert_true(gs_elf_vaddr_to_off(&im->e, f.entry, &off));
	assert_int_equal(off, f.file_off);
	return f.entry;
}

/* Expected docs/go-binary-format.md §7.4 range for the fixtures' Go, from GOVERSION. */
static const char *fixture_range(void)
{
	char buf[64] = "";
	unsigned minor = 0;
	FILE *f = fopen(gs_require_fixture("GOVERSION"), "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(sscanf(buf, "go1.%u", &minor), 1);
	if (minor >= 26)
		return "go1.26+";
	if (minor >= 20)
		return "go1.20+";
	if (minor >= 18)
		return "go1.18-go1.19";
	return minor >= 16 ? "go1.16-go1.17" : "go1.2-go1.15";
}

static const char *const go_fixtures[] = {
	"hello", "hello.pie", "hello.cgo", "libhello.so", "hello.nobuildinfo",
	"hello.386", "hello.arm64", "hello.ppc64",
};

/* pclntab agrees with .symtab, and moduledata.text with runtime.text. */
static void test_fixtures_match_symtab(void **state)
{
	const char *range = fixture_range();

	for (unsigned i = 0; i < ARRAY_SIZE(go_fixtures); i++) {
		struct img im;

		img_fixture(&im, go_fixtures[i]);
		if (im.pcln_rc || im.md_rc)
			fail_msg("%s: pclntab %d, moduledata %d", go_fixtures[i], im.pcln_rc,
				 im.md_rc);
		assert_true(im.t.text_known);
		assert_int_equal(im.md.text, sym_value(&im.e, "runtime.text"));
		assert_int_equal(im.t.text, im.md.text);
		assert_int_equal(im.t.vaddr, sym_value(&im.e, "runtime.pclntab"));
		assert_int_equal(im.md.vaddr, sym_value(&im.e, "runtime.firstmoduledata"));
		for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++) {
			uint64_t want = sym_value(&im.e, probe_funcs[k]);
			uint64_t got = entry_of(&im, probe_funcs[k]);

			if (got != want)
				fail_msg("%s: %s at %#llx, .symtab says %#llx", go_fixtures[i],
					 probe_funcs[k], (unsigned long long)got,
					 (unsigned long long)want);
		}
		assert_string_equal(gs_version_range(&im.e, &im.t, false), range);
		img_free(&im);
	}
}

/* The register ABI (1.17+, amd64/arm64/ppc64) adds a same-named ABI0 wrapper. */
static void test_abi0_wrapper(void **state)
{
	struct img im;
	struct gs_func f;

	img_fixture(&im, "hello");
	assert_int_equal(im.pcln_rc, 0);
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.schedinit", &f), 0);
	assert_int_equal(f.candidates, 2);
	assert_int_equal(f.entry, sym_value(&im.e, "runtime.schedinit"));
	assert_int_not_equal(f.entry, sym_value(&im.e, "runtime.schedinit.abi0"));
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "no.such.function", &f), -1);
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "", &f), -1);
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.gcStar", &f), -1);
	img_free(&im);
}

/* The stripped build has the same code as hello. */
static void test_stripped(void **state)
{
	struct img im, ref;

	img_fixture(&ref, "hello");
	img_fixture(&im, "hello.stripped");
	assert_int_equal(im.pcln_rc, 0);
	assert_int_equal(im.md_rc, 0);
	assert_int_equal(gs_symtab_lookup(&im.e, &(struct gs_sym_query){ .name = "x" }, 1), -1);
	for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++)
		assert_int_equal(entry_of(&im, probe_funcs[k]), sym_value(&ref.e, probe_funcs[k]));
	img_free(&im);
	img_free(&ref);
}

static void zero_section_headers(uint8_t *b, bool is64)
{
	if (is64) {
		memset(b + 0x28, 0, 8);		/* e_shoff */
		memset(b + 0x3c, 0, 4);		/* e_shnum, e_shstrndx */
	} else {
		memset(b + 0x20, 0, 4);
		memset(b + 0x30, 0, 4);
	}
}

/* Without section headers the scans find the same tables. */
static void test_no_section_headers(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(go_fixtures); i++) {
		struct img ref, im;

		img_fixture(&ref, go_fixtures[i]);
		assert_int_equal(ref.pcln_rc, 0);
		zero_section_headers(img_copy(&im, &ref, ref.size), ref.e.is64);
		img_load(&im);
		assert_int_equal(im.e.shnum, 0);
		assert_int_equal(im.pcln_rc, 0);
		assert_false(im.t.by_section);
		assert_int_equal(im.t.vaddr, ref.t.vaddr);
		assert_int_equal(im.md_rc, 0);
		assert_int_equal(im.md.vaddr, ref.md.vaddr);
		for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++)
			assert_int_equal(entry_of(&im, probe_funcs[k]),
					 sym_value(&ref.e, probe_funcs[k]));
		img_free(&im);
		img_free(&ref);
	}
}

/* Index of a named section, and its header's file bytes. */
static uint8_t *shdr_bytes(struct img *im, uint8_t *b, const char *name)
{
	for (uint32_t i = 1; i < im->e.shnum; i++) {
		struct gs_shdr sh;
		const char *n;

		if (!gs_elf_shdr(&im->e, i, &sh))
			break;
		n = gs_elf_shname(&im->e, &sh);
		if (n && strcmp(n, name) == 0)
			return b + im->e.shoff + (uint64_t)i * im->e.shentsize;
	}
	fail_msg("no section %s", name);
	return NULL;
}

/* A forged .gopclntab header is not trusted: the scan finds the real table. */
static void test_forged_section(void **state)
{
	struct img ref, im;
	uint8_t *b, *sh;
	uint64_t text_addr = 0x401000, text_off = 0x1000;

	img_fixture(&ref, "hello");
	assert_int_equal(ref.pcln_rc, 0);
	assert_true(ref.t.by_section);
	b = img_copy(&im, &ref, ref.size);
	img_load(&im);
	sh = shdr_bytes(&im, b, ".gopclntab");
	/* Point the section at .text (ELF64 LE: sh_addr +16, sh_offset +24). */
	memcpy(sh + 16, &text_addr, 8);
	memcpy(sh + 24, &text_off, 8);
	img_load(&im);
	assert_int_equal(im.pcln_rc, 0);
	assert_false(im.t.by_section);
	assert_int_equal(im.t.vaddr, ref.t.vaddr);
	assert_int_equal(entry_of(&im, "runtime.gcStart"), sym_value(&ref.e, "runtime.gcStart"));
	/* A section whose offset disagrees with the PT_LOAD mapping is refused too. */
	memcpy(sh + 16, &ref.t.vaddr, 8);
	text_off = ref.t.vaddr - 0x400000 + 8;
	memcpy(sh + 24, &text_off, 8);
	img_load(&im);
	assert_int_equal(im.pcln_rc, 0);
	assert_false(im.t.by_section);
	img_free(&im);
	img_free(&ref);
}

/* Zero every R_X86_64_RELATIVE slot, as linkers that do not apply RELA do. */
static unsigned zero_relative_slots(struct img *im, uint8_t *b)
{
	uint64_t rela = 0, relasz = 0, roff;
	const uint8_t *dyn = NULL;
	unsigned zeroed = 0;
	size_t n = 0;

	for (unsigned i = 0; i < im->e.nphdr; i++)
		if (im->e.ph[i].type == PT_DYNAMIC)
			dyn = gs_elf_seg_bytes(&im->e, &im->e.ph[i], &n);
	assert_non_null(dyn);
	for (size_t k = 0; k + 16 <= n; k += 16) {
		uint64_t tag = gs_rd64(&im->e, dyn + k), val = gs_rd64(&im->e, dyn + k + 8);

		if (tag == DT_RELA)
			rela = val;
		if (tag == DT_RELASZ)
			relasz = val;
	}
	assert_true(rela && relasz);
	assert_true(gs_elf_vaddr_to_off(&im->e, rela, &roff));
	for (uint64_t k = 0; k + 24 <= relasz; k += 24) {
		const uint8_t *r = b + roff + k;
		uint64_t where, off;

		if ((gs_rd64(&im->e, r + 8) & 0xffffffff) != R_X86_64_RELATIVE)
			continue;
		where = gs_rd64(&im->e, r);
		if (gs_elf_vaddr_to_off(&im->e, where, &off) && off + 8 <= im->size) {
			memset(b + off, 0, 8);
			zeroed++;
		}
	}
	return zeroed;
}

static void test_rela_zeroed_slots(void **state)
{
	static const char *const names[] = { "hello.pie", "libhello.so" };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		struct img ref, im;
		uint8_t *b;

		img_fixture(&ref, names[i]);
		assert_int_equal(ref.pcln_rc, 0);
		b = img_copy(&im, &ref, ref.size);
		img_load(&im);
		assert_true(zero_relative_slots(&im, b) > 100);
		img_load(&im);
		assert_int_equal(im.pcln_rc, 0);
		if (im.t.ver >= GS_PCLN_118) {
			struct gs_pclntab t;

			/* textStart came from the reloc addend, not the (zero) slot. */
			assert_int_equal(gs_pcln_find(&im.e, &t), 0);
			assert_int_equal(t.text_start, 0);
			assert_true(t.text_known);
			assert_int_equal(t.text, ref.t.text);
		}
		assert_int_equal(im.md_rc, 0);
		assert_int_equal(im.md.vaddr, ref.md.vaddr);
		assert_int_equal(im.md.text, ref.md.text);
		assert_string_equal(gs_version_range(&im.e, &im.t, false),
				    gs_version_range(&ref.e, &ref.t, false));
		for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++)
			assert_int_equal(entry_of(&im, probe_funcs[k]),
					 sym_value(&ref.e, probe_funcs[k]));
		if (im.t.ver == GS_PCLN_118) {
			/*
			 * Relabel as go1.20 (same header layout): a zero textStart
			 * that a reloc targets is 1.20-1.25, not 1.26+.
			 */
			b[ref.t.data - (const uint8_t *)ref.map] = 0xf1;
			img_load(&im);
			assert_int_equal(im.pcln_rc, 0);
			assert_int_equal(im.t.ver, GS_PCLN_120);
			assert_string_equal(gs_version_range(&im.e, &im.t, false), "go1.20+");
		}
		img_free(&im);
		img_free(&ref);
	}
}

static void test_not_go(void **state)
{
	static const char *const names[] = { "cbin", "truncated", "random.bin", "empty",
					     "script.sh" };

	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		struct gs_pclntab t;
		struct gs_elf e;
		const char *why;
		size_t n;
		const void *p = gs_map_fixture(names[i], &n);

		if (gs_elf_parse(&e, p, n, &why) == 0)
			assert_int_equal(gs_pcln_find(&e, &t), -1);
		gs_unmap_file(p, n);
	}
}

/* ---- release corpus ---- */

static const struct corpus_case {
	const char *path;
	uint64_t gcstart, moduledata;
	const char *range;
	enum gs_pcln_ver ver;
	bool md_by_section;
} corpus_cases[] = {
	{ "esbuild-0.8.57/esbuild", 0x41be80, 0xad3a00, "go1.16-go1.17", GS_PCLN_116, false },
	{ "esbuild-0.13.15/esbuild", 0x418ea0, 0xb01b60, "go1.16-go1.17", GS_PCLN_116, false },
	{ "esbuild-0.15.18/esbuild", 0x4197c0, 0xbf51a0, "go1.18-go1.19", GS_PCLN_118, false },
	{ "esbuild-0.19.12/esbuild", 0x418ea0, 0xce5c40, "go1.20+", GS_PCLN_120, false },
	{ "buf-1.75.0/buf", 0x431580, 0x2f970c0, "go1.26+", GS_PCLN_120, true },
	{ "buf-1.75.0/protoc-gen-buf-breaking", 0x42d6a0, 0x1e91620, "go1.26+", GS_PCLN_120, true },
	{ "buf-1.75.0/protoc-gen-buf-lint", 0x42d5c0, 0x17ca620, "go1.26+", GS_PCLN_120, true },
};

static void test_corpus(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(corpus_cases); i++) {
		const struct corpus_case *c = &corpus_cases[i];
		struct gs_shdr sh;
		struct img im;
		bool gomod;

		img_corpus(&im, c->path);
		if (im.pcln_rc || im.md_rc)
			fail_msg("%s: pclntab %d, moduledata %d", c->path, im.pcln_rc, im.md_rc);
		assert_int_equal(im.t.ver, c->ver);
		assert_int_equal(im.md.vaddr, c->moduledata);
		assert_int_equal(im.md.by_section, c->md_by_section);
		assert_true(im.t.text_known);
		assert_int_equal(entry_of(&im, "runtime.gcStart"), c->gcstart);
		entry_of(&im, "runtime.main");
		gomod = gs_elf_section(&im.e, ".go.module", &sh);
		assert_string_equal(gs_version_range(&im.e, &im.t, gomod), c->range);
		/* The range does not depend on the section hint alone. */
		assert_string_equal(gs_version_range(&im.e, &im.t, false), c->range);
		img_free(&im);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* A figure, not a benchmark: the bound only catches an accidental quadratic. */
static void test_buf_lookup_time(void **state)
{
	double t0, find_ms, look_ms;
	struct gs_func f;
	struct img im;

	memset(&im, 0, sizeof(im));
	im.map = gs_map_corpus("buf-1.75.0/buf", &im.size);
	{
		const char *why;

		assert_int_equal(gs_elf_parse(&im.e, im.map, im.size, &why), 0);
	}
	t0 = now_ms();
	assert_int_equal(gs_pcln_find(&im.e, &im.t), 0);
	assert_int_equal(gs_moduledata_find(&im.e, &im.t, &im.md), 0);
	find_ms = now_ms() - t0;
	t0 = now_ms();
	for (int i = 0; i < 10; i++)
		assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.gcStart", &f), 0);
	look_ms = (now_ms() - t0) / 10;
	print_message("# buf: %llu functions, find+moduledata %.3f ms, lookup %.3f ms\n",
		      (unsigned long long)im.t.nfunc, find_ms, look_ms);
	assert_true(look_ms < 250);
	img_free(&im);
}

/* 1.26+ without a usable moduledata: no text base, so no entry either. */
static void test_no_text_base(void **state)
{
	struct img ref, im;
	uint8_t *b;
	struct gs_func f;
	struct gs_shdr sh;

	img_corpus(&ref, "buf-1.75.0/protoc-gen-buf-lint");
	assert_int_equal(ref.md_rc, 0);
	b = img_copy(&im, &ref, ref.size);
	img_load(&im);
	assert_true(gs_elf_section(&im.e, ".go.module", &sh));
	b[sh.off + 17 * 8] ^= 1;	/* ftab.len no longer nfunc+1 */
	img_load(&im);
	assert_int_equal(im.pcln_rc, 0);
	assert_int_equal(im.t.text_start, 0);
	assert_int_equal(im.md_rc, -1);
	assert_false(im.t.text_known);
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.gcStart", &f), -1);
	assert_non_null(gs_pcln_name(&im.t, 0));
	img_free(&im);
	img_free(&ref);
}

/* ---- synthetic images: all four header versions ---- */

#define SYN_TEXT_OFF 0x1000u
#define SYN_TEXT_VA 0x401000u
#define SYN_TEXT_END 0x400u	/* size of the code the table covers */
#define SYN_RO_OFF 0x2000u
#define SYN_RO_VA 0x402000u
#define SYN_PCLN_VA (SYN_RO_VA + 0x40)
#define SYN_RW_OFF 0x4000u
#define SYN_RW_VA 0x404000u
#define SYN_MD_VA (SYN_RW_VA + 0x80)
#define SYN_SIZE 0x5000u

static const struct {
	const char *name;
	uint32_t off, size;
} syn_funcs[] = {
	{ "internal/cpu.Initialize", 0x000, 0x40 },
	{ "runtime.gcStart", 0x040, 0x100 },
	{ "runtime.schedinit", 0x140, 0x20 },	/* ABI0 wrapper */
	{ "runtime.schedinit", 0x160, 0x200 },	/* body */
	{ "runtime.main", 0x360, 0x80 },
	{ "main.main", 0x3e0, 0x20 },
};
#define SYN_NFUNC ARRAY_SIZE(syn_funcs)

struct syn {
	uint8_t b[SYN_SIZE];
	bool is64, be;
	unsigned ps;
	uint16_t machine;
};

static void put(struct syn *s, size_t off, uint64_t v, unsigned w)
{
	assert_true(off + w <= SYN_SIZE);
	for (unsigned i = 0; i < w; i++)
		s->b[off + i] = (uint8_t)(v >> (8 * (s->be ? w - 1 - i : i)));
}

static void syn_elf(struct syn *s)
{
	static const struct { uint32_t off, va, sz, flags; } segs[] = {
		{ SYN_TEXT_OFF, SYN_TEXT_VA, 0x1000, PF_R | PF_X },
		{ SYN_RO_OFF, SYN_RO_VA, 0x2000, PF_R },
		{ SYN_RW_OFF, SYN_RW_VA, 0x1000, PF_R | PF_W },
	};
	unsigned ph = s->is64 ? 0x40 : 0x34, phsz = s->is64 ? 56 : 32;

	memcpy(s->b, ELFMAG, SELFMAG);
	s->b[EI_CLASS] = s->is64 ? ELFCLASS64 : ELFCLASS32;
	s->b[EI_DATA] = s->be ? ELFDATA2MSB : ELFDATA2LSB;
	s->b[EI_VERSION] = EV_CURRENT;
	put(s, 16, ET_EXEC, 2);
	put(s, 18, s->machine, 2);
	put(s, 20, EV_CURRENT, 4);
	if (s->is64) {
		put(s, 24, SYN_TEXT_VA, 8);
		put(s, 32, ph, 8);
		put(s, 52, 64, 2);
		put(s, 54, phsz, 2);
		put(s, 56, ARRAY_SIZE(segs), 2);
	} else {
		put(s, 24, SYN_TEXT_VA, 4);
		put(s, 28, ph, 4);
		put(s, 40, 52, 2);
		put(s, 42, phsz, 2);
		put(s, 44, ARRAY_SIZE(segs), 2);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		size_t p = ph + i * phsz;

		if (s->is64) {
			put(s, p, PT_LOAD, 4);
			put(s, p + 4, segs[i].flags, 4);
			put(s, p + 8, segs[i].off, 8);
			put(s, p + 16, segs[i].va, 8);
			put(s, p + 24, segs[i].va, 8);
			put(s, p + 32, segs[i].sz, 8);
			put(s, p + 40, segs[i].sz, 8);
			put(s, p + 48, 0x1000, 8);
		} else {
			put(s, p, PT_LOAD, 4);
			put(s, p + 4, segs[i].off, 4);
			put(s, p + 8, segs[i].va, 4);
			put(s, p + 12, segs[i].va, 4);
			put(s, p + 16, segs[i].sz, 4);
			put(s, p + 20, segs[i].sz, 4);
			put(s, p + 24, segs[i].flags, 4);
			put(s, p + 28, 0x1000, 4);
		}
	}
}

/*
 * Write a pclntab of version ver at SYN_PCLN_VA and its moduledata at
 * SYN_MD_VA. text_start is the 1.18+ header field (0 imitates 1.26+).
 */
static void syn_build(struct syn *s, enum gs_pcln_ver ver, uint64_t text_start)
{
	static const uint32_t magic[] = {
		[GS_PCLN_12] = 0xfffffffb, [GS_PCLN_116] = 0xfffffffa,
		[GS_PCLN_118] = 0xfffffff0, [GS_PCLN_120] = 0xfffffff1,
	};
	const size_t P = SYN_PCLN_VA - SYN_RO_VA + SYN_RO_OFF;	/* file offset */
	unsigned ps = s->ps, nw = ver == GS_PCLN_12 ? 1 : ver == GS_PCLN_116 ? 7 : 8;
	unsigned fs = ver >= GS_PCLN_118 ? 4 : ps;
	size_t hdr = 8 + nw * ps, names, cu, filetab, pctab, pcln, recs, o, end;
	uint32_t nameoff[SYN_NFUNC];
	uint64_t w[24] = { 0 };

	memset(s->b, 0, sizeof(s->b));
	syn_elf(s);
	put(s, P, magic[ver], 4);
	s->b[P + 6] = s->machine == EM_386 || s->machine == EM_X86_64 ? 1 : 4;
	s->b[P + 7] = (uint8_t)ps;
	put(s, P + 8, SYN_NFUNC, ps);

	/* Names: after the header (1.16+) or at the end (1.2); offsets from names. */
	names = ver == GS_PCLN_12 ? 0x600 : hdr;
	o = names;
	for (unsigned i = 0; i < SYN_NFUNC; i++) {
		size_t l = strlen(syn_funcs[i].name) + 1;

		nameoff[i] = (uint32_t)(o - (ver == GS_PCLN_12 ? 0 : names));
		memcpy(s->b + P + o, syn_funcs[i].name, l);
		o += l;
	}
	end = o;
	if (ver == GS_PCLN_12) {
		pcln = hdr;
		cu = filetab = pctab = 0;
	} else {
		cu = (o + 7) & ~(size_t)7;
		filetab = cu + 8;
		pctab = filetab + 8;
		pcln = pctab + 8;
		put(s, P + 8 + ps, 1, ps);			/* nfiles */
		if (ver >= GS_PCLN_118)
			put(s, P + 8 + 2 * ps, text_start, ps);
		for (unsigned k = 0; k < 5; k++) {
			const size_t v[5] = { names, cu, filetab, pctab, pcln };

			put(s, P + 8 + (nw - 5 + k) * ps, v[k], ps);
		}
	}
	/* functab, sentinel, then the _func records. */
	recs = pcln + (2 * SYN_NFUNC + 1) * fs;
	if (ver == GS_PCLN_12)
		recs += 4;					/* u32 filetab offset */
	recs = (recs + 7) & ~(size_t)7;
	for (unsigned i = 0; i < SYN_NFUNC; i++) {
		uint64_t e = ver >= GS_PCLN_118 ? syn_funcs[i].off
						: (uint64_t)SYN_TEXT_VA + syn_funcs[i].off;
		size_t rec = recs + i * (ps + 8);
		uint64_t fo = ver >= GS_PCLN_116 ? rec - pcln : rec;

		put(s, P + pcln + 2 * i * fs, e, fs);
		put(s, P + pcln + (2 * i + 1) * fs, fo, fs);
		put(s, P + rec, e, fs);
		put(s, P + rec + fs, nameoff[i], 4);
	}
	put(s, P + pcln + 2 * SYN_NFUNC * fs,
	    (ver >= GS_PCLN_118 ? 0 : SYN_TEXT_VA) + SYN_TEXT_END, fs);
	if (ver == GS_PCLN_12) {
		/* filetab: u32 offset after the functab, pointing at nfiles = 1 */
		size_t ft = recs + SYN_NFUNC * (ps + 8);

		put(s, P + pcln + (2 * SYN_NFUNC + 1) * fs, ft, 4);
		put(s, P + ft, 1, 4);
		assert_true(ft + 4 <= names);
		end = o;
	} else {
		assert_true(recs + SYN_NFUNC * (ps + 8) < 0x1f00);
	}
	assert_true(end < 0x1f00);

	/* moduledata */
	if (ver == GS_PCLN_12) {
		w[0] = SYN_PCLN_VA;
		w[1] = w[2] = end;
		w[3] = SYN_PCLN_VA + pcln;
		w[4] = w[5] = SYN_NFUNC + 1;
		w[10] = w[12] = SYN_TEXT_VA;
		w[11] = w[13] = SYN_TEXT_VA + SYN_TEXT_END;
	} else {
		w[0] = SYN_PCLN_VA;
		w[1] = SYN_PCLN_VA + names;
		w[2] = w[3] = cu - names;
		w[16] = SYN_PCLN_VA + pcln;
		w[17] = w[18] = SYN_NFUNC + 1;
		w[20] = w[22] = SYN_TEXT_VA;
		w[21] = w[23] = SYN_TEXT_VA + SYN_TEXT_END;
	}
	for (unsigned i = 0; i < 24; i++)
		put(s, SYN_MD_VA - SYN_RW_VA + SYN_RW_OFF + i * ps, w[i], ps);
}

static void syn_check(struct syn *s, enum gs_pcln_ver ver, uint64_t text_start,
		      const char *range)
{
	struct gs_moduledata md;
	struct gs_pclntab t;
	struct gs_func f;
	struct gs_elf e;
	const char *why;
	uint8_t *copy = malloc(SYN_SIZE);

	assert_non_null(copy);
	syn_build(s, ver, text_start);
	memcpy(copy, s->b, SYN_SIZE);
	assert_int_equal(gs_elf_parse(&e, copy, SYN_SIZE, &why), 0);
	if (gs_pcln_find(&e, &t) != 0)
		fail_msg("synthetic ver %d, %u-bit %s: pclntab not found", ver, s->ps * 8,
			 s->be ? "BE" : "LE");
	assert_int_equal(t.ver, ver);
	assert_false(t.by_section);
	assert_int_equal(t.vaddr, SYN_PCLN_VA);
	assert_int_equal(t.nfunc, SYN_NFUNC);
	assert_int_equal(t.ptrsize, s->ps);
	assert_string_equal(gs_version_range(&e, &t, false), range);
	for (unsigned i = 0; i < SYN_NFUNC; i++)
		assert_string_equal(gs_pcln_name(&t, i), syn_funcs[i].name);
	assert_null(gs_pcln_name(&t, SYN_NFUNC));
	if (ver >= GS_PCLN_118 && !text_start) {
		assert_false(t.text_known);
		assert_int_equal(gs_pcln_lookup(&e, &t, "runtime.gcStart", &f), -1);
	}
	assert_int_equal(gs_moduledata_find(&e, &t, &md), 0);
	assert_int_equal(md.vaddr, SYN_MD_VA);
	assert_int_equal(md.text, SYN_TEXT_VA);
	assert_int_equal(md.etext, SYN_TEXT_VA + SYN_TEXT_END);
	assert_true(t.text_known);
	assert_int_equal(t.text, SYN_TEXT_VA);

	assert_int_equal(gs_pcln_lookup(&e, &t, "runtime.gcStart", &f), 0);
	assert_int_equal(f.entry, SYN_TEXT_VA + 0x40);
	assert_int_equal(f.size, 0x100);
	assert_int_equal(f.file_off, SYN_TEXT_OFF + 0x40);
	assert_int_equal(f.candidates, 1);
	assert_int_equal(gs_pcln_lookup(&e, &t, "runtime.schedinit", &f), 0);
	assert_int_equal(f.entry, SYN_TEXT_VA + 0x160);
	assert_int_equal(f.size, 0x200);
	assert_int_equal(f.candidates, 2);
	assert_int_equal(gs_pcln_lookup(&e, &t, "main.main", &f), 0);
	assert_int_equal(f.entry, SYN_TEXT_VA + 0x3e0);
	assert_int_equal(f.size, 0x20);	/* up to the sentinel */
	assert_int_equal(gs_pcln_lookup(&e, &t, "main", &f), -1);
	free(copy);
}

static void test_synthetic_versions(void **state)
{
	static const struct { bool is64, be; uint16_t machine; } kinds[] = {
		{ true, false, EM_X86_64 }, { false, false, EM_386 },
		{ true, true, EM_PPC64 }, { false, true, EM_MIPS },
	};
	struct syn *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		s->is64 = kinds[k].is64;
		s->be = kinds[k].be;
		s->ps = s->is64 ? 8 : 4;
		s->machine = kinds[k].machine;
		syn_check(s, GS_PCLN_12, 0, "go1.2-go1.15");
		syn_check(s, GS_PCLN_116, 0, "go1.16-go1.17");
		syn_check(s, GS_PCLN_118, SYN_TEXT_VA, "go1.18-go1.19");
		syn_check(s, GS_PCLN_120, SYN_TEXT_VA, "go1.20+");
		syn_check(s, GS_PCLN_120, 0, "go1.26+");
	}
	free(s);
}

/* Quantum and pointer size must fit the ELF header. */
static void test_synthetic_mismatch(void **state)
{
	struct syn *s = calloc(1, sizeof(*s));
	struct gs_pclntab t;
	struct gs_elf e;
	const char *why;

	assert_non_null(s);
	s->is64 = true;
	s->ps = 8;
	s->machine = EM_X86_64;
	syn_build(s, GS_PCLN_120, SYN_TEXT_VA);
	s->b[SYN_PCLN_VA - SYN_RO_VA + SYN_RO_OFF + 6] = 4;	/* arm quantum on x86 */
	assert_int_equal(gs_elf_parse(&e, s->b, SYN_SIZE, &why), 0);
	assert_int_equal(gs_pcln_find(&e, &t), -1);
	syn_build(s, GS_PCLN_120, SYN_TEXT_VA);
	s->b[SYN_PCLN_VA - SYN_RO_VA + SYN_RO_OFF + 7] = 4;	/* 32-bit table in ELF64 */
	assert_int_equal(gs_pcln_find(&e, &t), -1);
	syn_build(s, GS_PCLN_120, SYN_TEXT_VA);
	put(s, 18, EM_AARCH64, 2);				/* quantum 1 on arm64 */
	assert_int_equal(gs_elf_parse(&e, s->b, SYN_SIZE, &why), 0);
	assert_int_equal(gs_pcln_find(&e, &t), -1);
	free(s);
}

/* ---- hostile inputs: corrupted copies of hello ---- */

struct hostile {
	struct img ref, im;
	uint8_t *b;
	size_t pcln;		/* file offset of the pclntab header */
};

static void hostile_setup(struct hostile *h, const char *fixture)
{
	img_fixture(&h->ref, fixture);
	assert_int_equal(h->ref.pcln_rc, 0);
	assert_int_equal(h->ref.md_rc, 0);
	h->b = img_copy(&h->im, &h->ref, h->ref.size);
	h->pcln = (size_t)(h->ref.t.data - (const uint8_t *)h->ref.map);
}

static void hostile_teardown(struct hostile *h)
{
	img_free(&h->im);
	img_free(&h->ref);
}

static void hostile_restore(struct hostile *h)
{
	memcpy(h->b, h->ref.map, h->ref.size);
}

/* Whatever was found must be usable without crashing. */
static void exercise(struct img *im)
{
	struct gs_func f;
	uint64_t n;

	img_load(im);
	if (im->pcln_rc)
		return;
	n = im->t.nfunc < 100000 ? im->t.nfunc : 100000;
	for (uint64_t i = 0; i <= n; i++)
		(void)gs_pcln_name(&im->t, i);
	for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++)
		(void)gs_pcln_lookup(&im->e, &im->t, probe_funcs[k], &f);
	(void)gs_version_range(&im->e, &im->t, false);
}

static void put_word(struct hostile *h, size_t off, uint64_t v)
{
	unsigned ps = h->ref.e.ptrsize;

	for (unsigned i = 0; i < ps; i++)
		h->b[off + i] = (uint8_t)(v >> (8 * (h->ref.e.be ? ps - 1 - i : i)));
}

static void test_hostile_header(void **state)
{
	struct hostile h;
	unsigned ps;
	uint64_t nfunc;

	hostile_setup(&h, "hello");
	ps = h.ref.e.ptrsize;
	nfunc = h.ref.t.nfunc;
	{
		const uint64_t bad[] = { 0, 10000001, UINT64_MAX, UINT64_MAX / 16, nfunc * 1000,
					 h.ref.t.len };

		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
			put_word(&h, h.pcln + 8, bad[i]);
			exercise(&h.im);
			assert_int_equal(h.im.pcln_rc, -1);
		}
		hostile_restore(&h);
	}
	/* Each *Offset field: out of range, and out of order. */
	for (unsigned k = 3; k < 8; k++) {
		const uint64_t bad[] = { UINT64_MAX, h.ref.t.len, h.ref.t.len + 1, 0, 8 };

		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
			put_word(&h, h.pcln + 8 + k * ps, bad[i]);
			exercise(&h.im);
			assert_int_equal(h.im.pcln_rc, -1);
		}
		hostile_restore(&h);
	}
	/* Wrong magic, non-zero pad, bad quantum, bad pointer size. */
	{
		const size_t at[] = { 0, 4, 5, 6, 7 };

		for (unsigned i = 0; i < ARRAY_SIZE(at); i++) {
			h.b[h.pcln + at[i]] ^= 0x22;
			exercise(&h.im);
			assert_int_equal(h.im.pcln_rc, -1);
			hostile_restore(&h);
		}
	}
	hostile_teardown(&h);
}

/* Functab offset of entry i's funcoff field (1.18+ layout: u32 pairs). */
static size_t funcoff_at(const struct hostile *h, uint64_t i)
{
	return h->pcln + h->ref.t.pcln_off + (2 * i + 1) * 4;
}

/* nameoff of entry i in its _func record (1.18+: after the u32 entryoff). */
static size_t nameoff_at(const struct hostile *h, uint64_t i)
{
	const uint8_t *p = h->b + funcoff_at(h, i);
	uint32_t fo = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;

	return h->pcln + h->ref.t.pcln_off + fo + 4;
}

static void test_hostile_functab(void **state)
{
	struct hostile h;
	struct gs_func f;
	uint64_t n, mid;

	hostile_setup(&h, "hello");
	assert_true(h.ref.t.ver >= GS_PCLN_118);
	n = h.ref.t.nfunc;
	mid = n / 8 + 3;	/* not one of the sampled entries */
	/* funcoff of the first / last entry out of range: rejected. */
	memset(h.b + funcoff_at(&h, 0), 0xff, 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	memset(h.b + funcoff_at(&h, n - 1), 0x7f, 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	/* The _func record of the first / last entry disagrees with the functab. */
	h.b[nameoff_at(&h, 0) - 4] ^= 0x10;
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	h.b[nameoff_at(&h, n - 1) - 4] ^= 0x01;
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	/* ... of an unsampled entry: accepted, but that entry reads as nameless. */
	memset(h.b + funcoff_at(&h, mid), 0xff, 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, 0);
	assert_null(gs_pcln_name(&h.im.t, mid));
	assert_int_equal(gs_pcln_lookup(&h.im.e, &h.im.t, "runtime.gcStart", &f), 0);
	hostile_restore(&h);
	/* Entries out of order are caught by the sample. */
	memset(h.b + funcoff_at(&h, n / 2) - 4, 0xff, 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	/* Functab pushed past the segment end. */
	put_word(&h, h.pcln + 8 + 7 * h.ref.e.ptrsize, h.ref.t.len - 8);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_teardown(&h);
}

static void test_hostile_names(void **state)
{
	struct hostile h;
	struct gs_func f;
	uint64_t n, last = 0, lastoff = 0;
	size_t nameoff;

	hostile_setup(&h, "hello");
	n = h.ref.t.nfunc;
	/* Negative and huge nameoff. */
	nameoff = nameoff_at(&h, 5);
	memcpy(h.b + nameoff, "\xf0\xff\xff\xff", 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, 0);
	assert_null(gs_pcln_name(&h.im.t, 5));
	memcpy(h.b + nameoff, "\xf0\xff\xff\x7f", 4);
	exercise(&h.im);
	assert_null(gs_pcln_name(&h.im.t, 5));
	hostile_restore(&h);
	/* Function 0 nameless or unprintable: the table is refused. */
	memcpy(h.b + nameoff_at(&h, 0), "\xf0\xff\xff\x7f", 4);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_restore(&h);
	/* The name stored last loses its NUL: it runs to the end of funcnametab. */
	for (uint64_t i = 0; i < n; i++) {
		const char *s = gs_pcln_name(&h.ref.t, i);
		uint64_t off = (uint64_t)((const uint8_t *)s - h.ref.t.data);

		if (off > lastoff) {
			lastoff = off;
			last = i;
		}
	}
	{
		const char *victim = gs_pcln_name(&h.ref.t, last);
		char saved[256];

		snprintf(saved, sizeof(saved), "%s", victim);
		memset(h.b + h.pcln + lastoff, 'A', h.ref.t.cu_off - lastoff);
		exercise(&h.im);
		assert_int_equal(h.im.pcln_rc, 0);
		assert_null(gs_pcln_name(&h.im.t, last));
		assert_int_equal(gs_pcln_lookup(&h.im.e, &h.im.t, saved, &f), -1);
		assert_int_equal(gs_pcln_lookup(&h.im.e, &h.im.t, "runtime.gcStart", &f), 0);
	}
	hostile_restore(&h);
	/* No NUL anywhere in the name table. */
	memset(h.b + h.pcln + h.ref.t.funcname_off, 'B', h.ref.t.cu_off - h.ref.t.funcname_off);
	exercise(&h.im);
	assert_int_equal(h.im.pcln_rc, -1);
	hostile_teardown(&h);
}

/* Moduledata that does not point back is refused; then 1.18- still works. */
static void test_hostile_moduledata(void **state)
{
	struct hostile h;
	struct gs_func f;
	size_t md;
	uint64_t off;

	hostile_setup(&h, "hello");
	assert_true(gs_elf_vaddr_to_off(&h.ref.e, h.ref.md.vaddr, &off));
	md = (size_t)off;
	{
		/* word, and what is added to it (maxpc - 1 for etext) */
		const struct { unsigned w; int64_t add; } bad[] = {
			{ 0, 8 }, { 1, 8 }, { 2, 0x1000000 }, { 16, 8 }, { 17, 1 },
			{ 20, 16 }, { 20, -16 }, { 21, 1 }, { 21, -1 }, { 22, 1 },
			{ 23, (int64_t)(h.ref.md.maxpc - h.ref.md.etext) - 1 },
		};

		for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
			uint8_t *p = h.b + md + bad[i].w * 8;

			put_word(&h, md + bad[i].w * 8, gs_rd64(&h.ref.e, p) + (uint64_t)bad[i].add);
			exercise(&h.im);
			assert_int_equal(h.im.pcln_rc, 0);
			if (h.im.md_rc != -1)
				fail_msg("moduledata word %u + %lld accepted", bad[i].w,
					 (long long)bad[i].add);
			hostile_restore(&h);
		}
	}
	/* Header textStart still gives the base. */
	h.b[md + 17 * 8] ^= 8;
	exercise(&h.im);
	assert_int_equal(h.im.md_rc, -1);
	assert_true(h.im.t.text_known);
	assert_int_equal(gs_pcln_lookup(&h.im.e, &h.im.t, "runtime.gcStart", &f), 0);
	hostile_teardown(&h);
}

/* Every truncation point, in an exact-size heap buffer. */
static void test_hostile_truncated(void **state)
{
	struct img ref, im;
	size_t end;

	img_fixture(&ref, "hello");
	assert_int_equal(ref.pcln_rc, 0);
	end = (size_t)(ref.t.data - (const uint8_t *)ref.map) + ref.t.pcln_off +
	      (2 * ref.t.nfunc + 1) * 4;
	for (size_t n = 0; n <= ref.size; n += 4093) {
		const char *why;

		img_copy(&im, &ref, n);
		if (gs_elf_parse(&im.e, im.map, n, &why) == 0) {
			im.pcln_rc = gs_pcln_find(&im.e, &im.t);
			if (n < end)
				assert_int_equal(im.pcln_rc, -1);
			if (!im.pcln_rc) {
				im.md_rc = gs_moduledata_find(&im.e, &im.t, &im.md);
				for (uint64_t i = 0; i < im.t.nfunc; i++)
					(void)gs_pcln_name(&im.t, i);
				for (unsigned k = 0; k < ARRAY_SIZE(probe_funcs); k++) {
					struct gs_func f;

					(void)gs_pcln_lookup(&im.e, &im.t, probe_funcs[k], &f);
				}
			}
		}
		img_free(&im);
	}
	img_free(&ref);
}

/* Random bytes over the header, functab ends, _func records and moduledata. */
static void test_hostile_random(void **state)
{
	struct hostile h;
	uint64_t off, rng = 0x9e3779b97f4a7c15ull;
	size_t zones[4][2];

	hostile_setup(&h, "hello");
	assert_true(gs_elf_vaddr_to_off(&h.ref.e, h.ref.md.vaddr, &off));
	zones[0][0] = h.pcln, zones[0][1] = 128;
	zones[1][0] = h.pcln + h.ref.t.pcln_off, zones[1][1] = 512;
	zones[2][0] = funcoff_at(&h, h.ref.t.nfunc - 16), zones[2][1] = 256;
	zones[3][0] = (size_t)off, zones[3][1] = 24 * 8;
	for (int iter = 0; iter < 3000; iter++) {
		int flips = 1 + iter % 4;

		for (int k = 0; k < flips; k++) {
			size_t *z;

			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			z = zones[rng % 4];
			h.b[z[0] + (rng >> 8) % z[1]] = (uint8_t)(rng >> 32);
		}
		exercise(&h.im);
		if (!h.im.pcln_rc)
			(void)gs_moduledata_find(&h.im.e, &h.im.t, &h.im.md);
		hostile_restore(&h);
	}
	hostile_teardown(&h);
}

/* 16 MiB of pclntab-looking headers: rejected in linear time. */
static void test_hostile_magic_flood(void **state)
{
	static const uint8_t hdr[8] = { 0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8 };
	const size_t size = 16u << 20;
	struct gs_pclntab t;
	struct gs_elf e;
	const char *why;
	struct syn *s = calloc(1, sizeof(*s));
	uint8_t *b = malloc(size);
	double t0;

	assert_non_null(s);
	assert_non_null(b);
	s->is64 = true;
	s->ps = 8;
	s->machine = EM_X86_64;
	syn_elf(s);
	memcpy(b, s->b, 0x1000);
	for (size_t k = 0x1000; k < size; k += 8)
		memcpy(b + k, hdr, 8);
	/* The text PT_LOAD (file offset 0x1000) now spans the rest of the file. */
	memcpy(b + 0x40 + 32, &(uint64_t){ size - 0x1000 }, 8);
	memcpy(b + 0x40 + 40, &(uint64_t){ size - 0x1000 }, 8);
	assert_int_equal(gs_elf_parse(&e, b, size, &why), 0);
	t0 = now_ms();
	assert_int_equal(gs_pcln_find(&e, &t), -1);
	print_message("# magic flood: %.1f ms for 2M candidates\n", now_ms() - t0);
	assert_true(now_ms() - t0 < 5000);
	free(b);
	free(s);
}

/* Calls with empty or foreign state fail cleanly. */
static void test_api_misuse(void **state)
{
	struct gs_pclntab t;
	struct gs_moduledata md;
	struct gs_func f;
	struct img im;

	memset(&t, 0, sizeof(t));
	img_fixture(&im, "hello");
	assert_null(gs_pcln_name(&t, 0));
	assert_null(gs_pcln_name(NULL, 0));
	assert_int_equal(gs_pcln_lookup(&im.e, &t, "main.main", &f), -1);
	assert_int_equal(gs_pcln_lookup(&im.e, NULL, "main.main", &f), -1);
	assert_int_equal(gs_moduledata_find(&im.e, &t, &md), -1);
	assert_null(gs_version_range(&im.e, &t, true));
	assert_null(gs_version_range(&im.e, NULL, false));
	/* 1.18+ offsets without a base: an error, not a wrong address. */
	t = im.t;
	t.text_known = false;
	assert_int_equal(gs_pcln_lookup(&im.e, &t, "main.main", &f), -1);
	assert_null(gs_pcln_name(&im.t, im.t.nfunc));
	assert_null(gs_pcln_name(&im.t, UINT64_MAX));
	img_free(&im);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_match_symtab),
		cmocka_unit_test(test_abi0_wrapper),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_no_section_headers),
		cmocka_unit_test(test_forged_section),
		cmocka_unit_test(test_rela_zeroed_slots),
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_buf_lookup_time),
		cmocka_unit_test(test_no_text_base),
		cmocka_unit_test(test_synthetic_versions),
		cmocka_unit_test(test_synthetic_mismatch),
		cmocka_unit_test(test_hostile_header),
		cmocka_unit_test(test_hostile_functab),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_hostile_moduledata),
		cmocka_unit_test(test_hostile_truncated),
		cmocka_unit_test(test_hostile_random),
		cmocka_unit_test(test_hostile_magic_flood),
		cmocka_unit_test(test_api_misuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
