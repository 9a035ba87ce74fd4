/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Go runtime observation: the per-process state bpf/goruntime.bpf.c keeps in
 * its maps and user space reads. Included by both sides, so only plain C
 * types; every field is a naturally aligned u64, so both sides agree on the
 * layout without padding.
 *
 * All programs are uprobes at the start of Go runtime functions (never
 * uretprobes: Go moves stacks, and a uretprobe's trampoline return address
 * makes the runtime abort). They run inside stop-the-world pauses, so each
 * does one map lookup, a timestamp and a few additions.
 *
 * Where exactly: on the conditional branch of the function's stack-check
 * prologue (`cmp rsp, g.stackguard; jbe morestack`), with the attach cookie
 * GS_RT_COOKIE_STACKCHECK. The branch runs once per call plus once more
 * each time the function comes back to its entry from morestack (stack
 * growth, or a preemption request, which Go routes through the same
 * check); the program ignores the hits where the branch is about to be
 * taken, so each call counts once. The kernel emulates a branch instead of
 * single-stepping it, which makes a hit there several times cheaper than
 * on any other instruction. Functions without a stack check are probed at
 * their entry (cookie 0).
 */
#ifndef GOSCOPE_BPF_GORUNTIME_H
#define GOSCOPE_BPF_GORUNTIME_H

typedef unsigned int gs_u32;
typedef unsigned long long gs_u64;

/* bpf_get_attach_cookie(): the probe sits on a stack check's `jbe` (x86-64). */
#define GS_RT_COOKIE_STACKCHECK	1
/* On a multi-uprobe link the cookie also says which probe (enum gs_rt_probe) it is. */
#define GS_RT_COOKIE_PROBE_SHIFT	8

/* Pause histogram: slot i counts pauses of [2^i, 2^(i+1)) ns; the last is open. */
#define GS_RT_HIST_SLOTS	32
/* Processes tracked at once (per-tgid hash maps). */
#define GS_RT_MAX_TGIDS		8192

/* Which runtime function each program is attached to. */
enum gs_rt_probe {
	GS_RTP_GC_START = 0,	/* runtime.gcResetMarkState: a cycle that will run (not gcStart) */
	GS_RTP_MARK_TERM,	/* runtime.gcMarkTermination: a cycle completed */
	GS_RTP_STW_STOP,	/* runtime.stopTheWorldWithSema: a pause begins */
	GS_RTP_STW_START,	/* runtime.startTheWorldWithSema: the pause ends */
	GS_RTP_NEWPROC,		/* runtime.newproc1: a goroutine is created (opt-in) */
	GS_RTP_GOEXIT,		/* runtime.goexit1: a goroutine exits (opt-in) */
	GS_RTP_COUNT
};

/*
 * Cumulative per process (key: tgid in the initial PID namespace). User
 * space takes differences between reads for intervals. The STW and GC
 * fields are written by one thread at a time (the runtime allows one STW
 * and one mark termination at a time per process); the goroutine counters
 * are atomic.
 */
struct gs_rt_state {
	gs_u64 gc_cycles;	/* gcMarkTermination entries */
	gs_u64 gc_starts;	/* gcResetMarkState entries */
	gs_u64 gc_wall_ns;	/* Σ (mark termination - cycle start), over gc_wall_count cycles */
	gs_u64 gc_wall_count;
	gs_u64 gc_wall_max_ns;
	gs_u64 stw_stops;	/* stopTheWorldWithSema entries */
	gs_u64 stw_count;	/* pauses measured (a stop, then a start) */
	gs_u64 stw_ns;		/* Σ pause */
	gs_u64 stw_max_ns;
	gs_u64 newproc;		/* goroutines created (opt-in probe) */
	gs_u64 goexit;		/* goroutines exited (opt-in probe) */
	gs_u64 first_ns;	/* first event (bpf_ktime_get_ns: CLOCK_MONOTONIC) */
	gs_u64 last_ns;		/* last event */
	gs_u64 gc_start_ns;	/* pending: the cycle under way began (0: none) */
	gs_u64 stw_start_ns;	/* pending: the world is stopping or stopped since (0: running) */
	gs_u64 hist[GS_RT_HIST_SLOTS];
};

/* Global counters (array map gs_rt_stats, one u64 each, summed over CPUs). */
enum gs_rt_stat {
	GS_RTS_HITS = 0,	/* program runs in traced processes */
	GS_RTS_FILTERED,	/* runs in other processes of a probed binary */
	GS_RTS_NO_ROOM,		/* state map full: events not counted */
	GS_RTS_REENTRY,		/* stack-check hits on the way to morestack (not events) */
	GS_RTS_COUNT
};

#endif
