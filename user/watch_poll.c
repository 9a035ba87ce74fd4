// SPDX-License-Identifier: MIT
/*
 * goscope watch --fallback: without BPF, poll /proc. Every round lists the
 * PIDs, and a (PID, start time) not seen before is a start, one no longer
 * there an exit. What this cannot do, and every line says so (source
 * "proc-poll"): see a process that lives shorter than the interval, know an
 * exit code, or time an exit better than the interval.
 */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "output.h"


static void poll_exit(struct watch *w, const struct watch_live *l, uint64_t now)
{
	struct watch_exit e;

	watch_exit_of(l, WSRC_POLL, now, &e);
	watch_out_exit(w, &e);
	w->n_exit_shown++;
}

/* A (PID, start) not seen before: classify it and maybe print it (lock not held). */
static void poll_new(struct watch *w, const struct gs_proc_stat *st, unsigned long gen,
		     bool first)
{
	struct watch_start *s = calloc(1, sizeof(*s));
	struct watch_memo *m = NULL;
	struct gs_class *cls;
	struct gs_err err;
	struct stat sb;
	bool show;
	int fd;

	if (!s)
		return;
	s->src = WSRC_POLL;
	s->present = first;
	s->pid = st->pid;
	s->ppid = st->ppid;
	s->start_ns = st->starttime * w->ns_per_tick;
	snprintf(s->name, sizeof(s->name), "%s", st->comm);
	fd = gs_proc_open_exe(st->pid, &err);
	if (fd >= 0 && fstat(fd, &sb) == 0) {
		pthread_mutex_lock(&w->lock);
		m = watch_memo_find(w, sb.st_dev, sb.st_ino, sb.st_size,
				    (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec);
		pthread_mutex_unlock(&w->lock);
		if (!m && (cls = gs_classify_fd(fd, &err))) {
			pthread_mutex_lock(&w->lock);
			w->n_parsed++;
			m = watch_memo_add(w, cls);
			pthread_mutex_unlock(&w->lock);
		}
	}
	/* Present lines are Go processes only, as with BPF; --all adds later non-Go starts. */
	show = m && (watch_is_go(m) ? !(first && w->o.new_only) : w->o.all && !first);
	if (show) {
		s->memo = m;
		watch_fill_present(w, st, fd, s);
		s->ts_ns = watch_now_ns();
		if (!first) {
			s->has_latency = true;
			s->latency_ns = s->ts_ns > s->start_ns ? s->ts_ns - s->start_ns : 0;
		}
		show = watch_filter_ok(w, s);
	}
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&w->lock);
	if (show) {
		watch_out_start(w, s);
		if (first)
			w->n_present++;
		else if (watch_is_go(m))
			w->n_go_start++;
		else
			w->n_other_start++;
	}
	/* Also remember what is not shown, so that it is not classified again next round. */
	if (watch_live_add(w, s, show) == 0) {
		struct watch_live *l = wmap_get(&w->live, (uint64_t)s->pid);

		l->gen = gen;
	}
	pthread_mutex_unlock(&w->lock);
	free(s);
}

static void poll_round(struct watch *w, unsigned long gen, bool first)
{
	struct gs_proc_scan scan = { 0 };
	struct gs_proc_stat st;
	struct watch_live *l;
	struct gs_err err;
	int pid;

	if (gs_proc_scan_open(&scan, &err))
		return;
	while (gs_proc_scan_next(&scan, &st) > 0) {
		pid = st.pid;
		pthread_mutex_lock(&w->lock);
		l = wmap_get(&w->live, (uint64_t)pid);
		if (l && l->start_tick == st.starttime) {
			l->gen = gen;
			l = NULL;
			pthread_mutex_unlock(&w->lock);
			continue;
		}
		if (l) {
			/* The PID was reused: the old process ended between two rounds. */
			wmap_del(&w->live, (uint64_t)pid);
			if (l->shown)
				poll_exit(w, l, watch_now_ns());
			free(l);
		}
		pthread_mutex_unlock(&w->lock);
		poll_new(w, &st, gen, first);
	}
	gs_proc_scan_close(&scan);
}

static void poll_sweep(struct watch *w, unsigned long gen)
{
	struct watch_live **v;
	uint64_t now = watch_now_ns();
	size_t n;

	pthread_mutex_lock(&w->lock);
	v = (struct watch_live **)wmap_values(&w->live, &n);
	for (size_t i = 0; i < n; i++) {
		if (v[i]->gen == gen)
			continue;
		wmap_del(&w->live, (uint64_t)v[i]->pid);
		if (v[i]->shown)
			poll_exit(w, v[i], now);
		free(v[i]);
	}
	watch_out_flush(w);
	pthread_mutex_unlock(&w->lock);
	free(v);
}

int watch_poll_run(struct watch *w, unsigned int interval_ms, double duration_s,
		   volatile sig_atomic_t *stop)
{
	uint64_t start = watch_now_ns(), next = start;
	uint64_t step = (uint64_t)interval_ms * 1000000ull;
	unsigned long gen = 0;

	while (!*stop && !w->out_failed) {
		gen++;
		poll_round(w, gen, gen == 1);
		poll_sweep(w, gen);
		if (gen == 1)
			gs_warn("watch: polling /proc every %u ms (--fallback, no BPF): processes "
				"shorter than that are missed, exit codes unknown", interval_ms);
		if (duration_s > 0 && watch_now_ns() - start >= (uint64_t)(duration_s * 1e9))
			break;
		next += step;
		if (next > watch_now_ns()) {
			struct timespec ts = { (time_t)(next / 1000000000ull),
					       (long)(next % 1000000000ull) };

			/* A signal ends the sleep early; the loop then sees *stop. */
			clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &ts, NULL);
		} else {
			next = watch_now_ns();	/* a round took longer than the interval */
		}
	}
	return w->out_failed ? GS_EXIT_ERROR : GS_EXIT_OK;
}
