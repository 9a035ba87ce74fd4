/* SPDX-License-Identifier: MIT */
/*
 * Where each of gops' memstats lines lives, per Go release (rtmemstats.h),
 * written from each toolchain's runtime/mstats.go (readmemstats_m, and
 * updatememstats in 1.15) and mgcpacer.go (heapGoal). docs/runtime-layouts.md
 * tells the same in prose.
 */
#include "rtmemstats.h"

#include <stdlib.h>
#include <string.h>

static const char *const keys[GS_MS_NLINES] = {
	"alloc", "total-alloc", "sys", "lookups", "mallocs", "frees", "heap-alloc", "heap-sys",
	"heap-idle", "heap-in-use", "heap-released", "heap-objects", "stack-in-use", "stack-sys",
	"mspan-in-use", "mspan-sys", "mcache-in-use", "mcache-sys", "buck-hash-sys", "other-sys",
	"gc-sys", "next-gc", "last-gc", "gc-pause-total", "gc-pause", "gc-pause-end", "num-gc",
	"num-forced-gc", "gc-cpu-fraction", "enable-gc", "debug-gc",
};

const char *gs_ms_line_key(enum gs_ms_line l)
{
	return (unsigned)l < GS_MS_NLINES ? keys[l] : "?";
}

#define T(f) { f, 0 }
#define NEG(f) { f, GS_MST_NEG }
#define SH(f) { f, GS_MST_SHARDS }
#define LAST(f) { f, GS_MST_LAST }
#define SUM(...) { .how = GS_MSH_SUM, .t = { __VA_ARGS__ }, \
	.nterms = sizeof((struct gs_ms_term[]){ __VA_ARGS__ }) / sizeof(struct gs_ms_term) }
#define SUMN(note_, ...) { .how = GS_MSH_SUM, .note = (note_), .t = { __VA_ARGS__ }, \
	.nterms = sizeof((struct gs_ms_term[]){ __VA_ARGS__ }) / sizeof(struct gs_ms_term) }
#define STW(note_, ...) { .how = GS_MSH_STW, .note = (note_), .t = { __VA_ARGS__ }, \
	.nterms = sizeof((struct gs_ms_term[]){ __VA_ARGS__ }) / sizeof(struct gs_ms_term) }
#define STW0(note_) { .how = GS_MSH_STW, .note = (note_) }
#define CONST(v, note_) { .how = GS_MSH_CONST, .value = (v), .note = (note_) }

/*
 * Go 1.15: updatememstats recomputes alloc, total_alloc, sys, nmalloc,
 * nfree, heap_alloc and heap_objects (and the *_inuse of mspan and mcache)
 * only inside ReadMemStats, from the mcentral and mheap counters after
 * flushing every mcache; the rest are mstats fields kept current.
 */
static const struct gs_ms_recipe r115[GS_MS_NLINES] = {
	[GS_MS_ALLOC] = STW0("computed only under stop-the-world (updatememstats) after flushing "
			     "every mcache"),
	[GS_MS_TOTAL_ALLOC] = STW0("computed only under stop-the-world (updatememstats)"),
	[GS_MS_SYS] = SUMN("the sum updatememstats makes of fields kept current",
			   T(GS_RT_MSTATS_HEAP_SYS), T(GS_RT_MSTATS_STACKS_SYS),
			   T(GS_RT_MSTATS_MSPAN_SYS), T(GS_RT_MSTATS_MCACHE_SYS),
			   T(GS_RT_MSTATS_BUCKHASH_SYS), T(GS_RT_MSTATS_GC_SYS),
			   T(GS_RT_MSTATS_OTHER_SYS), T(GS_RT_MSTATS_STACKS_INUSE)),
	[GS_MS_LOOKUPS] = SUM(T(GS_RT_MSTATS_NLOOKUP)),
	[GS_MS_MALLOCS] = STW0("computed only under stop-the-world (updatememstats)"),
	[GS_MS_FREES] = STW0("computed only under stop-the-world (updatememstats)"),
	[GS_MS_HEAP_ALLOC] = STW0("computed only under stop-the-world (updatememstats)"),
	[GS_MS_HEAP_SYS] = SUM(T(GS_RT_MSTATS_HEAP_SYS)),
	[GS_MS_HEAP_IDLE] = SUM(T(GS_RT_MSTATS_HEAP_IDLE)),
	[GS_MS_HEAP_INUSE] = SUM(T(GS_RT_MSTATS_HEAP_INUSE)),
	[GS_MS_HEAP_RELEASED] = SUM(T(GS_RT_MSTATS_HEAP_RELEASED)),
	[GS_MS_HEAP_OBJECTS] = STW0("computed only under stop-the-world (updatememstats)"),
	[GS_MS_STACK_INUSE] = SUM(T(GS_RT_MSTATS_STACKS_INUSE)),
	[GS_MS_STACK_SYS] = SUM(T(GS_RT_MSTATS_STACKS_SYS), T(GS_RT_MSTATS_STACKS_INUSE)),
	[GS_MS_MSPAN_INUSE] = SUM(T(GS_RT_MHEAP_SPANALLOC_INUSE)),
	[GS_MS_MSPAN_SYS] = SUM(T(GS_RT_MSTATS_MSPAN_SYS)),
	[GS_MS_MCACHE_INUSE] = SUM(T(GS_RT_MHEAP_CACHEALLOC_INUSE)),
	[GS_MS_MCACHE_SYS] = SUM(T(GS_RT_MSTATS_MCACHE_SYS)),
	[GS_MS_BUCKHASH_SYS] = SUM(T(GS_RT_MSTATS_BUCKHASH_SYS)),
	[GS_MS_OTHER_SYS] = SUM(T(GS_RT_MSTATS_OTHER_SYS)),
	[GS_MS_GC_SYS] = SUM(T(GS_RT_MSTATS_GC_SYS)),
	[GS_MS_NEXT_GC] = SUM(T(GS_RT_MSTATS_NEXT_GC)),
	[GS_MS_LAST_GC] = SUM(T(GS_RT_MSTATS_LAST_GC_UNIX)),
	[GS_MS_PAUSE_TOTAL] = SUM(T(GS_RT_MSTATS_PAUSE_TOTAL_NS)),
	[GS_MS_PAUSE] = SUM(LAST(GS_RT_MSTATS_PAUSE_NS)),
	[GS_MS_PAUSE_END] = SUM(LAST(GS_RT_MSTATS_PAUSE_END)),
	[GS_MS_NUM_GC] = SUM(T(GS_RT_MSTATS_NUMGC)),
	[GS_MS_NUM_FORCED_GC] = SUM(T(GS_RT_MSTATS_NUMFORCEDGC)),
	[GS_MS_GC_CPU_FRACTION] = SUM(T(GS_RT_MSTATS_GC_CPU_FRACTION)),
	[GS_MS_ENABLE_GC] = SUM(T(GS_RT_MSTATS_ENABLEGC)),
	[GS_MS_DEBUG_GC] = SUM(T(GS_RT_MSTATS_DEBUGGC)),
};

/*
 * Go 1.19 to 1.24 (1.20 not read): readmemstats_m sums memstats.heapStats
 * after flushing every mcache for the allocation counts; the byte totals of
 * mapped memory come from gcController and mstats fields kept current, and
 * from heapStats' stack, work-buffer and GC-program bytes, which the
 * allocator adds straight into the current slot (no mcache in between).
 */
#define HEAPGOAL(...) { .how = GS_MSH_HEAPGOAL, \
	.note = "gcController.heapGoal(): gcPercentHeapGoal, lowered to the memory-limit goal, " \
		"raised to sweepDistMinTrigger and to triggered + 64 KiB", \
	.t = { __VA_ARGS__ }, \
	.nterms = sizeof((struct gs_ms_term[]){ __VA_ARGS__ }) / sizeof(struct gs_ms_term) }

#define GOAL_TERMS T(GS_RT_GCC_GCPERCENTHEAPGOAL), T(GS_RT_GCC_MEMORYLIMIT), \
	T(GS_RT_GCC_MAPPEDREADY), T(GS_RT_GCC_HEAPFREE), T(GS_RT_GCC_TOTALALLOC), \
	T(GS_RT_GCC_TOTALFREE), T(GS_RT_GCC_HEAPMARKED), T(GS_RT_GCC_SWEEPDISTMINTRIGGER), \
	T(GS_RT_GCC_TRIGGERED)

#define ALLOC_STW(what) STW("computed only under stop-the-world: " what " of heapStats after " \
			    "flushing every mcache (gcController's totals lag by what the " \
			    "mcaches hold)", T(GS_RT_GCC_TOTALALLOC), NEG(GS_RT_GCC_TOTALFREE))

#define R119_COMMON \
	[GS_MS_ALLOC] = ALLOC_STW("allocated minus freed bytes"), \
	[GS_MS_TOTAL_ALLOC] = STW("computed only under stop-the-world: allocated bytes of " \
				  "heapStats after flushing every mcache", \
				  T(GS_RT_GCC_TOTALALLOC)), \
	[GS_MS_LOOKUPS] = CONST(0, "never set since Go 1.16"), \
	[GS_MS_MALLOCS] = STW0("computed only under stop-the-world: object counts of heapStats " \
			       "after flushing every mcache"), \
	[GS_MS_FREES] = STW0("computed only under stop-the-world: object counts of heapStats " \
			     "after flushing every mcache"), \
	[GS_MS_HEAP_ALLOC] = ALLOC_STW("allocated minus freed bytes"), \
	[GS_MS_HEAP_SYS] = SUM(T(GS_RT_GCC_HEAPINUSE), T(GS_RT_GCC_HEAPFREE), \
			       T(GS_RT_GCC_HEAPRELEASED)), \
	[GS_MS_HEAP_IDLE] = SUM(T(GS_RT_GCC_HEAPFREE), T(GS_RT_GCC_HEAPRELEASED)), \
	[GS_MS_HEAP_INUSE] = SUM(T(GS_RT_GCC_HEAPINUSE)), \
	[GS_MS_HEAP_RELEASED] = SUM(T(GS_RT_GCC_HEAPRELEASED)), \
	[GS_MS_HEAP_OBJECTS] = STW0("computed only under stop-the-world: object counts of " \
				    "heapStats after flushing every mcache"), \
	[GS_MS_STACK_INUSE] = SUM(SH(GS_RT_HSD_INSTACKS)), \
	[GS_MS_STACK_SYS] = SUM(SH(GS_RT_HSD_INSTACKS), T(GS_RT_MSTATS_STACKS_SYS)), \
	[GS_MS_MSPAN_INUSE] = SUM(T(GS_RT_MHEAP_SPANALLOC_INUSE)), \
	[GS_MS_MSPAN_SYS] = SUM(T(GS_RT_MSTATS_MSPAN_SYS)), \
	[GS_MS_MCACHE_INUSE] = SUM(T(GS_RT_MHEAP_CACHEALLOC_INUSE)), \
	[GS_MS_MCACHE_SYS] = SUM(T(GS_RT_MSTATS_MCACHE_SYS)), \
	[GS_MS_BUCKHASH_SYS] = SUM(T(GS_RT_MSTATS_BUCKHASH_SYS)), \
	[GS_MS_OTHER_SYS] = SUM(T(GS_RT_MSTATS_OTHER_SYS)), \
	[GS_MS_NEXT_GC] = HEAPGOAL(GOAL_TERMS), \
	[GS_MS_LAST_GC] = SUM(T(GS_RT_MSTATS_LAST_GC_UNIX)), \
	[GS_MS_PAUSE_TOTAL] = SUM(T(GS_RT_MSTATS_PAUSE_TOTAL_NS)), \
	[GS_MS_PAUSE] = SUM(LAST(GS_RT_MSTATS_PAUSE_NS)), \
	[GS_MS_PAUSE_END] = SUM(LAST(GS_RT_MSTATS_PAUSE_END)), \
	[GS_MS_NUM_GC] = SUM(T(GS_RT_MSTATS_NUMGC)), \
	[GS_MS_NUM_FORCED_GC] = SUM(T(GS_RT_MSTATS_NUMFORCEDGC)), \
	[GS_MS_GC_CPU_FRACTION] = SUM(T(GS_RT_MSTATS_GC_CPU_FRACTION)), \
	[GS_MS_ENABLE_GC] = CONST(1, "ReadMemStats sets it to true"), \
	[GS_MS_DEBUG_GC] = CONST(0, "never set")

static const struct gs_ms_recipe r119[GS_MS_NLINES] = {
	R119_COMMON,
	[GS_MS_SYS] = SUMN("readmemstats_m's totalMapped (equals gcController.mappedReady + "
			   "heapReleased)",
			   T(GS_RT_GCC_HEAPINUSE), T(GS_RT_GCC_HEAPFREE), T(GS_RT_GCC_HEAPRELEASED),
			   T(GS_RT_MSTATS_STACKS_SYS), T(GS_RT_MSTATS_MSPAN_SYS),
			   T(GS_RT_MSTATS_MCACHE_SYS), T(GS_RT_MSTATS_BUCKHASH_SYS),
			   T(GS_RT_MSTATS_GCMISCSYS), T(GS_RT_MSTATS_OTHER_SYS),
			   SH(GS_RT_HSD_INSTACKS), SH(GS_RT_HSD_INWORKBUFS),
			   SH(GS_RT_HSD_INPTRSCALARBITS)),
	[GS_MS_GC_SYS] = SUM(T(GS_RT_MSTATS_GCMISCSYS), SH(GS_RT_HSD_INWORKBUFS),
			     SH(GS_RT_HSD_INPTRSCALARBITS)),
};

/* Go 1.25 to 1.27: the same, without the GC-program bytes (inPtrScalarBits is gone). */
static const struct gs_ms_recipe r125[GS_MS_NLINES] = {
	R119_COMMON,
	[GS_MS_SYS] = SUMN("readmemstats_m's totalMapped (equals gcController.mappedReady + "
			   "heapReleased)",
			   T(GS_RT_GCC_HEAPINUSE), T(GS_RT_GCC_HEAPFREE), T(GS_RT_GCC_HEAPRELEASED),
			   T(GS_RT_MSTATS_STACKS_SYS), T(GS_RT_MSTATS_MSPAN_SYS),
			   T(GS_RT_MSTATS_MCACHE_SYS), T(GS_RT_MSTATS_BUCKHASH_SYS),
			   T(GS_RT_MSTATS_GCMISCSYS), T(GS_RT_MSTATS_OTHER_SYS),
			   SH(GS_RT_HSD_INSTACKS), SH(GS_RT_HSD_INWORKBUFS)),
	[GS_MS_GC_SYS] = SUM(T(GS_RT_MSTATS_GCMISCSYS), SH(GS_RT_HSD_INWORKBUFS)),
};

/* The release lines whose sources were read. */
static const struct {
	unsigned minor;
	const struct gs_ms_recipe *r;
} lines[] = {
	{ 15, r115 }, { 19, r119 }, { 21, r119 }, { 22, r119 }, { 23, r119 }, { 24, r119 },
	{ 25, r125 }, { 26, r125 }, { 27, r125 },
};

/* "go1.21.13" or "go1.21" -> 21; anything else -> 0. */
static unsigned minor_of(const char *v)
{
	unsigned long n;
	char *end;

	if (!v || strncmp(v, "go1.", 4) != 0 || v[4] < '0' || v[4] > '9')
		return 0;
	n = strtoul(v + 4, &end, 10);
	if (n > 1000)
		return 0;
	if (*end == '.') {
		if (end[1] < '0' || end[1] > '9')
			return 0;
		strtoul(end + 1, &end, 10);
	}
	return *end == '\0' ? (unsigned)n : 0;
}

const struct gs_ms_recipe *gs_ms_recipe(const char *goversion, enum gs_ms_line l)
{
	static const struct gs_ms_recipe unknown = {
		.how = GS_MSH_UNKNOWN, .note = "not described for this Go version"
	};
	unsigned minor = minor_of(goversion);

	if ((unsigned)l >= GS_MS_NLINES)
		return &unknown;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (lines[i].minor == minor)
			return &lines[i].r[l];
	return &unknown;
}
