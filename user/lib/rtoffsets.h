/* SPDX-License-Identifier: MIT */
/*
 * rtoffsets: the layout of the Go runtime's structures in one binary --
 * where each field goscope reads sits, how big the structs are, the enum
 * values it interprets and the wait-reason names (docs/runtime-layouts.md).
 *
 * Lookup order (gs_rt_offsets_find):
 *  1. the binary's own DWARF (go build keeps it unless -ldflags=-w or
 *     stripped), read by the bounded reader in dwarf.c, when it holds the
 *     runtime's types;
 *  2. else the generated table (rtlayout_table.c, made by
 *     tools/gen-rtlayout.sh from real toolchains) for the binary's exact
 *     Go version: its release line, and patch range where a layout changed
 *     inside a line;
 *  3. else nothing: "no runtime layout for go1.28". A neighbouring
 *     release's row is never used.
 * A field missing from the chosen source is unknown (known == false):
 * callers show the values that need it as unavailable.
 *
 * Offsets are relative to the struct named by gs_rt_field_struct(f); when
 * that struct is the type of one well-known global, loc.global names it
 * ("runtime.sched"), else loc.global is NULL and the struct is reached
 * through a pointer (allgs, allp, allm) or another field.
 */
#ifndef GOSCOPE_RTOFFSETS_H
#define GOSCOPE_RTOFFSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfview.h"
#include "gserr.h"

enum gs_rt_field {
	/* The first eight keep their meaning from before the full table. */
	GS_RT_SCHED_NGSYS,	/* schedt.ngsys: system goroutines */
	GS_RT_SCHED_GFREE_N,	/* schedt.gFree.n: dead Gs on the global free list (<= 1.24) */
	GS_RT_SCHED_MNEXT,	/* schedt.mnext: Ms created */
	GS_RT_SCHED_NMFREED,	/* schedt.nmfreed: Ms freed */
	GS_RT_P_GFREE_N,	/* p.gFree.n: dead Gs on a P's free list (<= 1.24) */
	GS_RT_MSTATS_NUMGC,	/* mstats.numgc: completed GC cycles (uint32) */
	GS_RT_HEAP_INUSE,	/* gcController.heapInUse (1.19+), else memstats.heap_inuse */
	GS_RT_HEAP_LIVE,	/* gcController.heapLive (1.19+), else memstats.heap_live */

	/* runtime.g: one goroutine */
	GS_RT_SIZEOF_G,		/* size of runtime.g (allgs holds *g) */
	GS_RT_G_STACK_LO,	/* g.stack.lo: lowest address of its stack */
	GS_RT_G_STACK_HI,	/* g.stack.hi: one past the highest */
	GS_RT_G_M,		/* g.m: the M running it (*m, 0 when not running) */
	GS_RT_G_SCHED,		/* g.sched: the saved registers (a gobuf; size = sizeof gobuf) */
	GS_RT_G_SCHED_SP,	/* g.sched.sp */
	GS_RT_G_SCHED_PC,	/* g.sched.pc */
	GS_RT_G_SCHED_G,	/* g.sched.g (guintptr: the g itself) */
	GS_RT_G_SCHED_CTXT,	/* g.sched.ctxt (closure context) */
	GS_RT_G_SCHED_RET,	/* g.sched.ret (<= 1.24; removed in 1.25) */
	GS_RT_G_SCHED_LR,	/* g.sched.lr (link register machines: arm64) */
	GS_RT_G_SCHED_BP,	/* g.sched.bp (frame pointer) */
	GS_RT_G_SYSCALLSP,	/* g.syscallsp: sp to use while in a syscall */
	GS_RT_G_SYSCALLPC,	/* g.syscallpc */
	GS_RT_G_ATOMICSTATUS,	/* g.atomicstatus (uint32; GS_RT_C_G* values, | GS_RT_C_GSCAN) */
	GS_RT_G_GOID,		/* g.goid (int64 <= 1.20, uint64 after) */
	GS_RT_G_WAITSINCE,	/* g.waitsince: nanotime when it blocked (int64) */
	GS_RT_G_WAITREASON,	/* g.waitreason (uint8: index into gs_rt_offsets.wait) */
	GS_RT_G_LOCKEDM,	/* g.lockedm: the M it is locked to (muintptr) */
	GS_RT_G_PARENTGOID,	/* g.parentGoid: goid of its creator (1.21+) */
	GS_RT_G_GOPC,		/* g.gopc: pc of the go statement that created it */
	GS_RT_G_STARTPC,	/* g.startpc: pc of its function */
	GS_RT_SIZEOF_GOBUF,	/* size of runtime.gobuf */

	/* runtime.m: one OS thread */
	GS_RT_SIZEOF_M,		/* size of runtime.m */
	GS_RT_M_G0,		/* m.g0: its scheduling goroutine (*g) */
	GS_RT_M_PROCID,		/* m.procid: the thread id (uint64) */
	GS_RT_M_CURG,		/* m.curg: the user goroutine it runs (*g) */
	GS_RT_M_P,		/* m.p: its P (puintptr, 0 when none) */
	GS_RT_M_ID,		/* m.id (int64) */
	GS_RT_M_LOCKEDG,	/* m.lockedg: the goroutine locked to it (guintptr) */
	GS_RT_M_ALLLINK,	/* m.alllink: next M on runtime.allm (*m) */

	/* runtime.p: one processor (allp holds *p) */
	GS_RT_SIZEOF_P,		/* size of runtime.p */
	GS_RT_P_ID,		/* p.id (int32) */
	GS_RT_P_STATUS,		/* p.status (uint32; GS_RT_C_P* values) */
	GS_RT_P_M,		/* p.m: its M (muintptr, 0 when idle) */
	GS_RT_P_MCACHE,		/* p.mcache (*mcache) */
	GS_RT_P_RUNQHEAD,	/* p.runqhead (uint32) */
	GS_RT_P_RUNQTAIL,	/* p.runqtail (uint32) */
	GS_RT_P_RUNQ,		/* p.runq: [count]guintptr ring */
	GS_RT_P_RUNNEXT,	/* p.runnext (guintptr) */
	GS_RT_P_GFREE,		/* p.gFree: its free list (struct{gList; n} <= 1.24, gList 1.25+) */
	GS_RT_P_GFREE_SIZE,	/* p.gFree.size: dead Gs on it (1.25+; int32) */
	GS_RT_P_STATSSEQ,	/* p.statsSeq: odd while it writes heapStats (1.16+) */

	/* runtime.schedt (runtime.sched) */
	GS_RT_SIZEOF_SCHEDT,	/* size of runtime.schedt */
	GS_RT_SCHED_NMIDLE,	/* schedt.nmidle: idle Ms (int32) */
	GS_RT_SCHED_NMSYS,	/* schedt.nmsys: system Ms (int32) */
	GS_RT_SCHED_NPIDLE,	/* schedt.npidle: idle Ps (uint32 / atomic.Int32) */
	GS_RT_SCHED_NMSPINNING,	/* schedt.nmspinning */
	GS_RT_SCHED_RUNQ,	/* schedt.runq: the global run queue (gQueue) */
	GS_RT_SCHED_RUNQSIZE,	/* schedt.runqsize (int32, <= 1.24) */
	GS_RT_SCHED_RUNQ_SIZE,	/* schedt.runq.size (int32, 1.25+) */
	GS_RT_SCHED_GFREE_STACK,	/* schedt.gFree.stack: free Gs with stacks (gList) */
	GS_RT_SCHED_GFREE_NOSTACK,	/* schedt.gFree.noStack: free Gs without (gList) */
	GS_RT_SCHED_GFREE_STACK_SIZE,	/* schedt.gFree.stack.size (1.25+; int32) */
	GS_RT_SCHED_GFREE_NOSTACK_SIZE,	/* schedt.gFree.noStack.size (1.25+; int32) */

	/* runtime.gList and runtime.gQueue (linked through g.schedlink) */
	GS_RT_SIZEOF_GLIST,	/* size of runtime.gList */
	GS_RT_GLIST_HEAD,	/* gList.head (guintptr) */
	GS_RT_GLIST_SIZE,	/* gList.size (1.25+; int32) */
	GS_RT_SIZEOF_GQUEUE,	/* size of runtime.gQueue */
	GS_RT_GQUEUE_HEAD,	/* gQueue.head */
	GS_RT_GQUEUE_TAIL,	/* gQueue.tail */
	GS_RT_GQUEUE_SIZE,	/* gQueue.size (1.25+; int32) */

	/* runtime.mstats (runtime.memstats); which of them make each of
	 * gops' memstats lines, per version: rtmemstats.h */
	GS_RT_SIZEOF_MSTATS,	/* size of runtime.mstats */
	GS_RT_MSTATS_ALLOC,	/* mstats.alloc (<= 1.15 line; refreshed only under STW) */
	GS_RT_MSTATS_TOTAL_ALLOC,	/* mstats.total_alloc (idem) */
	GS_RT_MSTATS_SYS,	/* mstats.sys (idem) */
	GS_RT_MSTATS_NLOOKUP,	/* mstats.nlookup (1.15; always 0) */
	GS_RT_MSTATS_NMALLOC,	/* mstats.nmalloc (1.15; STW) */
	GS_RT_MSTATS_NFREE,	/* mstats.nfree (1.15; STW) */
	GS_RT_MSTATS_HEAP_ALLOC,	/* mstats.heap_alloc (1.15; STW) */
	GS_RT_MSTATS_HEAP_SYS,	/* mstats.heap_sys (1.15; kept current) */
	GS_RT_MSTATS_HEAP_IDLE,	/* mstats.heap_idle (1.15) */
	GS_RT_MSTATS_HEAP_INUSE,	/* mstats.heap_inuse (1.15) */
	GS_RT_MSTATS_HEAP_RELEASED,	/* mstats.heap_released (1.15) */
	GS_RT_MSTATS_HEAP_OBJECTS,	/* mstats.heap_objects (1.15; STW) */
	GS_RT_MSTATS_HEAP_LIVE,	/* mstats.heap_live (<= 1.17) */
	GS_RT_MSTATS_STACKS_INUSE,	/* mstats.stacks_inuse (1.15) */
	GS_RT_MSTATS_STACKS_SYS,	/* mstats.stacks_sys */
	GS_RT_MSTATS_MSPAN_INUSE,	/* mstats.mspan_inuse (1.15; STW) */
	GS_RT_MSTATS_MSPAN_SYS,	/* mstats.mspan_sys */
	GS_RT_MSTATS_MCACHE_INUSE,	/* mstats.mcache_inuse (1.15; STW) */
	GS_RT_MSTATS_MCACHE_SYS,	/* mstats.mcache_sys */
	GS_RT_MSTATS_BUCKHASH_SYS,	/* mstats.buckhash_sys */
	GS_RT_MSTATS_GC_SYS,	/* mstats.gc_sys (1.15) */
	GS_RT_MSTATS_GCMISCSYS,	/* mstats.gcMiscSys (1.16+) */
	GS_RT_MSTATS_OTHER_SYS,	/* mstats.other_sys */
	GS_RT_MSTATS_NEXT_GC,	/* mstats.next_gc (<= 1.17) */
	GS_RT_MSTATS_LAST_GC_UNIX,	/* mstats.last_gc_unix: ns since 1970 */
	GS_RT_MSTATS_PAUSE_TOTAL_NS,	/* mstats.pause_total_ns */
	GS_RT_MSTATS_PAUSE_NS,	/* mstats.pause_ns: [256]uint64 ring */
	GS_RT_MSTATS_PAUSE_END,	/* mstats.pause_end: [256]uint64 ring */
	GS_RT_MSTATS_NUMFORCEDGC,	/* mstats.numforcedgc (uint32) */
	GS_RT_MSTATS_GC_CPU_FRACTION,	/* mstats.gc_cpu_fraction (float64) */
	GS_RT_MSTATS_ENABLEGC,	/* mstats.enablegc (bool) */
	GS_RT_MSTATS_DEBUGGC,	/* mstats.debuggc (bool, 1.15) */
	GS_RT_MSTATS_TINYALLOCS,	/* mstats.tinyallocs (1.15) */
	GS_RT_MSTATS_HEAPSTATS,	/* mstats.heapStats: a consistentHeapStats (1.16+) */

	/* runtime.consistentHeapStats (memstats.heapStats, 1.16+) */
	GS_RT_HEAPSTATS_STATS,	/* .stats: [3]heapStatsDelta ring (count 3) */
	GS_RT_HEAPSTATS_GEN,	/* .gen: the slot writers use (uint32) */
	/* runtime.heapStatsDelta: one slot (counters summed over the slots) */
	GS_RT_SIZEOF_HSD,	/* size of runtime.heapStatsDelta */
	GS_RT_HSD_COMMITTED,	/* .committed (int64) */
	GS_RT_HSD_RELEASED,	/* .released */
	GS_RT_HSD_INHEAP,	/* .inHeap */
	GS_RT_HSD_INSTACKS,	/* .inStacks */
	GS_RT_HSD_INWORKBUFS,	/* .inWorkBufs */
	GS_RT_HSD_INPTRSCALARBITS,	/* .inPtrScalarBits (<= 1.24) */
	GS_RT_HSD_TINYALLOCCOUNT,	/* .tinyAllocCount (uint64) */
	GS_RT_HSD_LARGEALLOC,	/* .largeAlloc: bytes */
	GS_RT_HSD_LARGEALLOCCOUNT,	/* .largeAllocCount */
	GS_RT_HSD_SMALLALLOCCOUNT,	/* .smallAllocCount: [count]uint64 per size class */
	GS_RT_HSD_LARGEFREE,	/* .largeFree: bytes */
	GS_RT_HSD_LARGEFREECOUNT,	/* .largeFreeCount */
	GS_RT_HSD_SMALLFREECOUNT,	/* .smallFreeCount: [count]uint64 per size class */

	/* runtime.gcControllerState (runtime.gcController) */
	GS_RT_SIZEOF_GCCONTROLLER,	/* size of runtime.gcControllerState */
	GS_RT_GCC_GCPERCENT,	/* .gcPercent: GOGC (1.19+; int32) */
	GS_RT_GCC_MEMORYLIMIT,	/* .memoryLimit: GOMEMLIMIT (1.19+; int64) */
	GS_RT_GCC_GCPERCENTHEAPGOAL,	/* .gcPercentHeapGoal (1.19+) */
	GS_RT_GCC_SWEEPDISTMINTRIGGER,	/* .sweepDistMinTrigger (1.19+) */
	GS_RT_GCC_TRIGGERED,	/* .triggered: heapLive when this cycle started, ^0 if none */
	GS_RT_GCC_HEAPLIVE,	/* .heapLive (1.18+) */
	GS_RT_GCC_HEAPMARKED,	/* .heapMarked (1.18+) */
	GS_RT_GCC_HEAPINUSE,	/* .heapInUse (1.19+) */
	GS_RT_GCC_HEAPRELEASED,	/* .heapReleased (1.19+) */
	GS_RT_GCC_HEAPFREE,	/* .heapFree (1.19+) */
	GS_RT_GCC_TOTALALLOC,	/* .totalAlloc (1.19+; behind by what mcaches hold) */
	GS_RT_GCC_TOTALFREE,	/* .totalFree (1.19+) */
	GS_RT_GCC_MAPPEDREADY,	/* .mappedReady (1.19+) */

	/* runtime.mheap (runtime.mheap_) */
	GS_RT_MHEAP_SPANALLOC_INUSE,	/* mheap_.spanalloc.inuse: bytes of mspan structs */
	GS_RT_MHEAP_CACHEALLOC_INUSE,	/* mheap_.cachealloc.inuse: bytes of mcache structs */

	GS_RT_NFIELDS
};

/* Constants the runtime declares, as DWARF (or the table) gives them. */
enum gs_rt_const {
	GS_RT_C_GIDLE,		/* g status _Gidle */
	GS_RT_C_GRUNNABLE,
	GS_RT_C_GRUNNING,
	GS_RT_C_GSYSCALL,
	GS_RT_C_GWAITING,
	GS_RT_C_GDEAD,
	GS_RT_C_GCOPYSTACK,
	GS_RT_C_GPREEMPTED,
	GS_RT_C_GLEAKED,	/* 1.26+ */
	GS_RT_C_GDEADEXTRA,	/* 1.26+ */
	GS_RT_C_GSCAN,		/* the scan bit OR-ed into a status (0x1000) */
	GS_RT_C_PIDLE,		/* p status _Pidle */
	GS_RT_C_PRUNNING,
	GS_RT_C_PSYSCALL,
	GS_RT_C_PGCSTOP,
	GS_RT_C_PDEAD,
	GS_RT_C_FUNCID_NORMAL,	/* _func.funcID values (runtime.funcID_* <= 1.20, */
	GS_RT_C_FUNCID_WRAPPER,	/*  internal/abi.FuncID* 1.21+) */
	GS_RT_C_FUNCID_GOEXIT,
	GS_RT_C_FUNCID_MSTART,
	GS_RT_C_FUNCID_RT0_GO,
	GS_RT_C_FUNCID_SYSTEMSTACK_SWITCH,
	GS_RT_C_FUNCID_SYSTEMSTACK,
	GS_RT_C_FUNCID_MCALL,
	GS_RT_C_FUNCID_MORESTACK,
	GS_RT_C_FUNCID_SIGPANIC,
	GS_RT_C_FUNCID_ASYNCPREEMPT,
	GS_RT_C_FUNCID_GOGO,
	GS_RT_C_FUNCID_GOPANIC,
	GS_RT_C_FUNCID_PANICWRAP,
	GS_RT_C_FUNCID_ASMCGOCALL,
	GS_RT_C_FUNCID_CGOCALLBACK,
	GS_RT_C_FUNCID_GCBGMARKWORKER,
	GS_RT_C_FUNCID_RUNTIME_MAIN,
	GS_RT_C_FUNCID_HANDLEASYNCEVENT,
	GS_RT_C_FUNCID_DEBUGCALLV,
	GS_RT_C_FUNCID_ABORT,
	GS_RT_NCONSTS
};

enum gs_rt_source { GS_RT_SRC_NONE = 0, GS_RT_SRC_DWARF, GS_RT_SRC_TABLE };

struct gs_rt_loc {
	bool known;
	const char *global;	/* the variable of the field's struct, e.g. "runtime.sched";
				 * NULL when the struct is reached through a pointer */
	uint32_t off;		/* byte offset inside that struct (0 for GS_RT_SIZEOF_*) */
	uint32_t size;		/* bytes: 1, 2, 4 or 8 for a scalar (atomic wrappers
				 * unwrapped); the whole size of an array or struct */
	uint32_t count;		/* elements of an array (p.runq: 256), else 0 */
};

struct gs_rt_cval {
	bool known;
	int64_t v;
};

#define GS_RT_WHY 96

struct gs_rt_offsets {
	enum gs_rt_source src;
	const char *row;	/* table: the toolchain the row came from ("go1.25.12") */
	struct gs_rt_loc f[GS_RT_NFIELDS];
	struct gs_rt_cval c[GS_RT_NCONSTS];
	const char *const *wait;	/* wait-reason names by waitReason value (NULL: unknown) */
	unsigned nwait;
	char dwarf_why[GS_RT_WHY];	/* src != DWARF: why the binary's DWARF was not used */
};

/*
 * The layout of e's runtime: its DWARF, else the table row for goversion
 * (exact, e.g. "go1.21.13"; NULL when unknown). 0 on success (o->src says
 * which); -1 with err when neither has it (ENOENT: "no runtime layout for
 * go1.28", with the DWARF reason in o->dwarf_why, e.g. "DWARF too large").
 */
int gs_rt_offsets_find(const struct gs_elf *e, const char *goversion, struct gs_rt_offsets *o,
		       struct gs_err *err);

/*
 * From the image's DWARF only. 0 when .debug_info could be read (fields it
 * lacks stay unknown), -1 with err otherwise (ENOENT: no DWARF; EFBIG:
 * "DWARF too large", past the total decompression cap).
 */
int gs_rt_offsets_dwarf(const struct gs_elf *e, struct gs_rt_offsets *o, struct gs_err *err);

/* The same on raw .debug_info / .debug_abbrev bytes (tests, fuzzing). */
int gs_rt_offsets_dwarf_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
			    const uint8_t *abbrev, size_t abbrev_len, struct gs_rt_offsets *o,
			    struct gs_err *err);

/*
 * From the generated table only, for an exact Go version and ELF machine
 * (EM_X86_64, EM_AARCH64). -1 (ENOENT) when no row matches.
 */
int gs_rt_offsets_table(const char *goversion, uint16_t machine, struct gs_rt_offsets *o,
			struct gs_err *err);

/* "sched.ngsys", "g.goid", ... (the struct's short name, then the member path) */
const char *gs_rt_field_name(enum gs_rt_field f);
/* The struct the field's offset is relative to: "runtime.g", "runtime.schedt", ... */
const char *gs_rt_field_struct(enum gs_rt_field f);
/* "_Grunning", "FuncID_goexit", ... */
const char *gs_rt_const_name(enum gs_rt_const c);
/* "dwarf", "table", "none" */
const char *gs_rt_source_name(enum gs_rt_source s);
/* The wait reason's name ("chan receive"), or NULL when unknown or out of range. */
const char *gs_rt_waitreason(const struct gs_rt_offsets *o, uint64_t reason);

/* For the table generator: which alternative location of field f lives
 * in global (as DWARF found it), or -1. */
int gs_rt_alt_index(enum gs_rt_field f, const char *global);

/*
 * A decompressed (or plain) DWARF section by name ("debug_info", without
 * the dot), for tests and tools. *owned is what to free() (NULL if the
 * data points into the image). Refuses sections past the total DWARF cap
 * (dwarf.h) with EFBIG.
 */
int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err);

#endif
