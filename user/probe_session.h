/* SPDX-License-Identifier: MIT */
/*
 * The probe command's session (user/probe_session.c): the set of probed
 * processes and their binaries' layouts, --all's rescans and exec events,
 * exits, and the live reads of each interval. cmd_probe.c parses the
 * command line and runs the loop over it.
 */
#ifndef GOSCOPE_PROBE_SESSION_H
#define GOSCOPE_PROBE_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "liveread.h"
#include "probe_bpf.h"
#include "probe_report.h"
#include "proc.h"

#define MAX_TARGETS	65536
#define EXIT_CHECK_NS	200000000ull	/* how soon an exit is noticed */
#define NS		1000000000ull
#define EXEC_QMAX	4096		/* execs held between two drains; more: rescan */
#define RESCAN_NS	(10 * NS)	/* --all's safety-net rescan with exec events */

/* The signal that ends the session (0 while running); set by cmd_probe.c's handler. */
extern volatile sig_atomic_t gs_probe_stop;

struct layout_ent {
	dev_t dev;
	ino_t ino;
	bool ok;
	char err[GS_LIVE_WHY];
	struct gs_rt_layout lay;
};

struct skip {
	int pid;
	unsigned long long starttime;
};

struct probe {
	struct gs_rtprobe *rp;
	struct gs_probe_view view;
	bool all;
	/* --all: exec events, queued by the tracer's callback, drained in the loop */
	struct gs_exec_tracer *tracer;
	int execq[EXEC_QMAX];
	unsigned nexec;
	bool exec_overflow;
	struct gs_ptarget **t;
	unsigned n, cap;
	struct layout_ent **lays;
	unsigned nlays, caplays;
	struct skip *skip;
	unsigned nskip, capskip;
};

/* Probe pid (known: its stat, or NULL); *added the new target. -1 with err when it cannot be. */
int probe_add_target(struct probe *p, int pid, const struct gs_proc_stat *known,
		     struct gs_ptarget **added, struct gs_err *err);
bool probe_tracked(const struct probe *p, int pid);
/* --all: every Go process not yet probed. */
void probe_rescan(struct probe *p);
/* Sleep until deadline (ns, gs_probe_now's clock), taking exec events and signals. */
void probe_wait_until(struct probe *p, uint64_t deadline);
/* Mark targets that exited; how many are still running. */
unsigned probe_check_exits(struct probe *p, uint64_t now);
/* One live read of every target (goroutines, threads, ...). */
void probe_sample(struct probe *p);
/* Bookkeeping at an interval's end. */
void probe_advance(struct probe *p, uint64_t now);
void probe_free(struct probe *p);
/* The exec tracer's callback (ctx: the probe): queues --all's new programs. */
struct gs_exec_event;
int probe_on_exec_event(void *ctx, const struct gs_exec_event *ev);
/* gs_rtprobe_prune's test (ctx: the probe): is tgid still a target? */
bool probe_keep_state(void *ctx, int tgid);

#endif
