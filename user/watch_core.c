// SPDX-License-Identifier: MIT
/*
 * goscope watch: what happens to each exec and exit event.
 *
 * The ring-buffer callback (main thread) never parses a binary. For an exec
 * it opens the executable at once, while the process most likely still
 * lives (watch_resolve.c), and looks the file up in the memo of finished
 * classifications, keyed by (dev, inode) and checked against size and mtime.
 * A hit is printed on the spot; a miss goes to the worker thread, which
 * classifies through the shared cache (gs_classify_fd). So a storm of execs
 * of one binary costs one parse, and a new big binary delays nothing but
 * its own line.
 *
 * Order: events of one PID are printed in the order the kernel sent them.
 * While an exec of PID P waits for the worker, every later event of P
 * waits behind it in P's chain; the worker prints the chain when the head
 * is done. Events of other PIDs pass freely.
 *
 * Exits: a line is printed only for a process whose start or present line
 * was printed, matched by (PID, start time); this also drops the second
 * exit event the kernel sends when two threads finish together.
 *
 * Start-up: the tracer is attached before /proc is read, so a process that
 * starts meanwhile can be both in the snapshot and in the backlog of exec
 * events. The snapshot notes when it read each process's executable; an
 * exec of the same (PID, start time) from before that moment is the one the
 * snapshot already showed, and is dropped.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfload.h"
#include "output.h"

struct witem {
	struct witem *next;		/* in its PID's chain */
	struct witem *qnext;		/* in the worker's queue */
	struct gs_exec_event ev;
	bool ready;
	struct watch_pin pin;
	struct watch_start *start;	/* exec, ready, to be shown (else NULL) */
};

struct wchain {
	struct witem *head, *tail;
};

bool watch_filter_ok(const struct watch *w, const struct watch_start *s)
{
	if (w->o.has_pid_ns && (!s->has_pidns || s->pid_ns != w->o.pid_ns))
		return false;
	if (w->o.container && (!s->has_cid ||
			       strncmp(s->cid, w->o.container, strlen(w->o.container)) != 0))
		return false;
	return true;
}

/* ---- processes shown ---- */

int watch_live_add(struct watch *w, const struct watch_start *s, bool shown)
{
	struct watch_live *l = calloc(1, sizeof(*l)), *old;

	if (!l)
		return -1;
	l->pid = s->pid;
	l->start_ns = s->start_ns;
	l->start_tick = watch_tick(w, s->start_ns);
	l->ppid = s->ppid;
	l->has_uid = s->has_uid;
	l->uid = s->uid;
	l->shown = shown;
	l->src = s->src;
	snprintf(l->name, sizeof(l->name), "%s", s->name);
	old = wmap_get(&w->live, (uint64_t)s->pid);
	if (wmap_put(&w->live, (uint64_t)s->pid, l) != 0) {
		free(l);
		return -1;
	}
	free(old);
	return 0;
}

void watch_exit_of(const struct watch_live *l, enum watch_src src, uint64_t ts_ns,
		   struct watch_exit *e)
{
	memset(e, 0, sizeof(*e));
	e->src = src;
	e->pid = l->pid;
	e->ppid = l->ppid;
	e->has_uid = l->has_uid;
	e->uid = l->uid;
	snprintf(e->name, sizeof(e->name), "%s", l->name);
	e->ts_ns = ts_ns;
	e->start_ns = l->start_ns;
}

/* ---- applying events, in each PID's order (lock held) ---- */

static void apply_exec(struct watch *w, const struct gs_exec_event *ev, struct watch_start *s)
{
	int pid = watch_shown_pid(w, ev);
	struct watch_live *l = wmap_get(&w->live, (uint64_t)pid);
	uint64_t tick = watch_tick(w, ev->start_ns);

	if (s && watch_filter_ok(w, s)) {
		s->has_latency = true;
		s->latency_ns = watch_now_ns() - ev->ts_ns;
		if (s->latency_ns > (uint64_t)INT64_MAX)
			s->latency_ns = 0;	/* clocks disagree: never negative */
		watch_out_start(w, s);
		if (!s->memo)
			w->n_unclassified++;
		else if (watch_is_go(s->memo))
			w->n_go_start++;
		else
			w->n_other_start++;
		if (watch_live_add(w, s, true) != 0)
			gs_warn("watch: out of memory: the exit of pid %d will not be shown", pid);
		return;
	}
	if (l && l->start_tick == tick) {
		/* It exec'd a program we do not show: its exit still ends the line we printed. */
		snprintf(l->name, sizeof(l->name), "%s", ev->comm);
		return;
	}
	if (l)
		free(wmap_del(&w->live, (uint64_t)pid));	/* an earlier process of this PID */
}

static void apply_exit(struct watch *w, const struct gs_exec_event *ev)
{
	int pid = watch_shown_pid(w, ev);
	struct watch_live *l = wmap_get(&w->live, (uint64_t)pid);
	struct watch_exit e;

	if (!l || l->start_tick != watch_tick(w, ev->start_ns))
		return;		/* not shown, or its exit was already reported */
	wmap_del(&w->live, (uint64_t)pid);
	if (l->shown) {
		memset(&e, 0, sizeof(e));
		e.src = WSRC_BPF;
		e.pid = pid;
		e.ppid = (int)ev->ppid;
		e.has_uid = true;
		e.uid = ev->uid;
		snprintf(e.name, sizeof(e.name), "%s", l->name);
		e.code_known = true;
		e.status = (int)GS_EXIT_STATUS(ev->exit_code);
		e.signal = (int)GS_EXIT_SIGNAL(ev->exit_code);
		e.core = GS_EXIT_CORE(ev->exit_code);
		e.ts_ns = ev->ts_ns;
		e.start_ns = ev->start_ns;
		watch_out_exit(w, &e);
		w->n_exit_shown++;
	}
	free(l);
}

/* Print the ready events at the head of pid's chain (lock held). */
static void drain(struct watch *w, int pid)
{
	struct wchain *ch = wmap_get(&w->chains, (uint64_t)pid);
	struct witem *it;

	if (!ch)
		return;
	while ((it = ch->head) && it->ready) {
		ch->head = it->next;
		if (it->ev.type == GS_EV_EXEC)
			apply_exec(w, &it->ev, it->start);
		else
			apply_exit(w, &it->ev);
		free(it->start);
		free(it);
		w->q_len--;
	}
	if (!ch->head) {
		wmap_del(&w->chains, (uint64_t)pid);
		free(ch);
	}
}

/* Append to pid's chain, creating it (lock held). -1: dropped (counted as lost). */
static int chain_add(struct watch *w, int pid, struct witem *it)
{
	struct wchain *ch = wmap_get(&w->chains, (uint64_t)pid);

	if (w->q_len >= WATCH_QUEUE_MAX) {
		w->lost_queue++;
		return -1;
	}
	if (!ch) {
		ch = calloc(1, sizeof(*ch));
		if (!ch || wmap_put(&w->chains, (uint64_t)pid, ch) != 0) {
			free(ch);
			w->lost_queue++;
			return -1;
		}
	}
	if (ch->head)
		ch->tail->next = it;
	else
		ch->head = it;
	ch->tail = it;
	w->q_len++;
	return 0;
}

/* ---- the start-up race ---- */

/* Did the snapshot already show the program this exec started? (lock held) */
static bool snapshot_dup(struct watch *w, int pid, const struct gs_exec_event *ev)
{
	struct watch_live *l = wmap_get(&w->live, (uint64_t)pid);

	if (!l || l->src != WSRC_SNAPSHOT || l->start_tick != watch_tick(w, ev->start_ns))
		return false;
	/* Exec'd before the snapshot opened the executable: it saw this or a later program. */
	if (ev->ts_ns < l->snap_t0)
		return true;
	/* During the open: the identity decides. */
	return ev->ts_ns <= l->snap_t1 && l->ino == (ino_t)ev->exe_ino &&
	       l->dev == gs_kdev_to_dev(ev->exe_dev);
}

/* ---- resolving an exec ---- */

/* The classification known for the file the event names (lock held). */
static struct watch_memo *lookup_event(struct watch *w, const struct gs_exec_event *ev)
{
	if (ev->flags & (GS_EVF_NO_EXE | GS_EVF_NO_MTIME))
		return NULL;
	return watch_memo_find(w, gs_kdev_to_dev(ev->exe_dev), (ino_t)ev->exe_ino,
			       (off_t)ev->exe_size, (int64_t)ev->exe_mtime_ns);
}

/* ... or for the file we opened: the same, except where stat() and the
 * kernel's exe_file disagree (overlayfs). (lock held) */
static struct watch_memo *lookup_pin(struct watch *w, const struct watch_pin *pin)
{
	if (pin->fd < 0)
		return NULL;
	return watch_memo_find(w, pin->dev, pin->ino, pin->size, pin->mtime_ns);
}

/* A pin without a file, for a cache hit: the identity the event gives. */
static void event_pin(const struct gs_exec_event *ev, struct watch_pin *pin)
{
	memset(pin, 0, sizeof(*pin));
	pin->fd = -1;
	pin->how = WHOW_CACHE;
	pin->dev = gs_kdev_to_dev(ev->exe_dev);
	pin->ino = (ino_t)ev->exe_ino;
	pin->size = (off_t)ev->exe_size;
	pin->mtime_ns = (int64_t)ev->exe_mtime_ns;
}

static const char *why_unclassified(const struct gs_exec_event *ev)
{
	if (ev->flags & GS_EVF_NO_EXE)
		return "no executable file in the event";
	if (ev->filename[0] != '/')
		return "exited before it could be read; its relative exec path cannot be resolved now";
	return "exited before it could be read, and its path no longer leads to the same file";
}

/* Details for a resolved exec, or NULL when no line will be printed for it. */
static struct watch_start *details(struct watch *w, const struct gs_exec_event *ev,
				   const struct watch_pin *pin, struct watch_memo *m, const char *why)
{
	struct watch_start *s;

	if (m && !watch_is_go(m) && !w->o.all)
		return NULL;
	s = malloc(sizeof(*s));
	if (!s)
		return NULL;
	watch_fill_start(w, ev, pin, s);
	s->memo = m;
	if (!m)
		snprintf(s->why, sizeof(s->why), "%s", why ? why : why_unclassified(ev));
	return s;
}

/* Queue an exec for the worker, behind earlier events of its PID. */
static void queue_exec(struct watch *w, int pid, const struct gs_exec_event *ev,
		       struct watch_pin *pin)
{
	struct witem *it = calloc(1, sizeof(*it));

	pthread_mutex_lock(&w->lock);
	if (!it || chain_add(w, pid, it) != 0) {
		if (!it)
			w->lost_queue++;
		pthread_mutex_unlock(&w->lock);
		free(it);
		watch_unpin(pin);
		return;
	}
	it->ev = *ev;
	it->pin = *pin;
	if (w->q_tail)
		w->q_tail->qnext = it;
	else
		w->q_head = it;
	w->q_tail = it;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->lock);
}

static void on_exec(struct watch *w, const struct gs_exec_event *ev)
{
	int pid = watch_shown_pid(w, ev);
	struct watch_memo *m = NULL;
	struct watch_start *s;
	struct watch_pin pin;
	struct witem *it;
	bool dup;

	if (w->o.has_pid_ns && ev->pid_ns != w->o.pid_ns)
		return;
	pthread_mutex_lock(&w->lock);
	dup = snapshot_dup(w, pid, ev);
	if (dup)
		w->n_dedup++;
	pthread_mutex_unlock(&w->lock);
	if (dup)
		return;

	if (w->o.classify_delay_ms) {
		memset(&pin, 0, sizeof(pin));
		pin.fd = -1;
		queue_exec(w, pid, ev, &pin);
		return;
	}
	/* Most execs run a binary seen before: no file to open at all. */
	pthread_mutex_lock(&w->lock);
	m = lookup_event(w, ev);
	pthread_mutex_unlock(&w->lock);
	if (m) {
		event_pin(ev, &pin);
	} else {
		watch_pin(w, ev, &pin);
		pthread_mutex_lock(&w->lock);
		m = lookup_pin(w, &pin);
		pthread_mutex_unlock(&w->lock);
		if (!m && pin.fd >= 0) {
			queue_exec(w, pid, ev, &pin);	/* not seen yet: parse off this thread */
			return;
		}
	}
	s = details(w, ev, &pin, m, NULL);
	watch_unpin(&pin);

	pthread_mutex_lock(&w->lock);
	if (wmap_get(&w->chains, (uint64_t)pid)) {
		/* An earlier event of this PID is still with the worker. */
		it = calloc(1, sizeof(*it));
		if (it && chain_add(w, pid, it) == 0) {
			it->ev = *ev;
			it->pin.fd = -1;
			it->ready = true;
			it->start = s;
			s = NULL;
		} else {
			if (!it)
				w->lost_queue++;
			free(it);
		}
	} else {
		apply_exec(w, ev, s);
	}
	pthread_mutex_unlock(&w->lock);
	free(s);
}

static void on_exit_event(struct watch *w, const struct gs_exec_event *ev)
{
	int pid = watch_shown_pid(w, ev);
	struct witem *it;

	pthread_mutex_lock(&w->lock);
	if (!wmap_get(&w->chains, (uint64_t)pid)) {
		apply_exit(w, ev);
	} else if ((it = calloc(1, sizeof(*it)))) {
		it->ev = *ev;
		it->pin.fd = -1;
		it->ready = true;
		if (chain_add(w, pid, it) != 0)
			free(it);
	} else {
		w->lost_queue++;
	}
	pthread_mutex_unlock(&w->lock);
}

int watch_on_event(void *ctx, const struct gs_exec_event *ev)
{
	struct watch *w = ctx;

	if (ev->type == GS_EV_EXEC) {
		w->n_exec++;
		on_exec(w, ev);
	} else {
		w->n_exit++;
		on_exit_event(w, ev);
	}
	return w->out_failed ? -EPIPE : 0;
}

/* ---- the worker ---- */

/* Test knob: act as if the worker came delay_ms after the exec, with nothing pinned. */
static void wait_delay(const struct watch *w, const struct gs_exec_event *ev)
{
	uint64_t at = ev->ts_ns + (uint64_t)w->o.classify_delay_ms * 1000000ull;
	struct timespec ts = { (time_t)(at / 1000000000ull), (long)(at % 1000000000ull) };

	while (clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void resolve(struct watch *w, struct witem *it)
{
	const struct gs_exec_event *ev = &it->ev;
	struct watch_memo *m = NULL;
	struct gs_class *cls = NULL;
	struct gs_err err = { 0 };
	char why[300] = "";

	if (w->o.classify_delay_ms) {
		wait_delay(w, ev);
		watch_pin(w, ev, &it->pin);
	}
	pthread_mutex_lock(&w->lock);
	m = lookup_pin(w, &it->pin);
	if (!m && it->pin.fd < 0 && (m = lookup_event(w, ev)))
		event_pin(ev, &it->pin);
	pthread_mutex_unlock(&w->lock);
	if (!m && it->pin.fd >= 0) {
		cls = gs_classify_fd(it->pin.fd, &err);
		pthread_mutex_lock(&w->lock);
		if (cls) {
			w->n_parsed++;
			m = watch_memo_add(w, cls);
		}
		pthread_mutex_unlock(&w->lock);
		if (!cls)
			snprintf(why, sizeof(why), "cannot read the executable: %s", err.msg);
	}
	it->start = details(w, ev, &it->pin, m, why[0] ? why : NULL);
	watch_unpin(&it->pin);
}

static void *worker(void *arg)
{
	struct watch *w = arg;
	struct witem *it;
	int pid;

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (!w->q_head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->lock);
		it = w->q_head;
		if (!it) {
			pthread_mutex_unlock(&w->lock);
			break;
		}
		w->q_head = it->qnext;
		if (!w->q_head)
			w->q_tail = NULL;
		pthread_mutex_unlock(&w->lock);

		/* The chain keeps it: only this thread takes queued items, and drain() frees
		 * an item only once it is ready, which it becomes below. */
		resolve(w, it);
		pid = watch_shown_pid(w, &it->ev);
		pthread_mutex_lock(&w->lock);
		it->ready = true;
		drain(w, pid);
		if (!w->q_head)
			watch_out_flush(w);
		pthread_mutex_unlock(&w->lock);
	}
	return NULL;
}

int watch_start_worker(struct watch *w)
{
	sigset_t all, old;
	int ret;

	/* Signals are for the main thread, whose poll they interrupt. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = pthread_create(&w->worker, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		return -ret;
	w->worker_running = true;
	return 0;
}

void watch_stop_worker(struct watch *w, int timeout_ms)
{
	uint64_t deadline = watch_now_ns() + (uint64_t)timeout_ms * 1000000ull;
	bool busy;

	if (!w->worker_running)
		return;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		busy = w->q_head != NULL;
		pthread_mutex_unlock(&w->lock);
		if (!busy || watch_now_ns() >= deadline)
			break;
		usleep(2000);
	}
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	/* Past the deadline, what is still queued stays in its chain, unprinted. */
	w->q_head = w->q_tail = NULL;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->worker, NULL);	/* after at most the parse in progress */
	w->worker_running = false;
	pthread_mutex_lock(&w->lock);
	if (w->q_len) {
		w->lost_queue += w->q_len;
		watch_out_lost(w, w->q_len, w->lost_queue, "queue");
		w->lost_queue_shown = w->lost_queue;
	}
	watch_out_flush(w);
	pthread_mutex_unlock(&w->lock);
}

/* ---- set-up ---- */

int watch_init(struct watch *w, const struct watch_opts *o)
{
	struct gs_err err;
	long hz = sysconf(_SC_CLK_TCK);

	memset(w, 0, sizeof(*w));
	w->o = *o;
	w->out = stdout;
	w->ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
	if (gs_proc_ns(getpid(), "pid", &w->self_pid_ns, &err) != 0)
		w->self_pid_ns = 0;
	/* PROC_PID_INIT_INO: the kernel's fixed inode of the initial PID namespace. */
	w->init_pid_ns = w->self_pid_ns == 0xeffffffcu;
	if (pthread_mutex_init(&w->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->lock);
		return -1;
	}
	return 0;
}

static void free_values(struct wmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->vals[i]);
	wmap_free(m);
}

void watch_fini(struct watch *w)
{
	struct wchain **chains;
	size_t n;

	chains = (struct wchain **)wmap_values(&w->chains, &n);
	for (size_t i = 0; i < n; i++) {
		struct witem *it, *nx;

		for (it = chains[i]->head; it; it = nx) {
			nx = it->next;
			watch_unpin(&it->pin);
			free(it->start);
			free(it);
		}
	}
	free(chains);
	free_values(&w->chains);
	free_values(&w->live);
	free_values(&w->cgroups);
	watch_memo_fini(w);
	free(w->out_buf);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->lock);
}
