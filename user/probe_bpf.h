/* SPDX-License-Identifier: MIT */
/*
 * The BPF side of `goscope probe`: the bpf/goruntime.bpf.c skeleton, its
 * uprobes attached once per executable (dev, inode) on each runtime
 * function that pclntab names, where the library places them
 * (probepoint.h), and the per-process state reads.
 */
#ifndef GOSCOPE_PROBE_BPF_H
#define GOSCOPE_PROBE_BPF_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "goruntime.h"
#include "gserr.h"
#include "probepoint.h"

struct gs_rtprobe;

struct gs_rtprobe_opts {
	bool goroutines;	/* also newproc1 / goexit1 (costly: one hit per goroutine) */
	bool filter;		/* count only tracked tgids (else every process of a probed binary) */
};

/* One probed executable. */
struct gs_rtbin {
	dev_t dev;
	ino_t ino;
	unsigned attached;			/* bit (1 << GS_RTP_*) per attached probe */
	char note[GS_RTP_COUNT][160];		/* why a probe is missing, or a caveat ("" otherwise) */
	void *links[GS_RTP_COUNT];		/* struct bpf_link *, one per perf-event uprobe */
	int mlink;				/* or one multi-uprobe link for all (-1: none) */
	int attach_errno;			/* of the first refused uprobe (0: none) */
};

/* The runtime function behind a probe, e.g. "runtime.gcMarkTermination". */
const char *gs_rtprobe_func(enum gs_rt_probe p);
/* What is lost without it, e.g. "GC cycle count". */
const char *gs_rtprobe_loses(enum gs_rt_probe p);

/*
 * Check privileges, load the programs. NULL with err on failure; *nocap
 * then says whether a privilege or kernel feature is missing (exit 3).
 */
struct gs_rtprobe *gs_rtprobe_open(const struct gs_rtprobe_opts *o, bool *nocap,
				   struct gs_err *err);
void gs_rtprobe_close(struct gs_rtprobe *p);

/*
 * Where every probe goes in one executable (pts indexed by enum
 * gs_rt_probe). Finding them parses pclntab and code, with no BPF and no
 * shared state, so a worker thread can do it for a caller that must not
 * wait on a hostile file.
 */
struct gs_rtpoints {
	int rc;					/* 0, or -1 with err */
	struct gs_err err;
	struct gs_probe_point pts[GS_RTP_COUNT];
};
void gs_rtprobe_locate(int fd, struct gs_rtpoints *out);

/*
 * Attach to pid's executable unless that (dev, inode) is already probed;
 * *bin gets its record either way. pre: the points gs_rtprobe_locate found
 * for this executable, or NULL to find them here. Fails (ENOENT) when not
 * even runtime.gcMarkTermination can be probed; ESRCH when pid is gone.
 */
int gs_rtprobe_attach(struct gs_rtprobe *p, int pid, const struct gs_rtpoints *pre,
		      struct gs_rtbin **bin, bool *fresh, struct gs_err *err);

/*
 * New uprobes can take a few milliseconds to fire on every CPU: on this
 * project's VM, about one attach in twenty missed 10-20 ms of events when
 * the target was released at once; none did after a 100 ms wait. Wait
 * until GS_RTPROBE_SETTLE_NS after the last fresh attach.
 */
#define GS_RTPROBE_SETTLE_NS 150000000ull
void gs_rtprobe_settle(struct gs_rtprobe *p);

/* With opts.filter: start / stop counting tgid. */
int gs_rtprobe_track(struct gs_rtprobe *p, int tgid, struct gs_err *err);

/* tgid's cumulative state; -1 (ENOENT) when it has had no event yet. */
int gs_rtprobe_read(struct gs_rtprobe *p, int tgid, struct gs_rt_state *st);
/* The longest pause since the last call (0 when none), and reset it. */
uint64_t gs_rtprobe_take_imax(struct gs_rtprobe *p, int tgid);
/* Drop tgid's state (after its last read) and its filter entry. */
void gs_rtprobe_forget(struct gs_rtprobe *p, int tgid);
/* Drop the state of every tgid for which keep(ctx, tgid) is false. */
void gs_rtprobe_prune(struct gs_rtprobe *p, bool (*keep)(void *ctx, int tgid), void *ctx);
/* Global counters (enum gs_rt_stat), summed over CPUs. */
void gs_rtprobe_stats(struct gs_rtprobe *p, uint64_t out[GS_RTS_COUNT]);
/* Binaries probed, and uprobes in place. */
void gs_rtprobe_counts(const struct gs_rtprobe *p, unsigned *bins, unsigned *links);
/*
 * Descriptors the uprobes hold now, and at most how many one more binary
 * takes: 1 with multi-uprobe links, 2 per probe with perf-event ones.
 */
unsigned gs_rtprobe_fds(const struct gs_rtprobe *p, unsigned *per_bin);
/* Multi-uprobe links in use ("multi"), or perf-event uprobes ("perf"). */
const char *gs_rtprobe_link_kind(const struct gs_rtprobe *p);
/*
 * Detach bin's uprobes and free its record, for a binary no process of
 * interest runs any more (a long-running caller must not keep uprobes on
 * every binary it ever saw). bin is invalid afterwards; a later attach to
 * the same executable starts afresh.
 */
void gs_rtprobe_detach(struct gs_rtprobe *p, struct gs_rtbin *bin);

#endif
