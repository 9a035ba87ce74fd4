/* SPDX-License-Identifier: MIT */
/*
 * stackdump: every goroutine of a live Go program with its stack frames,
 * read from outside (docs/stackdump.md §3-§4).
 *
 *	struct gs_dump_src src = { mem, sym, &view, allg, bias };
 *	struct gs_dump *d;
 *	gs_dump_read(&src, &opts, &d, &err);
 *	for i < d->n: d->g[i] (a goroutine) and its physical frames
 *	    d->frames[d->g[i].frame0 .. + nframes), innermost first;
 *	    gtrace.h turns them into the runtime's traceback text
 *	gs_dump_free(d);
 *
 * Without a frozen target (opts.frozen false) the program runs on while it
 * is read, so each goroutine is read as: its g record, its used stack
 * [sp, stack.hi) in one snapshot, its g record again. When the two records
 * differ (status, goid, wait reason, stack bounds, saved sp/pc/lr, syscall
 * sp/pc, m) the goroutine moved: it is read again, up to opts.retries
 * times, and then marked GS_FS_CHANGED rather than shown with frames that
 * may mix two moments. A running goroutine's saved registers are stale: it
 * is GS_FS_RUNNING (with its thread's id), unless opts.threads gives the
 * registers of its stopped thread (freeze.h).
 *
 * Reads are batched (gs_rmem), snapshots are bounded (per goroutine and per
 * batch), frame counts capped; a hostile or changing target gives marked
 * goroutines, never unbounded work.
 */
#ifndef GOSCOPE_STACKDUMP_H
#define GOSCOPE_STACKDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "goroutines.h"
#include "gosym.h"
#include "gserr.h"
#include "unwind.h"

#define GS_DUMP_SNAP_MAX (64u << 20)	/* bytes of one goroutine's stack read at most */
#define GS_DUMP_BATCH_BYTES (8u << 20)	/* stack bytes read per batch */
#define GS_DUMP_MAX_FRAMES (1u << 20)	/* physical frames kept per goroutine */
#define GS_DUMP_TOTAL_FRAMES (1u << 22)	/* and in the whole dump */
#define GS_DUMP_RETRIES 3
#define GS_DUMP_DEFER_BYTES (256u << 20)	/* frozen: stack bytes kept to unwind after on_read */

/* One physical frame (runtime addresses). */
struct gs_pframe {
	uint64_t pc;		/* return address, except innermost/trap frames */
	uint64_t sp, fp;	/* the frame's SP and its caller's SP */
	bool trap;		/* pc is not a return address: symbolize pc itself */
};

enum gs_fstate {
	GS_FS_OK = 0,		/* unwound to the top of its stack */
	GS_FS_INCOMPLETE,	/* frames read; the walk stopped early (stop, why) */
	GS_FS_RUNNING,		/* on a CPU: its saved registers are stale (no freeze) */
	GS_FS_CHANGED,		/* it kept moving while being read */
	GS_FS_UNREADABLE,	/* its record or stack is implausible or cannot be read */
};

/* Where a goroutine's starting registers came from. */
enum gs_regsrc {
	GS_RS_NONE = 0,
	GS_RS_SCHED,		/* g.sched (parked, runnable, preempted) */
	GS_RS_SYSCALL,		/* g.syscallpc/syscallsp (in a system call or cgo) */
	GS_RS_THREAD,		/* the registers of its stopped thread (freeze) */
	GS_RS_SCHED_G0,		/* frozen on the system stack: g.sched saved at the switch */
};

struct gs_gstack {
	struct gs_g g;
	enum gs_fstate fstate;
	enum gs_regsrc regsrc;
	enum gs_unwind_stop stop;	/* OK / INCOMPLETE: why the walk ended */
	bool system;			/* a runtime goroutine (isSystemGoroutine) */
	bool ended;			/* (internal) it ended while being read: dropped */
	int64_t tid;			/* thread running it (m.procid), 0 unknown */
	int64_t mid;			/* its m's id, -1 unknown or none */
	unsigned reads;			/* times its record was read */
	size_t frame0;			/* into gs_dump.frames */
	uint32_t nframes;
	char why[96];			/* INCOMPLETE / CHANGED / UNREADABLE: details */
};

struct gs_dump_stats {
	uint64_t allglen;		/* g records listed */
	unsigned long dead;		/* of them dead (not shown) */
	unsigned long unreadable_g;	/* g pointers whose record could not be read */
	unsigned long retries;		/* goroutines read again after a change */
	unsigned long changed, running, incomplete;
	unsigned long calls;		/* batched read calls */
	uint64_t stack_bytes;		/* stack bytes read */
	uint64_t elapsed_ns;		/* the whole read */
};

struct gs_dump {
	struct gs_gstack *g;		/* in allgs order */
	size_t n;
	struct gs_pframe *frames;
	size_t nframes;
	struct gs_dump_stats st;
};

/* Registers of one stopped thread (freeze.h). */
struct gs_thread_regs {
	int64_t tid;
	struct gs_unwind_regs r;
};

struct gs_dump_opts {
	bool frozen;			/* every thread is stopped: one read suffices */
	const struct gs_thread_regs *threads;	/* frozen: each thread's registers */
	size_t nthreads;
	unsigned retries;		/* 0: GS_DUMP_RETRIES */
	size_t snap_max;		/* 0: GS_DUMP_SNAP_MAX */
	size_t batch_bytes;		/* 0: GS_DUMP_BATCH_BYTES */
	size_t max_frames;		/* per goroutine, 0: GS_DUMP_MAX_FRAMES */
	size_t total_frames;		/* 0: GS_DUMP_TOTAL_FRAMES */
	size_t max_goroutines;		/* listed at most (more: E2BIG); 0: GS_ALLG_MAX */
	/*
	 * Frozen: called once every record and stack has been read, before
	 * the stacks are unwound (from copies, up to GS_DUMP_DEFER_BYTES), so
	 * the caller can let the target go early. Not called on failure.
	 */
	void (*on_read)(void *ctx);
	void *on_read_ctx;
};

struct gs_dump_src {
	struct gs_rmem mem;
	struct gs_sym *sym;		/* the executable's symbolizer */
	const struct gs_gview *view;
	struct gs_allg_src allg;	/* runtime addresses */
	uint64_t bias;			/* load bias: runtime - static */
};

/*
 * Read every goroutine. 0 with *out (gs_dump_free it), or -1 with err:
 * ESRCH the process is gone (also when it exits part-way: a partial dump
 * is never returned), EPERM/EACCES its memory may not be read, E2BIG more
 * goroutines than opts->max_goroutines, others as gs_allg_locate.
 */
int gs_dump_read(const struct gs_dump_src *src, const struct gs_dump_opts *opts,
		 struct gs_dump **out, struct gs_err *err);
void gs_dump_free(struct gs_dump *d);

const char *gs_fstate_name(enum gs_fstate s);		/* "ok", "incomplete", ... */
const char *gs_regsrc_name(enum gs_regsrc s);		/* "sched", "syscall", "thread", ... */

#endif
