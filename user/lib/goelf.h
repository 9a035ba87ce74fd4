/* SPDX-License-Identifier: MIT */
/*
 * goelf: the Go toolchain's own structures inside an ELF image — build info,
 * modinfo, the Go build-ID note, symbols, pclntab, moduledata — and version
 * recovery for binaries that lost their build info.
 *
 * Every function takes a parsed struct gs_elf (bounds-checked view) and never
 * allocates. Returned pointers point into the image.
 * Reference: docs/go-binary-format.md (section numbers below).
 */
#ifndef GOSCOPE_GOELF_H
#define GOSCOPE_GOELF_H

#include "elfview.h"

#define GS_VERSION_MAX 129		/* §1: a version string is at most 128 bytes */
#define GS_MODINFO_MAX (4u << 20)	/* modinfo larger than this is rejected */
#define GS_BUILDID_MAX 256

/* ---- work budgets ---- */
/*
 * Every scan over file data runs under a budget: the bytes it may examine
 * and the steps (candidates it checks in depth) it may take. When either
 * runs out, the scan stops and reports nothing found, as for a file without
 * the structure, and leaves spent set (a scan that finds what it looks for
 * clears it: its answer is complete). The defaults below are what one scan of one
 * file gets (docs/security.md lists them); real binaries need a small part
 * of each, while a file built to make the scans slow, one segment mapped
 * many times over, say, cannot make them longer than their budget.
 */
struct gs_budget {
	uint64_t bytes, steps;
	bool spent;			/* the scan was cut short and found nothing */
};

/* .go.buildinfo magic search in writable segments; aligned hits parsed. */
#define GS_BUDGET_BUILDINFO	{ 16u << 20, 4096, false }
/* pclntab magic scan; candidate headers validated. */
#define GS_BUDGET_PCLN		{ 64u << 20, 65536, false }
/* moduledata: bytes searched for the pclntab address; candidates checked. */
#define GS_BUDGET_MODULEDATA	{ 64u << 20, 4096, false }
/* string-header walk of writable segments; headers resolved to bytes. */
#define GS_BUDGET_STRWALK	{ 32u << 20, 1u << 20, false }
/* modinfo sentinel search; start sentinels followed. */
#define GS_BUDGET_SENTINEL	{ 64u << 20, 256, false }

/* Up to n bytes of a scan window (fewer when the budget is short). */
static inline size_t gs_budget_bytes(struct gs_budget *b, size_t n)
{
	if (n > b->bytes) {
		n = (size_t)b->bytes;
		b->spent = true;
	}
	b->bytes -= n;
	return n;
}

/* One step; false when none is left. */
static inline bool gs_budget_step(struct gs_budget *b)
{
	if (!b->steps) {
		b->spent = true;
		return false;
	}
	b->steps--;
	return true;
}

/* ---- .go.buildinfo (§2) ---- */
struct gs_buildinfo {
	uint64_t vaddr;			/* address of the blob */
	bool by_section;		/* found through the section header */
	bool inline_fmt;		/* Go 1.18+ inline strings */
	char version[GS_VERSION_MAX];
	const uint8_t *modinfo;		/* raw, still framed by sentinels; may be NULL */
	size_t modinfo_len;
};
/* 0 when found and valid, -1 otherwise. */
int gs_buildinfo_find(const struct gs_elf *e, struct gs_buildinfo *bi);
/* The same; the scan of writable segments (no usable section) spends b. */
int gs_buildinfo_find_budget(const struct gs_elf *e, struct gs_buildinfo *bi, struct gs_budget *b);

/* The 16-byte sentinels that frame modinfo (§2.5). */
extern const uint8_t gs_modinfo_start[16], gs_modinfo_end[16];
/* Strip the 16-byte sentinels (§2.5). Returns false when there is no module info. */
bool gs_modinfo_unframe(const uint8_t *raw, size_t len, const uint8_t **text, size_t *tlen);

/* ---- version recovery without build info (§7) ---- */
/* True when s[0..n) is a plausible runtime.buildVersion (the §7.2 regex). */
bool gs_version_plausible(const uint8_t *s, size_t n);
/* String-header scan of writable PT_LOADs (§7.2). 0 on one match. */
int gs_version_scan(const struct gs_elf *e, char *out, size_t outsz);
int gs_version_scan_budget(const struct gs_elf *e, char *out, size_t outsz, struct gs_budget *b);
/* Framed modinfo found by a string-header scan or sentinel search (§7.3). */
int gs_modinfo_scan(const struct gs_elf *e, const uint8_t **raw, size_t *len);
/* The same; the walk spends walk (GS_BUDGET_STRWALK), the search sentinel. */
int gs_modinfo_scan_budget(const struct gs_elf *e, const uint8_t **raw, size_t *len,
			   struct gs_budget *walk, struct gs_budget *sentinel);

/* ---- Go build-ID note (§3) ---- */
bool gs_go_buildid(const struct gs_elf *e, char *out, size_t outsz);

/* ---- .symtab ---- */
struct gs_sym_query {
	const char *name;
	bool found;
	uint64_t value, size;
};
/* Fill every query found in .symtab (the first 32 queries). Returns -1 when there is no .symtab. */
int gs_symtab_lookup(const struct gs_elf *e, struct gs_sym_query *q, unsigned nq);

/* ---- pclntab (§4) ---- */
enum gs_pcln_ver { GS_PCLN_NONE = 0, GS_PCLN_12, GS_PCLN_116, GS_PCLN_118, GS_PCLN_120 };

struct gs_pclntab {
	enum gs_pcln_ver ver;
	bool by_section;		/* from .gopclntab (or .data.rel.ro.gopclntab) */
	uint64_t vaddr;			/* address of the header */
	const uint8_t *data;		/* header .. end of the containing segment */
	size_t len;
	uint8_t quantum, ptrsize;
	uint64_t nfunc, nfiles;
	uint64_t text_start;		/* header field, 1.18+ (0 in 1.26+) */
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
	uint64_t text;			/* base of 1.18+ entry offsets, valid if text_known */
	bool text_known;
};

struct gs_moduledata {
	uint64_t vaddr;
	uint64_t text, etext, minpc, maxpc;
	bool by_section;		/* .go.module (1.26+) */
};

/* Locate and validate pclntab: section first, else a validated magic scan. */
int gs_pcln_find(const struct gs_elf *e, struct gs_pclntab *t);
/*
 * The same under budget b. With loads false only where sections say: the
 * pclntab sections, and a magic scan of .data.rel.ro (where shared objects
 * keep it); with loads true, then a magic scan of every PT_LOAD as well.
 */
int gs_pcln_find_budget(const struct gs_elf *e, struct gs_pclntab *t, bool loads,
			struct gs_budget *b);
/* Locate moduledata that points back at t; sets t->text when the header lacks it. */
int gs_moduledata_find(const struct gs_elf *e, struct gs_pclntab *t, struct gs_moduledata *md);
int gs_moduledata_find_budget(const struct gs_elf *e, struct gs_pclntab *t,
			      struct gs_moduledata *md, struct gs_budget *b);
/*
 * Word idx (pointer-sized) of the moduledata found by gs_moduledata_find; a
 * zero word of a position-independent file takes its RELATIVE addend (§4.4).
 * For the fields past word 31, whose place moves between releases.
 */
bool gs_moduledata_word(const struct gs_elf *e, const struct gs_moduledata *md, unsigned idx,
			uint64_t *val);

struct gs_func {
	uint64_t entry;			/* static virtual address */
	uint64_t size;			/* up to the next function (approximate) */
	uint64_t file_off;		/* for uprobes: entry - p_vaddr + p_offset */
	unsigned candidates;		/* functions of that name seen (2 = ABI0 wrapper too) */
};
/* Name -> entry; picks the ABIInternal body over a same-named ABI0 wrapper (§4.5). */
int gs_pcln_lookup(const struct gs_elf *e, const struct gs_pclntab *t, const char *name,
		   struct gs_func *out);
/* Name of function i (NUL-terminated inside the image), or NULL. */
const char *gs_pcln_name(const struct gs_pclntab *t, uint64_t i);
/* The same, only when the name ends within max bytes: reads at most max. */
const char *gs_pcln_name_within(const struct gs_pclntab *t, uint64_t i, size_t max);

/* Version range implied by the formats (§7.4), e.g. "go1.20+". */
const char *gs_version_range(const struct gs_elf *e, const struct gs_pclntab *t,
			     bool has_go_module_section);

#endif
