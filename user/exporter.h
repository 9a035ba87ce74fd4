/* SPDX-License-Identifier: MIT */
/*
 * goscope exporter, internals shared by its files:
 *   cmd_exporter.c       options, set-up, signals, the collector thread's loop
 *   exporter_registry.c  the Go processes tracked: fed by exec/exit events and
 *                        /proc rescans; per-binary uprobes and live-read layouts;
 *                        sampling
 *   exporter_render.c    the metrics text of one snapshot, and the per-scrape
 *                        self-metrics
 *   exporter_http.c      the listening socket and the libmicrohttpd server
 *   exporter_worker.c    binaries parsed by worker threads, with a deadline
 *
 * Threads. The collector thread owns the registry, the BPF objects and the
 * counters in struct exporter's "collector" part: it reads exec/exit
 * events, rescans /proc, samples, renders the whole exposition into a new
 * buffer and publishes it (struct xsnap) under snap_lock. HTTP threads only
 * copy the latest published buffer and append the scrape statistics
 * (scrape_lock): a scrape never waits for probing, parsing or /proc.
 * Worker threads parse binaries not yet in the class cache (exporter_worker.h);
 * the collector only queues them and picks up the results.
 */
#ifndef GOSCOPE_EXPORTER_H
#define GOSCOPE_EXPORTER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "exec.h"
#include "goreleases.h"
#include "gserr.h"
#include "liveread.h"
#include "probe_bpf.h"
#include "proc.h"
#include "watch.h"	/* struct wmap */

struct xparsed;

#define XP_NAME_MAX	256
#define XP_MODULE_MAX	256

struct xworker;			/* exporter_worker.c */

/* One executable (dev, inode) that tracked processes run. */
struct xbin {
	dev_t dev;
	ino_t ino;
	unsigned refs;			/* tracked processes running it */
	uint64_t unused_since;		/* CLOCK_MONOTONIC ns when refs fell to 0 */
	bool probe_tried;
	struct gs_rtbin *rtbin;		/* uprobes (NULL: none) */
	bool lay_tried;
	struct gs_rt_layout *lay;	/* live-read layout (NULL: unavailable) */
	struct xbin *hnext;		/* next in its bin_hash bucket */
};

/* One tracked Go process. */
struct xproc {
	int pid;
	unsigned long long starttime;	/* clock ticks since boot: with pid, the identity */
	char name[XP_NAME_MAX];
	char *exe;
	char version[GS_VERSION_MAX];	/* "" when unknown */
	char module[XP_MODULE_MAX];
	char container_id[GS_CONTAINER_ID_LEN + 1];
	enum gs_support support;
	struct xbin *bin;
	unsigned long gen;		/* last rescan that saw it */

	bool live_ok;			/* gs_live_attach done */
	bool live_denied;		/* memory unreadable: stop trying */
	unsigned live_tries;
	struct gs_live live;

	/* the last sample */
	bool have_rt;
	struct gs_rt_state rt;
	bool have_live;
	struct gs_live_stats ls;
};

/* An event waiting for the collector (the ring-buffer callback only queues). */
struct xevent {
	gs_u32 type;			/* GS_EV_EXEC, GS_EV_EXIT */
	gs_u32 tgid;
	gs_u64 start_ns;		/* CLOCK_BOOTTIME */
};

/* Why a binary got no uprobes although BPF works: goscope_exporter_probe_skipped_total{reason}. */
enum {
	XSKIP_FD_BUDGET,	/* the descriptor budget for uprobe links is spent */
	XSKIP_NO_FDS,		/* an attach failed with EMFILE/ENFILE */
	XSKIP_BINS_FULL,	/* the probe table is full */
	XSKIP_COUNT
};

#define XQ_MAX		(64u * 1024)	/* queued events before they count as lost */
#define XSCRAPE_BUCKETS	12
#define XBIN_BUCKETS	1024		/* the binaries' hash (MAX_BINS 4096: chains of ~4) */

/* A published exposition: immutable once published. */
struct xsnap {
	char *body;
	size_t len;
	uint64_t at_ns;			/* CLOCK_MONOTONIC when rendered */
};

struct exporter_opts {
	uint64_t interval_ns;		/* refresh */
	uint64_t rescan_ns;
	bool live;			/* memory reads */
	bool bpf;			/* try BPF at all */
};

struct exporter {
	struct exporter_opts o;

	/* ---- collector thread (and set-up before it starts) ---- */
	struct gs_exec_tracer *tracer;	/* NULL: no events, rescans only */
	struct gs_rtprobe *rp;		/* NULL: no uprobes */
	const char *bpf_mode;		/* "tp_btf", "tracepoint" or "off" */
	char bpf_why[256];		/* why BPF is off ("" when on) */
	bool uprobes_denied;		/* the kernel refused a uprobe: stop trying */
	struct wmap procs;		/* pid -> struct xproc */
	struct xbin **bins;		/* every entry, for eviction and release */
	size_t nbins, capbins;
	struct xbin *bin_hash[XBIN_BUCKETS];	/* the same, by (dev, inode) */
	uint64_t bin_linger_ns;		/* BIN_LINGER_NS, or the test hook's */
	unsigned long gen;
	uint64_t ns_per_tick;

	struct xevent *q;
	size_t qn, qcap;

	unsigned long long n_exec, n_exit, lost_ring, lost_queue;
	unsigned long long n_rescans, n_rescan_found, n_rescan_gone;
	unsigned long long n_refresh, n_render_fail;
	/* bounded work (issue 16) */
	unsigned long long n_bins_evicted;	/* table full: a binary no process runs dropped */
	unsigned long long n_bins_overflow;	/* table full of running binaries: process untracked */
	unsigned long long n_probe_skipped[XSKIP_COUNT];
	unsigned long long n_fd_errors;	/* /proc reads and opens failing with EMFILE/ENFILE */
	uint64_t fd_error_logged_ns;	/* when the last such error was logged */
	uint64_t overflow_logged_ns;
	unsigned long uprobe_fd_budget;		/* descriptors the limit leaves for uprobe links */
	struct xworker *worker;		/* binaries parsed off the collector (NULL: inline) */
	bool closing;			/* exporter_fini: uprobes go with gs_rtprobe_close */
	struct xparsed *handoff;	/* a worker's results for the binary being added */
	dev_t handoff_dev;
	ino_t handoff_ino;
	unsigned long uninspectable;	/* permission denied at the last rescan */
	uint64_t refresh_ns;		/* how long the last refresh took */
	bool rescan_soon;		/* events were lost: rescan at once */
	bool dirty;			/* processes came or went: render soon */

	/* ---- shared with the HTTP threads ---- */
	pthread_mutex_t snap_lock;
	struct xsnap *snap;

	pthread_mutex_t scrape_lock;
	unsigned long long scrape_bucket[XSCRAPE_BUCKETS];	/* not cumulative */
	unsigned long long scrape_count, scrape_ns;
	unsigned long long http_errors;	/* responses that could not be built */
	unsigned long long http_head_timeouts;	/* connections cut: request head too slow */
	struct exporter_http *http;	/* set while the server runs */
};

uint64_t exporter_now_ns(void);	/* CLOCK_MONOTONIC */

/* exporter_registry.c */
/* Fails with err set (out of memory, a bad test hook). */
int exporter_init(struct exporter *x, const struct exporter_opts *o, struct gs_err *err);
void exporter_fini(struct exporter *x);
/* gs_exec_event_fn: queue the event for exporter_drain (no /proc, no parsing here). */
int exporter_on_event(void *ctx, const struct gs_exec_event *ev);
/* Handle the queued events, in order. */
void exporter_drain(struct exporter *x);
/* The /proc safety net: add what the events missed, drop what is gone. */
void exporter_rescan(struct exporter *x);
/* Read every tracked process's BPF state and live values. */
void exporter_sample(struct exporter *x);
/* The tracked processes, sorted by PID (malloc'd; NULL with *n == 0 when none). */
struct xproc **exporter_sorted(const struct exporter *x, size_t *n);

/* exporter_render.c */
/* Render the snapshot's text (every family but the per-scrape ones). NULL when out of memory. */
struct xsnap *exporter_render(struct exporter *x);
void exporter_snap_free(struct xsnap *s);
/* Publish s as the latest snapshot (takes it over). */
void exporter_publish(struct exporter *x, struct xsnap *s);
/* The per-scrape families (scrape durations, snapshot age), appended to f. */
void exporter_render_scrape(struct exporter *x, FILE *f, uint64_t now_ns);
/* Upper bounds of the scrape-duration buckets, in ns (the last is +Inf). */
extern const uint64_t exporter_scrape_le_ns[XSCRAPE_BUCKETS];

/* exporter_http.c */
struct exporter_listen {
	struct sockaddr_storage sa;
	socklen_t salen;
	char text[128];			/* as given, for messages */
};
/*
 * Parse "HOST:PORT" with a numeric IPv4 host, "[IPV6]:PORT", "localhost:PORT"
 * (127.0.0.1) or ":PORT" (every IPv4 address). PORT 0 picks a free port.
 * -1 with err (EINVAL) on anything else: no name lookups.
 */
int exporter_parse_listen(const char *s, struct exporter_listen *l, struct gs_err *err);
/* Create, bind and listen; the bound address (port 0 resolved) into text. */
int exporter_bind(const struct exporter_listen *l, char *bound, size_t boundsz,
		  struct gs_err *err);
struct exporter_http;
/* Serve on the listening socket fd (taken over) with a pool of threads. */
struct exporter_http *exporter_http_start(struct exporter *x, int fd, unsigned threads,
					  struct gs_err *err);
void exporter_http_stop(struct exporter_http *h);

#endif
