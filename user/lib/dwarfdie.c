/* SPDX-License-Identifier: MIT */
/*
 * DWARF abbreviations and DIEs (dwarf_int.h): one DIE's attributes, the
 * subtree after it, typedefs followed to a type, the member of a struct
 * along a dotted path. Every read is bounds-checked against its unit and
 * every loop capped.
 */
#include "dwarf_int.h"

#include <errno.h>
#include <stdlib.h>

/* DWARF attribute and form codes. */
enum {
	AT_name = 0x03, AT_byte_size = 0x0b, AT_const_value = 0x1c, AT_upper_bound = 0x2f,
	AT_count = 0x37, AT_type = 0x49, AT_data_member_location = 0x38,
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
};

void *gs_dw_grow(void *p, size_t *cap, size_t want, size_t elem, size_t max)
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

/* ---- abbreviations ---- */

static int parse_abbrevs(struct gs_dwarf *d, uint64_t off)
{
	struct rd r = { d->e, d->abbrev.p, d->abbrev.p + d->abbrev.len, false };

	d->nab = d->nsp = 0;
	if (off >= d->abbrev.len)
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
			np = gs_dw_grow(d->sp, &d->capsp, d->nsp + 1, sizeof(*d->sp), MAX_SPECS);
			if (!np)
				return -1;
			d->sp = np;
			d->sp[d->nsp++] = s;
			a.nspec++;
		}
		np = gs_dw_grow(d->ab, &d->capab, d->nab + 1, sizeof(*d->ab), MAX_ABBREVS);
		if (!np)
			return -1;
		d->ab = np;
		d->ab[d->nab++] = a;
	}
	return 0;
}

/*
 * The abbreviation table at off. A compressed .debug_abbrev is inflated
 * only as far as the table reaches (Go's is a few hundred bytes at 0).
 */
int gs_dw_load_abbrevs(struct gs_dwarf *d, uint64_t off)
{
	uint64_t want = off + 4096;

	if (d->have_tab && d->tab_off == off)
		return 0;
	d->have_tab = false;
	if (off > UINT64_MAX / 4)
		return -1;
	for (;;) {
		if (gs_dw_lazy_need(d, &d->abbrev, want) < 0)
			return -1;
		if (parse_abbrevs(d, off) == 0)
			break;
		if (d->abbrev.len < want || want > UINT64_MAX / 2)
			return -1;	/* the whole section was there: malformed */
		want *= 2;
	}
	d->have_tab = true;
	d->tab_off = off;
	return 0;
}

static const struct abbrev *find_abbrev(const struct gs_dwarf *d, uint64_t code)
{
	/* Codes are usually 1..n in order. */
	if (code >= 1 && code <= d->nab && d->ab[code - 1].code == code)
		return &d->ab[code - 1];
	for (size_t i = 0; i < d->nab; i++)
		if (d->ab[i].code == code)
			return &d->ab[i];
	return NULL;
}

/* ---- DIEs ---- */

/* A string of .debug_str or .debug_line_str, inflated only as far as it reaches. */
static const char *str_at(struct gs_dwarf *d, struct gs_dwlazy *lz, uint64_t off)
{
	if (off > UINT64_MAX - MAX_NAME || gs_dw_lazy_need(d, lz, off + MAX_NAME) < 0 ||
	    off >= lz->len || gs_strnlen_bounded(lz->p + off, lz->len - off) < 0)
		return NULL;
	return (const char *)lz->p + off;
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

/* Read one attribute value; keep the ones callers want. */
static void attr(struct gs_dwarf *d, const struct unit *u, struct rd *r,
		 const struct attrspec *s, struct die *die)
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
	case FORM_strp: str = str_at(d, &d->str, uN(r, u->off_size)); break;
	case FORM_line_strp: str = str_at(d, &d->line_str, uN(r, u->off_size)); break;
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
	case AT_const_value:
		die->has_const = is_const;
		die->cval = (int64_t)v;
		break;
	case AT_count:
		die->has_count = is_const;
		die->count = v;
		break;
	case AT_upper_bound:
		die->has_ub = is_const;
		die->ub = v;
		break;
	default:
		break;
	}
}

/* The DIE at off inside unit u. */
int gs_dw_die_in(struct gs_dwarf *d, const struct unit *u, uint64_t off, struct die *die)
{
	const uint8_t *at;
	const struct abbrev *a;
	struct rd r;
	uint64_t code;

	memset(die, 0, sizeof(*die));
	die->off = off;
	if (!u || off < u->die || off >= u->end || gs_dw_load_abbrevs(d, u->abbrev_off) < 0)
		return -1;
	die->addr_size = u->addr_size;
	at = u->base + (off - u->off);
	r = (struct rd){ d->e, at, u->base + (u->end - u->off), false };
	code = uleb(&r);
	if (r.bad)
		return -1;
	if (code != 0) {
		a = find_abbrev(d, code);
		if (!a)
			return -1;
		die->tag = a->tag;
		die->children = a->children;
		for (uint32_t k = 0; k < a->nspec && !r.bad; k++)
			attr(d, u, &r, &d->sp[a->first + k], die);
		if (r.bad)
			return -1;
	}
	die->next = off + (uint64_t)(r.p - at);
	return 0;
}

int gs_dw_die_at(struct gs_dwarf *d, uint64_t off, struct die *die)
{
	return gs_dw_die_in(d, gs_dw_unit_for(d, off), off, die);
}

/* The offset after die's subtree. */
int gs_dw_skip_subtree(struct gs_dwarf *d, const struct die *die, uint64_t *next)
{
	uint64_t off = die->next;
	unsigned depth = 1;
	struct die c;

	if (!die->children) {
		*next = die->next;
		return 0;
	}
	while (depth) {
		if (gs_dw_die_at(d, off, &c) < 0)
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
static int resolve_type(struct gs_dwarf *d, uint64_t off, struct die *t)
{
	for (int hop = 0; hop < MAX_TYPE_HOPS; hop++) {
		if (gs_dw_die_at(d, off, t) < 0 || t->tag == 0)
			return -1;
		if (t->tag != GS_DW_TAG_typedef)
			return 0;
		if (!t->has_type)
			return -1;
		off = t->type;
	}
	return -1;
}

/* Member `name` of the struct at struct_off: its offset and type offset. */
static int member(struct gs_dwarf *d, uint64_t struct_off, const char *name, size_t namelen,
		  uint64_t *loc, uint64_t *type)
{
	struct die s, c;
	uint64_t off;

	if (resolve_type(d, struct_off, &s) < 0 || s.tag != GS_DW_TAG_structure_type ||
	    !s.children)
		return -1;
	off = s.next;
	for (unsigned n = 0; n < MAX_MEMBERS; n++) {
		if (gs_dw_die_at(d, off, &c) < 0 || c.tag == 0)
			return -1;
		if (c.tag == GS_DW_TAG_member && c.name && strlen(c.name) == namelen &&
		    memcmp(c.name, name, namelen) == 0) {
			if (!c.has_loc || !c.has_type)
				return -1;
			*loc = c.loc;
			*type = c.type;
			return 0;
		}
		if (gs_dw_skip_subtree(d, &c, &off) < 0)
			return -1;
	}
	return -1;
}

/* An array's element count: its first subrange's count (or upper bound + 1). */
static int array_count(struct gs_dwarf *d, const struct die *a, uint64_t *count)
{
	struct die c;

	if (!a->children || gs_dw_die_at(d, a->next, &c) < 0 || c.tag != TAG_subrange_type)
		return -1;
	if (c.has_count)
		*count = c.count;
	else if (c.has_ub && c.ub < UINT64_MAX)
		*count = c.ub + 1;
	else
		return -1;
	return 0;
}

int gs_dwarf_field(struct gs_dwarf *d, uint64_t die, const char *path, bool unwrap,
		   struct gs_dwarf_field *f)
{
	uint64_t total = 0, loc, type = die;
	struct die t;

	memset(f, 0, sizeof(*f));
	for (int depth = 0; *path; depth++) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (depth >= MAX_PATH_DEPTH || member(d, type, path, n, &loc, &type) < 0 ||
		    loc > UINT32_MAX)
			return -1;
		total += loc;
		path += n + (dot ? 1 : 0);
	}
	if (resolve_type(d, type, &t) < 0)
		return -1;
	if (unwrap && t.tag == GS_DW_TAG_structure_type &&
	    (member(d, t.off, "v", 1, &loc, &type) == 0 ||
	     member(d, t.off, "value", 5, &loc, &type) == 0)) {
		total += loc;
		if (resolve_type(d, type, &t) < 0)
			return -1;
	}
	if (t.has_size)
		f->size = t.size;
	else if (t.tag == GS_DW_TAG_pointer_type)
		f->size = t.addr_size;
	else
		return -1;
	if (t.tag == GS_DW_TAG_array_type && array_count(d, &t, &f->count) < 0)
		return -1;
	f->off = total;
	f->tag = t.tag;
	f->type = t.off;
	return 0;
}

int gs_dwarf_const(struct gs_dwarf *d, uint64_t die, int64_t *v)
{
	struct die c;

	if (gs_dw_die_at(d, die, &c) < 0 || c.tag != GS_DW_TAG_constant || !c.has_const)
		return -1;
	*v = c.cval;
	return 0;
}

