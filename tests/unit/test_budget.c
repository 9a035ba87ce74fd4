/* SPDX-License-Identifier: MIT */
/*
 * Bounded work on hostile files: the address index of elfview against the
 * header-order rule it replaces (any overlap, any wrap), and every scan of
 * the segment-walk bomb (tests/tools/elfbomb.c's layout, built here in
 * memory) stopping at its budget, whatever the budget is.
 */
#include "testlib.h"

#include <elf.h>
#include <string.h>

#include "classify.h"
#include "goelf.h"

/* ---- a small ELF64 image with chosen program headers ---- */

struct ph_spec {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz;
};

static size_t put_elf(uint8_t *b, size_t size, const struct ph_spec *ph, unsigned n)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;

	assert_true(sizeof(*eh) + n * sizeof(Elf64_Phdr) <= size);
	memset(b, 0, sizeof(*eh) + n * sizeof(Elf64_Phdr));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)n;
	for (unsigned i = 0; i < n; i++) {
		Elf64_Phdr *p = (Elf64_Phdr *)(b + sizeof(*eh)) + i;

		p->p_type = ph[i].type;
		p->p_flags = ph[i].flags;
		p->p_offset = ph[i].off;
		p->p_vaddr = ph[i].vaddr;
		p->p_filesz = ph[i].filesz;
		p->p_memsz = ph[i].filesz;
	}
	return sizeof(*eh) + n * sizeof(Elf64_Phdr);
}

/* What gs_elf_load_for answered before the index: the first PT_LOAD in header order. */
static const struct gs_phdr *reference(const struct gs_elf *e, uint64_t a)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];

		if (ph->type == PT_LOAD && a >= ph->vaddr && a - ph->vaddr < ph->filesz)
			return ph;
	}
	return NULL;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_all(const struct gs_elf *e, uint64_t *seed)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint64_t at[] = { ph->vaddr - 1, ph->vaddr, ph->vaddr + 1,
					ph->vaddr + ph->filesz - 1, ph->vaddr + ph->filesz,
					ph->vaddr + ph->filesz + 1, ph->vaddr + ph->filesz / 2 };

		for (unsigned k = 0; k < sizeof(at) / sizeof(at[0]); k++)
			if (gs_elf_load_for(e, at[k]) != reference(e, at[k]))
				fail_msg("address %#llx: index and header order disagree",
					 (unsigned long long)at[k]);
	}
	for (unsigned k = 0; k < 64; k++) {
		uint64_t a = rnd(seed) % 0x100000 + (k & 1 ? 0 : UINT64_MAX - 0x100000);

		assert_ptr_equal(gs_elf_load_for(e, a), reference(e, a));
	}
	assert_ptr_equal(gs_elf_load_for(e, 0), reference(e, 0));
	assert_ptr_equal(gs_elf_load_for(e, UINT64_MAX), reference(e, UINT64_MAX));
}

/* Random headers, overlapping and wrapping past 2^64: the index must answer as the walk did. */
static void test_index_matches_header_order(void **state)
{
	static uint8_t img[8192];
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct ph_spec ph[GS_MAX_PHDR + 4];
		unsigned n = 1 + (unsigned)(rnd(&seed) % (GS_MAX_PHDR + 4));
		struct gs_elf e;
		const char *why;
		size_t size;

		for (unsigned i = 0; i < n; i++) {
			uint64_t r = rnd(&seed);

			ph[i].type = r % 7 ? PT_LOAD : PT_NOTE;
			ph[i].flags = PF_R | (r & 8 ? PF_W : 0) | (r & 16 ? PF_X : 0);
			ph[i].off = rnd(&seed) % 4096;
			/* a few bases close together, so that segments overlap a lot */
			ph[i].vaddr = (r >> 8) % 5 * 0x3000 + rnd(&seed) % 0x4000;
			if (r % 11 == 0)
				ph[i].vaddr = UINT64_MAX - rnd(&seed) % 0x8000;	/* near the top */
			ph[i].filesz = r % 13 == 0 ? 0 : rnd(&seed) % 0x9000;
			if (r % 17 == 0)
				ph[i].filesz = UINT64_MAX - rnd(&seed) % 16;	/* wraps */
		}
		size = put_elf(img, sizeof(img), ph, n);
		assert_true(size <= sizeof(img));
		assert_int_equal(gs_elf_parse(&e, img, sizeof(img), &why), 0);
		check_all(&e, &seed);
	}
}

/* ---- the bomb, in memory ---- */

#define PAGE 4096u
#define BOMB_VADDR 0x10000000ull

struct bomb {
	uint8_t *b;
	size_t size;
};

/* elfbomb's layout: a code segment, nseg writable PT_LOADs over one range of len bytes. */
static void bomb_make(struct bomb *bm, unsigned nseg, size_t len, bool sections)
{
	struct ph_spec ph[GS_MAX_PHDR];
	uint64_t stride = (len + PAGE + (2u << 20) - 1) & ~(uint64_t)((2u << 20) - 1);
	uint64_t last = BOMB_VADDR + (nseg - 1) * stride;
	unsigned n = 0;

	bm->size = 2 * PAGE + len;
	bm->b = calloc(1, bm->size);
	assert_non_null(bm->b);
	ph[n++] = (struct ph_spec){ PT_LOAD, PF_R | PF_X, 0, 0x400000, 2 * PAGE };
	for (unsigned i = 0; i < nseg; i++)
		ph[n++] = (struct ph_spec){ PT_LOAD, PF_R | PF_W, 2 * PAGE, BOMB_VADDR + i * stride,
					    len };
	put_elf(bm->b, PAGE, ph, n);
	if (sections) {
		static const char names[] = "\0.shstrtab\0.gosymtab";
		Elf64_Ehdr *eh = (Elf64_Ehdr *)bm->b;
		Elf64_Shdr *sh = (Elf64_Shdr *)(bm->b + PAGE + 0x300);

		memcpy(bm->b + PAGE + 0x200, names, sizeof(names));
		sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_STRTAB,
				      .sh_offset = PAGE + 0x200, .sh_size = sizeof(names) };
		sh[2] = (Elf64_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS,
				      .sh_flags = SHF_ALLOC, .sh_offset = PAGE + 0x200 };
		eh->e_shoff = PAGE + 0x300;
		eh->e_shentsize = sizeof(Elf64_Shdr);
		eh->e_shnum = 3;
		eh->e_shstrndx = 1;
	}
	/* {ptr, len = 100} every 16 bytes, ptr into the last segment */
	for (size_t k = 0; k + 16 <= len; k += 16) {
		uint64_t w[2] = { last + k % (len - 116), 100 };

		memcpy(bm->b + 2 * PAGE + k, w, sizeof(w));
	}
}

static void test_bomb_scans_stop_at_budget(void **state)
{
	static const struct gs_budget budgets[] = {
		{ 1u << 20, 1000, false }, { 64u << 10, 1u << 30, false }, { 0, 0, false },
		GS_BUDGET_STRWALK,
	};
	struct bomb bm;
	struct gs_elf e;
	const char *why;

	(void)state;
	bomb_make(&bm, 63, 2u << 20, true);
	assert_int_equal(gs_elf_parse(&e, bm.b, bm.size, &why), 0);
	assert_int_equal(e.nphdr, 64);
	for (unsigned i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		struct gs_budget b = budgets[i], w = budgets[i], s = GS_BUDGET_SENTINEL;
		struct gs_buildinfo bi;
		struct gs_pclntab t;
		const uint8_t *raw;
		char buf[GS_VERSION_MAX];
		size_t len;

		/* 63 x 2 MiB of candidates: every budget here runs out, and says so. */
		assert_int_equal(gs_version_scan_budget(&e, buf, sizeof(buf), &b), -1);
		assert_true(b.spent);
		assert_true(b.bytes == 0 || b.steps == 0);
		assert_true(b.bytes <= budgets[i].bytes && b.steps <= budgets[i].steps);
		assert_int_equal(gs_modinfo_scan_budget(&e, &raw, &len, &w, &s), -1);
		assert_true(w.spent);
		b = budgets[i];
		assert_int_equal(gs_buildinfo_find_budget(&e, &bi, &b), -1);
		assert_true(b.spent);
		b = budgets[i];
		assert_int_equal(gs_pcln_find_budget(&e, &t, true, &b), -1);
		assert_true(b.spent);
	}
	free(bm.b);
}

/* A walk that stops short must not claim the one version it happened to see. */
static void test_version_scan_cut_short_claims_nothing(void **state)
{
	struct bomb bm;
	struct gs_budget b = { 4096, 1u << 20, false };
	struct gs_elf e;
	const char *why;
	char buf[GS_VERSION_MAX];

	(void)state;
	bomb_make(&bm, 2, 64u << 10, true);
	/* The first header of the first segment names "go1.22.1" in the code page. */
	memcpy(bm.b + PAGE + 0x800, "go1.22.1", 8);
	{
		uint64_t w[2] = { 0x400000 + PAGE + 0x800, 8 };

		memcpy(bm.b + 2 * PAGE, w, sizeof(w));
	}
	assert_int_equal(gs_elf_parse(&e, bm.b, bm.size, &why), 0);
	/* With room for the whole walk, the one version is found ... */
	assert_int_equal(gs_version_scan(&e, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "go1.22.1");
	/* ... but not by a walk the budget cut short. */
	assert_int_equal(gs_version_scan_budget(&e, buf, sizeof(buf), &b), -1);
	assert_true(b.spent);
	free(bm.b);
}

/* The classifier on the bomb: weak signals only, no scan of the segments, a bounded answer. */
static void test_classify_bomb(void **state)
{
	struct bomb bm;
	struct gs_class c;

	(void)state;
	bomb_make(&bm, 63, 4u << 20, true);
	gs_classify_mem(bm.b, bm.size, &c);
	assert_int_equal(c.verdict, GS_PROBABLY_GO);
	assert_int_equal(c.evidence, GS_EV_SECTIONS);
	assert_int_equal(c.vsrc, GS_VSRC_NONE);
	assert_null(c.modinfo);
	/* 63 x 4 MiB of writable data: the build info search stopped at its 16 MiB. */
	assert_non_null(strstr(c.reason, "only weak signals"));
	assert_non_null(strstr(c.reason, "scan budget spent: buildinfo-scan"));
	gs_class_fini(&c);
	free(bm.b);

	/* Without section headers the pclntab scan runs, and stops at its budget too. */
	bomb_make(&bm, 63, 2u << 20, false);
	gs_classify_mem(bm.b, bm.size, &c);
	assert_int_equal(c.verdict, GS_NOT_GO);
	assert_non_null(strstr(c.reason, "scan budget spent: buildinfo-scan pclntab-scan"));
	gs_class_fini(&c);
	free(bm.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_matches_header_order),
		cmocka_unit_test(test_bomb_scans_stop_at_budget),
		cmocka_unit_test(test_version_scan_cut_short_claims_nothing),
		cmocka_unit_test(test_classify_bomb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
