/* SPDX-License-Identifier: MIT */
/*
 * pclntab: the runtime function table (docs/go-binary-format.md §4). Located
 * by section name or by a magic scan, and in both cases accepted only after
 * the structural checks of §4.6, since section headers can be forged and
 * magic bytes can be chance.
 *
 * Go 1.18+ entries are offsets mapped with a single text base, PC = text +
 * off: always right on amd64 and 386, and on arm64/ppc64 as long as
 * len(moduledata.textsectmap) <= 1. Only very large arm64/ppc64 binaries
 * split their text; that remapping is not supported here.
 *
 * For 1.2-1.15 tables, pcln_off is set to the functab start and funcname_off
 * to 0 (names count from the table start), so one set of accessors serves
 * every version; only the funcoff base differs (§4.3).
 */
#include "pclntab_int.h"

#include <elf.h>
#include <string.h>

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

#define SAMPLES 8		/* functab entries checked for order, plus the ends */
#define NAME0_MAX 256		/* function 0's name is short: runtime.text and the like */

static const char *const pcln_sections[] = { ".gopclntab", ".data.rel.ro.gopclntab" };

/* PC quantum the Go toolchain uses for this machine, or 0 if unknown. */
static unsigned machine_quantum(uint16_t machine)
{
	switch (machine) {
	case EM_386:
	case EM_X86_64:
		return 1;
	case EM_S390:
		return 2;
	case EM_ARM:
	case EM_AARCH64:
	case EM_PPC:
	case EM_PPC64:
	case EM_MIPS:
	case EM_MIPS_RS3_LE:
	case EM_RISCV:
	case EM_LOONGARCH:
		return 4;
	default:
		return 0;
	}
}

bool gs_section_view(const struct gs_elf *e, const char *name, uint64_t *vaddr,
		     const uint8_t **p, size_t *len)
{
	const struct gs_phdr *ph;
	const uint8_t *seg;
	struct gs_shdr sh;
	uint64_t rel;
	size_t n;

	if (!e->shnum || !gs_elf_section(e, name, &sh))
		return false;
	if (sh.type == SHT_NOBITS || !sh.size)
		return false;
	ph = gs_elf_load_for(e, sh.addr);
	if (!ph)
		return false;
	rel = sh.addr - ph->vaddr;
	if (!gs_fits(ph->off, rel, UINT64_MAX) || ph->off + rel != sh.off)
		return false;
	seg = gs_elf_seg_bytes(e, ph, &n);
	if (!seg || rel >= n)
		return false;
	*vaddr = sh.addr;
	*p = seg + rel;
	*len = sh.size < n - rel ? (size_t)sh.size : n - rel;
	return true;
}

bool gs_pcln_ftab(const struct gs_pclntab *t, uint64_t i, uint64_t *entry, uint64_t *func)
{
	unsigned fs = pcln_fieldsz(t);
	uint64_t off, fo;

	if (i > t->nfunc || i > GS_PCLN_MAX_NFUNC)
		return false;
	off = i * 2 * fs;
	if (!gs_fits(t->pcln_off, off, t->len))
		return false;
	off += t->pcln_off;
	if (!gs_fits(off, fs, t->len))
		return false;
	*entry = pcln_rd(t, t->data + off, fs);
	if (!func)
		return true;
	if (i == t->nfunc || !gs_fits(off + fs, fs, t->len))
		return false;
	fo = pcln_rd(t, t->data + off + fs, fs);
	/* funcoff counts from the table start before 1.16, from the functab since. */
	if (t->ver >= GS_PCLN_116) {
		if (!gs_fits(fo, t->pcln_off, UINT64_MAX))
			return false;
		fo += t->pcln_off;
	}
	/* The record starts with the entry field and the int32 nameoff. */
	if (!gs_fits(fo, fs + 4, t->len))
		return false;
	*func = fo;
	return true;
}

bool gs_pcln_func_span(const struct gs_pclntab *t, uint64_t i, uint64_t *entry, uint64_t *size)
{
	uint64_t e, next;

	if (!gs_pcln_ftab(t, i, &e, NULL) || !gs_pcln_ftab(t, i + 1, &next, NULL))
		return false;
	*size = next >= e ? next - e : 0;
	if (t->ver >= GS_PCLN_118) {
		if (!gs_fits(t->text, e, UINT64_MAX))
			return false;
		e += t->text;
	}
	*entry = e;
	return true;
}

/* Start and end of the bytes where names may live, as table offsets. */
static void name_area(const struct gs_pclntab *t, uint64_t *start, uint64_t *end)
{
	*start = t->funcname_off;
	*end = t->ver >= GS_PCLN_116 ? t->cu_off : t->len;
	if (*end > t->len)
		*end = t->len;
}

/* Table offset of function i's name, before any NUL check. */
static bool name_off(const struct gs_pclntab *t, uint64_t i, uint64_t *off)
{
	uint64_t entry, fo, start, end;
	int32_t nameoff;

	if (!gs_pcln_ftab(t, i, &entry, &fo))
		return false;
	nameoff = (int32_t)pcln_rd(t, t->data + fo + pcln_fieldsz(t), 4);
	if (nameoff < 0)
		return false;
	name_area(t, &start, &end);
	if (end <= start || !gs_fits(start, (uint64_t)nameoff, end - 1))
		return false;
	*off = start + (uint64_t)nameoff;
	return true;
}

const char *gs_pcln_name(const struct gs_pclntab *t, uint64_t i)
{
	uint64_t off, start, end, max;

	if (!t || !t->data || t->ver == GS_PCLN_NONE || i >= t->nfunc)
		return NULL;
	if (!name_off(t, i, &off))
		return NULL;
	name_area(t, &start, &end);
	max = end - off;
	if (max > GS_PCLN_NAME_MAX)
		max = GS_PCLN_NAME_MAX;
	if (gs_strnlen_bounded(t->data + off, (size_t)max) < 0)
		return NULL;
	return (const char *)t->data + off;
}

const char *gs_pcln_name_within(const struct gs_pclntab *t, uint64_t i, size_t max)
{
	uint64_t off, start, end;

	if (!t || !t->data || t->ver == GS_PCLN_NONE || i >= t->nfunc)
		return NULL;
	if (!name_off(t, i, &off))
		return NULL;
	name_area(t, &start, &end);
	if (max > end - off)
		max = (size_t)(end - off);
	if (max > GS_PCLN_NAME_MAX)
		max = GS_PCLN_NAME_MAX;
	if (gs_strnlen_bounded(t->data + off, max) < 0)
		return NULL;
	return (const char *)t->data + off;
}

/* Does an absolute address land in the file part of an executable PT_LOAD? */
static const struct gs_phdr *exec_load_for(const struct gs_elf *e, uint64_t vaddr)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];

		if (ph->type == PT_LOAD && (ph->flags & PF_X) &&
		    vaddr >= ph->vaddr && vaddr - ph->vaddr < ph->filesz)
			return ph;
	}
	return NULL;
}

/* Structural checks of §4.6 on the functab of a parsed candidate. */
static bool functab_sane(const struct gs_elf *e, const struct gs_pclntab *c)
{
	const uint64_t ends[2] = { 0, c->nfunc - 1 };
	unsigned fs = pcln_fieldsz(c);
	uint64_t entry, fo, prev = 0, off, start, end;

	/* The _func record repeats its functab entry (§4.3). */
	for (unsigned k = 0; k < 2; k++) {
		if (!gs_pcln_ftab(c, ends[k], &entry, &fo))
			return false;
		if (pcln_rd(c, c->data + fo, fs) != entry)
			return false;
	}
	/* Sorted by PC: sample evenly, ending on the sentinel. */
	for (unsigned k = 0; k <= SAMPLES; k++) {
		uint64_t i = c->nfunc * k / SAMPLES;

		if (!gs_pcln_ftab(c, i, &entry, NULL) || entry < prev)
			return false;
		prev = entry;
	}
	if (!gs_pcln_ftab(c, c->nfunc - 1, &prev, NULL) ||
	    !gs_pcln_ftab(c, c->nfunc, &entry, NULL) || entry < prev)
		return false;
	/* Absolute PCs (all but 1.26+) must point at code. */
	if (!gs_pcln_ftab(c, 0, &entry, NULL))
		return false;
	if (c->ver >= GS_PCLN_118) {
		if (c->text_start && (!gs_fits(c->text_start, entry, UINT64_MAX) ||
				      !exec_load_for(e, c->text_start + entry)))
			return false;
	} else if (!exec_load_for(e, entry)) {
		return false;
	}
	/* Function 0 has a short printable name (internal/abi.*, runtime.* ...). */
	if (!name_off(c, 0, &off))
		return false;
	name_area(c, &start, &end);
	for (uint64_t k = 0; k < NAME0_MAX && off + k < end; k++) {
		uint8_t ch = c->data[off + k];

		if (!ch)
			return k > 0;
		if (ch < 0x20 || ch == 0x7f)
			return false;
	}
	return false;
}

/* The 8-byte prefix (§4.1): a known magic, quantum and pointer size for e. */
static bool pcln_prefix_ok(const struct gs_elf *e, const uint8_t *p)
{
	unsigned q = p[6], mq = machine_quantum(e->machine);
	uint32_t m = gs_rd32(e, p);

	if ((m != 0xfffffffb && m != 0xfffffffa && m != 0xfffffff0 && m != 0xfffffff1) ||
	    p[4] || p[5])
		return false;
	return (q == 1 || q == 2 || q == 4) && (!mq || q == mq) && p[7] == e->ptrsize;
}

/* Parse and validate a candidate header at vaddr; p[0..len) is readable. */
static int pcln_parse(const struct gs_elf *e, uint64_t vaddr, const uint8_t *p, size_t len,
		      struct gs_pclntab *t)
{
	unsigned ps = e->ptrsize, nw, q;
	struct gs_pclntab c;
	uint64_t w[8], hdr;

	memset(&c, 0, sizeof(c));
	if (len < 8 || !pcln_prefix_ok(e, p))
		return -1;
	switch (gs_rd32(e, p)) {
	case 0xfffffffb: c.ver = GS_PCLN_12; nw = 1; break;
	case 0xfffffffa: c.ver = GS_PCLN_116; nw = 7; break;
	case 0xfffffff0: c.ver = GS_PCLN_118; nw = 8; break;
	case 0xfffffff1: c.ver = GS_PCLN_120; nw = 8; break;
	default: return -1;
	}
	q = p[6];
	hdr = 8 + (uint64_t)nw * ps;
	if (len < hdr)
		return -1;
	for (unsigned k = 0; k < nw; k++)
		w[k] = gs_rdptr(e, p + 8 + k * ps);
	c.data = p;
	c.len = len;
	c.vaddr = vaddr;
	c.quantum = (uint8_t)q;
	c.ptrsize = (uint8_t)ps;
	c.nfunc = w[0];
	if (!c.nfunc || c.nfunc > GS_PCLN_MAX_NFUNC)
		return -1;
	if (c.ver == GS_PCLN_12) {
		/* Names count from the table start; the functab follows the header. */
		c.pcln_off = hdr;
	} else {
		const uint64_t *o = c.ver == GS_PCLN_116 ? &w[2] : &w[3];

		c.nfiles = w[1];
		if (c.ver >= GS_PCLN_118)
			c.text_start = w[2];
		c.funcname_off = o[0];
		c.cu_off = o[1];
		c.filetab_off = o[2];
		c.pctab_off = o[3];
		c.pcln_off = o[4];
		if (c.funcname_off < hdr || c.funcname_off >= c.cu_off || c.cu_off >= c.filetab_off ||
		    c.filetab_off >= c.pctab_off || c.pctab_off >= c.pcln_off || c.pcln_off >= len)
			return -1;
	}
	/* nfunc is capped, so the functab size cannot overflow. */
	if (!gs_fits(c.pcln_off, (2 * c.nfunc + 1) * pcln_fieldsz(&c), len))
		return -1;
	if (c.ver == GS_PCLN_12) {
		/* A u32 filetab offset follows the functab; its first u32 is nfiles. */
		uint64_t fo = c.pcln_off + (2 * c.nfunc + 1) * ps;

		if (gs_fits(fo, 4, len)) {
			uint64_t ft = gs_rd32(e, p + fo);

			if (gs_fits(ft, 4, len)) {
				c.filetab_off = ft;
				c.nfiles = gs_rd32(e, p + ft);
			}
		}
	}
	if (!functab_sane(e, &c))
		return -1;
	*t = c;
	return 0;
}

/* Header textStart, or for a zeroed PIE slot its RELATIVE addend (§4.4). */
static void pcln_set_text(const struct gs_elf *e, struct gs_pclntab *t)
{
	uint64_t slot, base;
	struct gs_shdr sh;

	if (t->ver < GS_PCLN_118)
		return;		/* entries are absolute */
	if (t->text_start) {
		t->text = t->text_start;
		t->text_known = true;
		return;
	}
	/* 1.26+ leaves it 0 on purpose; the base then comes from moduledata. */
	if (e->type != ET_DYN || gs_elf_section(e, ".go.module", &sh))
		return;
	slot = t->vaddr + 8 + 2 * (uint64_t)t->ptrsize;
	if (gs_rela_relative(e, slot, &base) && base) {
		t->text = base;
		t->text_known = true;
	}
}

/*
 * Candidates at 8-aligned addresses of [p, p+n) (at vaddr); avail >= n is
 * what is readable from p to the end of the segment's file part. The window
 * is cut to the budget's bytes; each candidate validated costs a step (real
 * files have one or two, a file made of near-miss headers many).
 */
static int pcln_scan(const struct gs_elf *e, uint64_t vaddr, const uint8_t *p, size_t n,
		     size_t avail, struct gs_budget *b, struct gs_pclntab *t)
{
	size_t k = (size_t)((8 - (vaddr & 7)) & 7);

	n = gs_budget_bytes(b, n);
	for (; n >= 8 && k <= n - 8; k += 8) {
		const uint8_t *q = p + k;

		/* Bytes 1 and 2 are 0xFF in both byte orders; test them first. */
		if (q[1] != 0xff || q[2] != 0xff || q[4] || q[5])
			continue;
		if (!pcln_prefix_ok(e, q))
			continue;
		if (!gs_budget_step(b))
			return -1;
		if (pcln_parse(e, vaddr + k, q, avail - k, t) == 0)
			return 0;
	}
	return -1;
}

/* pclntab in an externally linked shared object (pre-1.26): inside .data.rel.ro. */
static int pcln_scan_relro(const struct gs_elf *e, struct gs_budget *b, struct gs_pclntab *t)
{
	const struct gs_phdr *ph;
	const uint8_t *p, *seg;
	uint64_t vaddr;
	size_t n, segn;

	if (!gs_section_view(e, ".data.rel.ro", &vaddr, &p, &n))
		return -1;
	ph = gs_elf_load_for(e, vaddr);
	seg = ph ? gs_elf_seg_bytes(e, ph, &segn) : NULL;
	if (!seg)
		return -1;
	return pcln_scan(e, vaddr, p, n, segn - (size_t)(p - seg), b, t);
}

/* Every PT_LOAD, data first: code segments are large and never hold it. */
static int pcln_scan_loads(const struct gs_elf *e, struct gs_budget *b, struct gs_pclntab *t)
{
	for (int exec = 0; exec < 2; exec++) {
		for (unsigned i = 0; i < e->nphdr; i++) {
			const struct gs_phdr *ph = &e->ph[i];
			const uint8_t *p;
			size_t n;

			if (ph->type != PT_LOAD || !!(ph->flags & PF_X) != exec)
				continue;
			p = gs_elf_seg_bytes(e, ph, &n);
			if (p && pcln_scan(e, ph->vaddr, p, n, n, b, t) == 0)
				return 0;
		}
	}
	return -1;
}

int gs_pcln_find(const struct gs_elf *e, struct gs_pclntab *t)
{
	struct gs_budget b = GS_BUDGET_PCLN;

	return gs_pcln_find_budget(e, t, true, &b);
}

int gs_pcln_find_budget(const struct gs_elf *e, struct gs_pclntab *t, bool loads,
			struct gs_budget *b)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < sizeof(pcln_sections) / sizeof(pcln_sections[0]); i++) {
		const uint8_t *p;
		uint64_t vaddr;
		size_t len;

		if (!gs_section_view(e, pcln_sections[i], &vaddr, &p, &len))
			continue;
		if (pcln_parse(e, vaddr, p, len, t) == 0) {
			t->by_section = true;
			pcln_set_text(e, t);
			b->spent = false;
			return 0;
		}
	}
	/* No trustworthy section: a validated magic scan (§4.6). */
	if (pcln_scan_relro(e, b, t) == 0 || (loads && pcln_scan_loads(e, b, t) == 0)) {
		pcln_set_text(e, t);
		b->spent = false;
		return 0;
	}
	memset(t, 0, sizeof(*t));
	return -1;
}

int gs_pcln_lookup(const struct gs_elf *e, const struct gs_pclntab *t, const char *name,
		   struct gs_func *out)
{
	uint64_t start, end, best_entry = 0, best_size = 0;
	const struct gs_phdr *ph;
	unsigned found = 0;
	size_t nlen;

	memset(out, 0, sizeof(*out));
	if (!t || !t->data || t->ver == GS_PCLN_NONE || !name)
		return -1;
	if (t->ver >= GS_PCLN_118 && !t->text_known)
		return -1;	/* offsets without a base say nothing */
	nlen = strlen(name);
	if (!nlen || nlen >= GS_PCLN_NAME_MAX)
		return -1;
	name_area(t, &start, &end);
	for (uint64_t i = 0; i < t->nfunc; i++) {
		uint64_t off, entry, size;

		if (!name_off(t, i, &off))
			continue;
		if (end - off < nlen + 1 || memcmp(t->data + off, name, nlen + 1) != 0)
			continue;
		if (!gs_pcln_func_span(t, i, &entry, &size))
			continue;
		/* An ABI0 wrapper shares the name of its body: keep the larger. */
		if (!found || size > best_size) {
			best_entry = entry;
			best_size = size;
		}
		found++;
	}
	if (!found)
		return -1;
	ph = exec_load_for(e, best_entry);
	if (!ph || !gs_fits(ph->off, best_entry - ph->vaddr, e->size - 1))
		return -1;
	out->entry = best_entry;
	out->size = best_size;
	out->file_off = ph->off + (best_entry - ph->vaddr);
	out->candidates = found;
	return 0;
}

const char *gs_version_range(const struct gs_elf *e, const struct gs_pclntab *t,
			     bool has_go_module_section)
{
	uint64_t addend;

	if (!t || t->ver == GS_PCLN_NONE)
		return NULL;
	switch (t->ver) {
	case GS_PCLN_12:
		return "go1.2-go1.15";
	case GS_PCLN_116:
		return "go1.16-go1.17";
	case GS_PCLN_118:
		return "go1.18-go1.19";
	default:
		break;
	}
	if (has_go_module_section)
		return "go1.26+";
	if (t->text_start)
		return "go1.20+";
	/* A zero slot with a RELATIVE reloc is a 1.20-1.25 PIE, not 1.26+. */
	if (e && e->type == ET_DYN &&
	    gs_rela_relative(e, t->vaddr + 8 + 2 * (uint64_t)t->ptrsize, &addend))
		return "go1.20+";
	return "go1.26+";
}
