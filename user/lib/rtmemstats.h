/* SPDX-License-Identifier: MIT */
/*
 * rtmemstats: for each of gops' memstats lines, where a Go release keeps
 * the value -- the runtime fields (rtoffsets.h) whose sum it is, or that it
 * exists only as a value readmemstats_m computes with the world stopped, so
 * that an outside reader can say "unavailable: computed only under
 * stop-the-world" instead of guessing (docs/runtime-layouts.md).
 *
 * Recipes are per release line, written from each toolchain's own
 * runtime/mstats.go and mgcpacer.go; a line not described has none
 * (GS_MSH_UNKNOWN). The table test checks that every field a recipe names
 * exists in that line's layout.
 */
#ifndef GOSCOPE_RTMEMSTATS_H
#define GOSCOPE_RTMEMSTATS_H

#include <stdint.h>

#include "rtoffsets.h"

/* gops' memstats lines, in its order. */
enum gs_ms_line {
	GS_MS_ALLOC,		/* alloc */
	GS_MS_TOTAL_ALLOC,	/* total-alloc */
	GS_MS_SYS,		/* sys */
	GS_MS_LOOKUPS,		/* lookups */
	GS_MS_MALLOCS,		/* mallocs */
	GS_MS_FREES,		/* frees */
	GS_MS_HEAP_ALLOC,	/* heap-alloc */
	GS_MS_HEAP_SYS,		/* heap-sys */
	GS_MS_HEAP_IDLE,	/* heap-idle */
	GS_MS_HEAP_INUSE,	/* heap-in-use */
	GS_MS_HEAP_RELEASED,	/* heap-released */
	GS_MS_HEAP_OBJECTS,	/* heap-objects */
	GS_MS_STACK_INUSE,	/* stack-in-use */
	GS_MS_STACK_SYS,	/* stack-sys */
	GS_MS_MSPAN_INUSE,	/* mspan-in-use */
	GS_MS_MSPAN_SYS,	/* mspan-sys */
	GS_MS_MCACHE_INUSE,	/* mcache-in-use */
	GS_MS_MCACHE_SYS,	/* mcache-sys */
	GS_MS_BUCKHASH_SYS,	/* buck-hash-sys */
	GS_MS_OTHER_SYS,	/* other-sys */
	GS_MS_GC_SYS,		/* gc-sys */
	GS_MS_NEXT_GC,		/* next-gc */
	GS_MS_LAST_GC,		/* last-gc (ns since 1970; 0: never) */
	GS_MS_PAUSE_TOTAL,	/* gc-pause-total (ns) */
	GS_MS_PAUSE,		/* gc-pause: the last pause (ns) */
	GS_MS_PAUSE_END,	/* gc-pause-end: when it ended (ns since 1970) */
	GS_MS_NUM_GC,		/* num-gc */
	GS_MS_NUM_FORCED_GC,	/* num-forced-gc */
	GS_MS_GC_CPU_FRACTION,	/* gc-cpu-fraction (a float64 field) */
	GS_MS_ENABLE_GC,	/* enable-gc */
	GS_MS_DEBUG_GC,		/* debug-gc */
	GS_MS_NLINES
};

enum gs_ms_how {
	GS_MSH_UNKNOWN = 0,	/* this release line is not described */
	GS_MSH_SUM,		/* the sum of the terms, fields the runtime keeps current */
	GS_MSH_STW,		/* computed only under stop-the-world (ReadMemStats): the
				 * terms, if any, say from what; not readable from outside */
	GS_MSH_CONST,		/* always .value */
	GS_MSH_HEAPGOAL,	/* gcController.heapGoal(), computed from the terms: the
				 * GOGC goal, lowered by the memory-limit goal, raised to
				 * sweepDistMinTrigger and triggered + 64 KiB */
};

enum gs_ms_term_flag {
	GS_MST_NEG = 1u << 0,	 /* subtracted, not added */
	GS_MST_SHARDS = 1u << 1, /* a heapStatsDelta field: summed over the slots of
				  * memstats.heapStats.stats (GS_RT_HEAPSTATS_STATS) */
	GS_MST_LAST = 1u << 2,	 /* a [256] ring: element (numgc + 255) % 256 */
};

#define GS_MS_MAX_TERMS 14

struct gs_ms_term {
	enum gs_rt_field f;
	unsigned flags;		/* GS_MST_* */
};

struct gs_ms_recipe {
	enum gs_ms_how how;
	int64_t value;		/* GS_MSH_CONST */
	unsigned nterms;
	struct gs_ms_term t[GS_MS_MAX_TERMS];
	const char *note;	/* one line: why, or how it is computed */
};

/* gops' key: "alloc", "total-alloc", ... */
const char *gs_ms_line_key(enum gs_ms_line l);

/*
 * The recipe for line l in Go version goversion ("go1.21.13", or "go1.21").
 * Never NULL: a line (or version) not described gives how == GS_MSH_UNKNOWN.
 */
const struct gs_ms_recipe *gs_ms_recipe(const char *goversion, enum gs_ms_line l);

#endif
