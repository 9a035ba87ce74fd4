/* SPDX-License-Identifier: MIT */
/* allgs, allglen, allgptr and allp from code: the slices of every G and every P (rtglobals.h, docs/runtime-globals.md). */
#include "rtglobals_int.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- allgs, allglen, allgptr: runtime.allgadd ---- */

/*
 * allgadd appends to allgs under allglock, then publishes the new length
 * (and, since Go 1.17, the new &allgs[0] in allgptr) for lock-free
 * readers:
 *	allgs = append(allgs, gp)		8-byte loads and stores of allgs' ptr, len, cap
 *	if &allgs[0] != allgptr { atomicstorep(&allgptr, &allgs[0]) }	loaded and stored
 *	atomic.Storeuintptr(&allglen, uintptr(len(allgs)))	stored, never loaded
 * allgs is the one base with 8-byte accesses at +0, +8 and +16; allglen
 * the one other 8-byte word stored and not loaded; allgptr the one loaded
 * and stored (none before Go 1.17).
 */
void rtg_rule_allg(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const len_readers[] = {
		"runtime.forEachGRace", "runtime.gcMarkRootPrepare", "runtime.gcPrepareMarkRoots",
		"runtime.gcount",
	};
	static const char *const slice_readers[] = {
		"runtime.forEachG", "runtime.gcMarkRootPrepare", "runtime.gcPrepareMarkRoots",
		"runtime.checkdead", "runtime.gcResetMarkState",
	};
	struct gs_rtg_addr *gs = &out->g[GS_RTG_ALLGS], *gl = &out->g[GS_RTG_ALLGLEN],
			   *gp = &out->g[GS_RTG_ALLGPTR];
	const struct fn *f = rtg_fn(c, "runtime.allgadd");
	uint64_t w[MAX_CANDS], base = 0, len = 0, ptr = 0;
	unsigned nw, ntriple = 0, nlen = 0, nptr = 0;
	const char *lconf = NULL, *sconf = NULL;

	if (!f->present) {
		rtg_unknown(gs, "%s", f->why);
		rtg_unknown(gl, "%s", f->why);
		rtg_unknown(gp, "%s", f->why);
		return;
	}
	nw = rtg_accessed(c, f, 8, w, MAX_CANDS);
	for (unsigned k = 0; k < nw; k++)
		if (rtg_has(w, nw, w[k] + 8) && rtg_has(w, nw, w[k] + 16) && !rtg_has(w, nw, w[k] - 8)) {
			base = w[k];
			ntriple++;
		}
	if (ntriple != 1) {
		const char *why = ntriple ? "several slices" : "no slice";

		rtg_unknown(gs, "allgadd: %s updated", why);
		rtg_unknown(gl, "allgadd: %s updated", why);
		rtg_unknown(gp, "allgadd: %s updated", why);
		return;
	}
	for (unsigned k = 0; k < nw; k++) {
		uint64_t a = w[k];

		if (a >= base && a < base + 24)
			continue;
		if (rtg_stores(f, a, 8) && !rtg_reads_only(f, a, 8)) {
			len = a;
			nlen++;
		} else if (rtg_stores(f, a, 8) && rtg_reads_only(f, a, 8)) {
			ptr = a;
			nptr++;
		}
	}
	for (unsigned k = 0; k < sizeof(slice_readers) / sizeof(slice_readers[0]) && !sconf; k++) {
		const struct fn *g = rtg_fn(c, slice_readers[k]);

		if (g->present && rtg_loads(g, base, 8) && rtg_loads(g, base + 8, 8))
			sconf = g->name;
	}
	if (sconf)
		rtg_found(gs, base, 24, true, "allgadd, %s", rtg_shortname(sconf));
	else
		rtg_found(gs, base, 24, false, "allgadd");
	if (nlen != 1) {
		rtg_unknown(gl, "allgadd: %s", nlen ? "several words published" : "no length published");
	} else {
		for (unsigned k = 0; k < sizeof(len_readers) / sizeof(len_readers[0]) && !lconf; k++) {
			const struct fn *g = rtg_fn(c, len_readers[k]);

			if (g->present && rtg_loads(g, len, 8))
				lconf = g->name;
		}
		if (lconf)
			rtg_found(gl, len, 8, true, "allgadd, %s", rtg_shortname(lconf));
		else
			rtg_found(gl, len, 8, false, "allgadd");
	}
	if (nptr > 1) {
		rtg_unknown(gp, "allgadd: several pointers published");
	} else if (nptr == 0) {
		rtg_unknown(gp, "allgadd publishes no allgptr (before Go 1.17)");
	} else {
		const struct fn *g = rtg_fn(c, "runtime.forEachGRace");

		if (g->present && rtg_loads(g, ptr, 8))
			rtg_found(gp, ptr, 8, true, "allgadd, forEachGRace");
		else
			rtg_found(gp, ptr, 8, false, "allgadd");
	}
}

/* ---- allp: the slice every P loop ranges over ---- */

/*
 * `for _, pp := range allp` loads allp's pointer and length (8-byte loads
 * at +0 and +8). timeSleepUntil (run by sysmon in every program) does
 * little else; allp is the pair it shares with another P loop.
 */
void rtg_rule_allp(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const others[] = {
		"runtime.retake", "runtime.stopTheWorldWithSema", "runtime.checkdead",
		"runtime.gcMarkTinyAllocs",
	};
	struct gs_rtg_addr *g = &out->g[GS_RTG_ALLP];
	const struct fn *f = rtg_fn(c, "runtime.timeSleepUntil");
	uint64_t w[MAX_CANDS], best = 0;
	unsigned nw, best_n = 0, nbest = 0;
	const char *by = NULL;

	if (!f->present) {
		rtg_unknown(g, "%s", f->why);
		return;
	}
	nw = rtg_accessed(c, f, 8, w, MAX_CANDS);
	for (unsigned k = 0; k < nw; k++) {
		unsigned agree = 0;
		const char *first = NULL;

		if (!rtg_loads(f, w[k], 8) || !rtg_loads(f, w[k] + 8, 8))
			continue;
		for (unsigned j = 0; j < sizeof(others) / sizeof(others[0]); j++) {
			const struct fn *o = rtg_fn(c, others[j]);

			if (o->present && rtg_loads(o, w[k], 8) && rtg_loads(o, w[k] + 8, 8)) {
				agree++;
				if (!first)
					first = o->name;
			}
		}
		if (agree > best_n) {
			best_n = agree;
			best = w[k];
			nbest = 1;
			by = first;
		} else if (agree == best_n && agree) {
			nbest++;
		}
	}
	if (!best_n)
		rtg_unknown(g, "timeSleepUntil: no slice shared with another P loop");
	else if (nbest != 1)
		rtg_unknown(g, "timeSleepUntil: several slices shared with P loops");
	else
		rtg_found(g, best, 24, true, "timeSleepUntil, %s", rtg_shortname(by));
}

