/* SPDX-License-Identifier: MIT */
/* ncpu, gomaxprocs and gcount's counters from code (rtglobals.h, docs/runtime-globals.md). */
#include "rtglobals_int.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ncpu and gomaxprocs ---- */

/* The first 4-byte data load of f that f also rtg_stores, or 0. */
static uint64_t first_load32(const struct ctx *c, const struct fn *f, bool also_stored)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind != GS_CREF_LOAD || r->size != 4 || r->indexed ||
		    !rtg_in_data(c->e, r->addr, 4))
			continue;
		return !also_stored || rtg_stores(f, r->addr, 4) ? r->addr : 0;
	}
	return 0;
}

/*
 * procresize opens with `old := gomaxprocs` and later stores
 * `gomaxprocs = nprocs`; gcStart and stopTheWorldWithSema read it.
 */
void rtg_rule_gomaxprocs(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const readers[] = { "runtime.gcStart", "runtime.stopTheWorldWithSema" };
	struct gs_rtg_addr *g = &out->g[GS_RTG_GOMAXPROCS];
	const struct fn *f = rtg_fn(c, "runtime.procresize");
	uint64_t a;

	if (!f->present) {
		rtg_unknown(g, "%s", f->why);
		return;
	}
	a = first_load32(c, f, true);
	if (!a) {
		rtg_unknown(g, "procresize: no `old := gomaxprocs` load stored back");
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		const struct fn *r = rtg_fn(c, readers[k]);

		if (r->present && rtg_loads(r, a, 4)) {
			rtg_found(g, a, 4, true, "procresize, %s", rtg_shortname(r->name));
			return;
		}
	}
	rtg_found(g, a, 4, false, "procresize");
}

/*
 * osinit: `ncpu = getproccount()` (numCPUStartup = getCPUCount() since Go
 * 1.25) is the first 4-byte store after that call; gcStart reads it
 * (`if work.stwprocs > ncpu`), and schedinit until Go 1.25 (`procs := ncpu`).
 */
void rtg_rule_ncpu(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const readers[] = { "runtime.gcStart", "runtime.schedinit" };
	struct gs_rtg_addr *g = &out->g[GS_RTG_NCPU];
	const struct fn *f = rtg_fn(c, "runtime.osinit");
	uint64_t gpc = rtg_entry_of(c, "runtime.getproccount"), a = 0;
	bool after = false;

	if (!gpc)
		gpc = rtg_entry_of(c, "runtime.getCPUCount");
	if (!f->present) {
		rtg_unknown(g, "%s", f->why);
		return;
	}
	if (!gpc) {
		rtg_unknown(g, "neither runtime.getproccount nor getCPUCount in pclntab");
		return;
	}
	for (unsigned k = 0; k < f->n && !a; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind == GS_CREF_CALL) {
			after = r->addr == gpc;
			continue;
		}
		if (after && r->kind == GS_CREF_STORE && r->size == 4 && !r->indexed &&
		    rtg_in_data(c->e, r->addr, 4))
			a = r->addr;
	}
	if (!a) {
		rtg_unknown(g, "osinit: no store of getproccount's result");
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		const struct fn *r = rtg_fn(c, readers[k]);

		if (r->present && rtg_loads(r, a, 4)) {
			rtg_found(g, a, 4, true, "osinit, %s", rtg_shortname(r->name));
			return;
		}
	}
	rtg_found(g, a, 4, false, "osinit");
}

/* ---- gcount's counters without a layout ---- */

/* The one size-byte address (absolute or, rel, an offset) f rtg_stores, under conditions. */
static int one_store(const struct fn *f, bool rel, unsigned size, bool atomic, bool need_load,
		     uint64_t *out)
{
	const struct gs_cref *v = rel ? f->rel : f->r;
	unsigned nv = rel ? f->nrel : f->n, n = 0;
	uint64_t got = 0;

	for (unsigned k = 0; k < nv; k++) {
		const struct gs_cref *r = &v[k];
		bool loaded = false;

		if ((r->kind != GS_CREF_STORE && r->kind != GS_CREF_RMW) || r->size != size ||
		    r->indexed || r->atomic != atomic || (n && r->addr == got))
			continue;
		for (unsigned j = 0; j < nv && need_load && !loaded; j++)
			loaded = (v[j].kind == GS_CREF_LOAD || v[j].kind == GS_CREF_RMW) &&
				 v[j].addr == r->addr && v[j].size == size && !v[j].indexed;
		if (r->kind == GS_CREF_RMW)
			loaded = true;
		if (need_load && !loaded)
			continue;
		got = r->addr;
		n++;
	}
	if (n == 1)
		*out = got;
	return (int)n;
}

void rtg_rule_gcount(struct ctx *c, struct gs_rtg_gcount *gc)
{
	const struct fn *put = rtg_fn(c, "runtime.gfput"), *get = rtg_fn(c, "runtime.gfget");
	const struct fn *np = rtg_fn(c, "runtime.newproc1"), *em = rtg_fn(c, "runtime.oneNewExtraM");
	uint64_t sn = 0, pn = 0, sn2 = 0, pn2 = 0, ng = 0, ng2 = 0;

	memset(gc, 0, sizeof(*gc));
	if (!put->present || !get->present || !np->present) {
		snprintf(gc->how, sizeof(gc->how), "%s", !put->present ? put->why :
			 !get->present ? get->why : np->why);
		return;
	}
	/* gfput: pp.gFree.n++ (through pp), sched.gFree.n++ (a global) */
	if (one_store(put, true, 4, false, true, &pn) != 1 ||
	    one_store(put, false, 4, false, false, &sn) != 1 || !rtg_in_data(c->e, sn, 4)) {
		snprintf(gc->how, sizeof(gc->how), "gfput: not one count per free list");
		return;
	}
	/* gfget: pp.gFree.n--, sched.gFree.n-- */
	if (one_store(get, true, 4, false, true, &pn2) != 1 || pn2 != pn ||
	    one_store(get, false, 4, false, false, &sn2) != 1 || sn2 != sn) {
		snprintf(gc->how, sizeof(gc->how), "gfget does not update gfput's counts");
		return;
	}
	/* newproc1 and oneNewExtraM: sched.ngsys.Add(1), the one int32 they add to atomically */
	if (one_store(np, false, 4, true, false, &ng) != 1 || !rtg_in_data(c->e, ng, 4) ||
	    !em->present || one_store(em, false, 4, true, false, &ng2) != 1 || ng2 != ng) {
		snprintf(gc->how, sizeof(gc->how), "newproc1 and oneNewExtraM: no common atomic count");
		return;
	}
	if (pn > UINT32_MAX - 4) {
		snprintf(gc->how, sizeof(gc->how), "gfput: implausible offset in runtime.p");
		return;
	}
	gc->known = true;
	gc->ngsys = ng;
	gc->gfree_n = sn;
	gc->p_gfree_n = (uint32_t)pn;
	snprintf(gc->how, sizeof(gc->how), "gfput, gfget, newproc1, oneNewExtraM");
}

