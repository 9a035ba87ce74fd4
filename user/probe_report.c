// SPDX-License-Identifier: MIT
/* goscope probe's output: interval rows or JSON documents, and the summary. */
#include "probe_report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "output.h"

uint64_t gs_probe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void gs_fmt_dur(uint64_t ns, char *buf, size_t sz)
{
	if (ns < 1000)
		snprintf(buf, sz, "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		snprintf(buf, sz, "%.1fµs", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, sz, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, sz, "%.2fs", (double)ns / 1e9);
}

uint64_t gs_hist_percentile(const gs_u64 *hist, unsigned slots, double q, uint64_t max_ns)
{
	uint64_t total = 0, seen = 0;
	double rank;

	for (unsigned i = 0; i < slots; i++)
		total += hist[i];
	if (!total)
		return 0;
	rank = q * (double)total;
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < slots; i++) {
		double lo, hi, v;

		if (!hist[i] || (double)(seen + hist[i]) < rank) {
			seen += hist[i];
			continue;
		}
		lo = (double)(1ull << i);
		hi = i + 1 < 64 ? (double)(1ull << (i + 1)) : lo * 2;
		v = lo + (hi - lo) * ((rank - (double)seen) / (double)hist[i]);
		if (max_ns && v > (double)max_ns)
			v = (double)max_ns;
		return (uint64_t)v;
	}
	return max_ns;
}

/* Differences between two cumulative states. */
struct delta {
	uint64_t cycles, wall_ns, wall_count, stops, pauses, stw_ns, newproc, goexit;
	gs_u64 hist[GS_RT_HIST_SLOTS];
};

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a >= b ? a - b : 0;
}

static void diff(const struct gs_rt_state *cur, const struct gs_rt_state *prev, struct delta *d)
{
	d->cycles = sub(cur->gc_cycles, prev->gc_cycles);
	d->wall_ns = sub(cur->gc_wall_ns, prev->gc_wall_ns);
	d->wall_count = sub(cur->gc_wall_count, prev->gc_wall_count);
	d->stops = sub(cur->stw_stops, prev->stw_stops);
	d->pauses = sub(cur->stw_count, prev->stw_count);
	d->stw_ns = sub(cur->stw_ns, prev->stw_ns);
	d->newproc = sub(cur->newproc, prev->newproc);
	d->goexit = sub(cur->goexit, prev->goexit);
	for (int i = 0; i < GS_RT_HIST_SLOTS; i++)
		d->hist[i] = sub(cur->hist[i], prev->hist[i]);
}

static bool has(const struct gs_ptarget *t, enum gs_rt_probe p)
{
	return t->bin && (t->bin->attached & (1u << p));
}

/* ---- text ---- */

static void cell_dur(char *buf, size_t sz, bool ok, uint64_t ns)
{
	if (ok)
		gs_fmt_dur(ns, buf, sz);
	else
		snprintf(buf, sz, "-");
}

static void cell_live(char *buf, size_t sz, const struct gs_ptarget *t, enum gs_live_value v)
{
	if (t->have_lstats && t->lstats.v[v].ok)
		snprintf(buf, sz, "%" PRId64, t->lstats.v[v].v);
	else
		snprintf(buf, sz, "-");
}

void gs_probe_header(const struct gs_probe_view *v)
{
	if (v->json)
		return;
	printf("%-8s %7s %-15s %5s %8s %5s %9s %8s %8s %8s %7s", "TIME", "PID", "NAME", "GC",
	       "GC-AVG", "STW", "STW-TIME", "P50", "P99", "MAX", "STOPPED");
	if (v->live)
		printf(" %6s %4s %4s", "GOR", "THR", "MAXP");
	if (v->goroutines)
		printf(" %8s %8s", "G+/S", "G-/S");
	putchar('\n');
	fflush(stdout);
}

static void text_row(const struct gs_probe_view *v, const struct gs_ptarget *t, const char *clock,
		     double secs)
{
	char avg[24], total[24], p50[24], p99[24], mx[24], stopped[24], pauses[24], name[16];
	bool stw = has(t, GS_RTP_STW_STOP);
	struct delta d;

	diff(&t->cur, &t->prev, &d);
	snprintf(name, sizeof(name), "%.15s", t->name);
	cell_dur(avg, sizeof(avg), has(t, GS_RTP_GC_START) && d.wall_count,
		 d.wall_count ? d.wall_ns / d.wall_count : 0);
	cell_dur(total, sizeof(total), stw, d.stw_ns);
	cell_dur(p50, sizeof(p50), stw && d.pauses,
		 gs_hist_percentile(d.hist, GS_RT_HIST_SLOTS, 0.50, t->imax));
	cell_dur(p99, sizeof(p99), stw && d.pauses,
		 gs_hist_percentile(d.hist, GS_RT_HIST_SLOTS, 0.99, t->imax));
	cell_dur(mx, sizeof(mx), stw && d.pauses, t->imax);
	if (stw && secs > 0)
		snprintf(stopped, sizeof(stopped), "%.3f%%", 100.0 * (double)d.stw_ns / (secs * 1e9));
	else
		snprintf(stopped, sizeof(stopped), "-");
	if (stw)
		snprintf(pauses, sizeof(pauses), "%" PRIu64, d.pauses);
	else
		snprintf(pauses, sizeof(pauses), "-");
	printf("%-8s %7d ", clock, t->pid);
	gs_fputs_safe(name, stdout);
	printf("%*s %5" PRIu64 " %8s %5s %9s %8s %8s %8s %7s", (int)(15 - strlen(name)), "",
	       d.cycles, avg, pauses, total, p50, p99, mx, stopped);
	if (v->live) {
		char g[24], th[24], mp[24];

		cell_live(g, sizeof(g), t, GS_LV_GOROUTINES);
		cell_live(th, sizeof(th), t, GS_LV_THREADS);
		cell_live(mp, sizeof(mp), t, GS_LV_GOMAXPROCS);
		printf(" %6s %4s %4s", g, th, mp);
	}
	if (v->goroutines) {
		if (has(t, GS_RTP_NEWPROC) && secs > 0)
			printf(" %8.0f", (double)d.newproc / secs);
		else
			printf(" %8s", "-");
		if (has(t, GS_RTP_GOEXIT) && secs > 0)
			printf(" %8.0f", (double)d.goexit / secs);
		else
			printf(" %8s", "-");
	}
	if (t->exited)
		printf("  (exited)");
	putchar('\n');
}

/* ---- JSON ---- */

static json_t *jdur(bool ok, uint64_t ns)
{
	return ok ? json_integer((json_int_t)ns) : json_null();
}

static json_t *live_json(const struct gs_ptarget *t)
{
	json_t *o;

	if (!t->live_ok && !t->have_lstats)
		return json_null();
	o = json_object();
	for (int v = 0; v < GS_LV_COUNT; v++) {
		json_t *x = json_object();
		const struct gs_live_val *lv = &t->lstats.v[v];
		bool ok = t->have_lstats && lv->ok;

		json_object_set_new(x, "value", ok ? json_integer(lv->v) : json_null());
		json_object_set_new(x, "source", json_string(gs_live_src_name(ok ? lv->src :
									      GS_LSRC_NONE)));
		json_object_set_new(x, "why", ok ? json_null() :
				    gs_json_str(t->have_lstats ? lv->why : t->live_err));
		json_object_set_new(o, gs_live_value_key(v), x);
	}
	return o;
}

static json_t *notes_json(const struct gs_ptarget *t)
{
	json_t *a = json_array();

	for (int k = 0; t->bin && k < GS_RTP_COUNT; k++)
		if (t->bin->note[k][0])
			json_array_append_new(a, gs_json_str(t->bin->note[k]));
	if (t->live_err[0])
		json_array_append_new(a, gs_json_str(t->live_err));
	return a;
}

/* One process: d over secs seconds, max the longest pause in it. */
static json_t *proc_json(const struct gs_probe_view *v, const struct gs_ptarget *t,
			 const struct delta *d, double secs, uint64_t max, uint64_t wall_max)
{
	bool stw = has(t, GS_RTP_STW_STOP), wall = has(t, GS_RTP_GC_START);
	json_t *o = json_object(), *gc = json_object(), *s = json_object();

	json_object_set_new(o, "pid", json_integer(t->pid));
	json_object_set_new(o, "name", gs_json_str(t->name));
	json_object_set_new(o, "version", t->version[0] ? gs_json_str(t->version) : json_null());
	json_object_set_new(o, "exited", json_boolean(t->exited));
	json_object_set_new(o, "seconds", json_real(secs));

	json_object_set_new(gc, "cycles", has(t, GS_RTP_MARK_TERM) ?
				json_integer((json_int_t)d->cycles) : json_null());
	json_object_set_new(gc, "per_second", has(t, GS_RTP_MARK_TERM) && secs > 0 ?
				json_real((double)d->cycles / secs) : json_null());
	json_object_set_new(gc, "wall_avg_ns", jdur(wall && d->wall_count,
						    d->wall_count ? d->wall_ns / d->wall_count : 0));
	json_object_set_new(gc, "wall_max_ns", jdur(wall && d->wall_count && wall_max, wall_max));
	json_object_set_new(o, "gc", gc);

	json_object_set_new(s, "pauses", stw ? json_integer((json_int_t)d->pauses) : json_null());
	json_object_set_new(s, "stops", stw ? json_integer((json_int_t)d->stops) : json_null());
	json_object_set_new(s, "total_ns", jdur(stw, d->stw_ns));
	json_object_set_new(s, "p50_ns", jdur(stw && d->pauses,
		gs_hist_percentile(d->hist, GS_RT_HIST_SLOTS, 0.50, max)));
	json_object_set_new(s, "p99_ns", jdur(stw && d->pauses,
		gs_hist_percentile(d->hist, GS_RT_HIST_SLOTS, 0.99, max)));
	json_object_set_new(s, "max_ns", jdur(stw && d->pauses, max));
	json_object_set_new(s, "stopped_ratio", stw && secs > 0 ?
			    json_real((double)d->stw_ns / (secs * 1e9)) : json_null());
	json_object_set_new(o, "stw", s);

	if (v->goroutines) {
		json_t *g = json_object();

		json_object_set_new(g, "created", has(t, GS_RTP_NEWPROC) ?
					json_integer((json_int_t)d->newproc) : json_null());
		json_object_set_new(g, "exited", has(t, GS_RTP_GOEXIT) ?
					json_integer((json_int_t)d->goexit) : json_null());
		json_object_set_new(o, "goroutine_events", g);
	} else {
		json_object_set_new(o, "goroutine_events", json_null());
	}
	json_object_set_new(o, "live", v->live ? live_json(t) : json_null());
	json_object_set_new(o, "notes", notes_json(t));
	return o;
}

static json_t *time_json(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[48];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%03ldZ", ts.tv_nsec / 1000000);
	return json_string(buf);
}

void gs_probe_interval(const struct gs_probe_view *v, struct gs_ptarget **t, unsigned n,
		       uint64_t now, uint64_t start)
{
	json_t *doc = NULL, *procs = NULL;
	char clock[16];

	if (v->json) {
		doc = json_object();
		procs = json_array();
		json_object_set_new(doc, "type", json_string("interval"));
		json_object_set_new(doc, "time", time_json());
		json_object_set_new(doc, "elapsed_s", json_real((double)(now - start) / 1e9));
	} else {
		time_t wall = time(NULL);
		struct tm tm;

		localtime_r(&wall, &tm);
		strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t until = t[i]->exited ? t[i]->tend : now;
		double secs = (double)sub(until, t[i]->tprev) / 1e9;
		struct delta d;

		if (t[i]->exit_shown)
			continue;
		if (v->json) {
			diff(&t[i]->cur, &t[i]->prev, &d);
			json_array_append_new(procs, proc_json(v, t[i], &d, secs, t[i]->imax, 0));
		} else {
			text_row(v, t[i], clock, secs);
		}
	}
	if (v->json) {
		json_object_set_new(doc, "processes", procs);
		gs_json_emit(doc);
		json_decref(doc);
	}
	fflush(stdout);
}

/* ---- summary ---- */

static void text_summary(const struct gs_probe_view *v, const struct gs_ptarget *t, double secs)
{
	char a[24], b[24], c[24], e[24], f[24];
	const struct gs_rt_state *s = &t->cur;
	bool stw = has(t, GS_RTP_STW_STOP);

	printf("%d ", t->pid);
	gs_fputs_safe(t->name, stdout);
	printf(" %s: %.1f s%s\n", t->version[0] ? t->version : "(unknown Go version)", secs,
	       t->exited ? ", exited" : "");
	if (has(t, GS_RTP_MARK_TERM)) {
		printf("  GC: %" PRIu64 " cycles (%.1f/s)", (uint64_t)s->gc_cycles,
		       secs > 0 ? (double)s->gc_cycles / secs : 0.0);
		if (has(t, GS_RTP_GC_START) && s->gc_wall_count) {
			gs_fmt_dur(s->gc_wall_ns / s->gc_wall_count, a, sizeof(a));
			gs_fmt_dur(s->gc_wall_max_ns, b, sizeof(b));
			printf(", cycle wall time avg %s, max %s", a, b);
		}
		putchar('\n');
	}
	if (stw) {
		gs_fmt_dur(s->stw_ns, a, sizeof(a));
		gs_fmt_dur(gs_hist_percentile(s->hist, GS_RT_HIST_SLOTS, 0.50, s->stw_max_ns), b,
			   sizeof(b));
		gs_fmt_dur(gs_hist_percentile(s->hist, GS_RT_HIST_SLOTS, 0.99, s->stw_max_ns), c,
			   sizeof(c));
		gs_fmt_dur(s->stw_max_ns, e, sizeof(e));
		snprintf(f, sizeof(f), "%.3f%%", secs > 0 ? 100.0 * (double)s->stw_ns / (secs * 1e9) : 0.0);
		printf("  STW: %" PRIu64 " pauses", (uint64_t)s->stw_count);
		if (s->gc_cycles)
			printf(" (%.2f per GC cycle)", (double)s->stw_count / (double)s->gc_cycles);
		printf(", total %s = %s of the time", a, f);
		if (s->stw_count)
			printf("; p50 %s, p99 %s, max %s", b, c, e);
		putchar('\n');
	}
	if (v->goroutines && (has(t, GS_RTP_NEWPROC) || has(t, GS_RTP_GOEXIT)))
		printf("  goroutines: %" PRIu64 " created, %" PRIu64 " exited (%.1f/s, %.1f/s)\n",
		       (uint64_t)s->newproc, (uint64_t)s->goexit,
		       secs > 0 ? (double)s->newproc / secs : 0.0,
		       secs > 0 ? (double)s->goexit / secs : 0.0);
	if (v->live && t->have_lstats) {
		const char *sep = "";

		printf("  last read:");
		for (int k = 0; k < GS_LV_COUNT; k++) {
			const struct gs_live_val *lv = &t->lstats.v[k];

			if (!lv->ok)
				continue;
			printf("%s %s %" PRId64, sep, gs_live_value_name(k), lv->v);
			sep = ",";
		}
		putchar('\n');
	}
	for (int k = 0; t->bin && k < GS_RTP_COUNT; k++)
		if (t->bin->note[k][0])
			printf("  note: %s\n", t->bin->note[k]);
	if (v->live && t->live_err[0])
		printf("  note: live reads: %s\n", t->live_err);
}

void gs_probe_summary(const struct gs_probe_view *v, struct gs_ptarget **t, unsigned n,
		      uint64_t now, uint64_t start, const uint64_t stats[GS_RTS_COUNT],
		      unsigned bins, unsigned uprobes, const char *links)
{
	static const struct gs_rt_state zero;
	json_t *doc = NULL, *procs = NULL, *b;

	if (v->json) {
		doc = json_object();
		procs = json_array();
		json_object_set_new(doc, "type", json_string("summary"));
		json_object_set_new(doc, "time", time_json());
		json_object_set_new(doc, "elapsed_s", json_real((double)(now - start) / 1e9));
	} else {
		printf("\nSummary: %u process%s, %.1f s\n", n, n == 1 ? "" : "es",
		       (double)(now - start) / 1e9);
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t until = t[i]->exited ? t[i]->tend : now;
		double secs = (double)sub(until, t[i]->t0) / 1e9;
		struct delta d;

		if (v->json) {
			diff(&t[i]->cur, &zero, &d);
			json_array_append_new(procs, proc_json(v, t[i], &d, secs, t[i]->cur.stw_max_ns,
							       t[i]->cur.gc_wall_max_ns));
		} else {
			text_summary(v, t[i], secs);
		}
	}
	if (v->json) {
		json_object_set_new(doc, "processes", procs);
		b = json_object();
		json_object_set_new(b, "binaries", json_integer(bins));
		json_object_set_new(b, "uprobes", json_integer(uprobes));
		json_object_set_new(b, "links", json_string(links));
		json_object_set_new(b, "hits", json_integer((json_int_t)stats[GS_RTS_HITS]));
		json_object_set_new(b, "filtered", json_integer((json_int_t)stats[GS_RTS_FILTERED]));
		json_object_set_new(b, "dropped", json_integer((json_int_t)stats[GS_RTS_NO_ROOM]));
		json_object_set_new(b, "reentries", json_integer((json_int_t)stats[GS_RTS_REENTRY]));
		json_object_set_new(doc, "bpf", b);
		gs_json_emit(doc);
		json_decref(doc);
	} else {
		printf("BPF: %u binar%s, %u uprobes (%s), %" PRIu64 " hits", bins,
		       bins == 1 ? "y" : "ies", uprobes,
		       strcmp(links, "multi") ? "perf-event uprobes" : "multi-uprobe links",
		       stats[GS_RTS_HITS]);
		if (stats[GS_RTS_FILTERED])
			printf(", %" PRIu64 " in other processes of the same binaries",
			       stats[GS_RTS_FILTERED]);
		if (stats[GS_RTS_REENTRY])
			printf(", %" PRIu64 " on the way to morestack (not counted)",
			       stats[GS_RTS_REENTRY]);
		if (stats[GS_RTS_NO_ROOM])
			printf(", %" PRIu64 " events lost (state map full)", stats[GS_RTS_NO_ROOM]);
		putchar('\n');
	}
	fflush(stdout);
}
