/* SPDX-License-Identifier: MIT */
/*
 * moduledata (runtime.firstmoduledata, §3.7): found through .go.module
 * (1.26+) or by searching data for a word equal to the pclntab address, and
 * accepted only when its slices point back into that pclntab. It supplies the
 * text base that 1.26+ headers no longer carry.
 *
 * Also here: a minimal DT_RELA reader, for position-independent files whose
 * linker left RELATIVE-relocated words zero in the file (§3.4).
 */
#include "pclntab_int.h"

#include <elf.h>
#include <string.h>

#define MD_WORDS 24		/* words 0-23 are stable from 1.16 to 1.27 */
#define MD_WORDS_12 14		/* 1.2-1.15: up to etext */
#define RELA_CANDIDATES 16	/* reloc-found candidates tried, each costing reloc walks */

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* ---- DT_RELA ---- */

struct rela_tab {
	const uint8_t *p;
	uint64_t n;
	unsigned entsz;
	uint32_t relative;	/* R_*_RELATIVE for this machine */
};

static uint32_t relative_type(uint16_t machine)
{
	switch (machine) {
	case EM_X86_64: return R_X86_64_RELATIVE;
	case EM_386: return R_386_RELATIVE;
	case EM_AARCH64: return R_AARCH64_RELATIVE;
	case EM_ARM: return R_ARM_RELATIVE;
	case EM_PPC: return R_PPC_RELATIVE;
	case EM_PPC64: return R_PPC64_RELATIVE;
	case EM_S390: return R_390_RELATIVE;
	case EM_RISCV: return 3;	/* R_RISCV_RELATIVE */
	case EM_LOONGARCH: return 3;	/* R_LARCH_RELATIVE */
	default: return 0;
	}
}

static bool rela_table(const struct gs_elf *e, struct rela_tab *r)
{
	unsigned ps = e->ptrsize, want = e->is64 ? 24 : 12;
	uint64_t rela = 0, relasz = 0, relaent = 0;
	const uint8_t *dyn = NULL;
	size_t n = 0;

	r->relative = relative_type(e->machine);
	if (!r->relative)
		return false;
	for (unsigned i = 0; i < e->nphdr && !dyn; i++)
		if (e->ph[i].type == PT_DYNAMIC)
			dyn = gs_elf_seg_bytes(e, &e->ph[i], &n);
	if (!dyn)
		return false;
	for (size_t k = 0; k + 2 * ps <= n; k += 2 * ps) {
		uint64_t tag = gs_rdptr(e, dyn + k), val = gs_rdptr(e, dyn + k + ps);

		if (tag == DT_NULL)
			break;
		if (tag == DT_RELA)
			rela = val;
		else if (tag == DT_RELASZ)
			relasz = val;
		else if (tag == DT_RELAENT)
			relaent = val;
	}
	if (!rela || !relasz || (relaent && relaent != want))
		return false;
	r->p = gs_elf_vaddr(e, rela, relasz);
	if (!r->p)
		return false;
	r->entsz = want;
	r->n = relasz / want;
	return true;
}

/* Entry i: true when it is RELATIVE; fills its target and addend. */
static bool rela_get(const struct gs_elf *e, const struct rela_tab *r, uint64_t i,
		     uint64_t *where, uint64_t *addend)
{
	const uint8_t *q = r->p + i * r->entsz;
	unsigned ps = e->ptrsize;
	uint64_t info = gs_rdptr(e, q + ps);
	uint32_t type = e->is64 ? (uint32_t)info : (uint32_t)(info & 0xff);

	if (type != r->relative)
		return false;
	*where = gs_rdptr(e, q);
	*addend = gs_rdptr(e, q + 2 * ps);
	return true;
}

bool gs_rela_relative(const struct gs_elf *e, uint64_t slot, uint64_t *addend)
{
	struct rela_tab r;
	uint64_t where, a;

	if (!rela_table(e, &r))
		return false;
	for (uint64_t i = 0; i < r.n; i++) {
		if (rela_get(e, &r, i, &where, &a) && where == slot) {
			*addend = a;
			return true;
		}
	}
	return false;
}

/* ---- moduledata ---- */

/*
 * The runtime itself throws unless minpc is the first functab entry and maxpc
 * the end sentinel (moduledataverify1). With 1.18+ offsets a split text
 * (textsectmap) can leave gaps, so there the end only bounds maxpc.
 */
static bool pc_range_matches(const struct gs_pclntab *t, uint64_t text, uint64_t minpc,
			     uint64_t maxpc)
{
	uint64_t first, end;

	if (!gs_pcln_ftab(t, 0, &first, NULL) || !gs_pcln_ftab(t, t->nfunc, &end, NULL))
		return false;
	if (t->ver < GS_PCLN_118)
		return minpc == first && maxpc == end;
	if (!gs_fits(text, end, UINT64_MAX))
		return false;
	return minpc == text + first && maxpc >= text + end;
}

/*
 * Check the candidate at vaddr against t (§3.7). With rela, a zero word that
 * a RELATIVE reloc targets takes the reloc's addend.
 */
static bool md_check(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t vaddr,
		     bool rela, struct gs_moduledata *md)
{
	unsigned ps = e->ptrsize, nw = t->ver >= GS_PCLN_116 ? MD_WORDS : MD_WORDS_12;
	uint64_t w[MD_WORDS], minpc, maxpc, text, etext;
	const uint8_t *p = gs_elf_vaddr(e, vaddr, (uint64_t)nw * ps);

	if (!p)
		return false;
	for (unsigned i = 0; i < nw; i++) {
		w[i] = gs_rdptr(e, p + i * ps);
		if (!w[i] && rela)
			gs_rela_relative(e, vaddr + (uint64_t)i * ps, &w[i]);
	}
	if (w[0] != t->vaddr)
		return false;
	if (t->ver >= GS_PCLN_116) {
		/* funcnametab {data, len, cap}, ftab {data, nfunc+1, cap} */
		if (w[1] != t->vaddr + t->funcname_off || !w[2] ||
		    w[2] > t->cu_off - t->funcname_off)
			return false;
		if (w[16] != t->vaddr + t->pcln_off || w[17] != t->nfunc + 1 || w[18] < w[17])
			return false;
		minpc = w[20], maxpc = w[21], text = w[22], etext = w[23];
	} else {
		/* pclntable {pclntab, size, size}, ftab {pclntab+8+ps, nfunc+1, cap} */
		if (!w[1] || w[1] != w[2] || w[1] > t->len)
			return false;
		if (w[3] != t->vaddr + t->pcln_off || w[4] != t->nfunc + 1 || w[5] < w[4])
			return false;
		minpc = w[10], maxpc = w[11], text = w[12], etext = w[13];
	}
	if (minpc > maxpc || text > minpc || etext < maxpc)
		return false;
	if (t->ver >= GS_PCLN_118 && t->text_known && text != t->text)
		return false;
	if (!pc_range_matches(t, text, minpc, maxpc))
		return false;
	md->vaddr = vaddr;
	md->text = text;
	md->etext = etext;
	md->minpc = minpc;
	md->maxpc = maxpc;
	return true;
}

/* Every ps-aligned word of [p, p+n) (at vaddr) equal to the pclntab address. */
static bool md_scan(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t vaddr,
		    const uint8_t *p, size_t n, struct gs_moduledata *md)
{
	unsigned ps = e->ptrsize;
	const uint8_t *q = p, *end = p + n;
	uint8_t needle[8];

	if (ps != 4 && ps != 8)
		return false;
	for (unsigned i = 0; i < ps; i++) {
		unsigned shift = 8 * (e->be ? ps - 1 - i : i);

		needle[i] = (uint8_t)(t->vaddr >> shift);
	}
	while (q < end && (q = memmem(q, (size_t)(end - q), needle, ps)) != NULL) {
		uint64_t at = vaddr + (uint64_t)(q - p);

		if (at % ps == 0 && md_check(e, t, at, false, md))
			return true;
		q++;
	}
	return false;
}

static bool md_scan_section(const struct gs_elf *e, const struct gs_pclntab *t, const char *name,
			    struct gs_moduledata *md)
{
	const uint8_t *p;
	uint64_t vaddr;
	size_t n;

	return gs_section_view(e, name, &vaddr, &p, &n) && md_scan(e, t, vaddr, p, n, md);
}

static bool md_scan_loads(const struct gs_elf *e, const struct gs_pclntab *t, bool writable,
			  struct gs_moduledata *md)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *p;
		size_t n;

		if (ph->type != PT_LOAD || !!(ph->flags & PF_W) != writable)
			continue;
		p = gs_elf_seg_bytes(e, ph, &n);
		if (p && md_scan(e, t, ph->vaddr, p, n, md))
			return true;
	}
	return false;
}

/* Zeroed relocated words: candidates are the RELATIVE targets whose addend is pclntab. */
static bool md_scan_rela(const struct gs_elf *e, const struct gs_pclntab *t,
			 struct gs_moduledata *md)
{
	unsigned tried = 0;
	struct rela_tab r;
	uint64_t where, a;

	if (e->type != ET_DYN || !rela_table(e, &r))
		return false;
	for (uint64_t i = 0; i < r.n && tried < RELA_CANDIDATES; i++) {
		if (!rela_get(e, &r, i, &where, &a) || a != t->vaddr)
			continue;
		tried++;
		if (md_check(e, t, where, true, md))
			return true;
	}
	return false;
}

static bool md_locate(const struct gs_elf *e, const struct gs_pclntab *t, struct gs_moduledata *md)
{
	static const char *const data_sections[] = { ".noptrdata", ".data.rel.ro", ".data" };
	const uint8_t *p;
	uint64_t vaddr;
	size_t n;

	/* 1.26+: the section starts with it. */
	if (gs_section_view(e, ".go.module", &vaddr, &p, &n) && md_check(e, t, vaddr, false, md)) {
		md->by_section = true;
		return true;
	}
	/* Where the linker puts it, so that only a few pages are read. */
	for (unsigned i = 0; i < sizeof(data_sections) / sizeof(data_sections[0]); i++)
		if (md_scan_section(e, t, data_sections[i], md))
			return true;
	/* No (trustworthy) sections: writable segments first, then the rest. */
	return md_scan_loads(e, t, true, md) || md_scan_loads(e, t, false, md) ||
	       md_scan_rela(e, t, md);
}

int gs_moduledata_find(const struct gs_elf *e, struct gs_pclntab *t, struct gs_moduledata *md)
{
	memset(md, 0, sizeof(*md));
	if (!t || !t->data || t->ver == GS_PCLN_NONE)
		return -1;
	if (!md_locate(e, t, md)) {
		memset(md, 0, sizeof(*md));
		return -1;
	}
	if (!t->text_known) {
		t->text = md->text;
		t->text_known = true;
	}
	return 0;
}

bool gs_moduledata_word(const struct gs_elf *e, const struct gs_moduledata *md, unsigned idx,
			uint64_t *val)
{
	unsigned ps = e->ptrsize;
	uint64_t at;
	const uint8_t *p;

	if (!md || !md->vaddr || idx > 256)
		return false;
	at = md->vaddr + (uint64_t)idx * ps;
	if (at < md->vaddr || !(p = gs_elf_vaddr(e, at, ps)))
		return false;
	*val = gs_rdptr(e, p);
	if (!*val && e->type == ET_DYN)
		gs_rela_relative(e, at, val);
	return true;
}
