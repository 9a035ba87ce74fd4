/* SPDX-License-Identifier: MIT */
/*
 * The DWARF reader's inside, shared by dwarf.c (sections, units, the index)
 * and dwarfdie.c (abbreviations, DIEs, members): the bounded byte reader and
 * the reader's state.
 */
#ifndef GOSCOPE_DWARF_INT_H
#define GOSCOPE_DWARF_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "dwarf.h"

#define MAX_ABBREVS		65536
#define MAX_SPECS		(1u << 20)
#define MAX_UNITS		(1u << 20)
#define MAX_DEPTH		256
#define MAX_TYPE_HOPS		16
#define MAX_MEMBERS		100000		/* children walked in one struct */
#define MAX_TOPLEVEL		(1u << 22)	/* top-level DIEs walked in all */
#define MAX_PATH_DEPTH		8
#define MAX_NAME		4096		/* a string form's longest string */
#define UNIT_PREFIX		4096		/* bytes read to learn a unit's name */

/* DWARF constants (dwarf.h of elfutils is not installed everywhere). */
enum {
	TAG_compile_unit = 0x11, TAG_subrange_type = 0x21,
	UT_compile = 0x01, UT_type = 0x02, UT_partial = 0x03, UT_skeleton = 0x04,
	UT_split_compile = 0x05, UT_split_type = 0x06,
};

/* ---- bounded reader ---- */

struct rd {
	const struct gs_elf *e;
	const uint8_t *p, *end;
	bool bad;
};

static inline bool need(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return false;
	}
	return true;
}

static inline uint64_t u8(struct rd *r)
{
	return need(r, 1) ? *r->p++ : 0;
}

static inline uint64_t u16(struct rd *r)
{
	uint64_t v;

	if (!need(r, 2))
		return 0;
	v = gs_rd16(r->e, r->p);
	r->p += 2;
	return v;
}

static inline uint64_t u32(struct rd *r)
{
	uint64_t v;

	if (!need(r, 4))
		return 0;
	v = gs_rd32(r->e, r->p);
	r->p += 4;
	return v;
}

static inline uint64_t u64(struct rd *r)
{
	uint64_t v;

	if (!need(r, 8))
		return 0;
	v = gs_rd64(r->e, r->p);
	r->p += 8;
	return v;
}

static inline uint64_t uN(struct rd *r, unsigned n)
{
	switch (n) {
	case 1: return u8(r);
	case 2: return u16(r);
	case 4: return u32(r);
	case 8: return u64(r);
	default:
		r->bad = true;
		return 0;
	}
}

static inline uint64_t uleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		uint8_t b;

		if (!need(r, 1))
			return 0;
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
		if (shift > 70) {
			r->bad = true;
			return 0;
		}
	}
}

static inline int64_t sleb(struct rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (!need(r, 1))
			return 0;
		b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (shift > 70) {
			r->bad = true;
			return 0;
		}
	} while (b & 0x80);
	/* Sign-extend in unsigned arithmetic: no signed overflow for any input. */
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static inline void skip(struct rd *r, uint64_t n)
{
	if (n > (uint64_t)(r->end - r->p) || !need(r, (size_t)n)) {
		r->bad = true;
		return;
	}
	r->p += n;
}

/* A NUL-terminated string inside the reader's range. */
static inline const char *cstr(struct rd *r)
{
	const char *s = (const char *)r->p;
	long n;

	if (r->bad)
		return NULL;
	n = gs_strnlen_bounded(r->p, (size_t)(r->end - r->p));
	if (n < 0) {
		r->bad = true;
		return NULL;
	}
	r->p += n + 1;
	return s;
}

struct attrspec {
	uint64_t name, form;
	int64_t implicit;
};

struct abbrev {
	uint64_t code, tag;
	bool children;
	uint32_t first, nspec;
};

struct unit {
	uint64_t off, end;	/* [off, end) in .debug_info */
	uint64_t die;		/* first DIE */
	uint64_t abbrev_off;
	const uint8_t *base;	/* the unit's bytes: base[0] is section offset off */
	bool owned;		/* base is a malloc'ed copy */
	uint16_t version;
	uint8_t addr_size, off_size;
};

/* ---- sections (dwarfsec.c) ---- */

/* One section, read front to back. */
struct gs_dwsrc {
	const uint8_t *plain;	/* uncompressed bytes in place, or NULL */
	uint64_t size;		/* (decompressed) size */
	uint64_t pos;		/* bytes delivered or skipped */
	bool z;			/* a zlib stream */
	z_stream zs;
	size_t *budget;		/* decompressed bytes still allowed (shared) */
	size_t *inflated;	/* decompressed so far (shared), or NULL */
	char name[24];
};

int gs_dwsrc_open(const struct gs_elf *e, const char *name, size_t *budget, size_t *inflated,
		  struct gs_dwsrc *s, struct gs_err *err);
/* A source over bytes in memory (raw sections). */
void gs_dwsrc_mem(struct gs_dwsrc *s, const uint8_t *data, size_t len);
/* Up to n bytes into dst (NULL: skip them): the count, < n only at the end; -1 with err. */
long gs_dwsrc_read(struct gs_dwsrc *s, uint8_t *dst, size_t n, struct gs_err *err);
/* A plain source's bytes [pos, pos + n) in place, else NULL. */
const uint8_t *gs_dwsrc_direct(const struct gs_dwsrc *s, uint64_t pos, size_t n);
/* At the end of a compressed section: the stream must end exactly there. */
int gs_dwsrc_finish(struct gs_dwsrc *s, struct gs_err *err);
void gs_dwsrc_close(struct gs_dwsrc *s);

/*
 * A section needed by offset (abbreviations, strings): its front part, read
 * as far as asked (plain ones are whole from the start).
 */
struct gs_dwlazy {
	bool open, failed;
	struct gs_dwsrc src;
	const uint8_t *p;	/* what is available: p[0, len) */
	size_t len;
	uint8_t *buf;		/* owned, for compressed ones */
	size_t cap;
};

struct gs_dwarf {
	const struct gs_elf *e;
	struct gs_dwlazy abbrev, str, line_str;
	size_t budget;		/* decompressed bytes still allowed */
	struct gs_err last_err;	/* why a section needed by offset failed */
	struct unit *units;
	size_t nunits, capunits;
	/* the abbreviation table in use (Go shares one for all units) */
	bool have_tab;
	uint64_t tab_off;
	struct abbrev *ab;
	size_t nab, capab;
	struct attrspec *sp;
	size_t nsp, capsp;
	/* the index of top-level DIEs by the caller's names */
	struct gs_dwarf_opts opts;
	size_t *order;		/* opts.names indices, sorted by name */
	uint64_t *found;	/* per opts.names index */
	bool *have;
	size_t inflated;
	unsigned long toplevel;	/* top-level DIEs walked (capped) */
};

struct die {
	uint64_t off, next;
	uint64_t tag;		/* 0: a null entry (end of siblings) */
	bool children;
	const char *name;
	bool has_type, has_loc, has_size, has_const, has_count, has_ub;
	uint64_t type;		/* absolute .debug_info offset */
	uint64_t loc, size, count, ub;
	int64_t cval;
	uint8_t addr_size;	/* of its unit */
};

void *gs_dw_grow(void *p, size_t *cap, size_t want, size_t elem, size_t max);

/*
 * At least want bytes of lz from offset 0 in lz->p (fewer at its end): 0,
 * or -1 when the section is missing or broken.
 */
int gs_dw_lazy_need(struct gs_dwarf *d, struct gs_dwlazy *lz, uint64_t want);

/* dwarfdie.c */
int gs_dw_load_abbrevs(struct gs_dwarf *d, uint64_t off);
int gs_dw_die_in(struct gs_dwarf *d, const struct unit *u, uint64_t off, struct die *die);
int gs_dw_die_at(struct gs_dwarf *d, uint64_t off, struct die *die);
int gs_dw_skip_subtree(struct gs_dwarf *d, const struct die *die, uint64_t *next);

/* dwarf.c */
const struct unit *gs_dw_unit_for(const struct gs_dwarf *d, uint64_t off);

#endif
