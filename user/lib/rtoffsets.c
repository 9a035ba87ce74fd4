/* SPDX-License-Identifier: MIT */
/*
 * Runtime struct layouts (rtoffsets.h): which struct and member path each
 * field is, read from the binary's DWARF (dwarf.h) or from the generated
 * table (rtlayout_table.c) for its exact Go version.
 */
#include "rtoffsets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"
#include "rtlayout_int.h"

/* The structure types fields live in, found among top-level DIEs. */
enum {
	ST_G, ST_M, ST_P, ST_SCHEDT, ST_GOBUF, ST_GLIST, ST_GQUEUE, ST_MSTATS, ST_HEAPSTATS,
	ST_HSD, ST_GCCONTROLLER, ST_MHEAP, ST_COUNT
};

static const struct {
	const char *type;	/* DWARF name */
	const char *global;	/* the one variable of this type, if any */
	bool needed;		/* in every release: reading may stop once all are found */
} structs[ST_COUNT] = {
	[ST_G] = { "runtime.g", NULL, true },
	[ST_M] = { "runtime.m", NULL, true },
	[ST_P] = { "runtime.p", NULL, true },
	[ST_SCHEDT] = { "runtime.schedt", "runtime.sched", true },
	[ST_GOBUF] = { "runtime.gobuf", NULL, true },
	[ST_GLIST] = { "runtime.gList", NULL, true },
	[ST_GQUEUE] = { "runtime.gQueue", NULL, true },
	[ST_MSTATS] = { "runtime.mstats", "runtime.memstats", true },
	[ST_HEAPSTATS] = { "runtime.consistentHeapStats", NULL, false },
	[ST_HSD] = { "runtime.heapStatsDelta", NULL, false },
	[ST_GCCONTROLLER] = { "runtime.gcControllerState", "runtime.gcController", true },
	[ST_MHEAP] = { "runtime.mheap", "runtime.mheap_", true },
};

enum kind {
	K_WORD,		/* a 4- or 8-byte scalar (the first eight fields, as before) */
	K_SCALAR,	/* a 1-, 2-, 4- or 8-byte scalar; atomic wrappers unwrapped */
	K_STRUCT,	/* an embedded struct: its offset and size */
	K_ARRAY,	/* an array: offset, size and count */
	K_SIZEOF,	/* the struct itself: its size */
};

struct alt {
	int st;			/* ST_* */
	const char *path;	/* dotted member path ("" for K_SIZEOF) */
	enum kind kind;
};

#define NALT 2
struct spec {
	const char *id;		/* the enumerator's name, for the table generator */
	const char *name;	/* for messages: "g.goid" */
	struct alt a[NALT];
};

#define F(id, st, prefix, path, kind) [id] = { #id, prefix path, { { st, path, kind } } }
#define FN(id, name, st, path, kind) [id] = { #id, name, { { st, path, kind } } }
#define F2(id, name, st, path, st2, path2, kind) \
	[id] = { #id, name, { { st, path, kind }, { st2, path2, kind } } }
#define SIZEOF(id, st, type) [id] = { #id, "sizeof(" type ")", { { st, "", K_SIZEOF } } }

static const struct spec specs[GS_RT_NFIELDS] = {
	FN(GS_RT_SCHED_NGSYS, "sched.ngsys", ST_SCHEDT, "ngsys", K_WORD),
	FN(GS_RT_SCHED_GFREE_N, "sched.gFree.n", ST_SCHEDT, "gFree.n", K_WORD),
	FN(GS_RT_SCHED_MNEXT, "sched.mnext", ST_SCHEDT, "mnext", K_WORD),
	FN(GS_RT_SCHED_NMFREED, "sched.nmfreed", ST_SCHEDT, "nmfreed", K_WORD),
	FN(GS_RT_P_GFREE_N, "p.gFree.n", ST_P, "gFree.n", K_WORD),
	FN(GS_RT_MSTATS_NUMGC, "memstats.numgc", ST_MSTATS, "numgc", K_WORD),
	/* Go 1.19+ keeps these in gcController; earlier in memstats. */
	F2(GS_RT_HEAP_INUSE, "heap in use", ST_GCCONTROLLER, "heapInUse", ST_MSTATS, "heap_inuse",
	   K_WORD),
	F2(GS_RT_HEAP_LIVE, "heap live", ST_GCCONTROLLER, "heapLive", ST_MSTATS, "heap_live",
	   K_WORD),

	SIZEOF(GS_RT_SIZEOF_G, ST_G, "runtime.g"),
	F(GS_RT_G_STACK_LO, ST_G, "g.", "stack.lo", K_SCALAR),
	F(GS_RT_G_STACK_HI, ST_G, "g.", "stack.hi", K_SCALAR),
	F(GS_RT_G_M, ST_G, "g.", "m", K_SCALAR),
	F(GS_RT_G_SCHED, ST_G, "g.", "sched", K_STRUCT),
	F(GS_RT_G_SCHED_SP, ST_G, "g.", "sched.sp", K_SCALAR),
	F(GS_RT_G_SCHED_PC, ST_G, "g.", "sched.pc", K_SCALAR),
	F(GS_RT_G_SCHED_G, ST_G, "g.", "sched.g", K_SCALAR),
	F(GS_RT_G_SCHED_CTXT, ST_G, "g.", "sched.ctxt", K_SCALAR),
	F(GS_RT_G_SCHED_RET, ST_G, "g.", "sched.ret", K_SCALAR),
	F(GS_RT_G_SCHED_LR, ST_G, "g.", "sched.lr", K_SCALAR),
	F(GS_RT_G_SCHED_BP, ST_G, "g.", "sched.bp", K_SCALAR),
	F(GS_RT_G_SYSCALLSP, ST_G, "g.", "syscallsp", K_SCALAR),
	F(GS_RT_G_SYSCALLPC, ST_G, "g.", "syscallpc", K_SCALAR),
	F(GS_RT_G_ATOMICSTATUS, ST_G, "g.", "atomicstatus", K_SCALAR),
	F(GS_RT_G_GOID, ST_G, "g.", "goid", K_SCALAR),
	F(GS_RT_G_WAITSINCE, ST_G, "g.", "waitsince", K_SCALAR),
	F(GS_RT_G_WAITREASON, ST_G, "g.", "waitreason", K_SCALAR),
	F(GS_RT_G_LOCKEDM, ST_G, "g.", "lockedm", K_SCALAR),
	F(GS_RT_G_PARENTGOID, ST_G, "g.", "parentGoid", K_SCALAR),
	F(GS_RT_G_GOPC, ST_G, "g.", "gopc", K_SCALAR),
	F(GS_RT_G_STARTPC, ST_G, "g.", "startpc", K_SCALAR),
	SIZEOF(GS_RT_SIZEOF_GOBUF, ST_GOBUF, "runtime.gobuf"),

	SIZEOF(GS_RT_SIZEOF_M, ST_M, "runtime.m"),
	F(GS_RT_M_G0, ST_M, "m.", "g0", K_SCALAR),
	F(GS_RT_M_PROCID, ST_M, "m.", "procid", K_SCALAR),
	F(GS_RT_M_CURG, ST_M, "m.", "curg", K_SCALAR),
	F(GS_RT_M_P, ST_M, "m.", "p", K_SCALAR),
	F(GS_RT_M_ID, ST_M, "m.", "id", K_SCALAR),
	F(GS_RT_M_LOCKEDG, ST_M, "m.", "lockedg", K_SCALAR),
	F(GS_RT_M_ALLLINK, ST_M, "m.", "alllink", K_SCALAR),

	SIZEOF(GS_RT_SIZEOF_P, ST_P, "runtime.p"),
	F(GS_RT_P_ID, ST_P, "p.", "id", K_SCALAR),
	F(GS_RT_P_STATUS, ST_P, "p.", "status", K_SCALAR),
	F(GS_RT_P_M, ST_P, "p.", "m", K_SCALAR),
	F(GS_RT_P_MCACHE, ST_P, "p.", "mcache", K_SCALAR),
	F(GS_RT_P_RUNQHEAD, ST_P, "p.", "runqhead", K_SCALAR),
	F(GS_RT_P_RUNQTAIL, ST_P, "p.", "runqtail", K_SCALAR),
	F(GS_RT_P_RUNQ, ST_P, "p.", "runq", K_ARRAY),
	F(GS_RT_P_RUNNEXT, ST_P, "p.", "runnext", K_SCALAR),
	F(GS_RT_P_GFREE, ST_P, "p.", "gFree", K_STRUCT),
	F(GS_RT_P_GFREE_SIZE, ST_P, "p.", "gFree.size", K_SCALAR),
	F(GS_RT_P_STATSSEQ, ST_P, "p.", "statsSeq", K_SCALAR),

	SIZEOF(GS_RT_SIZEOF_SCHEDT, ST_SCHEDT, "runtime.schedt"),
	F(GS_RT_SCHED_NMIDLE, ST_SCHEDT, "sched.", "nmidle", K_SCALAR),
	F(GS_RT_SCHED_NMSYS, ST_SCHEDT, "sched.", "nmsys", K_SCALAR),
	F(GS_RT_SCHED_NPIDLE, ST_SCHEDT, "sched.", "npidle", K_SCALAR),
	F(GS_RT_SCHED_NMSPINNING, ST_SCHEDT, "sched.", "nmspinning", K_SCALAR),
	F(GS_RT_SCHED_RUNQ, ST_SCHEDT, "sched.", "runq", K_STRUCT),
	F(GS_RT_SCHED_RUNQSIZE, ST_SCHEDT, "sched.", "runqsize", K_SCALAR),
	F(GS_RT_SCHED_RUNQ_SIZE, ST_SCHEDT, "sched.", "runq.size", K_SCALAR),
	F(GS_RT_SCHED_GFREE_STACK, ST_SCHEDT, "sched.", "gFree.stack", K_STRUCT),
	F(GS_RT_SCHED_GFREE_NOSTACK, ST_SCHEDT, "sched.", "gFree.noStack", K_STRUCT),
	F(GS_RT_SCHED_GFREE_STACK_SIZE, ST_SCHEDT, "sched.", "gFree.stack.size", K_SCALAR),
	F(GS_RT_SCHED_GFREE_NOSTACK_SIZE, ST_SCHEDT, "sched.", "gFree.noStack.size", K_SCALAR),

	SIZEOF(GS_RT_SIZEOF_GLIST, ST_GLIST, "runtime.gList"),
	F(GS_RT_GLIST_HEAD, ST_GLIST, "gList.", "head", K_SCALAR),
	F(GS_RT_GLIST_SIZE, ST_GLIST, "gList.", "size", K_SCALAR),
	SIZEOF(GS_RT_SIZEOF_GQUEUE, ST_GQUEUE, "runtime.gQueue"),
	F(GS_RT_GQUEUE_HEAD, ST_GQUEUE, "gQueue.", "head", K_SCALAR),
	F(GS_RT_GQUEUE_TAIL, ST_GQUEUE, "gQueue.", "tail", K_SCALAR),
	F(GS_RT_GQUEUE_SIZE, ST_GQUEUE, "gQueue.", "size", K_SCALAR),

	SIZEOF(GS_RT_SIZEOF_MSTATS, ST_MSTATS, "runtime.mstats"),
	F(GS_RT_MSTATS_ALLOC, ST_MSTATS, "memstats.", "alloc", K_SCALAR),
	F(GS_RT_MSTATS_TOTAL_ALLOC, ST_MSTATS, "memstats.", "total_alloc", K_SCALAR),
	F(GS_RT_MSTATS_SYS, ST_MSTATS, "memstats.", "sys", K_SCALAR),
	F(GS_RT_MSTATS_NLOOKUP, ST_MSTATS, "memstats.", "nlookup", K_SCALAR),
	F(GS_RT_MSTATS_NMALLOC, ST_MSTATS, "memstats.", "nmalloc", K_SCALAR),
	F(GS_RT_MSTATS_NFREE, ST_MSTATS, "memstats.", "nfree", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_ALLOC, ST_MSTATS, "memstats.", "heap_alloc", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_SYS, ST_MSTATS, "memstats.", "heap_sys", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_IDLE, ST_MSTATS, "memstats.", "heap_idle", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_INUSE, ST_MSTATS, "memstats.", "heap_inuse", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_RELEASED, ST_MSTATS, "memstats.", "heap_released", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_OBJECTS, ST_MSTATS, "memstats.", "heap_objects", K_SCALAR),
	F(GS_RT_MSTATS_HEAP_LIVE, ST_MSTATS, "memstats.", "heap_live", K_SCALAR),
	F(GS_RT_MSTATS_STACKS_INUSE, ST_MSTATS, "memstats.", "stacks_inuse", K_SCALAR),
	F(GS_RT_MSTATS_STACKS_SYS, ST_MSTATS, "memstats.", "stacks_sys", K_SCALAR),
	F(GS_RT_MSTATS_MSPAN_INUSE, ST_MSTATS, "memstats.", "mspan_inuse", K_SCALAR),
	F(GS_RT_MSTATS_MSPAN_SYS, ST_MSTATS, "memstats.", "mspan_sys", K_SCALAR),
	F(GS_RT_MSTATS_MCACHE_INUSE, ST_MSTATS, "memstats.", "mcache_inuse", K_SCALAR),
	F(GS_RT_MSTATS_MCACHE_SYS, ST_MSTATS, "memstats.", "mcache_sys", K_SCALAR),
	F(GS_RT_MSTATS_BUCKHASH_SYS, ST_MSTATS, "memstats.", "buckhash_sys", K_SCALAR),
	F(GS_RT_MSTATS_GC_SYS, ST_MSTATS, "memstats.", "gc_sys", K_SCALAR),
	F(GS_RT_MSTATS_GCMISCSYS, ST_MSTATS, "memstats.", "gcMiscSys", K_SCALAR),
	F(GS_RT_MSTATS_OTHER_SYS, ST_MSTATS, "memstats.", "other_sys", K_SCALAR),
	F(GS_RT_MSTATS_NEXT_GC, ST_MSTATS, "memstats.", "next_gc", K_SCALAR),
	F(GS_RT_MSTATS_LAST_GC_UNIX, ST_MSTATS, "memstats.", "last_gc_unix", K_SCALAR),
	F(GS_RT_MSTATS_PAUSE_TOTAL_NS, ST_MSTATS, "memstats.", "pause_total_ns", K_SCALAR),
	F(GS_RT_MSTATS_PAUSE_NS, ST_MSTATS, "memstats.", "pause_ns", K_ARRAY),
	F(GS_RT_MSTATS_PAUSE_END, ST_MSTATS, "memstats.", "pause_end", K_ARRAY),
	F(GS_RT_MSTATS_NUMFORCEDGC, ST_MSTATS, "memstats.", "numforcedgc", K_SCALAR),
	F(GS_RT_MSTATS_GC_CPU_FRACTION, ST_MSTATS, "memstats.", "gc_cpu_fraction", K_SCALAR),
	F(GS_RT_MSTATS_ENABLEGC, ST_MSTATS, "memstats.", "enablegc", K_SCALAR),
	F(GS_RT_MSTATS_DEBUGGC, ST_MSTATS, "memstats.", "debuggc", K_SCALAR),
	F(GS_RT_MSTATS_TINYALLOCS, ST_MSTATS, "memstats.", "tinyallocs", K_SCALAR),
	F(GS_RT_MSTATS_HEAPSTATS, ST_MSTATS, "memstats.", "heapStats", K_STRUCT),

	F(GS_RT_HEAPSTATS_STATS, ST_HEAPSTATS, "heapStats.", "stats", K_ARRAY),
	F(GS_RT_HEAPSTATS_GEN, ST_HEAPSTATS, "heapStats.", "gen", K_SCALAR),
	SIZEOF(GS_RT_SIZEOF_HSD, ST_HSD, "runtime.heapStatsDelta"),
	F(GS_RT_HSD_COMMITTED, ST_HSD, "heapStatsDelta.", "committed", K_SCALAR),
	F(GS_RT_HSD_RELEASED, ST_HSD, "heapStatsDelta.", "released", K_SCALAR),
	F(GS_RT_HSD_INHEAP, ST_HSD, "heapStatsDelta.", "inHeap", K_SCALAR),
	F(GS_RT_HSD_INSTACKS, ST_HSD, "heapStatsDelta.", "inStacks", K_SCALAR),
	F(GS_RT_HSD_INWORKBUFS, ST_HSD, "heapStatsDelta.", "inWorkBufs", K_SCALAR),
	F(GS_RT_HSD_INPTRSCALARBITS, ST_HSD, "heapStatsDelta.", "inPtrScalarBits", K_SCALAR),
	F(GS_RT_HSD_TINYALLOCCOUNT, ST_HSD, "heapStatsDelta.", "tinyAllocCount", K_SCALAR),
	F(GS_RT_HSD_LARGEALLOC, ST_HSD, "heapStatsDelta.", "largeAlloc", K_SCALAR),
	F(GS_RT_HSD_LARGEALLOCCOUNT, ST_HSD, "heapStatsDelta.", "largeAllocCount", K_SCALAR),
	F(GS_RT_HSD_SMALLALLOCCOUNT, ST_HSD, "heapStatsDelta.", "smallAllocCount", K_ARRAY),
	F(GS_RT_HSD_LARGEFREE, ST_HSD, "heapStatsDelta.", "largeFree", K_SCALAR),
	F(GS_RT_HSD_LARGEFREECOUNT, ST_HSD, "heapStatsDelta.", "largeFreeCount", K_SCALAR),
	F(GS_RT_HSD_SMALLFREECOUNT, ST_HSD, "heapStatsDelta.", "smallFreeCount", K_ARRAY),

	SIZEOF(GS_RT_SIZEOF_GCCONTROLLER, ST_GCCONTROLLER, "runtime.gcControllerState"),
	F(GS_RT_GCC_GCPERCENT, ST_GCCONTROLLER, "gcController.", "gcPercent", K_SCALAR),
	F(GS_RT_GCC_MEMORYLIMIT, ST_GCCONTROLLER, "gcController.", "memoryLimit", K_SCALAR),
	F(GS_RT_GCC_GCPERCENTHEAPGOAL, ST_GCCONTROLLER, "gcController.", "gcPercentHeapGoal", K_SCALAR),
	F(GS_RT_GCC_SWEEPDISTMINTRIGGER, ST_GCCONTROLLER, "gcController.", "sweepDistMinTrigger", K_SCALAR),
	F(GS_RT_GCC_TRIGGERED, ST_GCCONTROLLER, "gcController.", "triggered", K_SCALAR),
	F(GS_RT_GCC_HEAPLIVE, ST_GCCONTROLLER, "gcController.", "heapLive", K_SCALAR),
	F(GS_RT_GCC_HEAPMARKED, ST_GCCONTROLLER, "gcController.", "heapMarked", K_SCALAR),
	F(GS_RT_GCC_HEAPINUSE, ST_GCCONTROLLER, "gcController.", "heapInUse", K_SCALAR),
	F(GS_RT_GCC_HEAPRELEASED, ST_GCCONTROLLER, "gcController.", "heapReleased", K_SCALAR),
	F(GS_RT_GCC_HEAPFREE, ST_GCCONTROLLER, "gcController.", "heapFree", K_SCALAR),
	F(GS_RT_GCC_TOTALALLOC, ST_GCCONTROLLER, "gcController.", "totalAlloc", K_SCALAR),
	F(GS_RT_GCC_TOTALFREE, ST_GCCONTROLLER, "gcController.", "totalFree", K_SCALAR),
	F(GS_RT_GCC_MAPPEDREADY, ST_GCCONTROLLER, "gcController.", "mappedReady", K_SCALAR),

	F(GS_RT_MHEAP_SPANALLOC_INUSE, ST_MHEAP, "mheap_.", "spanalloc.inuse", K_SCALAR),
	F(GS_RT_MHEAP_CACHEALLOC_INUSE, ST_MHEAP, "mheap_.", "cachealloc.inuse", K_SCALAR),
};

/* Constants: up to three DWARF names across releases, the first found wins. */
#define NCNAME 3
enum { CG_STATUS, CG_FUNCID, CG_COUNT };	/* groups, each declared in one unit */

static const struct {
	const char *id;
	int group;
	const char *names[NCNAME];
} consts[GS_RT_NCONSTS] = {
#define C(id, n) [id] = { #id, CG_STATUS, { "runtime." n } }
#define FID(id, n) [id] = { #id, CG_FUNCID, { "internal/abi.FuncID_" n, "runtime.funcID_" n } }
	C(GS_RT_C_GIDLE, "_Gidle"),
	C(GS_RT_C_GRUNNABLE, "_Grunnable"),
	C(GS_RT_C_GRUNNING, "_Grunning"),
	C(GS_RT_C_GSYSCALL, "_Gsyscall"),
	C(GS_RT_C_GWAITING, "_Gwaiting"),
	C(GS_RT_C_GDEAD, "_Gdead"),
	C(GS_RT_C_GCOPYSTACK, "_Gcopystack"),
	C(GS_RT_C_GPREEMPTED, "_Gpreempted"),
	C(GS_RT_C_GLEAKED, "_Gleaked"),
	C(GS_RT_C_GDEADEXTRA, "_Gdeadextra"),
	C(GS_RT_C_GSCAN, "_Gscan"),
	C(GS_RT_C_PIDLE, "_Pidle"),
	C(GS_RT_C_PRUNNING, "_Prunning"),
	C(GS_RT_C_PSYSCALL, "_Psyscall"),
	C(GS_RT_C_PGCSTOP, "_Pgcstop"),
	C(GS_RT_C_PDEAD, "_Pdead"),
	[GS_RT_C_FUNCID_NORMAL] = { "GS_RT_C_FUNCID_NORMAL", CG_FUNCID,
				    { "internal/abi.FuncIDNormal", "runtime.funcID_normal" } },
	[GS_RT_C_FUNCID_WRAPPER] = { "GS_RT_C_FUNCID_WRAPPER", CG_FUNCID,
				     { "internal/abi.FuncIDWrapper", "runtime.funcID_wrapper" } },
	FID(GS_RT_C_FUNCID_GOEXIT, "goexit"),
	FID(GS_RT_C_FUNCID_MSTART, "mstart"),
	FID(GS_RT_C_FUNCID_RT0_GO, "rt0_go"),
	FID(GS_RT_C_FUNCID_SYSTEMSTACK_SWITCH, "systemstack_switch"),
	FID(GS_RT_C_FUNCID_SYSTEMSTACK, "systemstack"),
	FID(GS_RT_C_FUNCID_MCALL, "mcall"),
	FID(GS_RT_C_FUNCID_MORESTACK, "morestack"),
	FID(GS_RT_C_FUNCID_SIGPANIC, "sigpanic"),
	FID(GS_RT_C_FUNCID_ASYNCPREEMPT, "asyncPreempt"),
	FID(GS_RT_C_FUNCID_GOGO, "gogo"),
	FID(GS_RT_C_FUNCID_GOPANIC, "gopanic"),
	FID(GS_RT_C_FUNCID_PANICWRAP, "panicwrap"),
	FID(GS_RT_C_FUNCID_ASMCGOCALL, "asmcgocall"),
	[GS_RT_C_FUNCID_CGOCALLBACK] = { "GS_RT_C_FUNCID_CGOCALLBACK", CG_FUNCID,
					 { "internal/abi.FuncID_cgocallback",
					   "runtime.funcID_cgocallback",
					   "runtime.funcID_cgocallback_gofunc" } },
	FID(GS_RT_C_FUNCID_GCBGMARKWORKER, "gcBgMarkWorker"),
	FID(GS_RT_C_FUNCID_RUNTIME_MAIN, "runtime_main"),
	FID(GS_RT_C_FUNCID_HANDLEASYNCEVENT, "handleAsyncEvent"),
	[GS_RT_C_FUNCID_DEBUGCALLV] = { "GS_RT_C_FUNCID_DEBUGCALLV", CG_FUNCID,
					{ "internal/abi.FuncID_debugCallV2",
					  "runtime.funcID_debugCallV2", "runtime.funcID_debugCallV1" } },
	FID(GS_RT_C_FUNCID_ABORT, "abort"),
#undef C
#undef FID
};

const char *gs_rt_field_name(enum gs_rt_field f)
{
	return (unsigned)f < GS_RT_NFIELDS ? specs[f].name : "?";
}

const char *gs_rt_field_struct(enum gs_rt_field f)
{
	return (unsigned)f < GS_RT_NFIELDS ? structs[specs[f].a[0].st].type : "?";
}

const char *gs_rt_field_id(enum gs_rt_field f)
{
	return (unsigned)f < GS_RT_NFIELDS ? specs[f].id : "?";
}

const char *gs_rt_const_name(enum gs_rt_const c)
{
	const char *n, *dot;

	if ((unsigned)c >= GS_RT_NCONSTS)
		return "?";
	n = consts[c].names[0];
	dot = strrchr(n, '.');
	return dot ? dot + 1 : n;
}

const char *gs_rt_const_id(enum gs_rt_const c)
{
	return (unsigned)c < GS_RT_NCONSTS ? consts[c].id : "?";
}

const char *gs_rt_source_name(enum gs_rt_source s)
{
	switch (s) {
	case GS_RT_SRC_DWARF: return "dwarf";
	case GS_RT_SRC_TABLE: return "table";
	default: return "none";
	}
}

const char *gs_rt_waitreason(const struct gs_rt_offsets *o, uint64_t reason)
{
	return o->wait && reason < o->nwait ? o->wait[reason] : NULL;
}

int gs_rt_alt_index(enum gs_rt_field f, const char *global)
{
	if ((unsigned)f >= GS_RT_NFIELDS)
		return -1;
	for (int a = 0; a < NALT && specs[f].a[a].path; a++) {
		const char *g = structs[specs[f].a[a].st].global;

		if ((!global && !g) || (global && g && strcmp(global, g) == 0))
			return a;
	}
	return -1;
}

/* ---- from DWARF ---- */

/* The names indexed: the struct types, then every constant name. */
#define NINDEX (ST_COUNT + GS_RT_NCONSTS * NCNAME)

struct dwindex {
	const char *names[NINDEX];
	int ci[NINDEX];		/* constant of each name (-1: a struct) */
	size_t n;
};

static void dwindex_init(struct dwindex *x)
{
	x->n = 0;
	for (int k = 0; k < ST_COUNT; k++) {
		x->ci[x->n] = -1;
		x->names[x->n++] = structs[k].type;
	}
	for (int c = 0; c < GS_RT_NCONSTS; c++)
		for (int k = 0; k < NCNAME && consts[c].names[k]; k++) {
			x->ci[x->n] = c;
			x->names[x->n++] = consts[c].names[k];
		}
}

/*
 * Everything needed is found: the structs every release has, and one
 * constant of each group (a package's constants sit together in one unit,
 * which is indexed whole before this is asked).
 */
static bool dwarf_done(const struct gs_dwarf *d, void *ctx)
{
	const struct dwindex *x = ctx;
	bool group[CG_COUNT] = { false };
	uint64_t die;

	for (int k = 0; k < ST_COUNT; k++)
		if (structs[k].needed && !gs_dwarf_lookup(d, (size_t)k, &die))
			return false;
	for (size_t i = ST_COUNT; i < x->n; i++)
		if (gs_dwarf_lookup(d, i, &die))
			group[consts[x->ci[i]].group] = true;
	for (int g = 0; g < CG_COUNT; g++)
		if (!group[g])
			return false;
	return true;
}

/* Go writes the runtime's types and constants into these units only. */
static const char *const dwarf_units[] = { "runtime", "internal/abi", NULL };

static bool kind_ok(enum kind k, const struct gs_dwarf_field *fd)
{
	switch (k) {
	case K_WORD:
		return fd->size == 4 || fd->size == 8;
	case K_SCALAR:
		return (fd->size == 1 || fd->size == 2 || fd->size == 4 || fd->size == 8) &&
		       fd->tag != GS_DW_TAG_structure_type && fd->tag != GS_DW_TAG_array_type;
	case K_STRUCT:
	case K_SIZEOF:
		return fd->tag == GS_DW_TAG_structure_type && fd->size > 0;
	case K_ARRAY:
		return fd->tag == GS_DW_TAG_array_type && fd->count > 0 && fd->size > 0 &&
		       fd->count <= UINT32_MAX && fd->size % fd->count == 0;
	}
	return false;
}

static void from_dwarf(struct gs_dwarf *d, const struct dwindex *x, struct gs_rt_offsets *o)
{
	uint64_t die[ST_COUNT];
	bool have[ST_COUNT];

	for (int k = 0; k < ST_COUNT; k++)
		have[k] = gs_dwarf_lookup(d, (size_t)k, &die[k]);
	o->src = GS_RT_SRC_DWARF;
	for (int f = 0; f < GS_RT_NFIELDS; f++) {
		for (int a = 0; a < NALT && specs[f].a[a].path; a++) {
			const struct alt *s = &specs[f].a[a];
			struct gs_rt_loc *l = &o->f[f];
			struct gs_dwarf_field fd;

			if (!have[s->st] ||
			    gs_dwarf_field(d, die[s->st], s->path, s->kind <= K_SCALAR, &fd) < 0 ||
			    !kind_ok(s->kind, &fd) || fd.off > UINT32_MAX - 8 ||
			    fd.size > UINT32_MAX)
				continue;
			l->known = true;
			l->global = structs[s->st].global;
			l->off = (uint32_t)fd.off;
			l->size = (uint32_t)fd.size;
			l->count = (uint32_t)fd.count;
			break;
		}
	}
	for (size_t i = ST_COUNT; i < x->n; i++) {
		struct gs_rt_cval *c = &o->c[x->ci[i]];
		uint64_t at;
		int64_t v;

		if (!c->known && gs_dwarf_lookup(d, i, &at) && gs_dwarf_const(d, at, &v) == 0) {
			c->known = true;
			c->v = v;
		}
	}
}

int gs_rt_offsets_dwarf_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
			    const uint8_t *abbrev, size_t abbrev_len, struct gs_rt_offsets *o,
			    struct gs_err *err)
{
	struct dwindex x;
	struct gs_dwarf_opts opts = { 0 };
	struct gs_dwarf *d;

	memset(o, 0, sizeof(*o));
	dwindex_init(&x);
	opts.names = x.names;
	opts.nnames = x.n;
	if (gs_dwarf_open_raw(e, info, info_len, abbrev, abbrev_len, &opts, &d, err) < 0)
		return -1;
	from_dwarf(d, &x, o);
	gs_dwarf_close(d);
	return 0;
}

/* With full: every unit, to the end (the table generator's cross-check). */
static int offsets_dwarf(const struct gs_elf *e, bool full, struct gs_rt_offsets *o,
			 struct gs_err *err)
{
	struct dwindex x;
	struct gs_dwarf_opts opts = { 0 };
	struct gs_dwarf *d;

	memset(o, 0, sizeof(*o));
	dwindex_init(&x);
	opts.names = x.names;
	opts.nnames = x.n;
	if (!full) {
		opts.units = dwarf_units;
		opts.done = dwarf_done;
		opts.ctx = &x;
	}
	if (gs_dwarf_open(e, &opts, &d, err) < 0)
		return -1;
	from_dwarf(d, &x, o);
	gs_dwarf_close(d);
	return 0;
}

int gs_rt_offsets_dwarf(const struct gs_elf *e, struct gs_rt_offsets *o, struct gs_err *err)
{
	return offsets_dwarf(e, false, o, err);
}

int gs_rt_offsets_dwarf_full(const struct gs_elf *e, struct gs_rt_offsets *o,
			     struct gs_err *err)
{
	return offsets_dwarf(e, true, o, err);
}

/* ---- from the table ---- */

/*
 * "go1.21.13" -> line "go1.21" (length *linelen) and patch 13; "go1.21" is
 * patch 0. Anything else (rc, beta, devel, suffixes) is no exact version.
 */
static bool parse_version(const char *v, size_t *linelen, unsigned *patch)
{
	const char *p = v;
	unsigned long n;
	char *end;

	if (strncmp(p, "go1.", 4) != 0 || p[4] < '0' || p[4] > '9')
		return false;
	n = strtoul(p + 4, &end, 10);
	if (n > 1000)
		return false;
	*linelen = (size_t)(end - v);
	*patch = 0;
	if (*end == '\0')
		return true;
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	n = strtoul(end + 1, &end, 10);
	if (*end != '\0' || n > UINT16_MAX)
		return false;
	*patch = (unsigned)n;
	return true;
}

int gs_rt_offsets_table(const char *goversion, uint16_t machine, struct gs_rt_offsets *o,
			struct gs_err *err)
{
	size_t linelen;
	unsigned patch;

	memset(o, 0, sizeof(*o));
	if (!goversion)
		return gs_errf(err, ENOENT, "no Go version to pick an offset table row");
	if (!parse_version(goversion, &linelen, &patch))
		return gs_errf(err, ENOENT, "no offset table row for %s on this architecture",
			       goversion);
	for (size_t i = 0; i < gs_rt_nrows; i++) {
		const struct gs_rt_row *row = &gs_rt_rows[i];

		if (row->machine != machine || strlen(row->line) != linelen ||
		    strncmp(row->line, goversion, linelen) != 0 || patch < row->patch_lo ||
		    patch > row->patch_hi)
			continue;
		o->src = GS_RT_SRC_TABLE;
		o->row = row->toolchain;
		for (int f = 0; f < GS_RT_NFIELDS; f++) {
			const struct gs_rt_cell *c = &row->cell[f];

			if (!c->size || c->alt >= NALT || !specs[f].a[c->alt].path)
				continue;
			o->f[f].known = true;
			o->f[f].off = c->off;
			o->f[f].size = c->size;
			o->f[f].count = c->count;
			o->f[f].global = structs[specs[f].a[c->alt].st].global;
		}
		memcpy(o->c, row->cval, sizeof(o->c));
		o->wait = row->wait;
		o->nwait = row->nwait;
		return 0;
	}
	return gs_errf(err, ENOENT, "no offset table row for %s on this architecture", goversion);
}

int gs_rt_offsets_find(const struct gs_elf *e, const char *goversion, struct gs_rt_offsets *o,
		       struct gs_err *err)
{
	struct gs_rt_offsets t;
	struct gs_err derr, terr;
	bool any = false;

	if (gs_rt_offsets_dwarf(e, o, &derr) == 0) {
		for (int f = 0; f < GS_RT_NFIELDS && !any; f++)
			any = o->f[f].known;
		if (any) {
			/* DWARF has the wait reasons' values, not their names */
			if (gs_rt_offsets_table(goversion, e->machine, &t, &terr) == 0) {
				o->wait = t.wait;
				o->nwait = t.nwait;
			}
			return 0;
		}
		/* DWARF without the runtime's types (not a Go linker's): not the binary's layout */
		gs_errf(&derr, ENOENT, "no runtime types in DWARF");
	}
	if (gs_rt_offsets_table(goversion, e->machine, o, err) == 0) {
		snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%.*s", GS_RT_WHY - 1, derr.msg);
		return 0;
	}
	snprintf(o->dwarf_why, sizeof(o->dwarf_why), "%.*s", GS_RT_WHY - 1, derr.msg);
	return gs_errf(err, ENOENT, "no runtime layout for %s",
		       goversion ? goversion : "an unknown Go version");
}
