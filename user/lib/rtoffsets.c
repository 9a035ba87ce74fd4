/* SPDX-License-Identifier: MIT */
/*
 * Runtime struct field offsets from DWARF, or from the generated table.
 *
 * The DWARF reader does only what this needs: find structure types by name
 * among the top-level DIEs of every unit, then walk members along a dotted
 * path through DW_AT_type references. Every read is bounds-checked, every
 * loop capped; the .debug_info of a hostile file can at worst make a field
 * "unknown".
 */
#include "rtoffsets.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "goelf.h"

/*
 * Decompressed size cap. Fuzz builds lower it (-DGS_DWARF_MAX_SECTION) under
 * libFuzzer's malloc limit, so the compressed path is fuzzed, not skipped.
 */
#ifndef GS_DWARF_MAX_SECTION
#define GS_DWARF_MAX_SECTION	(512u << 20)
#endif
#define DWARF_MAX_RATIO		1100u		/* zlib cannot do better than ~1032:1 */
#define MAX_ABBREVS		65536
#define MAX_SPECS		(1u << 20)
#define MAX_UNITS		(1u << 20)
#define MAX_DEPTH		256
#define MAX_TYPE_HOPS		16
#define MAX_MEMBERS		100000		/* children walked in one struct */
#define MAX_NAME		4096

/* DWARF constants (dwarf.h is not installed everywhere). */
enum {
	TAG_member = 0x0d, TAG_structure_type = 0x13, TAG_typedef = 0x16,
	AT_name = 0x03, AT_byte_size = 0x0b, AT_type = 0x49, AT_data_member_location = 0x38,
	FORM_addr = 0x01, FORM_block2 = 0x03, FORM_block4 = 0x04, FORM_data2 = 0x05,
	FORM_data4 = 0x06, FORM_data8 = 0x07, FORM_string = 0x08, FORM_block = 0x09,
	FORM_block1 = 0x0a, FORM_data1 = 0x0b, FORM_flag = 0x0c, FORM_sdata = 0x0d,
	FORM_strp = 0x0e, FORM_udata = 0x0f, FORM_ref_addr = 0x10, FORM_ref1 = 0x11,
	FORM_ref2 = 0x12, FORM_ref4 = 0x13, FORM_ref8 = 0x14, FORM_ref_udata = 0x15,
	FORM_indirect = 0x16, FORM_sec_offset = 0x17, FORM_exprloc = 0x18,
	FORM_flag_present = 0x19, FORM_strx = 0x1a, FORM_addrx = 0x1b, FORM_ref_sup4 = 0x1c,
	FORM_strp_sup = 0x1d, FORM_data16 = 0x1e, FORM_line_strp = 0x1f, FORM_ref_sig8 = 0x20,
	FORM_implicit_const = 0x21, FORM_loclistx = 0x22, FORM_rnglistx = 0x23,
	FORM_ref_sup8 = 0x24, FORM_strx1 = 0x25, FORM_strx2 = 0x26, FORM_strx3 = 0x27,
	FORM_strx4 = 0x28, FORM_addrx1 = 0x29, FORM_addrx2 = 0x2a, FORM_addrx3 = 0x2b,
	FORM_addrx4 = 0x2c, FORM_GNU_ref_alt = 0x1f20, FORM_GNU_strp_alt = 0x1f21,
	OP_plus_uconst = 0x23,
	UT_compile = 0x01, UT_type = 0x02, UT_partial = 0x03, UT_skeleton = 0x04,
	UT_split_compile = 0x05, UT_split_type = 0x06,
};

/* ---- bounded reader ---- */

struct rd {
	const struct gs_elf *e;
	const uint8_t *p, *end;
	bool bad;
};

static bool need(struct rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return false;
	}
	return true;
}

static uint64_t u8(struct rd *r)
{
	return need(r, 1) ? *r->p++ : 0;
}

static uint64_t u16(struct rd *r)
{
	uint64_t v;

	if (!need(r, 2))
		return 0;
	v = gs_rd16(r->e, r->p);
	r->p += 2;
	return v;
}

static uint64_t u32(struct rd *r)
{
	uint64_t v;

	if (!need(r, 4))
		return 0;
	v = gs_rd32(r->e, r->p);
	r->p += 4;
	return v;
}

static uint64_t u64(struct rd *r)
{
	uint64_t v;

	if (!need(r, 8))
		return 0;
	v = gs_rd64(r->e, r->p);
	r->p += 8;
	return v;
}

static uint64_t uN(struct rd *r, unsigned n)
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

static uint64_t uleb(struct rd *r)
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

static int64_t sleb(struct rd *r)
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

static void skip(struct rd *r, uint64_t n)
{
	if (n > (uint64_t)(r->end - r->p) || !need(r, (size_t)n)) {
		r->bad = true;
		return;
	}
	r->p += n;
}

/* A NUL-terminated string inside the reader's range. */
static const char *cstr(struct rd *r)
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

/* ---- sections ---- */

static uint64_t read_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int inflate_to(const uint8_t *src, size_t srclen, uint64_t size, const uint8_t **data,
		      size_t *len, void **owned, struct gs_err *err)
{
	uLongf out = (uLongf)size;
	uint8_t *buf;
	int zr;

	if (size == 0 || size > GS_DWARF_MAX_SECTION || size / DWARF_MAX_RATIO > srclen)
		return gs_errf(err, EFBIG, "implausible decompressed DWARF size %llu",
			       (unsigned long long)size);
	buf = malloc((size_t)size);
	if (!buf)
		return gs_errf(err, ENOMEM, "out of memory");
	zr = uncompress(buf, &out, src, (uLong)srclen);
	if (zr != Z_OK || out != size) {
		free(buf);
		return gs_errf(err, EINVAL, "DWARF section does not decompress (zlib %d)", zr);
	}
	*data = buf;
	*len = (size_t)size;
	*owned = buf;
	return 0;
}

int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err)
{
	char plain[64], legacy[64];
	struct gs_shdr sh;
	const uint8_t *p;
	bool zdebug = false;

	*owned = NULL;
	snprintf(plain, sizeof(plain), ".%s", name);
	snprintf(legacy, sizeof(legacy), ".z%s", name);
	if (!gs_elf_section(e, plain, &sh)) {
		if (!gs_elf_section(e, legacy, &sh))
			return gs_errf(err, ENOENT, "no %s section", plain);
		zdebug = true;
	}
	p = gs_elf_shdata(e, &sh);
	if (!p || sh.size > SIZE_MAX)
		return gs_errf(err, EINVAL, "%s: section outside the file", plain);
	if (sh.flags & SHF_COMPRESSED) {
		size_t hdr = e->is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
		uint32_t type;
		uint64_t size;

		if (sh.size < hdr)
			return gs_errf(err, EINVAL, "%s: short compression header", plain);
		type = gs_rd32(e, p);
		size = e->is64 ? gs_rd64(e, p + 8) : gs_rd32(e, p + 4);
		if (type != ELFCOMPRESS_ZLIB)
			return gs_errf(err, ENOTSUP, "%s: compression type %u not supported",
				       plain, type);
		return inflate_to(p + hdr, (size_t)sh.size - hdr, size, data, len, owned, err);
	}
	if (zdebug) {
		if (sh.size < 12 || memcmp(p, "ZLIB", 4) != 0)
			return gs_errf(err, EINVAL, "%s: no ZLIB header", legacy);
		return inflate_to(p + 12, (size_t)sh.size - 12, read_be64(p + 4), data, len, owned,
				  err);
	}
	*data = p;
	*len = (size_t)sh.size;
	return 0;
}

/* ---- units and abbreviations ---- */

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
	uint16_t version;
	uint8_t addr_size, off_size;
};

struct dw {
	const struct gs_elf *e;
	const uint8_t *info, *abbrev, *str, *line_str;
	size_t info_len, abbrev_len, str_len, line_str_len;
	void *owned[4];
	struct unit *units;
	size_t nunits, capunits;
	/* the abbreviation table in use (Go shares one for all units) */
	bool have_tab;
	uint64_t tab_off;
	struct abbrev *ab;
	size_t nab, capab;
	struct attrspec *sp;
	size_t nsp, capsp;
};

static void *grow(void *p, size_t *cap, size_t want, size_t elem, size_t max)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (want <= *cap)
		return p;
	if (want > max)
		return NULL;
	while (ncap < want)
		ncap *= 2;
	if (ncap > max)
		ncap = max;
	np = realloc(p, ncap * elem);
	if (np)
		*cap = ncap;
	return np;
}

static int load_abbrevs(struct dw *d, uint64_t off)
{
	struct rd r = { d->e, d->abbrev, d->abbrev + d->abbrev_len, false };

	if (d->have_tab && d->tab_off == off)
		return 0;
	d->have_tab = false;
	d->nab = d->nsp = 0;
	if (off >= d->abbrev_len)
		return -1;
	r.p += off;
	for (;;) {
		struct abbrev a;
		void *np;

		a.code = uleb(&r);
		if (r.bad)
			return -1;
		if (a.code == 0)
			break;
		a.tag = uleb(&r);
		a.children = u8(&r) != 0;
		a.first = (uint32_t)d->nsp;
		a.nspec = 0;
		for (;;) {
			struct attrspec s;

			s.name = uleb(&r);
			s.form = uleb(&r);
			s.implicit = s.form == FORM_implicit_const ? sleb(&r) : 0;
			if (r.bad)
				return -1;
			if (s.name == 0 && s.form == 0)
				break;
			np = grow(d->sp, &d->capsp, d->nsp + 1, sizeof(*d->sp), MAX_SPECS);
			if (!np)
				return -1;
			d->sp = np;
			d->sp[d->nsp++] = s;
			a.nspec++;
		}
		np = grow(d->ab, &d->capab, d->nab + 1, sizeof(*d->ab), MAX_ABBREVS);
		if (!np)
			return -1;
		d->ab = np;
		d->ab[d->nab++] = a;
	}
	d->have_tab = true;
	d->tab_off = off;
	return 0;
}

static const struct abbrev *find_abbrev(const struct dw *d, uint64_t code)
{
	/* Codes are usually 1..n in order. */
	if (code >= 1 && code <= d->nab && d->ab[code - 1].code == code)
		return &d->ab[code - 1];
	for (size_t i = 0; i < d->nab; i++)
		if (d->ab[i].code == code)
			return &d->ab[i];
	return NULL;
}

static int load_units(struct dw *d)
{
	struct rd r = { d->e, d->info, d->info + d->info_len, false };

	while (r.p < r.end) {
		struct unit u;
		uint64_t len;
		void *np;

		memset(&u, 0, sizeof(u));
		u.off = (uint64_t)(r.p - d->info);
		len = u32(&r);
		u.off_size = 4;
		if (len == 0xffffffff) {
			len = u64(&r);
			u.off_size = 8;
		} else if (len >= 0xfffffff0) {
			return -1;
		}
		if (r.bad || len > (uint64_t)(r.end - r.p))
			return -1;
		u.end = (uint64_t)(r.p - d->info) + len;
		u.version = (uint16_t)u16(&r);
		if (u.version >= 5) {
			uint8_t type = (uint8_t)u8(&r);

			u.addr_size = (uint8_t)u8(&r);
			u.abbrev_off = uN(&r, u.off_size);
			if (type == UT_skeleton || type == UT_split_compile)
				skip(&r, 8);	/* dwo_id */
			else if (type == UT_type || type == UT_split_type)
				skip(&r, 8 + u.off_size);	/* signature, type offset */
		} else {
			u.abbrev_off = uN(&r, u.off_size);
			u.addr_size = (uint8_t)u8(&r);
		}
		if (r.bad || u.version < 2 || u.version > 5)
			return -1;
		u.die = (uint64_t)(r.p - d->info);
		if (u.die > u.end)
			return -1;
		np = grow(d->units, &d->capunits, d->nunits + 1, sizeof(*d->units), MAX_UNITS);
		if (!np)
			return -1;
		d->units = np;
		d->units[d->nunits++] = u;
		r.p = d->info + u.end;
	}
	return d->nunits ? 0 : -1;
}

static const struct unit *unit_for(const struct dw *d, uint64_t off)
{
	size_t lo = 0, hi = d->nunits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (off < d->units[mid].off)
			hi = mid;
		else if (off >= d->units[mid].end)
			lo = mid + 1;
		else
			return &d->units[mid];
	}
	return NULL;
}

/* ---- DIEs ---- */

struct die {
	uint64_t off, next;
	uint64_t tag;		/* 0: a null entry (end of siblings) */
	bool children;
	const char *name;
	bool has_type, has_loc, has_size;
	uint64_t type;		/* absolute .debug_info offset */
	uint64_t loc, size;
};

static const char *str_at(const uint8_t *sec, size_t len, uint64_t off)
{
	if (!sec || off >= len || gs_strnlen_bounded(sec + off, len - off) < 0)
		return NULL;
	return (const char *)sec + off;
}

/* A constant-class value, or a location expression that is just plus_uconst. */
static bool member_loc(const struct gs_elf *e, uint64_t form, const uint8_t *blk, uint64_t blen,
		       uint64_t cval, uint64_t *out)
{
	struct rd r;

	if (!blk) {
		*out = cval;
		return form != FORM_sdata || (int64_t)cval >= 0;
	}
	r = (struct rd){ e, blk, blk + blen, false };
	if (u8(&r) != OP_plus_uconst)
		return false;
	*out = uleb(&r);
	return !r.bad && r.p == r.end;
}

/* Read one attribute value; keep the ones struct dies want. */
static void attr(struct dw *d, const struct unit *u, struct rd *r, const struct attrspec *s,
		 struct die *die)
{
	uint64_t form = s->form, v = 0;
	const uint8_t *blk = NULL;
	uint64_t blen = 0;
	bool is_const = false, is_ref = false;
	const char *str = NULL;
	int indirect = 0;

again:
	switch (form) {
	case FORM_addr: v = uN(r, u->addr_size); break;
	case FORM_data1: case FORM_ref1: case FORM_flag: case FORM_strx1: case FORM_addrx1:
		v = u8(r); break;
	case FORM_data2: case FORM_ref2: case FORM_strx2: case FORM_addrx2:
		v = u16(r); break;
	case FORM_strx3: case FORM_addrx3: skip(r, 3); break;
	case FORM_data4: case FORM_ref4: case FORM_strx4: case FORM_addrx4: case FORM_ref_sup4:
		v = u32(r); break;
	case FORM_data8: case FORM_ref8: case FORM_ref_sig8: case FORM_ref_sup8:
		v = u64(r); break;
	case FORM_data16: skip(r, 16); break;
	case FORM_sdata: v = (uint64_t)sleb(r); break;
	case FORM_udata: case FORM_ref_udata: case FORM_strx: case FORM_addrx:
	case FORM_loclistx: case FORM_rnglistx:
		v = uleb(r); break;
	case FORM_string: str = cstr(r); break;
	case FORM_strp: str = str_at(d->str, d->str_len, uN(r, u->off_size)); break;
	case FORM_line_strp: str = str_at(d->line_str, d->line_str_len, uN(r, u->off_size)); break;
	case FORM_sec_offset: case FORM_strp_sup: case FORM_GNU_ref_alt: case FORM_GNU_strp_alt:
		v = uN(r, u->off_size); break;
	case FORM_ref_addr: v = uN(r, u->version <= 2 ? u->addr_size : u->off_size); break;
	case FORM_block1: blen = u8(r); goto block;
	case FORM_block2: blen = u16(r); goto block;
	case FORM_block4: blen = u32(r); goto block;
	case FORM_block: case FORM_exprloc: blen = uleb(r);
block:
		blk = r->p;
		skip(r, blen);
		break;
	case FORM_flag_present: v = 1; break;
	case FORM_implicit_const: v = (uint64_t)s->implicit; break;
	case FORM_indirect:
		form = uleb(r);
		if (++indirect > 4 || form == FORM_implicit_const) {
			r->bad = true;
			return;
		}
		goto again;
	default:
		r->bad = true;	/* unknown form: its size is unknown too */
		return;
	}
	if (r->bad)
		return;
	switch (form) {
	case FORM_data1: case FORM_data2: case FORM_data4: case FORM_data8:
	case FORM_sdata: case FORM_udata: case FORM_implicit_const:
		is_const = true;
		break;
	case FORM_ref1: case FORM_ref2: case FORM_ref4: case FORM_ref8: case FORM_ref_udata:
		is_ref = true;
		v += u->off;	/* unit-relative */
		break;
	case FORM_ref_addr:
		is_ref = true;
		break;
	default:
		break;
	}
	switch (s->name) {
	case AT_name:
		die->name = str;
		break;
	case AT_type:
		die->has_type = is_ref;
		die->type = v;
		break;
	case AT_byte_size:
		die->has_size = is_const;
		die->size = v;
		break;
	case AT_data_member_location:
		die->has_loc = (is_const || blk) && member_loc(d->e, form, blk, blen, v, &die->loc);
		break;
	default:
		break;
	}
}

static int die_at(struct dw *d, uint64_t off, struct die *die)
{
	const struct unit *u = unit_for(d, off);
	const struct abbrev *a;
	struct rd r;
	uint64_t code;

	memset(die, 0, sizeof(*die));
	die->off = off;
	if (!u || off < u->die || load_abbrevs(d, u->abbrev_off) < 0)
		return -1;
	r = (struct rd){ d->e, d->info + off, d->info + u->end, false };
	code = uleb(&r);
	if (r.bad)
		return -1;
	if (code == 0) {
		die->next = (uint64_t)(r.p - d->info);
		return 0;
	}
	a = find_abbrev(d, code);
	if (!a)
		return -1;
	die->tag = a->tag;
	die->children = a->children;
	for (uint32_t k = 0; k < a->nspec && !r.bad; k++)
		attr(d, u, &r, &d->sp[a->first + k], die);
	if (r.bad)
		return -1;
	die->next = (uint64_t)(r.p - d->info);
	return 0;
}

/* The offset after die's subtree. */
static int skip_subtree(struct dw *d, const struct die *die, uint64_t *next)
{
	uint64_t off = die->next;
	unsigned depth = 1;
	struct die c;

	if (!die->children) {
		*next = die->next;
		return 0;
	}
	while (depth) {
		if (die_at(d, off, &c) < 0)
			return -1;
		if (c.tag == 0)
			depth--;
		else if (c.children && ++depth > MAX_DEPTH)
			return -1;
		off = c.next;
	}
	*next = off;
	return 0;
}

/* Follow typedefs to the type DIE itself. */
static int resolve_type(struct dw *d, uint64_t off, struct die *t)
{
	for (int hop = 0; hop < MAX_TYPE_HOPS; hop++) {
		if (die_at(d, off, t) < 0 || t->tag == 0)
			return -1;
		if (t->tag != TAG_typedef)
			return 0;
		if (!t->has_type)
			return -1;
		off = t->type;
	}
	return -1;
}

/* Member `name` of the struct at struct_off: its offset and type offset. */
static int member(struct dw *d, uint64_t struct_off, const char *name, size_t namelen,
		  uint64_t *loc, uint64_t *type)
{
	struct die s, c;
	uint64_t off;

	if (resolve_type(d, struct_off, &s) < 0 || s.tag != TAG_structure_type || !s.children)
		return -1;
	off = s.next;
	for (unsigned n = 0; n < MAX_MEMBERS; n++) {
		if (die_at(d, off, &c) < 0 || c.tag == 0)
			return -1;
		if (c.tag == TAG_member && c.name && strlen(c.name) == namelen &&
		    memcmp(c.name, name, namelen) == 0) {
			if (!c.has_loc || !c.has_type)
				return -1;
			*loc = c.loc;
			*type = c.type;
			return 0;
		}
		if (skip_subtree(d, &c, &off) < 0)
			return -1;
	}
	return -1;
}

/* The structure types we look for, found among top-level DIEs. */
enum { ST_SCHEDT, ST_P, ST_MSTATS, ST_GCCONTROLLER, ST_COUNT };
static const char *const struct_names[ST_COUNT] = {
	"runtime.schedt", "runtime.p", "runtime.mstats", "runtime.gcControllerState",
};

static void find_structs(struct dw *d, uint64_t found[ST_COUNT], bool have[ST_COUNT])
{
	unsigned left = ST_COUNT;

	for (size_t ui = 0; ui < d->nunits && left; ui++) {
		const struct unit *u = &d->units[ui];
		struct die root, c;
		uint64_t off;

		/* The unit DIE, then its children (depth 1). */
		if (die_at(d, u->die, &root) < 0 || root.tag == 0 || !root.children)
			continue;
		off = root.next;
		while (off < u->end && left) {
			if (die_at(d, off, &c) < 0 || c.tag == 0)
				break;
			if (c.tag == TAG_structure_type && c.name && c.children) {
				for (int k = 0; k < ST_COUNT; k++) {
					if (!have[k] && strcmp(c.name, struct_names[k]) == 0) {
						have[k] = true;
						found[k] = c.off;
						left--;
					}
				}
			}
			if (skip_subtree(d, &c, &off) < 0)
				break;
		}
	}
}

/* ---- the fields ---- */

struct spec {
	int st;			/* ST_* */
	const char *path;	/* dotted member path */
	const char *global;
};

#define NALT 2
static const struct spec specs[GS_RT_NFIELDS][NALT] = {
	[GS_RT_SCHED_NGSYS] = { { ST_SCHEDT, "ngsys", "runtime.sched" } },
	[GS_RT_SCHED_GFREE_N] = { { ST_SCHEDT, "gFree.n", "runtime.sched" } },
	[GS_RT_SCHED_MNEXT] = { { ST_SCHEDT, "mnext", "runtime.sched" } },
	[GS_RT_SCHED_NMFREED] = { { ST_SCHEDT, "nmfreed", "runtime.sched" } },
	[GS_RT_P_GFREE_N] = { { ST_P, "gFree.n", NULL } },
	[GS_RT_MSTATS_NUMGC] = { { ST_MSTATS, "numgc", "runtime.memstats" } },
	/* Go 1.19+ keeps these in gcController; earlier in memstats. */
	[GS_RT_HEAP_INUSE] = { { ST_GCCONTROLLER, "heapInUse", "runtime.gcController" },
			       { ST_MSTATS, "heap_inuse", "runtime.memstats" } },
	[GS_RT_HEAP_LIVE] = { { ST_GCCONTROLLER, "heapLive", "runtime.gcController" },
			      { ST_MSTATS, "heap_live", "runtime.memstats" } },
};

static const char *const field_names[GS_RT_NFIELDS] = {
	[GS_RT_SCHED_NGSYS] = "sched.ngsys",
	[GS_RT_SCHED_GFREE_N] = "sched.gFree.n",
	[GS_RT_SCHED_MNEXT] = "sched.mnext",
	[GS_RT_SCHED_NMFREED] = "sched.nmfreed",
	[GS_RT_P_GFREE_N] = "p.gFree.n",
	[GS_RT_MSTATS_NUMGC] = "memstats.numgc",
	[GS_RT_HEAP_INUSE] = "heap in use",
	[GS_RT_HEAP_LIVE] = "heap live",
};

const char *gs_rt_field_name(enum gs_rt_field f)
{
	return (unsigned)f < GS_RT_NFIELDS && field_names[f] ? field_names[f] : "?";
}

const char *gs_rt_source_name(enum gs_rt_source s)
{
	switch (s) {
	case GS_RT_SRC_DWARF: return "dwarf";
	case GS_RT_SRC_TABLE: return "table";
	default: return "none";
	}
}

/*
 * A scalar's offset and size at the end of a path. A struct wrapper such as
 * atomic.Int32 or atomic.Uint64 holds its value in a member named v / value.
 */
static int resolve_path(struct dw *d, uint64_t struct_off, const char *path, uint32_t *off,
			uint32_t *size)
{
	uint64_t total = 0, loc, type = struct_off;
	struct die t;

	for (int depth = 0; *path && depth < 8; depth++) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (member(d, type, path, n, &loc, &type) < 0 || loc > UINT32_MAX)
			return -1;
		total += loc;
		path += n + (dot ? 1 : 0);
	}
	if (*path || resolve_type(d, type, &t) < 0)
		return -1;
	if (t.tag == TAG_structure_type &&
	    (member(d, t.off, "v", 1, &loc, &type) == 0 ||
	     member(d, t.off, "value", 5, &loc, &type) == 0)) {
		total += loc;
		if (resolve_type(d, type, &t) < 0)
			return -1;
	}
	if (!t.has_size || (t.size != 4 && t.size != 8) || total > UINT32_MAX - 8)
		return -1;
	*off = (uint32_t)total;
	*size = (uint32_t)t.size;
	return 0;
}

static void dw_free(struct dw *d)
{
	for (int i = 0; i < 4; i++)
		free(d->owned[i]);
	free(d->units);
	free(d->ab);
	free(d->sp);
}

static int offsets(struct dw *d, struct gs_rt_offsets *o, struct gs_err *err)
{
	uint64_t found[ST_COUNT] = { 0 };
	bool have[ST_COUNT] = { false };

	if (load_units(d) < 0)
		return gs_errf(err, EINVAL, "malformed .debug_info unit headers");
	find_structs(d, found, have);
	o->src = GS_RT_SRC_DWARF;
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		for (int a = 0; a < NALT && specs[f][a].path; a++) {
			const struct spec *s = &specs[f][a];
			struct gs_rt_loc *l = &o->f[f];

			if (!have[s->st] || resolve_path(d, found[s->st], s->path, &l->off,
							 &l->size) < 0)
				continue;
			l->known = true;
			l->global = s->global;
			break;
		}
	}
	return 0;
}

int gs_rt_offsets_dwarf_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
			    const uint8_t *abbrev, size_t abbrev_len, struct gs_rt_offsets *o,
			    struct gs_err *err)
{
	struct dw d;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(&d, 0, sizeof(d));
	d.e = e;
	d.info = info;
	d.info_len = info_len;
	d.abbrev = abbrev;
	d.abbrev_len = abbrev_len;
	rc = offsets(&d, o, err);
	dw_free(&d);
	return rc;
}

int gs_rt_offsets_dwarf(const struct gs_elf *e, struct gs_rt_offsets *o, struct gs_err *err)
{
	struct gs_err ignore;
	struct dw d;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(&d, 0, sizeof(d));
	d.e = e;
	if (gs_dwarf_section(e, "debug_info", &d.info, &d.info_len, &d.owned[0], err) < 0)
		return -1;
	if (gs_dwarf_section(e, "debug_abbrev", &d.abbrev, &d.abbrev_len, &d.owned[1], err) < 0) {
		dw_free(&d);
		return -1;
	}
	/* Optional: only string forms that point into them need these. */
	gs_dwarf_section(e, "debug_str", &d.str, &d.str_len, &d.owned[2], &ignore);
	gs_dwarf_section(e, "debug_line_str", &d.line_str, &d.line_str_len, &d.owned[3], &ignore);
	rc = offsets(&d, o, err);
	dw_free(&d);
	return rc;
}

/* ---- the generated table ---- */

struct table_row {
	const char *minor;	/* "go1.19": matches go1.19 and go1.19.N */
	uint16_t machine;
	const char *verified;	/* the toolchain whose DWARF produced the row */
	struct { uint32_t off; uint8_t size; uint8_t alt; } f[GS_RT_NFIELDS];	/* size 0: unknown */
};

/*
 * Generated by GOSCOPE_RTOFFSETS_GEN=1 build/tests/test_rtoffsets from the
 * DWARF of the gcload fixture; test_rtoffsets checks each row against a
 * fresh build. alt indexes specs[field][] (which global holds the field).
 */
static const struct table_row table[] = {
	/* @@GENERATED-TABLE@@ */
	{ "go1.19", EM_X86_64, "go1.19.8", {
		[GS_RT_SCHED_NGSYS] = { 72, 4, 0 },
		[GS_RT_SCHED_GFREE_N] = { 176, 4, 0 },
		[GS_RT_SCHED_MNEXT] = { 48, 8, 0 },
		[GS_RT_SCHED_NMFREED] = { 64, 8, 0 },
		[GS_RT_P_GFREE_N] = { 2472, 4, 0 },
		[GS_RT_MSTATS_NUMGC] = { 7704, 4, 0 },
		[GS_RT_HEAP_INUSE] = { 304, 8, 0 },
		[GS_RT_HEAP_LIVE] = { 136, 8, 0 },
	} },
};

static bool minor_matches(const char *minor, const char *version)
{
	size_t n = strlen(minor);

	/* go1.19 matches go1.19 and go1.19.8, not go1.190 or go1.19rc1. */
	return strncmp(version, minor, n) == 0 && (version[n] == '\0' || version[n] == '.');
}

int gs_rt_offsets_table(const char *goversion, uint16_t machine, struct gs_rt_offsets *o,
			struct gs_err *err)
{
	memset(o, 0, sizeof(*o));
	if (!goversion)
		return gs_errf(err, ENOENT, "no Go version to pick an offset table row");
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct table_row *row = &table[i];

		if (row->machine != machine || !minor_matches(row->minor, goversion))
			continue;
		o->src = GS_RT_SRC_TABLE;
		for (int f = 0; f < GS_RT_NFIELDS; f++) {
			if (!row->f[f].size || row->f[f].alt >= NALT || !specs[f][row->f[f].alt].path)
				continue;
			o->f[f].known = true;
			o->f[f].off = row->f[f].off;
			o->f[f].size = row->f[f].size;
			o->f[f].global = specs[f][row->f[f].alt].global;
		}
		return 0;
	}
	return gs_errf(err, ENOENT, "no offset table row for %s on this architecture", goversion);
}

int gs_rt_alt_index(enum gs_rt_field f, const char *global)
{
	for (int a = 0; a < NALT && specs[f][a].path; a++)
		if ((!global && !specs[f][a].global) ||
		    (global && specs[f][a].global && strcmp(global, specs[f][a].global) == 0))
			return a;
	return -1;
}

/* ---- interim: the rest of the API, filled in by the following commits ---- */

const char *gs_rt_field_struct(enum gs_rt_field f)
{
	(void)f;
	return "?";
}

const char *gs_rt_const_name(enum gs_rt_const c)
{
	(void)c;
	return "?";
}

const char *gs_rt_waitreason(const struct gs_rt_offsets *o, uint64_t reason)
{
	return o->wait && reason < o->nwait ? o->wait[reason] : NULL;
}

int gs_rt_offsets_find(const struct gs_elf *e, const char *goversion, struct gs_rt_offsets *o,
		       struct gs_err *err)
{
	struct gs_err derr;

	if (gs_rt_offsets_dwarf(e, o, &derr) == 0)
		return 0;
	if (gs_rt_offsets_table(goversion, e->machine, o, err) == 0) {
		snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%s", derr.msg);
		return 0;
	}
	snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%s", derr.msg);
	return gs_errf(err, ENOENT, "no runtime layout for %s",
		       goversion ? goversion : "an unknown Go version");
}
