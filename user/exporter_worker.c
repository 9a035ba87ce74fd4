// SPDX-License-Identifier: MIT
/*
 * goscope exporter: binaries are parsed off the collector thread.
 *
 * The classifier and the live-read layout loader are bounded by their work
 * budgets (docs/security.md), but "bounded" can still be seconds on a
 * crafted file, and the collector must never stop reading events, rescanning
 * or publishing snapshots while one binary is parsed (issue 16: a bomb froze
 * the snapshot for 183 s and SIGTERM for minutes). So a binary not in the
 * class cache becomes a job: the collector opens /proc/PID/exe, queues the
 * descriptor and notes the process as waiting; a worker thread classifies
 * the file (filling the shared cache) and loads its layout; the collector
 * picks the result up on its next pass and starts tracking every process
 * that waited for it.
 *
 * Deadline. A job still running XJOB_DEADLINE_NS after it started is
 * abandoned: its binary is marked (dev, inode, size, mtime) and skipped for
 * good, counted in goscope_exporter_parse_timeouts_total and logged once.
 * A thread cannot be cancelled safely in the middle of a parse, so the stuck
 * thread is left to finish on its own (it then frees the job and exits) and
 * a fresh thread takes the queue; at most XSTUCK_MAX stuck threads exist at
 * a time, beyond that the queue waits (the collector still does not). On
 * exit nobody waits for a worker: the process ends under them.
 *
 * Test hook (test-only, documented in docs/security.md): with
 * GOSCOPE_TEST_PARSE_DELAY=SUBSTRING:DURATION in the environment (a
 * duration as every option takes it: "7" or "7s", "500ms"), a worker sleeps
 * that long before parsing any executable whose path contains SUBSTRING; a
 * value that does not parse is refused. The scan budgets make every real
 * bomb fast, so this is how tests/e2e/exporter_hostile.bats holds a parse
 * open to prove the deadline and the shutdown bound. It only ever delays the exporter's own work.
 */
#include "exporter_worker.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "godur.h"
#include "output.h"

#define XSTUCK_MAX		4
#define XTHREADS_MAX		4	/* taking jobs at once */
#define XBUSY_NS		(100 * 1000000ull)	/* a job this old: help with the queue */
#define XSKIP_MAX		1024	/* binaries remembered as skipped */
#define XWAIT_MAX		4096	/* processes waiting on one job */

struct xwaiter {
	int pid;
	unsigned long long starttime;
};

struct xjob {
	struct xjob *next;		/* queue (under lock) */
	struct xjob *cnext;		/* the collector's list of its jobs */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	int pid;			/* whose /proc/PID/exe the worker opens */
	int fd;				/* the worker's, while it runs */
	unsigned want;			/* XW_WANT_* */
	char path[256];

	/* under the pool's lock */
	uint64_t started_ns;		/* 0: queued */
	bool done, abandoned;

	/* results, the worker's until done */
	struct gs_class *cls;
	struct xparsed res;
	struct gs_err err;

	/* the collector's */
	struct xwaiter *w;
	size_t nw, capw;
};

struct xskip {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
};

struct xworker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned refs;			/* the collector and each thread */
	struct xjob *head, *tail;	/* queued */
	unsigned active;		/* threads taking jobs */
	unsigned idle;			/* of them, waiting for one */
	unsigned stuck;			/* threads on an abandoned job */
	bool stopping;

	/* the collector's */
	struct xjob *jobs;		/* queued, running or done, not yet reaped */
	struct xskip skip[XSKIP_MAX];
	size_t nskip, skip_next;
	unsigned long long n_timeouts;
	const char *delay_sub;		/* the test hook */
	uint64_t delay_ns;
	char delay_buf[128];
};

static void job_free(struct xjob *j)
{
	if (j->fd >= 0)
		close(j->fd);
	gs_class_put(j->cls);
	free(j->res.lay);
	free(j->res.pts);
	free(j->w);
	free(j);
}

static void pool_unref_locked(struct xworker *w, bool *freed)
{
	*freed = --w->refs == 0;
}

static void pool_free(struct xworker *w)
{
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

static void run_job(struct xworker *w, struct xjob *j)
{
	struct stat st;

	/*
	 * Opened here, not when queued: a queue of a thousand new binaries
	 * must not hold a thousand descriptors. A process gone (or exec'd
	 * into something else) meanwhile ends the job with ESRCH; the
	 * collector then queues its other waiters again.
	 */
	j->fd = gs_proc_open_exe(j->pid, &j->err);
	if (j->fd < 0)
		return;
	if (fstat(j->fd, &st) < 0 || st.st_dev != j->dev || st.st_ino != j->ino) {
		gs_errf(&j->err, ESRCH, "process %d runs another executable now", j->pid);
		return;
	}
	if (w->delay_sub && strstr(j->path, w->delay_sub)) {
		struct timespec ts = { (time_t)(w->delay_ns / GS_NS_PER_SEC),
				       (long)(w->delay_ns % GS_NS_PER_SEC) };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	j->cls = gs_classify_fd(j->fd, &j->err);
	if (j->cls && j->cls->verdict != GS_NOT_GO && (j->want & XW_WANT_LAYOUT)) {
		struct gs_err e2 = { 0 };

		j->res.lay = malloc(sizeof(*j->res.lay));
		if (j->res.lay && gs_rt_layout_load(j->fd, j->res.lay, &e2) < 0) {
			if (gs_opts.verbose)
				gs_warn("exporter: %s: no live reads: %s", j->path, e2.msg);
			free(j->res.lay);
			j->res.lay = NULL;
		}
	}
	/* The uprobes' places too: the collector only attaches. */
	if (j->cls && j->cls->verdict != GS_NOT_GO && (j->want & XW_WANT_POINTS)) {
		j->res.pts = malloc(sizeof(*j->res.pts));
		if (j->res.pts)
			gs_rtprobe_locate(j->fd, j->res.pts);
	}
	close(j->fd);
	j->fd = -1;
}

static void *worker_main(void *arg)
{
	struct xworker *w = arg;
	bool freed;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct xjob *j;

		w->idle++;
		while (!w->stopping && !w->head)
			pthread_cond_wait(&w->cond, &w->lock);
		w->idle--;
		if (w->stopping)
			break;
		j = w->head;
		w->head = j->next;
		if (!w->head)
			w->tail = NULL;
		j->started_ns = exporter_now_ns();
		pthread_mutex_unlock(&w->lock);

		run_job(w, j);

		pthread_mutex_lock(&w->lock);
		j->done = true;
		if (j->abandoned) {
			/* The collector gave up on it and started another thread. */
			job_free(j);
			w->stuck--;
			pool_unref_locked(w, &freed);
			pthread_mutex_unlock(&w->lock);
			if (freed)
				pool_free(w);
			return NULL;
		}
	}
	w->active--;
	pool_unref_locked(w, &freed);
	pthread_mutex_unlock(&w->lock);
	if (freed)
		pool_free(w);
	return NULL;
}

/* One more taker of jobs; with the lock held. false when no thread could start. */
static bool spawn_locked(struct xworker *w)
{
	pthread_attr_t a;
	pthread_t t;
	bool ok;

	if (pthread_attr_init(&a))
		return false;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&t, &a, worker_main, w) == 0;
	pthread_attr_destroy(&a);
	if (ok) {
		w->active++;
		w->refs++;
	}
	return ok;
}

/* The test hook, SUBSTRING:DURATION (the last colon splits them). */
static int parse_delay_hook(struct xworker *w, const char *hook, struct gs_err *err)
{
	struct gs_err perr = { 0 };
	char *colon;

	if (strlen(hook) >= sizeof(w->delay_buf))
		return gs_errf(err, EINVAL, "test hook GOSCOPE_TEST_PARSE_DELAY: too long");
	snprintf(w->delay_buf, sizeof(w->delay_buf), "%s", hook);
	colon = strrchr(w->delay_buf, ':');
	if (!colon || colon == w->delay_buf)
		return gs_errf(err, EINVAL, "test hook GOSCOPE_TEST_PARSE_DELAY: '%s' is not "
			       "SUBSTRING:DURATION", hook);
	*colon = '\0';
	if (gs_parse_duration(colon + 1, &w->delay_ns, &perr) < 0)
		return gs_errf(err, EINVAL, "test hook GOSCOPE_TEST_PARSE_DELAY: %s", perr.msg);
	w->delay_sub = w->delay_buf;
	gs_warn("exporter: test hook GOSCOPE_TEST_PARSE_DELAY: parsing binaries "
		"whose path contains '%s' waits %s first", w->delay_sub, colon + 1);
	return 0;
}

struct xworker *exporter_worker_start(struct gs_err *err)
{
	struct xworker *w = calloc(1, sizeof(*w));
	const char *hook = getenv("GOSCOPE_TEST_PARSE_DELAY");

	if (!w) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&w->lock, NULL)) {
		free(w);
		gs_errf(err, ENOMEM, "cannot create a lock");
		return NULL;
	}
	if (pthread_cond_init(&w->cond, NULL)) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		gs_errf(err, ENOMEM, "cannot create a condition variable");
		return NULL;
	}
	w->refs = 1;
	if (hook && *hook && parse_delay_hook(w, hook, err) < 0) {
		pool_free(w);
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	if (!spawn_locked(w)) {
		pthread_mutex_unlock(&w->lock);
		pool_free(w);
		gs_errf(err, EAGAIN, "cannot start a thread");
		return NULL;
	}
	pthread_mutex_unlock(&w->lock);
	return w;
}

void exporter_worker_stop(struct xworker *w)
{
	struct xjob *j, *next;
	bool freed;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->cond);
	/* Queued jobs are ours; a running one becomes its thread's to free. */
	for (j = w->jobs; j; j = next) {
		next = j->cnext;
		if (j->started_ns && !j->done) {
			if (!j->abandoned) {
				j->abandoned = true;
				w->stuck++;
			}
		} else {
			job_free(j);
		}
	}
	w->jobs = NULL;
	w->head = w->tail = NULL;
	pool_unref_locked(w, &freed);
	pthread_mutex_unlock(&w->lock);
	if (freed)
		pool_free(w);
}

bool exporter_worker_skipped(const struct xworker *w, const struct stat *st)
{
	int64_t m = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;

	for (size_t i = 0; i < w->nskip; i++) {
		const struct xskip *s = &w->skip[i];

		if (s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
		    s->mtime_ns == m)
			return true;
	}
	return false;
}

int exporter_worker_submit(struct xworker *w, int pid, unsigned long long starttime,
			   const struct stat *st, unsigned want, struct gs_err *err)
{
	struct xjob *j;
	char path[64];
	ssize_t n;

	if (exporter_worker_skipped(w, st))
		return XW_SKIPPED;
	for (j = w->jobs; j; j = j->cnext)
		if (j->dev == st->st_dev && j->ino == st->st_ino)
			break;
	if (!j) {
		j = calloc(1, sizeof(*j));
		if (!j) {
			gs_errf(err, ENOMEM, "out of memory");
			return -1;
		}
		j->fd = -1;
		j->pid = pid;
		j->dev = st->st_dev;
		j->ino = st->st_ino;
		j->size = st->st_size;
		j->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
		j->want = want;
		snprintf(path, sizeof(path), "%s/%d/exe", gs_proc_root(), pid);
		n = readlink(path, j->path, sizeof(j->path) - 1);
		j->path[n > 0 ? n : 0] = '\0';
		j->cnext = w->jobs;
		w->jobs = j;
		pthread_mutex_lock(&w->lock);
		if (w->tail)
			w->tail->next = j;
		else
			w->head = j;
		w->tail = j;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->lock);
	}
	for (size_t i = 0; i < j->nw; i++)
		if (j->w[i].pid == pid && j->w[i].starttime == starttime)
			return XW_PENDING;
	if (j->nw == j->capw) {
		size_t cap = j->capw ? j->capw * 2 : 4;
		struct xwaiter *nw;

		if (cap > XWAIT_MAX || !(nw = realloc(j->w, cap * sizeof(*nw))))
			return XW_PENDING;	/* the next rescan finds it in the cache */
		j->w = nw;
		j->capw = cap;
	}
	j->w[j->nw++] = (struct xwaiter){ pid, starttime };
	return XW_PENDING;
}

size_t exporter_worker_pending(const struct xworker *w)
{
	size_t n = 0;

	for (const struct xjob *j = w ? w->jobs : NULL; j; j = j->cnext)
		n++;
	return n;
}

unsigned long long exporter_worker_timeouts(const struct xworker *w)
{
	return w ? w->n_timeouts : 0;
}

void exporter_worker_reap(struct xworker *w, xworker_done_fn done, void *ctx)
{
	struct xjob **pp, *j, *ready = NULL;
	uint64_t now;
	bool slow = false;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	/*
	 * Read the clock with the lock held, as the workers stamp started_ns:
	 * a job started between an earlier reading and the lock would look
	 * started in the future, and now - started_ns wrap to a deadline long
	 * past (a quick parse taken for a stuck one under an exec storm).
	 */
	now = exporter_now_ns();
	pp = &w->jobs;
	while ((j = *pp)) {
		if (j->done) {
			*pp = j->cnext;
			j->cnext = ready;
			ready = j;
			continue;
		}
		if (j->started_ns && now - j->started_ns > XJOB_DEADLINE_NS) {
			struct xskip *s = &w->skip[w->skip_next];

			*s = (struct xskip){ j->dev, j->ino, j->size, j->mtime_ns };
			w->skip_next = (w->skip_next + 1) % XSKIP_MAX;
			if (w->nskip < XSKIP_MAX)
				w->nskip++;
			w->n_timeouts++;
			gs_warn("exporter: %s: parsing took longer than %llu s: binary skipped, "
				"its processes are not tracked (goscope_exporter_parse_timeouts_total)",
				j->path[0] ? j->path : "?", XJOB_DEADLINE_NS / 1000000000ull);
			/* Its thread frees it when (if) the parse ends. */
			j->abandoned = true;
			w->stuck++;
			w->active--;
			*pp = j->cnext;
			continue;
		}
		if (j->started_ns && now - j->started_ns > XBUSY_NS)
			slow = true;
		pp = &j->cnext;
	}
	/*
	 * A taker of jobs for the queue while threads are stuck, up to a limit;
	 * and another one while a slow parse holds the others up, so that one
	 * slow binary does not delay the next (up to XTHREADS_MAX at once).
	 */
	if (!w->stopping && w->stuck < XSTUCK_MAX &&
	    (!w->active || (slow && w->head && !w->idle && w->active < XTHREADS_MAX)))
		spawn_locked(w);
	pthread_mutex_unlock(&w->lock);

	while ((j = ready)) {
		ready = j->cnext;
		for (size_t i = 0; i < j->nw; i++)
			done(ctx, j->w[i].pid, j->w[i].starttime, j->cls, j->dev, j->ino, &j->res,
			     &j->err);
		job_free(j);
	}
}
