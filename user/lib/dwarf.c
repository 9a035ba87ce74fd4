/* SPDX-License-Identifier: MIT */
/*
 * The DWARF reader behind dwarf.h: it does only what runtime layouts need.
 * Compile units are read front to back; the DIEs at the top level of each
 * kept unit are indexed by the names the caller asked for; members are
 * found by walking a struct's children, following DW_AT_type references
 * and typedefs. A hostile .debug_info can at worst make a field unknown.
 */
#include "dwarf_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- units ---- */

/*
 * The header of the unit at section offset off, whose bytes (at least its
 * header) are p[0, avail). 0 and *u filled, or -1 when malformed; u->end
 * may lie past avail.
 */
static int unit_header(const struct gs_elf *e, const uint8_t *p, size_t avail, uint64_t off,
		       struct unit *u)
{
	struct rd r = { e, p, p + avail, false };
	uint64_t len;

	memset(u, 0, sizeof(*u));
	u->off = off;
	u->base = p;
	len = u32(&r);
	u->off_size = 4;
	if (len == 0xffffffff) {
		len = u64(&r);
		u->off_size = 8;
	} else if (len >= 0xfffffff0) {
		return -1;
	}
	if (r.bad || len > UINT64_MAX - off - 12)
		return -1;
	u->end = off + (uint64_t)(r.p - p) + len;
	u->version = (uint16_t)u16(&r);
	if (u->version >= 5) {
		uint8_t type = (uint8_t)u8(&r);

		u->addr_size = (uint8_t)u8(&r);
		u->abbrev_off = uN(&r, u->off_size);
		if (type == UT_skeleton || type == UT_split_compile)
			skip(&r, 8);	/* dwo_id */
		else if (type == UT_type || type == UT_split_type)
			skip(&r, 8 + u->off_size);	/* signature, type offset */
	} else {
		u->abbrev_off = uN(&r, u->off_size);
		u->addr_size = (uint8_t)u8(&r);
	}
	if (r.bad || u->version < 2 || u->version > 5)
		return -1;
	u->die = off + (uint64_t)(r.p - p);
	if (u->die > u->end)
		return -1;
	return 0;
}

const struct unit *gs_dw_unit_for(const struct gs_dwarf *d, uint64_t off)
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

/* ---- the index of top-level DIEs ---- */

static int cmp_order(const void *a, const void *b, void *names)
{
	const char *const *n = names;

	return strcmp(n[*(const size_t *)a], n[*(const size_t *)b]);
}

static int find_name(const struct gs_dwarf *d, const char *name, size_t *idx)
{
	size_t lo = 0, hi = d->opts.nnames;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, d->opts.names[d->order[mid]]);

		if (c == 0) {
			/* the first of equal names in the caller's order */
			while (mid > 0 && strcmp(name, d->opts.names[d->order[mid - 1]]) == 0)
				mid--;
			*idx = mid;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

static int index_init(struct gs_dwarf *d, const struct gs_dwarf_opts *opts)
{
	if (opts)
		d->opts = *opts;
	if (!d->opts.names)
		d->opts.nnames = 0;
	if (!d->opts.nnames)
		return 0;
	d->order = calloc(d->opts.nnames, sizeof(*d->order));
	d->found = calloc(d->opts.nnames, sizeof(*d->found));
	d->have = calloc(d->opts.nnames, sizeof(*d->have));
	if (!d->order || !d->found || !d->have)
		return -1;
	for (size_t i = 0; i < d->opts.nnames; i++)
		d->order[i] = i;
	qsort_r(d->order, d->opts.nnames, sizeof(*d->order), cmp_order, (void *)d->opts.names);
	return 0;
}

typedef int (*toplevel_cb)(struct gs_dwarf *d, const struct die *c, void *ctx);

/* The unit DIE's children (depth 1), in order. */
static int walk_unit(struct gs_dwarf *d, const struct unit *u, toplevel_cb cb, void *ctx)
{
	struct die root, c;
	uint64_t off;
	int rc;

	if (gs_dw_die_at(d, u->die, &root) < 0 || root.tag == 0 || !root.children)
		return 0;
	off = root.next;
	while (off < u->end) {
		if (++d->toplevel > MAX_TOPLEVEL || gs_dw_die_at(d, off, &c) < 0 || c.tag == 0)
			break;
		if (c.name && (rc = cb(d, &c, ctx)) != 0)
			return rc;
		if (gs_dw_skip_subtree(d, &c, &off) < 0)
			break;
	}
	return 0;
}

static int index_die(struct gs_dwarf *d, const struct die *c, void *ctx)
{
	size_t k;

	(void)ctx;
	if (!((c->tag == GS_DW_TAG_structure_type && c->children) || c->tag == GS_DW_TAG_constant))
		return 0;
	if (find_name(d, c->name, &k) < 0)
		return 0;
	for (; k < d->opts.nnames && strcmp(c->name, d->opts.names[d->order[k]]) == 0; k++) {
		size_t i = d->order[k];

		if (!d->have[i]) {
			d->have[i] = true;
			d->found[i] = c->off;
			break;
		}
	}
	return 0;
}

bool gs_dwarf_lookup(const struct gs_dwarf *d, size_t i, uint64_t *die)
{
	if (i >= d->opts.nnames || !d->have[i])
		return false;
	*die = d->found[i];
	return true;
}

struct each_ctx {
	int (*cb)(const char *name, uint64_t tag, uint64_t die, void *ctx);
	void *ctx;
};

static int each_die(struct gs_dwarf *d, const struct die *c, void *ctx)
{
	const struct each_ctx *ec = ctx;

	(void)d;
	return ec->cb(c->name, c->tag, c->off, ec->ctx);
}

int gs_dwarf_each(struct gs_dwarf *d, int (*cb)(const char *name, uint64_t tag, uint64_t die,
						void *ctx),
		  void *ctx)
{
	struct each_ctx ec = { cb, ctx };
	int rc;

	d->toplevel = 0;
	for (size_t i = 0; i < d->nunits; i++)
		if ((rc = walk_unit(d, &d->units[i], each_die, &ec)) != 0)
			return rc;
	return 0;
}

size_t gs_dwarf_inflated(const struct gs_dwarf *d)
{
	return d->inflated;
}

size_t gs_dwarf_units(const struct gs_dwarf *d)
{
	return d->nunits;
}

/* ---- loading ---- */

/* Whether to keep unit u: its unit DIE names one of opts.units. */
static bool unit_wanted(struct gs_dwarf *d, const struct unit *u)
{
	struct die root;

	if (!d->opts.units)
		return true;
	if (gs_dw_die_in(d, u, u->die, &root) < 0 || root.tag != TAG_compile_unit || !root.name)
		return false;
	for (const char *const *n = d->opts.units; *n; n++)
		if (strcmp(*n, root.name) == 0)
			return true;
	return false;
}

/* ---- sections needed by offset ---- */

int gs_dw_lazy_need(struct gs_dwarf *d, struct gs_dwlazy *lz, uint64_t want)
{
	struct gs_err err;
	size_t ncap;
	void *np;

	if (lz->failed || !lz->open)
		return -1;
	if (!lz->src.z) {
		lz->p = lz->src.plain;
		lz->len = (size_t)lz->src.size;
		return 0;
	}
	if (want > lz->src.size)
		want = lz->src.size;
	if (want <= lz->len)
		return 0;
	ncap = lz->cap ? lz->cap : 4096;
	while (ncap < want)
		ncap = ncap > SIZE_MAX / 2 ? (size_t)want : ncap * 2;
	if (ncap > lz->src.size)
		ncap = (size_t)lz->src.size;
	np = realloc(lz->buf, ncap);
	if (!np) {
		lz->failed = true;
		return -1;
	}
	lz->buf = np;
	lz->cap = ncap;
	lz->p = lz->buf;
	if (gs_dwsrc_read(&lz->src, lz->buf + lz->len, (size_t)want - lz->len, &err) !=
		    (long)((size_t)want - lz->len) ||
	    gs_dwsrc_finish(&lz->src, &err) < 0) {
		lz->failed = true;
		d->last_err = err;
		return -1;
	}
	lz->len = (size_t)want;
	return 0;
}

static void lazy_close(struct gs_dwlazy *lz)
{
	if (lz->open)
		gs_dwsrc_close(&lz->src);
	free(lz->buf);
	memset(lz, 0, sizeof(*lz));
}

/* ---- units, read front to back ---- */

static int add_unit(struct gs_dwarf *d, const struct unit *u)
{
	void *np = gs_dw_grow(d->units, &d->capunits, d->nunits + 1, sizeof(*d->units), MAX_UNITS);

	if (!np)
		return -1;
	d->units = np;
	d->units[d->nunits++] = *u;
	walk_unit(d, &d->units[d->nunits - 1], index_die, NULL);
	return 0;
}

/*
 * Every unit of .debug_info from src: the wanted ones kept (in place when
 * the section is plain, else copied out of the stream), the others read
 * past, until the end or until opts.done says enough.
 */
static int load_units(struct gs_dwarf *d, struct gs_dwsrc *src, struct gs_err *err)
{
	uint8_t *pre = malloc(UNIT_PREFIX);
	size_t seen = 0;
	int rc = -1;

	if (!pre)
		return gs_errf(err, ENOMEM, "out of memory");
	while (src->pos < src->size) {
		uint64_t off = src->pos, total;
		struct unit u, tmp;
		long got, k;

		/* the unit's length, then as much of it as tells its name */
		got = gs_dwsrc_read(src, pre, 4, err);
		if (got < 0)
			goto out;
		total = got == 4 ? gs_rd32(d->e, pre) : 0;
		if (total == 0xffffffff) {
			k = gs_dwsrc_read(src, pre + 4, 8, err);
			if (k < 0)
				goto out;
			got += k;
			total = k == 8 ? gs_rd64(d->e, pre + 4) : 0;
			total = total <= UINT64_MAX - 12 ? total + 12 : 0;
		} else {
			total += 4;
		}
		if (got < 4 || total > src->size - off || total < (uint64_t)got) {
			gs_errf(err, EINVAL, "malformed .debug_info unit headers");
			goto out;
		}
		k = gs_dwsrc_read(src, pre + got,
				  (size_t)((total < UNIT_PREFIX ? total : UNIT_PREFIX) - (uint64_t)got),
				  err);
		if (k < 0)
			goto out;
		got += k;
		if (unit_header(d->e, pre, (size_t)got, off, &u) < 0 || u.end != off + total) {
			gs_errf(err, EINVAL, "malformed .debug_info unit headers");
			goto out;
		}
		total = u.end - off;
		seen++;
		/* the unit's name from what was read of it */
		tmp = u;
		tmp.end = total < (uint64_t)got ? u.end : off + (uint64_t)got;
		if (unit_wanted(d, &tmp)) {
			const uint8_t *in = gs_dwsrc_direct(src, off, (size_t)total);

			if (in) {
				u.base = in;
			} else {
				uint8_t *buf;

				if (total > d->budget) {
					gs_errf(err, EFBIG, "DWARF too large (a %llu-byte unit)",
						(unsigned long long)total);
					goto out;
				}
				buf = malloc((size_t)total);
				if (!buf) {
					gs_errf(err, ENOMEM, "out of memory");
					goto out;
				}
				memcpy(buf, pre, (size_t)(total < (uint64_t)got ? total : (uint64_t)got));
				u.base = buf;
				u.owned = true;
				/* total <= what the section has left: never short */
				if (total > (uint64_t)got &&
				    gs_dwsrc_read(src, buf + got, (size_t)(total - (uint64_t)got),
						  err) < 0) {
					free(buf);
					goto out;
				}
			}
			if (add_unit(d, &u) < 0) {
				if (u.owned)
					free((void *)u.base);
				gs_errf(err, ENOMEM, "too many units");
				goto out;
			}
			if (d->opts.done && d->opts.done(d, d->opts.ctx)) {
				rc = 0;
				goto out;
			}
		}
		/* past the rest of the unit (a kept one has been read whole) */
		if (src->pos < u.end &&
		    gs_dwsrc_read(src, NULL, (size_t)(u.end - src->pos), err) < 0)
			goto out;
	}
	if (gs_dwsrc_finish(src, err) < 0)
		goto out;
	rc = 0;
out:
	free(pre);
	if (rc == 0 && !d->nunits)
		rc = seen ? gs_errf(err, ENOENT, "no unit of the wanted packages in .debug_info")
			  : gs_errf(err, EINVAL, "malformed .debug_info unit headers");
	return rc;
}

void gs_dwarf_close(struct gs_dwarf *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nunits; i++)
		if (d->units[i].owned)
			free((void *)d->units[i].base);
	lazy_close(&d->abbrev);
	lazy_close(&d->str);
	lazy_close(&d->line_str);
	free(d->units);
	free(d->ab);
	free(d->sp);
	free(d->order);
	free(d->found);
	free(d->have);
	free(d);
}

static struct gs_dwarf *dwarf_new(const struct gs_elf *e, const struct gs_dwarf_opts *opts,
				  struct gs_err *err)
{
	struct gs_dwarf *d = calloc(1, sizeof(*d));

	if (!d) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	d->e = e;
	d->budget = GS_DWARF_MAX_TOTAL;
	if (index_init(d, opts) < 0) {
		gs_dwarf_close(d);
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	return d;
}

int gs_dwarf_open_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
		      const uint8_t *abbrev, size_t abbrev_len, const struct gs_dwarf_opts *opts,
		      struct gs_dwarf **out, struct gs_err *err)
{
	struct gs_dwarf *d = dwarf_new(e, opts, err);
	struct gs_dwsrc src;

	*out = NULL;
	if (!d)
		return -1;
	gs_dwsrc_mem(&d->abbrev.src, abbrev, abbrev_len);
	d->abbrev.open = true;
	gs_dwsrc_mem(&src, info, info_len);
	if (load_units(d, &src, err) < 0) {
		gs_dwarf_close(d);
		return -1;
	}
	*out = d;
	return 0;
}

/* An optional section, opened now; missing ones stay failed (no string forms then). */
static void lazy_open(struct gs_dwarf *d, struct gs_dwlazy *lz, const char *name)
{
	struct gs_err ignore;

	lz->open = gs_dwsrc_open(d->e, name, &d->budget, &d->inflated, &lz->src, &ignore) == 0;
	lz->failed = !lz->open;
}

int gs_dwarf_open(const struct gs_elf *e, const struct gs_dwarf_opts *opts,
		  struct gs_dwarf **out, struct gs_err *err)
{
	struct gs_dwarf *d = dwarf_new(e, opts, err);
	struct gs_dwsrc info;
	int rc;

	*out = NULL;
	if (!d)
		return -1;
	if (gs_dwsrc_open(e, "debug_info", &d->budget, &d->inflated, &info, err) < 0) {
		gs_dwarf_close(d);
		return -1;
	}
	if (gs_dwsrc_open(e, "debug_abbrev", &d->budget, &d->inflated, &d->abbrev.src, err) < 0) {
		gs_dwsrc_close(&info);
		gs_dwarf_close(d);
		return -1;
	}
	d->abbrev.open = true;
	lazy_open(d, &d->str, "debug_str");
	lazy_open(d, &d->line_str, "debug_line_str");
	rc = load_units(d, &info, err);
	gs_dwsrc_close(&info);
	if (rc == 0 && d->last_err.code == EFBIG) {
		/* a section needed by offset blew the budget: not a partial answer */
		*err = d->last_err;
		rc = -1;
	}
	if (rc < 0) {
		gs_dwarf_close(d);
		return -1;
	}
	*out = d;
	return 0;
}
