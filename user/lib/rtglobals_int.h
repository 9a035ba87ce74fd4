/* SPDX-License-Identifier: MIT */
/*
 * What the rules that find runtime globals in code share (rtglobals.h):
 * the functions they decode, once per binary (rtglobals_fns.c), questions
 * about what a function does with an address, and how a result is
 * recorded. The rules themselves: rtglobals_slices.c (allgs, allglen,
 * allgptr, allp), rtglobals_structs.c (sched, memstats, gcController,
 * mheap_), rtglobals_counts.c (ncpu, gomaxprocs, gcount's counters).
 * Internal to those files and rtglobals.c.
 */
#ifndef GOSCOPE_RTGLOBALS_INT_H
#define GOSCOPE_RTGLOBALS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "coderef.h"
#include "rtglobals.h"

#define MAX_FNS 32		/* functions decoded per binary */
#define MAX_CANDS 64		/* candidate addresses a rule weighs */
#define RTG_NWANTED 38		/* functions resolved in one pass (rtglobals_fns.c) */

struct fn {
	const char *name;
	bool present;		/* in pclntab and decoded */
	uint64_t entry;
	struct gs_cref *r;	/* calls and absolute references, in order */
	unsigned n;
	struct gs_cref *rel;	/* references through other registers (field offsets) */
	unsigned nrel;
	char why[80];		/* !present */
};

/* One binary's decoded functions; zeroed, then e, t (and o for struct globals) set. */
struct ctx {
	const struct gs_elf *e;
	const struct gs_pclntab *t;
	const struct gs_rt_offsets *o;
	struct fn fn[MAX_FNS];
	unsigned nfn;
	struct gs_cref *scratch;	/* GS_CREF_MAX entries */
	bool resolved;
	struct gs_func at[RTG_NWANTED];	/* entry 0: not in pclntab */
};

/* A function decoded on first use (never NULL: !present says why not). */
const struct fn *rtg_fn(struct ctx *c, const char *name);
void rtg_ctx_free(struct ctx *c);
/* The entry of a function (0 when pclntab lacks it), for matching calls. */
uint64_t rtg_entry_of(struct ctx *c, const char *name);

/* ---- what a function does with an address ---- */
bool rtg_in_data(const struct gs_elf *e, uint64_t addr, uint64_t len);
/* A data reference (not a call). */
bool rtg_is_data(const struct gs_cref *r);
bool rtg_touches(const struct fn *f, uint64_t a);
bool rtg_loads(const struct fn *f, uint64_t a, unsigned size);
bool rtg_reads_only(const struct fn *f, uint64_t a, unsigned size);
bool rtg_stores(const struct fn *f, uint64_t a, unsigned size);
unsigned rtg_accessed(const struct ctx *c, const struct fn *f, unsigned size, uint64_t *out,
		      unsigned max);
int rtg_cmp_u64(const void *a, const void *b);
bool rtg_has(const uint64_t *v, unsigned n, uint64_t a);

/* ---- results ---- */
void rtg_found(struct gs_rtg_addr *g, uint64_t addr, uint64_t size, bool confirmed,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rtg_unknown(struct gs_rtg_addr *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *rtg_shortname(const char *name);

/* ---- the rules ---- */
void rtg_rule_allg(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_allp(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_sched(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_memstats(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_gccontroller(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_mheap(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_ncpu(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_gomaxprocs(struct ctx *c, struct gs_rt_globals *out);
void rtg_rule_gcount(struct ctx *c, struct gs_rtg_gcount *gc);

#endif
