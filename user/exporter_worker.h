/* SPDX-License-Identifier: MIT */
/*
 * goscope exporter: the parse worker (exporter_worker.c). Everything but the
 * worker threads' own parsing runs on the collector thread.
 */
#ifndef GOSCOPE_EXPORTER_WORKER_H
#define GOSCOPE_EXPORTER_WORKER_H

#include <stdbool.h>
#include <sys/stat.h>

#include "exporter.h"
#include "classify.h"

/* How long one binary may take (classification and layout) before it is skipped. */
#define XJOB_DEADLINE_NS	(5 * 1000000000ull)

/*
 * NULL with err: EINVAL for a test hook that does not parse (the exporter
 * refuses to start), otherwise the lock or thread that could not be made.
 */
struct xworker *exporter_worker_start(struct gs_err *err);
/* Stop taking jobs; never waits for a parse in progress. */
void exporter_worker_stop(struct xworker *w);

enum { XW_PENDING = 1, XW_SKIPPED = 2 };
/* What a job finds beside the class, for a Go binary. */
enum { XW_WANT_LAYOUT = 1, XW_WANT_POINTS = 2 };
/*
 * pid (with starttime) runs the executable st, whose class, runtime
 * layout or uprobe points (want: XW_WANT_*) the collector lacks: queue its
 * parse, or join the one queued. XW_PENDING, XW_SKIPPED (its binary blew
 * the deadline before), or -1 with err (opening /proc/PID/exe).
 */
int exporter_worker_submit(struct xworker *w, int pid, unsigned long long starttime,
			   const struct stat *st, unsigned want, struct gs_err *err);

/* A job's results beyond the class: each NULL when not wanted or not found. */
struct xparsed {
	struct gs_rt_layout *lay;
	struct gs_rtpoints *pts;
};
/*
 * For each process that waited on a finished job: cls is the class (NULL
 * with err on failure; a reference the callee does not keep), res what
 * else was found (the callee may take a member, setting it to NULL).
 */
typedef void (*xworker_done_fn)(void *ctx, int pid, unsigned long long starttime,
				struct gs_class *cls, dev_t dev, ino_t ino,
				struct xparsed *res, const struct gs_err *err);
/* Hand finished jobs to done, abandon the ones past their deadline. */
void exporter_worker_reap(struct xworker *w, xworker_done_fn done, void *ctx);
/*
 * Did st's binary blow the deadline? Checked before the class cache: the
 * abandoned parse may still finish and fill it.
 */
bool exporter_worker_skipped(const struct xworker *w, const struct stat *st);
/* Jobs not reaped yet. */
size_t exporter_worker_pending(const struct xworker *w);
/* Binaries skipped for blowing the deadline. */
unsigned long long exporter_worker_timeouts(const struct xworker *w);

#endif
