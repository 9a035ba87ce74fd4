/* SPDX-License-Identifier: MIT */
/* gops' memstats lines of a live Go process (livememstats.h). */
#include "livememstats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#define TRIES 4			/* reads of a line before it counts as moving */
#define SLOTS 3			/* memstats.heapStats.stats */
#define MAX_PS (1u << 16)
#define RING 256		/* pause_ns, pause_end */

struct rd {
	const struct gs_live *lv;
	struct gs_err err;		/* the first read error */
	bool failed;
	bool code;			/* a global of some term came from code */
};

static void unavail(struct gs_lms_val *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void unavail(struct gs_lms_val *v, const char *fmt, ...)
{
	va_list ap;

	memset(v, 0, sizeof(*v));
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof(v->why), fmt, ap);
	va_end(ap);
}

/* A field's static address (the base of its struct, for heapStatsDelta fields). */
static int field_at(struct rd *r, enum gs_rt_field f, uint64_t *addr, uint32_t *size, char *why,
		    size_t whysz)
{
	const struct gs_rt_layout *lay = r->lv->lay;
	const struct gs_rt_loc *l = &lay->off.f[f];
	uint64_t base;
	bool code;

	if (!l->known) {
		snprintf(why, whysz, "offset of %s unknown", gs_rt_field_name(f));
		return -1;
	}
	if (!l->global) {
		snprintf(why, whysz, "%s is not in a global", gs_rt_field_name(f));
		return -1;
	}
	base = gs_rt_layout_global(lay, l->global, &code);
	if (!base) {
		snprintf(why, whysz, "%s unknown", l->global);
		return -1;
	}
	r->code |= code;
	*addr = base + l->off;
	*size = l->size;
	return 0;
}

static bool rd_word(struct rd *r, uint64_t addr, uint32_t size, uint64_t *out)
{
	uint8_t b[8] = { 0 };

	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	if (gs_live_read(r->lv->pid, addr + r->lv->bias, b, size, &r->err) < 0) {
		r->failed = true;
		return false;
	}
	*out = 0;
	memcpy(out, b, size);	/* little-endian targets only (liveread.h) */
	return true;
}

/* ---- memstats.heapStats: three slots, and the Ps that write them ---- */

struct shards {
	bool ready;
	uint64_t at;			/* static address of stats[0] */
	uint32_t slot;			/* sizeof(heapStatsDelta) */
	uint64_t *ps;			/* live addresses of the Ps */
	unsigned nps;
	uint32_t seq_off;
	bool code;			/* runtime.memstats came from code */
	char why[GS_LMS_WHY];
};

static int shards_setup(struct rd *r, struct shards *s)
{
	const struct gs_rt_layout *lay = r->lv->lay;
	const struct gs_rt_offsets *o = &lay->off;
	uint64_t ms, hdr[3] = { 0 };
	uint32_t size;
	bool code;

	s->ready = true;
	if (!o->f[GS_RT_MSTATS_HEAPSTATS].known || !o->f[GS_RT_HEAPSTATS_STATS].known ||
	    !o->f[GS_RT_SIZEOF_HSD].known || !o->f[GS_RT_P_STATSSEQ].known) {
		snprintf(s->why, sizeof(s->why), "the layout lacks memstats.heapStats");
		return -1;
	}
	ms = gs_rt_layout_global(lay, "runtime.memstats", &code);
	if (!ms) {
		snprintf(s->why, sizeof(s->why), "runtime.memstats unknown");
		return -1;
	}
	s->code = code;
	size = o->f[GS_RT_SIZEOF_HSD].size;
	if (!size || o->f[GS_RT_HEAPSTATS_STATS].size < (uint64_t)size * SLOTS) {
		snprintf(s->why, sizeof(s->why), "heapStats.stats is not %d slots", SLOTS);
		return -1;
	}
	s->at = ms + o->f[GS_RT_MSTATS_HEAPSTATS].off + o->f[GS_RT_HEAPSTATS_STATS].off;
	s->slot = size;
	s->seq_off = o->f[GS_RT_P_STATSSEQ].off;
	/* The Ps, whose statsSeq is odd while they write a slot. */
	if (!lay->allp || gs_live_read(r->lv->pid, lay->allp + r->lv->bias, hdr, sizeof(hdr),
				       &r->err) < 0) {
		if (lay->allp)
			r->failed = true;
		snprintf(s->why, sizeof(s->why), "runtime.allp unknown or unreadable");
		return -1;
	}
	if (!hdr[0] || hdr[1] == 0 || hdr[1] > MAX_PS || hdr[1] > hdr[2]) {
		snprintf(s->why, sizeof(s->why), "implausible allp (len %" PRIu64 ")", hdr[1]);
		return -1;
	}
	s->ps = calloc(hdr[1], sizeof(*s->ps));
	if (!s->ps) {
		snprintf(s->why, sizeof(s->why), "out of memory");
		return -1;
	}
	if (gs_live_read(r->lv->pid, hdr[0], s->ps, hdr[1] * sizeof(*s->ps), &r->err) < 0) {
		r->failed = true;
		snprintf(s->why, sizeof(s->why), "allp unreadable");
		return -1;
	}
	s->nps = (unsigned)hdr[1];
	return 0;
}

/* Every P's statsSeq into seq (one readv); false when unreadable. */
static bool read_seqs(struct rd *r, const struct shards *s, uint32_t *seq)
{
	for (unsigned i = 0; i < s->nps; i += 512) {
		unsigned n = s->nps - i < 512 ? s->nps - i : 512;
		struct iovec local = { seq + i, n * sizeof(*seq) }, remote[512];
		ssize_t got;

		for (unsigned k = 0; k < n; k++) {
			if (!s->ps[i + k])
				return false;
			remote[k].iov_base = (void *)(uintptr_t)(s->ps[i + k] + s->seq_off);
			remote[k].iov_len = sizeof(*seq);
		}
		got = process_vm_readv(r->lv->pid, &local, 1, remote, n, 0);
		if (got != (ssize_t)(n * sizeof(*seq)))
			return false;
	}
	return true;
}

/*
 * A heapStatsDelta field summed over the three slots, while no P writes:
 * the statsSeq of every P even, and the same before and after.
 */
static int shard_sum(struct rd *r, struct shards *s, enum gs_rt_field f, uint64_t *out,
		     char *why, size_t whysz)
{
	const struct gs_rt_loc *l = &r->lv->lay->off.f[f];
	uint32_t *before, *after;
	int rc = 1;

	if (!s->ready)
		shards_setup(r, s);	/* failing, s->why says why */
	if (!s->nps) {
		snprintf(why, whysz, "%s", s->why);
		return -1;
	}
	r->code |= s->code;
	if (!l->known || l->size != 8 || l->off + 8 > s->slot) {
		snprintf(why, whysz, "offset of %s unknown", gs_rt_field_name(f));
		return -1;
	}
	before = calloc(s->nps, sizeof(*before));
	after = calloc(s->nps, sizeof(*after));
	if (!before || !after) {
		free(before);
		free(after);
		snprintf(why, whysz, "out of memory");
		return -1;
	}
	if (!read_seqs(r, s, before)) {
		rc = 0;
		goto out;
	}
	*out = 0;
	for (unsigned k = 0; k < SLOTS; k++) {
		uint64_t v;

		if (!rd_word(r, s->at + (uint64_t)k * s->slot + l->off, 8, &v)) {
			rc = -1;
			snprintf(why, whysz, "%.200s", r->err.msg);
			goto out;
		}
		*out += v;
	}
	if (!read_seqs(r, s, after)) {
		rc = 0;
		goto out;
	}
	for (unsigned k = 0; k < s->nps; k++)
		if ((before[k] & 1) || before[k] != after[k])
			rc = 0;	/* a P wrote meanwhile: read again */
out:
	free(before);
	free(after);
	return rc;
}

/* ---- one line ---- */

/*
 * The terms of recipe rc, once: *sum (wrapping, as the runtime's uint64
 * sums do), or the value of a float field. 1 read, 0 moving (read again),
 * -1 unavailable (why).
 */
static int read_once(struct rd *r, struct shards *s, const struct gs_ms_recipe *rc,
		     uint64_t numgc, uint64_t *sum, char *why, size_t whysz)
{
	*sum = 0;
	for (unsigned k = 0; k < rc->nterms && k < GS_MS_MAX_TERMS; k++) {
		const struct gs_ms_term *t = &rc->t[k];
		uint64_t addr, v = 0;
		uint32_t size;

		if (t->flags & GS_MST_SHARDS) {
			int got = shard_sum(r, s, t->f, &v, why, whysz);

			if (got <= 0)
				return got;
		} else {
			if (field_at(r, t->f, &addr, &size, why, whysz) < 0)
				return -1;
			if (t->flags & GS_MST_LAST) {
				const struct gs_rt_loc *l = &r->lv->lay->off.f[t->f];

				if (l->count != RING || size != RING * 8) {
					snprintf(why, whysz, "%s is not a ring of %d", gs_rt_field_name(t->f),
						 RING);
					return -1;
				}
				addr += ((numgc + RING - 1) % RING) * 8;
				size = 8;
			}
			if (!rd_word(r, addr, size, &v)) {
				snprintf(why, whysz, "%.200s", r->err.msg);
				return -1;
			}
		}
		*sum = t->flags & GS_MST_NEG ? *sum - v : *sum + v;
	}
	return 1;
}

/* A field's value, for heapGoal's terms. */
static bool term(struct rd *r, enum gs_rt_field f, uint64_t *v, char *why, size_t whysz)
{
	uint64_t addr;
	uint32_t size;

	if (field_at(r, f, &addr, &size, why, whysz) < 0)
		return false;
	if (!rd_word(r, addr, size, v)) {
		snprintf(why, whysz, "%.200s", r->err.msg);
		return false;
	}
	return true;
}

/* "go1.21.13" -> 21 (0 when not a release). */
static unsigned minor_of(const char *v)
{
	unsigned long n;
	char *end;

	if (strncmp(v, "go1.", 4) != 0)
		return 0;
	n = strtoul(v + 4, &end, 10);
	return end != v + 4 && n < 1000 ? (unsigned)n : 0;
}

/*
 * gcControllerState.memoryLimitHeapGoal: the limit minus the memory that
 * is not heap (and minus any overage), less headroom (1 MiB until Go 1.20;
 * since 1.21 3%, at least 1 MiB), never below the marked heap.
 */
static uint64_t limit_goal(unsigned minor, uint64_t limit, uint64_t nonheap, uint64_t over,
			   uint64_t marked)
{
	const uint64_t mib = 1u << 20;
	uint64_t goal, room;

	if (nonheap + over >= limit)
		return marked;
	goal = limit - (nonheap + over);
	if (minor < 21) {
		goal = goal < mib || goal - mib < mib ? mib : goal - mib;
	} else {
		room = goal / 100 * 3;
		if (room < mib)
			room = mib;
		goal = goal < marked || goal - marked <= room ? marked : goal - room;
	}
	return goal < marked ? marked : goal;
}

/*
 * gcController.heapGoal(), as the runtime computes it: the GOGC goal,
 * unless the memory-limit goal is lower; else raised to sweepDistMinTrigger
 * and to triggered + 64 KiB. The memory-limit goal uses the heap's
 * allocated bytes (totalAlloc - totalFree), which lag while per-P caches
 * hold spans, so read from outside it comes out no higher than the
 * runtime's: when even so it is not below the GOGC goal, the GOGC branch is
 * certain and the goal exact; otherwise the line is unavailable.
 */
static int heap_goal(struct rd *r, uint64_t *goal, char *why, size_t whysz)
{
	uint64_t pct, limit, mapped, hfree, talloc, tfree, marked, sweep, trig, alloc, over = 0;

	if (!term(r, GS_RT_GCC_GCPERCENTHEAPGOAL, &pct, why, whysz) ||
	    !term(r, GS_RT_GCC_MEMORYLIMIT, &limit, why, whysz) ||
	    !term(r, GS_RT_GCC_MAPPEDREADY, &mapped, why, whysz) ||
	    !term(r, GS_RT_GCC_HEAPFREE, &hfree, why, whysz) ||
	    !term(r, GS_RT_GCC_TOTALALLOC, &talloc, why, whysz) ||
	    !term(r, GS_RT_GCC_TOTALFREE, &tfree, why, whysz) ||
	    !term(r, GS_RT_GCC_HEAPMARKED, &marked, why, whysz) ||
	    !term(r, GS_RT_GCC_SWEEPDISTMINTRIGGER, &sweep, why, whysz) ||
	    !term(r, GS_RT_GCC_TRIGGERED, &trig, why, whysz))
		return -1;
	alloc = talloc - tfree;
	if (talloc < tfree || hfree + alloc > mapped)
		return 0;	/* a partial update seen: read again, as the runtime does */
	if (mapped > limit)
		over = mapped - limit;
	if (limit_goal(minor_of(r->lv->lay->version), limit, mapped - hfree - alloc, over,
		       marked) < pct) {
		snprintf(why, whysz, "the memory-limit goal decides (GOGC off, or GOMEMLIMIT near): "
			 "it needs allocation totals settled only under stop-the-world");
		return -1;
	}
	*goal = pct;
	if (sweep > *goal)
		*goal = sweep;
	if (trig != UINT64_MAX && *goal < trig + (64u << 10))
		*goal = trig + (64u << 10);
	return 1;
}

static void read_line(struct rd *r, struct shards *s, const struct gs_live_memstats *ms,
		      enum gs_ms_line l, uint64_t numgc, struct gs_lms_val *v)
{
	const struct gs_ms_recipe *rc = gs_ms_recipe(ms->version, l);
	char why[GS_LMS_WHY] = "";
	uint64_t a = 0, b = 0;
	int got = 0;

	switch (rc->how) {
	case GS_MSH_UNKNOWN:
		unavail(v, "%s for %.40s", rc->note ? rc->note : "not described",
			ms->version[0] ? ms->version : "an unknown Go version");
		return;
	case GS_MSH_STW:
		unavail(v, "%s", rc->note ? rc->note : "computed only under stop-the-world");
		return;
	case GS_MSH_CONST:
		memset(v, 0, sizeof(*v));
		v->ok = true;
		v->constant = true;
		v->u = (uint64_t)rc->value;
		v->src = GS_LSRC_CONST;
		if (rc->note)
			snprintf(v->why, sizeof(v->why), "%s", rc->note);
		return;
	default:
		break;
	}
	r->code = false;
	for (int t = 0; t < TRIES; t++) {
		if (rc->how == GS_MSH_HEAPGOAL) {
			got = heap_goal(r, &a, why, sizeof(why));
			if (got > 0)
				got = heap_goal(r, &b, why, sizeof(why));
		} else {
			got = read_once(r, s, rc, numgc, &a, why, sizeof(why));
			if (got > 0)
				got = read_once(r, s, rc, numgc, &b, why, sizeof(why));
		}
		if (got < 0 || (got > 0 && a == b))
			break;
		got = 0;
	}
	if (got < 0) {
		unavail(v, "%s", why);
		return;
	}
	if (got == 0) {
		unavail(v, "changed between reads %d times: the runtime is updating it", TRIES);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->ok = true;
	v->u = a;
	if (l == GS_MS_GC_CPU_FRACTION)
		memcpy(&v->f, &a, sizeof(v->f));
	if (r->lv->lay->off.src == GS_RT_SRC_DWARF)
		v->src = r->code ? GS_LSRC_CODE_DWARF : GS_LSRC_SYMTAB_DWARF;
	else
		v->src = r->code ? GS_LSRC_CODE_TABLE : GS_LSRC_SYMTAB_TABLE;
	if (rc->note)
		snprintf(v->why, sizeof(v->why), "%s", rc->note);
}

int gs_live_memstats(const struct gs_live *lv, struct gs_live_memstats *ms, struct gs_err *err)
{
	const struct gs_rt_layout *lay = lv->lay;
	struct shards s;
	struct rd r;
	uint64_t numgc = 0, addr;
	uint32_t size;
	char why[GS_LMS_WHY];

	memset(ms, 0, sizeof(*ms));
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	r.lv = lv;
	snprintf(ms->version, sizeof(ms->version), "%s", lay->version);
	if (!lay->layout) {
		for (int l = 0; l < GS_MS_NLINES; l++)
			unavail(&ms->v[l], "%s", lay->layout_why[0] ? lay->layout_why :
						  "no runtime layout");
		return 0;
	}
	/* The pause rings are indexed by the cycle count. */
	if (field_at(&r, GS_RT_MSTATS_NUMGC, &addr, &size, why, sizeof(why)) == 0)
		rd_word(&r, addr, size, &numgc);
	for (int l = 0; l < GS_MS_NLINES && !r.failed; l++)
		read_line(&r, &s, ms, l, numgc, &ms->v[l]);
	free(s.ps);
	if (r.failed && (r.err.code == ESRCH || r.err.code == EPERM || r.err.code == EACCES)) {
		for (int l = 0; l < GS_MS_NLINES; l++)
			if (!ms->v[l].ok)
				unavail(&ms->v[l], "%.200s", r.err.msg);
		*err = r.err;
		return -1;
	}
	if (r.failed) {
		/* Some other read error (EFAULT: a lying address): the rest as they are. */
		for (int l = 0; l < GS_MS_NLINES; l++)
			if (!ms->v[l].ok && !ms->v[l].why[0])
				unavail(&ms->v[l], "%.200s", r.err.msg);
	}
	return 0;
}
