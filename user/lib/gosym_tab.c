/* SPDX-License-Identifier: MIT */
/*
 * gosym's table layer: _func records per pclntab generation, pc-value
 * tables, file tables, funcdata (docs/unwinding.md §2-§4). Every read is
 * bounded by the region the header gives it; nothing is allocated.
 */
#include "gosym_int.h"

#include <string.h>

/* Field offsets after the entry field (ptrsize before 1.18, u32 since). */
#define F_NAMEOFF 0
#define F_ARGS 4
#define F_DEFERRETURN 8
#define F_PCSP 12
#define F_PCFILE 16
#define F_PCLN 20
#define F_NPCDATA 24
#define F_CUOFF 28		/* 1.16+ */
#define VARINT_MAX 5		/* a uint32 takes at most 5 bytes */

static unsigned entry_size(const struct gs_pclntab *t)
{
	return t->ver >= GS_PCLN_118 ? 4 : t->ptrsize;
}

/* Bytes of the fixed part of _func, and where funcID/flag/nfuncdata sit. */
static void func_layout(const struct gs_pclntab *t, unsigned *hdr, unsigned *idoff,
			int *flagoff, unsigned *nfdoff)
{
	unsigned es = entry_size(t);

	switch (t->ver) {
	case GS_PCLN_12:	/* ... npcdata, funcID, [2]pad, nfuncdata */
		*idoff = es + 28, *flagoff = -1, *nfdoff = es + 31, *hdr = es + 32;
		break;
	case GS_PCLN_116:	/* ... cuOffset, funcID, flag (1.17), pad, nfuncdata */
	case GS_PCLN_118:
		*idoff = es + 32, *flagoff = (int)(es + 33), *nfdoff = es + 35, *hdr = es + 36;
		break;
	default:		/* 1.20+: ... cuOffset, startLine, funcID, flag, pad, nfuncdata */
		*idoff = es + 36, *flagoff = (int)(es + 37), *nfdoff = es + 39, *hdr = es + 40;
		break;
	}
}

uint64_t sym_entry_pc(const struct gs_sym *s, uint64_t raw)
{
	return s->t.ver >= GS_PCLN_118 ? s->text + raw : raw;
}

bool sym_funcid_at(const struct gs_sym *s, uint64_t i, uint8_t *funcid, uint8_t *flag)
{
	const struct gs_pclntab *t = &s->t;
	unsigned hdr, idoff, nfdoff;
	uint64_t entry, fo;
	int flagoff;

	if (!gs_pcln_ftab(t, i, &entry, &fo))
		return false;
	func_layout(t, &hdr, &idoff, &flagoff, &nfdoff);
	if (!gs_fits(fo, hdr, t->len))
		return false;
	*funcid = t->data[fo + idoff];
	*flag = flagoff >= 0 ? t->data[fo + (unsigned)flagoff] : 0;
	return true;
}

bool sym_decode(struct gs_sym *s, uint64_t i, struct gs_funcinfo *fi)
{
	const struct gs_pclntab *t = &s->t;
	unsigned es = entry_size(t), hdr, idoff, nfdoff;
	uint64_t raw, next, fo, tail;
	const uint8_t *r;
	const char *name;
	int flagoff;

	if (i >= t->nfunc || !gs_pcln_ftab(t, i, &raw, &fo) || !gs_pcln_ftab(t, i + 1, &next, NULL))
		return false;
	func_layout(t, &hdr, &idoff, &flagoff, &nfdoff);
	if (!gs_fits(fo, hdr, t->len))
		return false;
	r = t->data + fo;
	/* The record repeats its functab entry (docs/go-binary-format.md §4.3). */
	if (pcln_rd(t, r, es) != raw || next < raw)
		return false;
	memset(fi, 0, sizeof(*fi));
	fi->index = i;
	fi->rec = fo;
	fi->entry = sym_entry_pc(s, raw);
	fi->end = sym_entry_pc(s, next);
	name = gs_pcln_name(t, i);
	fi->name = name ? name : "?";
	fi->args = (int32_t)pcln_rd(t, r + es + F_ARGS, 4);
	fi->deferreturn = (uint32_t)pcln_rd(t, r + es + F_DEFERRETURN, 4);
	fi->pcsp = (uint32_t)pcln_rd(t, r + es + F_PCSP, 4);
	fi->pcfile = (uint32_t)pcln_rd(t, r + es + F_PCFILE, 4);
	fi->pcln = (uint32_t)pcln_rd(t, r + es + F_PCLN, 4);
	fi->npcdata = (uint32_t)pcln_rd(t, r + es + F_NPCDATA, 4);
	if (t->ver >= GS_PCLN_116)
		fi->cu_offset = (uint32_t)pcln_rd(t, r + es + F_CUOFF, 4);
	if (t->ver >= GS_PCLN_120)
		fi->start_line = (int32_t)pcln_rd(t, r + es + F_CUOFF + 4, 4);
	fi->funcid = r[idoff];
	fi->flag = flagoff >= 0 ? r[flagoff] : 0;
	fi->nfuncdata = r[nfdoff];
	/* The pcdata and funcdata arrays must be inside the table too. */
	if (fi->npcdata > SYM_MAX_NPCDATA)
		return false;
	tail = (uint64_t)fi->npcdata * 4 + (uint64_t)fi->nfuncdata * (t->ver >= GS_PCLN_118 ? 4 : es);
	if (t->ver < GS_PCLN_118 && fi->nfuncdata && es == 8)
		tail += 4;	/* the alignment pad before the funcdata words */
	if (!gs_fits(fo + hdr, tail, t->len))
		return false;
	fi->kind = sym_kind(s, i, fi->funcid);
	return true;
}

/* One varint (at most 5 bytes) from [*p, end). */
static bool varint(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
	uint32_t x = 0;

	for (unsigned k = 0; k < VARINT_MAX; k++) {
		uint8_t b;

		if (*p >= end)
			return false;
		b = *(*p)++;
		x |= (uint32_t)(b & 0x7f) << (7 * k);
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

bool sym_pcvalue_decode(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t off, uint64_t target,
			int32_t *val, uint64_t *start)
{
	const uint8_t *p, *end;
	uint64_t pc = fi->entry, prev = pc;
	uint32_t v = (uint32_t)-1;	/* the runtime's start value, -1 */

	if (!off || !gs_fits(s->pctab_base, off, s->pctab_end))
		return false;
	p = s->t.data + s->pctab_base + off;
	end = s->t.data + s->pctab_end;
	/* Every step eats at least two bytes, so the table's size bounds the loop. */
	for (;;) {
		uint32_t uv, pcd;
		uint64_t adv;

		if (!varint(&p, end, &uv))
			return false;
		/* A zero value delta ends the table, except as the first step. */
		if (uv == 0 && pc != fi->entry)
			return false;
		v += (uint32_t)(-(int32_t)(uv & 1)) ^ (uv >> 1);
		if (!varint(&p, end, &pcd))
			return false;
		adv = (uint64_t)pcd * s->t.quantum;
		if (!gs_fits(pc, adv, UINT64_MAX))
			return false;
		pc += adv;
		s->st.pcvalue_steps++;
		/* The value holds for [prev, pc): pc is where it ends. */
		if (target < pc) {
			*val = (int32_t)v;
			if (start)
				*start = prev;
			return true;
		}
		prev = pc;
	}
}

bool sym_pcdata_off(const struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t table, uint32_t *off)
{
	unsigned hdr, idoff, nfdoff;
	int flagoff;

	if (table >= fi->npcdata)
		return false;
	func_layout(&s->t, &hdr, &idoff, &flagoff, &nfdoff);
	/* sym_decode checked that the arrays fit. */
	*off = (uint32_t)pcln_rd(&s->t, s->t.data + fi->rec + hdr + (uint64_t)table * 4, 4);
	return true;
}

bool gs_sym_funcdata(struct gs_sym *s, const struct gs_funcinfo *fi, unsigned i, uint64_t *addr)
{
	const struct gs_pclntab *t = &s->t;
	unsigned hdr, idoff, nfdoff;
	uint64_t at;
	int flagoff;

	if (i >= fi->nfuncdata)
		return false;
	func_layout(t, &hdr, &idoff, &flagoff, &nfdoff);
	at = fi->rec + hdr + (uint64_t)fi->npcdata * 4;
	if (t->ver >= GS_PCLN_118) {
		uint32_t off = (uint32_t)pcln_rd(t, t->data + at + (uint64_t)i * 4, 4);

		/* Offsets from moduledata.gofunc; ^0 is "none" (unwinding.md §4). */
		if (off == UINT32_MAX || !s->gofunc)
			return false;
		*addr = s->gofunc + off;
		return true;
	}
	/* Addresses, 8-aligned on 64-bit: skip the pad after an odd pcdata count. */
	if (t->ptrsize == 8 && ((t->vaddr + at) & 4))
		at += 4;
	at += (uint64_t)i * t->ptrsize;
	if (!gs_fits(at, t->ptrsize, t->len))
		return false;
	*addr = pcln_rd(t, t->data + at, t->ptrsize);
	return *addr != 0;
}

/* A NUL-terminated string at table offset off, inside [off, end). */
const char *sym_str(const struct gs_sym *s, uint64_t off, uint64_t end)
{
	uint64_t max;

	if (end > s->t.len)
		end = s->t.len;
	if (off >= end)
		return NULL;
	max = end - off;
	if (max > SYM_STR_MAX)
		max = SYM_STR_MAX;
	if (gs_strnlen_bounded(s->t.data + off, (size_t)max) < 0)
		return NULL;
	return (const char *)s->t.data + off;
}

const char *sym_name_at(const struct gs_sym *s, int32_t nameoff)
{
	if (nameoff < 0 || !gs_fits(s->names_start, (uint64_t)nameoff, UINT64_MAX))
		return NULL;
	return sym_str(s, s->names_start + (uint64_t)nameoff, s->names_end);
}

/* File name of file number fileno of fi (unwinding.md §3.3), or NULL. */
static const char *file_name(const struct gs_sym *s, const struct gs_funcinfo *fi, int32_t fileno)
{
	const struct gs_pclntab *t = &s->t;
	uint64_t at, off;

	if (fileno < 0)
		return NULL;
	if (t->ver == GS_PCLN_12) {
		/* filetab[fileno] is a table offset; filetab[0] is the count. */
		if ((uint64_t)fileno >= t->nfiles)
			return NULL;
		at = t->filetab_off + (uint64_t)fileno * 4;
		if (!gs_fits(at, 4, t->len))
			return NULL;
		return sym_str(s, pcln_rd(t, t->data + at, 4), t->len);
	}
	/* cutab[cuOffset + fileno] is an offset into filetab, ^0 for none. */
	at = (uint64_t)fi->cu_offset + (uint64_t)(uint32_t)fileno;
	at = t->cu_off + at * 4;
	if (!gs_fits(at, 4, t->filetab_off))
		return NULL;
	off = pcln_rd(t, t->data + at, 4);
	if (off == UINT32_MAX)
		return NULL;
	return sym_str(s, t->filetab_off + off, t->pctab_off);
}

void gs_sym_fileline(struct gs_sym *s, const struct gs_funcinfo *fi, uint64_t pc,
		     const char **file, int32_t *line)
{
	int32_t fileno, ln;
	const char *f;

	*file = "?";
	*line = 0;
	if (!gs_sym_pcvalue(s, fi, fi->pcfile, pc, &fileno, NULL) ||
	    !gs_sym_pcvalue(s, fi, fi->pcln, pc, &ln, NULL) || fileno == -1 || ln == -1)
		return;
	f = file_name(s, fi, fileno);
	if (!f)
		return;
	*file = f;
	*line = ln;
}

/*
 * Inline tree record ix at addr (unwinding.md §4.2). Layout by generation:
 * 1.12-1.19: {i16 parent; u8 funcID; u8 _; i32 file; i32 line; i32 func_;
 * i32 parentPc} (20 bytes), 1.20+: {u8 funcID; [3]u8 _; i32 nameOff;
 * i32 parentPc; i32 startLine} (16 bytes).
 */
bool sym_inl_record(const struct gs_sym *s, uint64_t tree, int32_t ix, struct sym_inl *out)
{
	const struct gs_pclntab *t = &s->t;
	unsigned sz = t->ver >= GS_PCLN_120 ? 16 : 20;
	const uint8_t *p;
	uint64_t at;

	if (ix < 0 || (uint32_t)ix >= SYM_MAX_INL_INDEX)
		return false;
	at = (uint64_t)ix * sz;
	if (!gs_fits(tree, at, UINT64_MAX) || !(p = gs_elf_vaddr(&s->e, tree + at, sz)))
		return false;
	if (t->ver >= GS_PCLN_120) {
		out->funcid = p[0];
		out->pad_ok = !p[1] && !p[2] && !p[3];
		out->nameoff = (int32_t)pcln_rd(t, p + 4, 4);
		out->parent_pc = (int32_t)pcln_rd(t, p + 8, 4);
		out->start_line = (int32_t)pcln_rd(t, p + 12, 4);
	} else {
		out->funcid = p[2];
		out->pad_ok = !p[3] && (int16_t)pcln_rd(t, p, 2) >= -1;
		out->nameoff = (int32_t)pcln_rd(t, p + 12, 4);
		out->parent_pc = (int32_t)pcln_rd(t, p + 16, 4);
		out->start_line = 0;
	}
	return true;
}
