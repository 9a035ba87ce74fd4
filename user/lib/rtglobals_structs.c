/* SPDX-License-Identifier: MIT */
/* The struct globals from code: sched, memstats, gcController, mheap_ (rtglobals.h, docs/runtime-globals.md). */
#include "rtglobals_int.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- struct globals: the base at which a function's fields fall ---- */

struct fieldset {
	const char *fn;
	enum gs_rt_field f[8];
	unsigned nf;
	unsigned need;		/* fields that must fall on the base */
};

static bool off_of(const struct ctx *c, enum gs_rt_field f, uint64_t *off, unsigned *size)
{
	if (!c->o || !c->o->f[f].known)
		return false;
	*off = c->o->f[f].off;
	*size = c->o->f[f].size;
	return true;
}

/*
 * Does f touch a field of this size at a? A scalar (1, 2, 4 or 8 bytes)
 * must be loaded or stored with its own size -- struct fields lie next to
 * each other, so an address alone says little; an array or struct (or a
 * field of unknown size) may be touched in any way, its address included.
 */
static bool touches_field(const struct fn *f, uint64_t a, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return rtg_touches(f, a);
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind != GS_CREF_CALL && r->kind != GS_CREF_ADDR && r->addr == a &&
		    r->size == size && !r->indexed)
			return true;
	}
	return false;
}

/*
 * The one base b at which fs->f[0] and at least fs->need of fs->f (f[0]
 * included) are touched in fs->fn (b + offset of each field). 1: found
 * (*base), 0: none, -1: several (why).
 */
static int base_by_fields(struct ctx *c, const struct fieldset *fs, uint64_t struct_size,
			  uint64_t *base, char *why, size_t whysz)
{
	const struct fn *f = rtg_fn(c, fs->fn);
	uint64_t offs[8], best = 0, prev = 0;
	unsigned sizes[8], nknown = 0, best_n = 0, nbest = 0;
	bool known[8] = { false }, first = true;
	uint64_t *cand;
	unsigned ncand = 0;

	if (!f->present) {
		snprintf(why, whysz, "%s", f->why);
		return 0;
	}
	for (unsigned k = 0; k < fs->nf && k < 8; k++) {
		known[k] = off_of(c, fs->f[k], &offs[k], &sizes[k]);
		nknown += known[k];
	}
	if (!known[0] || nknown < fs->need) {
		snprintf(why, whysz, "%s: the layout lacks the offsets of its fields", rtg_shortname(fs->fn));
		return 0;
	}
	cand = malloc((f->n ? f->n : 1) * sizeof(*cand));
	if (!cand) {
		snprintf(why, whysz, "out of memory");
		return 0;
	}
	/* Every base the anchor field allows, once each. */
	for (unsigned r = 0; r < f->n; r++) {
		const struct gs_cref *x = &f->r[r];

		if (rtg_is_data(x) && x->addr >= offs[0] && rtg_in_data(c->e, x->addr, 1))
			cand[ncand++] = x->addr - offs[0];
	}
	qsort(cand, ncand, sizeof(*cand), rtg_cmp_u64);
	for (unsigned k = 0; k < ncand; k++) {
		unsigned hits = 0;

		if (!first && cand[k] == prev)
			continue;
		first = false;
		prev = cand[k];
		if (struct_size && !rtg_in_data(c->e, cand[k], struct_size))
			continue;
		for (unsigned j = 0; j < fs->nf && j < 8; j++)
			hits += known[j] && touches_field(f, cand[k] + offs[j], sizes[j]);
		if (hits < fs->need)
			continue;
		if (hits > best_n) {
			best_n = hits;
			best = cand[k];
			nbest = 1;
		} else if (hits == best_n) {
			nbest++;
		}
	}
	free(cand);
	if (!best_n) {
		snprintf(why, whysz, "%s: no base where %u of its fields fall", rtg_shortname(fs->fn),
			 fs->need);
		return 0;
	}
	if (nbest != 1) {
		snprintf(why, whysz, "%s: several bases fit its fields", rtg_shortname(fs->fn));
		return -1;
	}
	*base = best;
	return 1;
}

/*
 * A struct global from its discovery rule (disc) and confirming rules
 * (conf: any one agreeing confirms it; one that finds another base is a
 * contradiction).
 */
static void struct_global(struct ctx *c, struct gs_rtg_addr *g, enum gs_rt_field sizeof_f,
			  const struct fieldset *disc, unsigned ndisc, const struct fieldset *conf,
			  unsigned nconf)
{
	uint64_t size = 0, base = 0, b2;
	char why[GS_RTG_WHY] = "", w2[GS_RTG_WHY];
	const char *by = NULL, *from = NULL;
	int rc = 0;

	if (c->o && sizeof_f < GS_RT_NFIELDS && c->o->f[sizeof_f].known)
		size = c->o->f[sizeof_f].size;
	for (unsigned k = 0; k < ndisc && rc != 1; k++) {
		rc = base_by_fields(c, &disc[k], size, &base, w2, sizeof(w2));
		if (rc == 1)
			from = disc[k].fn;
		else if (!why[0] || rc < 0)
			snprintf(why, sizeof(why), "%s", w2);
	}
	if (rc != 1) {
		rtg_unknown(g, "%s", why);
		return;
	}
	for (unsigned k = 0; k < nconf && !by; k++) {
		if (strcmp(conf[k].fn, from) == 0)
			continue;
		if (base_by_fields(c, &conf[k], size, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			rtg_unknown(g, "%s and %s disagree", rtg_shortname(from), rtg_shortname(conf[k].fn));
			return;
		}
		by = conf[k].fn;
	}
	if (by)
		rtg_found(g, base, size, true, "%s, %s", rtg_shortname(from), rtg_shortname(by));
	else
		rtg_found(g, base, size, false, "%s", rtg_shortname(from));
}

void rtg_rule_sched(struct ctx *c, struct gs_rt_globals *out)
{
	/* checkmcount: count := mcount() - ...; mcount is sched.mnext - sched.nmfreed. */
	static const struct fieldset disc[] = {
		{ "runtime.checkmcount", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED }, 2, 2 },
		{ "runtime.checkdead", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED, GS_RT_SCHED_NMIDLE,
					 GS_RT_SCHED_NMSYS }, 4, 3 },
	};
	/* checkdead: run := mcount() - sched.nmidle - sched.nmidlelocked - sched.nmsys */
	static const struct fieldset conf[] = {
		{ "runtime.checkdead", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED, GS_RT_SCHED_NMIDLE,
					 GS_RT_SCHED_NMSYS }, 4, 3 },
		{ "runtime.checkmcount", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED }, 2, 2 },
	};

	struct_global(c, &out->g[GS_RTG_SCHED], GS_RT_SIZEOF_SCHEDT, disc, 2, conf, 2);
}

void rtg_rule_memstats(struct ctx *c, struct gs_rt_globals *out)
{
	/*
	 * gcMarkTermination records the cycle: last_gc_unix, pause_ns[numgc%256],
	 * pause_end[numgc%256], pause_total_ns, numgc++.
	 */
	static const struct fieldset disc[] = {
		{ "runtime.gcMarkTermination",
		  { GS_RT_MSTATS_NUMGC, GS_RT_MSTATS_PAUSE_NS, GS_RT_MSTATS_PAUSE_END,
		    GS_RT_MSTATS_PAUSE_TOTAL_NS, GS_RT_MSTATS_LAST_GC_UNIX }, 5, 4 },
	};
	/* readmemstats_m copies them out; gcenable sets enablegc. */
	static const struct fieldset conf[] = {
		{ "runtime.readmemstats_m",
		  { GS_RT_MSTATS_NUMGC, GS_RT_MSTATS_PAUSE_TOTAL_NS, GS_RT_MSTATS_LAST_GC_UNIX,
		    GS_RT_MSTATS_NUMFORCEDGC }, 4, 3 },
		{ "runtime.gcenable", { GS_RT_MSTATS_ENABLEGC }, 1, 1 },
		{ "runtime.gcTrigger.test", { GS_RT_MSTATS_ENABLEGC }, 1, 1 },
	};

	struct_global(c, &out->g[GS_RTG_MEMSTATS], GS_RT_SIZEOF_MSTATS, disc, 1, conf, 3);
}

/*
 * The address passed to method callee by function fn: the last data
 * address computed (ADDR) before a call to callee, with no call between
 * (Go evaluates a method's other arguments first when they are calls;
 * plain ones may come after, and then two rules disagree). Every call must
 * pass the same one. 1 rtg_found, 0 not, -1 contradictory.
 */
static int receiver_of(struct ctx *c, const char *fn, const char *callee, uint64_t *addr,
		       char *why, size_t whysz)
{
	const struct fn *f = rtg_fn(c, fn);
	uint64_t to = rtg_entry_of(c, callee), got = 0;
	unsigned ncalls = 0;

	if (!f->present) {
		snprintf(why, whysz, "%s", f->why);
		return 0;
	}
	if (!to) {
		snprintf(why, whysz, "%s not in pclntab", callee);
		return 0;
	}
	for (unsigned k = 0; k < f->n; k++) {
		uint64_t a = 0;

		if (f->r[k].kind != GS_CREF_CALL || f->r[k].addr != to)
			continue;
		for (unsigned j = k; j-- > 0 && f->r[j].kind != GS_CREF_CALL && !a;)
			if (f->r[j].kind == GS_CREF_ADDR && rtg_in_data(c->e, f->r[j].addr, 8))
				a = f->r[j].addr;
		if (!a) {
			snprintf(why, whysz, "%s: no address passed to %s", rtg_shortname(fn),
				 rtg_shortname(callee));
			return 0;
		}
		if (ncalls++ && a != got) {
			snprintf(why, whysz, "%s: calls %s on several addresses", rtg_shortname(fn),
				 rtg_shortname(callee));
			return -1;
		}
		got = a;
	}
	if (!ncalls) {
		snprintf(why, whysz, "%s does not call %s", rtg_shortname(fn), rtg_shortname(callee));
		return 0;
	}
	*addr = got;
	return 1;
}

/* A struct global passed as the receiver of its methods: two calls that agree. */
struct recv_rule {
	const char *fn, *callee;
};

static void receiver_global(struct ctx *c, struct gs_rtg_addr *g, enum gs_rt_field sizeof_f,
			    const struct recv_rule *r, unsigned nr, const struct fieldset *fconf,
			    unsigned nfconf)
{
	uint64_t size = 0, base = 0, b2;
	char why[GS_RTG_WHY] = "", w2[GS_RTG_WHY];
	const struct recv_rule *from = NULL;
	const char *by = NULL;

	if (c->o && sizeof_f < GS_RT_NFIELDS && c->o->f[sizeof_f].known)
		size = c->o->f[sizeof_f].size;
	for (unsigned k = 0; k < nr && !from; k++) {
		int rc = receiver_of(c, r[k].fn, r[k].callee, &base, w2, sizeof(w2));

		if (rc == 1 && (!size || rtg_in_data(c->e, base, size)))
			from = &r[k];
		else if (!why[0] || rc < 0)
			snprintf(why, sizeof(why), "%s", w2);
	}
	if (!from) {
		rtg_unknown(g, "%s", why);
		return;
	}
	for (unsigned k = 0; k < nr && !by; k++) {
		if (&r[k] == from || receiver_of(c, r[k].fn, r[k].callee, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			rtg_unknown(g, "%s and %s disagree", rtg_shortname(from->fn), rtg_shortname(r[k].fn));
			return;
		}
		by = r[k].fn;
	}
	for (unsigned k = 0; k < nfconf && !by; k++) {
		if (base_by_fields(c, &fconf[k], size, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			rtg_unknown(g, "%s and %s disagree", rtg_shortname(from->fn), rtg_shortname(fconf[k].fn));
			return;
		}
		by = fconf[k].fn;
	}
	if (by && strcmp(by, from->fn) != 0)
		rtg_found(g, base, size, true, "%s, %s", rtg_shortname(from->fn), rtg_shortname(by));
	else if (by)
		rtg_found(g, base, size, true, "%s", rtg_shortname(from->fn));
	else
		rtg_found(g, base, size, false, "%s", rtg_shortname(from->fn));
}

void rtg_rule_gccontroller(struct ctx *c, struct gs_rt_globals *out)
{
	/* gcStart: gcController.startCycle(...); gcinit: gcController.init(...) */
	static const struct recv_rule r[] = {
		{ "runtime.gcStart", "runtime.(*gcControllerState).startCycle" },
		{ "runtime.gcinit", "runtime.(*gcControllerState).init" },
		{ "runtime.gcMarkTermination", "runtime.(*gcControllerState).endCycle" },
		{ "runtime.gcMarkDone", "runtime.(*gcControllerState).endCycle" },
	};
	/* gcStart: work.heap0 = gcController.heapLive.Load() (Go 1.18+) */
	static const struct fieldset f[] = {
		{ "runtime.gcStart", { GS_RT_GCC_HEAPLIVE }, 1, 1 },
	};

	receiver_global(c, &out->g[GS_RTG_GCCONTROLLER], GS_RT_SIZEOF_GCCONTROLLER, r, 4, f, 1);
}

void rtg_rule_mheap(struct ctx *c, struct gs_rt_globals *out)
{
	/* mallocinit: mheap_.init(); mcentral.grow: mheap_.alloc(...); stackpoolalloc:
	 * mheap_.allocManual(...) */
	static const struct recv_rule r[] = {
		{ "runtime.mallocinit", "runtime.(*mheap).init" },
		{ "runtime.(*mcentral).grow", "runtime.(*mheap).alloc" },
		{ "runtime.stackpoolalloc", "runtime.(*mheap).allocManual" },
	};

	receiver_global(c, &out->g[GS_RTG_MHEAP], GS_RT_NFIELDS, r, 3, NULL, 0);
}

