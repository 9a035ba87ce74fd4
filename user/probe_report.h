/* SPDX-License-Identifier: MIT */
/*
 * goscope probe's per-process records and what it prints: one row (or JSON
 * document) per interval, and the summary at the end.
 */
#ifndef GOSCOPE_PROBE_REPORT_H
#define GOSCOPE_PROBE_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "goruntime.h"
#include "liveread.h"
#include "probe_bpf.h"
#include "proc.h"

struct gs_ptarget {
	int pid;
	unsigned long long starttime;	/* /proc/PID/stat field 22: with pid, the identity */
	char name[GS_COMM_MAX];
	char version[GS_VERSION_MAX];
	struct gs_rtbin *bin;
	/* live reads (section 2 of the issue): none when live_err is set */
	struct gs_live live;
	bool live_ok;
	char live_err[GS_LIVE_WHY];
	struct gs_live_stats lstats;
	bool have_lstats;
	/* BPF state: cumulative now, at the last interval, when first seen */
	struct gs_rt_state cur, prev;
	uint64_t imax;			/* longest pause this interval */
	uint64_t t0, tprev, tend;	/* CLOCK_MONOTONIC ns; tend: exit or end */
	bool exited;			/* gone (reported in the next row and the summary) */
	bool exit_shown;
};

struct gs_probe_view {
	bool json;
	bool goroutines;		/* creation/exit probes are on */
	bool live;			/* live reads are on */
};

/* Monotonic nanoseconds. */
uint64_t gs_probe_now(void);

/* Text header for the interval rows. */
void gs_probe_header(const struct gs_probe_view *v);
/*
 * One interval: a text row per target, or one JSON document. Uses each
 * target's cur and prev (and imax); the caller then sets prev = cur.
 */
void gs_probe_interval(const struct gs_probe_view *v, struct gs_ptarget **t, unsigned n,
		       uint64_t now, uint64_t start);
/*
 * The summary: totals since each target was first seen; links says how the
 * uprobes are attached ("multi": a multi-uprobe link per binary, "perf").
 */
void gs_probe_summary(const struct gs_probe_view *v, struct gs_ptarget **t, unsigned n,
		      uint64_t now, uint64_t start, const uint64_t stats[GS_RTS_COUNT],
		      unsigned bins, unsigned uprobes, const char *links);

/*
 * Percentile q (0..1) of the pauses counted by hist (log2 slots), linearly
 * interpolated inside the slot and capped at max_ns. 0 when empty.
 */
uint64_t gs_hist_percentile(const gs_u64 *hist, unsigned slots, double q, uint64_t max_ns);

/* "850ns", "12.3µs", "4.56ms", "1.23s" */
void gs_fmt_dur(uint64_t ns, char *buf, size_t sz);

#endif
