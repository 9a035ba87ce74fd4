// SPDX-License-Identifier: MIT
/*
 * goscope watch after lost events: a line for each increase of the lost
 * counters, and exit lines for shown processes that are gone meanwhile
 * (their exit event may have been among the lost).
 */
#include "watch.h"

#include <stdio.h>
#include <string.h>

/* ---- lost events ---- */

void watch_note_lost(struct watch *w, unsigned long long ring_total)
{
	pthread_mutex_lock(&w->lock);
	if (ring_total > w->lost_ring) {
		watch_out_lost(w, ring_total - w->lost_ring, ring_total, "ring-buffer");
		w->lost_ring = ring_total;
	}
	if (w->lost_queue > w->lost_queue_shown) {
		watch_out_lost(w, w->lost_queue - w->lost_queue_shown, w->lost_queue, "queue");
		w->lost_queue_shown = w->lost_queue;
	}
	pthread_mutex_unlock(&w->lock);
}

/* ---- after lost events: who is gone? ---- */

static bool still_there(const struct watch *w, const struct watch_live *l)
{
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_read_stat(l->pid, &st, &err) != 0)
		return !gs_proc_gone(&err);	/* cannot tell: keep it */
	return st.starttime == l->start_tick && st.state != 'Z' && st.state != 'X';
}

void watch_prune(struct watch *w)
{
	struct watch_live **v;
	struct watch_exit e;
	size_t n;

	if (!w->init_pid_ns)
		return;		/* our PIDs are not the events' */
	pthread_mutex_lock(&w->lock);
	v = (struct watch_live **)wmap_values(&w->live, &n);
	for (size_t i = 0; i < n; i++) {
		struct watch_live *l = v[i];

		if (wmap_get(&w->chains, (uint64_t)l->pid) || still_there(w, l))
			continue;
		wmap_del(&w->live, (uint64_t)l->pid);
		if (l->shown) {
			watch_exit_of(l, l->src, watch_now_ns(), &e);
			e.missed = true;
			watch_out_exit(w, &e);
			w->n_missed_exit++;
		}
		free(l);
	}
	watch_out_flush(w);
	pthread_mutex_unlock(&w->lock);
	free(v);
}
