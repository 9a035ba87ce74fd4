// SPDX-License-Identifier: MIT
/*
 * goscope exporter: the exposition text (Prometheus text format 0.0.4).
 *
 * The collector renders everything but the scrape statistics into one
 * buffer per refresh; an HTTP thread copies it and appends the per-scrape
 * families. Names follow Prometheus' conventions: base units (seconds),
 * _total for counters, one info series carrying the labels that describe a
 * process, and the runtime series keyed by pid alone, to be joined:
 *
 *	rate(goscope_go_gc_cycles_total[5m])
 *	  * on (pid) group_left (name, go_version) goscope_go_process_info
 */
#include "exporter.h"
#include "exporter_worker.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "promtext.h"
#include "version.h"

/*
 * The STW histogram's buckets from BPF's log2 slots (goruntime.h: slot i
 * counts [2^i, 2^(i+1)) ns). Bucket le=2^k ns holds slots 0..k-1; below
 * 2^10 ns (about 1 us, shorter than any real pause) one bucket, and the
 * last slot (2^31 ns, about 2.1 s, and longer) only in +Inf.
 */
#define HIST_FIRST_K	10
#define HIST_LAST_K	(GS_RT_HIST_SLOTS - 1)

const uint64_t exporter_scrape_le_ns[XSCRAPE_BUCKETS] = {
	100000ull, 250000ull, 500000ull, 1000000ull, 2500000ull, 5000000ull, 10000000ull,
	25000000ull, 50000000ull, 100000000ull, 1000000000ull, UINT64_MAX,
};

static void pid_labels(FILE *f, const struct xproc *p)
{
	fprintf(f, "{pid=\"%d\"}", p->pid);
}

static void render_info(FILE *f, struct xproc **v, size_t n)
{
	gs_prom_family(f, "goscope_go_process_info", "gauge",
		       "A running Go process found by goscope; the value is 1. go_version is the "
		       "Go release it was built with, support that release's support status "
		       "(supported, unsupported, unknown), module the main module's path.");
	for (size_t i = 0; i < n; i++) {
		const struct xproc *p = v[i];

		fprintf(f, "goscope_go_process_info{pid=\"%d\",name=\"", p->pid);
		gs_prom_label(f, p->name);
		fputs("\",exe=\"", f);
		gs_prom_label(f, p->exe);
		fputs("\",go_version=\"", f);
		gs_prom_label(f, p->version);
		fputs("\",module=\"", f);
		gs_prom_label(f, p->module);
		fprintf(f, "\",support=\"%s\",container_id=\"", gs_support_str(p->support));
		gs_prom_label(f, p->container_id);
		fputs("\"} 1\n", f);
	}
}

static bool has_probe(const struct xproc *p, enum gs_rt_probe k)
{
	return p->have_rt && p->bin->rtbin && (p->bin->rtbin->attached & (1u << k));
}

static void render_gc(FILE *f, struct xproc **v, size_t n)
{
	gs_prom_family(f, "goscope_go_gc_cycles_total", "counter",
		       "Garbage collection cycles completed (uprobe on runtime.gcMarkTermination), "
		       "counted since goscope began probing the process's binary.");
	for (size_t i = 0; i < n; i++) {
		if (!has_probe(v[i], GS_RTP_MARK_TERM))
			continue;
		fputs("goscope_go_gc_cycles_total", f);
		pid_labels(f, v[i]);
		fprintf(f, " %llu\n", (unsigned long long)v[i]->rt.gc_cycles);
	}
}

static void render_stw(FILE *f, struct xproc **v, size_t n)
{
	gs_prom_family(f, "goscope_go_stw_pause_seconds", "histogram",
		       "Stop-the-world pauses (runtime.stopTheWorldWithSema to "
		       "startTheWorldWithSema), from a log2 histogram kept in BPF: a pause "
		       "of exactly a bucket's bound counts in the next bucket.");
	for (size_t i = 0; i < n; i++) {
		const struct xproc *p = v[i];
		unsigned long long c = 0;

		if (!has_probe(p, GS_RTP_STW_STOP) || !has_probe(p, GS_RTP_STW_START))
			continue;
		for (int s = 0; s < HIST_FIRST_K; s++)
			c += p->rt.hist[s];
		for (int k = HIST_FIRST_K; k <= HIST_LAST_K; k++) {
			fprintf(f, "goscope_go_stw_pause_seconds_bucket{pid=\"%d\",le=\"", p->pid);
			gs_prom_seconds(f, 1ull << k);
			fprintf(f, "\"} %llu\n", c);
			c += p->rt.hist[k];
		}
		/* +Inf and _count from the same slots, so they agree even mid-update. */
		fprintf(f, "goscope_go_stw_pause_seconds_bucket{pid=\"%d\",le=\"+Inf\"} %llu\n",
			p->pid, c);
		fprintf(f, "goscope_go_stw_pause_seconds_sum{pid=\"%d\"} ", p->pid);
		gs_prom_seconds(f, p->rt.stw_ns);
		fprintf(f, "\ngoscope_go_stw_pause_seconds_count{pid=\"%d\"} %llu\n", p->pid, c);
	}
}

static void render_live(FILE *f, struct xproc **v, size_t n, const char *name,
			enum gs_live_value lv, const char *help)
{
	gs_prom_family(f, name, "gauge", help);
	for (size_t i = 0; i < n; i++) {
		const struct xproc *p = v[i];
		int64_t val;

		if (!p->have_live)
			continue;
		if (p->ls.v[lv].ok)
			val = p->ls.v[lv].v;
		else if (lv == GS_LV_THREADS && p->ls.proc_threads >= 0)
			val = p->ls.proc_threads;
		else
			continue;
		fputs(name, f);
		pid_labels(f, p);
		fprintf(f, " %" PRId64 "\n", val);
	}
}

static void gauge(FILE *f, const char *name, const char *help, unsigned long long v)
{
	gs_prom_family(f, name, "gauge", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	gs_prom_family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void render_self(FILE *f, struct exporter *x, size_t n)
{
	uint64_t rts[GS_RTS_COUNT] = { 0 };
	unsigned bins = 0, links = 0, fds = 0, per_bin = 0;

	if (x->rp) {
		gs_rtprobe_counts(x->rp, &bins, &links);
		fds = gs_rtprobe_fds(x->rp, &per_bin);
		gs_rtprobe_stats(x->rp, rts);
	}
	gs_prom_family(f, "goscope_exporter_build_info", "gauge",
		       "goscope's version and how it observes (bpf: tp_btf, tracepoint or off); "
		       "the value is 1.");
	fprintf(f, "goscope_exporter_build_info{version=\"");
	gs_prom_label(f, GOSCOPE_VERSION);
	fprintf(f, "\",bpf=\"%s\"} 1\n", x->bpf_mode);
	gs_prom_family(f, "goscope_exporter_bpf_enabled", "gauge",
		       "1 when a BPF feature works: exec_events (without them processes are "
		       "found by rescans only), gc_uprobes (without them no GC or stop-the-world "
		       "series), uprobe_multi (one multi-uprobe link per binary, else a "
		       "perf-event uprobe per probe). Why one is off is on stderr.");
	fprintf(f, "goscope_exporter_bpf_enabled{feature=\"exec_events\"} %d\n", x->tracer != NULL);
	fprintf(f, "goscope_exporter_bpf_enabled{feature=\"gc_uprobes\"} %d\n",
		x->rp && !x->uprobes_denied);
	fprintf(f, "goscope_exporter_bpf_enabled{feature=\"uprobe_multi\"} %d\n",
		x->rp && !x->uprobes_denied && !strcmp(gs_rtprobe_link_kind(x->rp), "multi"));
	gauge(f, "goscope_exporter_processes_tracked", "Go processes in this exposition.", n);
	gauge(f, "goscope_exporter_processes_uninspectable",
	      "Processes whose executable could not be opened at the last rescan (permission "
	      "denied: goscope lacks CAP_SYS_PTRACE or runs as another user).", x->uninspectable);
	gauge(f, "goscope_exporter_probed_binaries",
	      "Go executables with GC uprobes in place.", bins);
	gauge(f, "goscope_exporter_uprobe_links", "Uprobes attached, over all probed binaries.",
	      links);
	gs_prom_family(f, "goscope_exporter_events_total", "counter",
		       "Exec and exit events read from the BPF tracer.");
	fprintf(f, "goscope_exporter_events_total{type=\"exec\"} %llu\n", x->n_exec);
	fprintf(f, "goscope_exporter_events_total{type=\"exit\"} %llu\n", x->n_exit);
	gs_prom_family(f, "goscope_exporter_lost_events_total", "counter",
		       "Exec and exit events lost: the kernel's ring buffer was full (ring_buffer) "
		       "or goscope's queue was (queue). A rescan follows each loss.");
	fprintf(f, "goscope_exporter_lost_events_total{where=\"ring_buffer\"} %llu\n",
		x->lost_ring);
	fprintf(f, "goscope_exporter_lost_events_total{where=\"queue\"} %llu\n", x->lost_queue);
	counter(f, "goscope_exporter_rescans_total", "Scans of /proc (the safety net).",
		x->n_rescans);
	gs_prom_family(f, "goscope_exporter_rescan_corrections_total", "counter",
		       "Go processes a rescan found that the events had missed (found), and "
		       "tracked processes it found gone (gone).");
	fprintf(f, "goscope_exporter_rescan_corrections_total{kind=\"found\"} %llu\n",
		x->n_rescan_found);
	fprintf(f, "goscope_exporter_rescan_corrections_total{kind=\"gone\"} %llu\n",
		x->n_rescan_gone);
	counter(f, "goscope_exporter_refreshes_total", "Snapshots of the metrics taken.",
		x->n_refresh);
	gs_prom_family(f, "goscope_exporter_refresh_duration_seconds", "gauge",
		       "How long the last snapshot took to sample every process (BPF maps and "
		       "memory reads).");
	fputs("goscope_exporter_refresh_duration_seconds ", f);
	gs_prom_seconds(f, x->refresh_ns);
	fputc('\n', f);
	gauge(f, "goscope_exporter_binaries", "Executables in the per-binary table (at most 4096).",
	      x->nbins);
	counter(f, "goscope_exporter_binaries_evicted_total",
		"Binaries no process runs dropped early because the per-binary table was full.",
		x->n_bins_evicted);
	counter(f, "goscope_exporter_binaries_overflow_total",
		"Processes not tracked because the per-binary table was full of binaries "
		"with running processes.", x->n_bins_overflow);
	gs_prom_family(f, "goscope_exporter_probe_skipped_total", "counter",
		       "Binaries that got no GC uprobes although BPF works: the descriptor "
		       "limit's budget for uprobe links was spent (fd_budget), an attach ran "
		       "out of descriptors (no_fds), the probe table was full (bins_full).");
	fprintf(f, "goscope_exporter_probe_skipped_total{reason=\"fd_budget\"} %llu\n",
		x->n_probe_skipped[XSKIP_FD_BUDGET]);
	fprintf(f, "goscope_exporter_probe_skipped_total{reason=\"no_fds\"} %llu\n",
		x->n_probe_skipped[XSKIP_NO_FDS]);
	fprintf(f, "goscope_exporter_probe_skipped_total{reason=\"bins_full\"} %llu\n",
		x->n_probe_skipped[XSKIP_BINS_FULL]);
	gauge(f, "goscope_exporter_uprobe_fd_budget",
	      "Descriptors the descriptor limit leaves for uprobe links.", x->uprobe_fd_budget);
	gauge(f, "goscope_exporter_uprobe_fds", "Descriptors the uprobe links hold.", fds);
	counter(f, "goscope_exporter_fd_errors_total",
		"Reads of /proc and opens of executables that failed with EMFILE or ENFILE "
		"(the process was kept or retried, never taken for gone).", x->n_fd_errors);
	counter(f, "goscope_exporter_parse_timeouts_total",
		"Binaries skipped because parsing them took longer than 5 s.",
		exporter_worker_timeouts(x->worker));
	counter(f, "goscope_exporter_uprobe_hits_total",
		"GC and stop-the-world uprobe hits counted in BPF.", rts[GS_RTS_HITS]);
	counter(f, "goscope_exporter_uprobe_no_room_total",
		"Uprobe hits not counted because BPF's per-process state map was full.",
		rts[GS_RTS_NO_ROOM]);
}

struct xsnap *exporter_render(struct exporter *x)
{
	struct xsnap *s = calloc(1, sizeof(*s));
	struct xproc **v;
	size_t n = 0;
	FILE *f;

	if (!s)
		return NULL;
	f = open_memstream(&s->body, &s->len);
	if (!f) {
		free(s);
		return NULL;
	}
	v = exporter_sorted(x, &n);
	if (n && !v) {
		fclose(f);
		exporter_snap_free(s);
		return NULL;
	}
	render_info(f, v, n);
	render_gc(f, v, n);
	render_stw(f, v, n);
	render_live(f, v, n, "goscope_go_goroutines", GS_LV_GOROUTINES,
		    "Live goroutines (runtime.NumGoroutine), read from the process's memory; "
		    "absent where it cannot be read honestly (e.g. stripped binaries).");
	render_live(f, v, n, "goscope_go_gomaxprocs", GS_LV_GOMAXPROCS,
		    "GOMAXPROCS, read from the process's memory.");
	render_live(f, v, n, "goscope_go_threads", GS_LV_THREADS,
		    "OS threads of the Go runtime (its Ms), else of the process (/proc).");
	render_self(f, x, n);
	free(v);
	if (ferror(f)) {
		fclose(f);
		exporter_snap_free(s);
		return NULL;
	}
	if (fclose(f) != 0) {
		exporter_snap_free(s);
		return NULL;
	}
	s->at_ns = exporter_now_ns();
	return s;
}

void exporter_snap_free(struct xsnap *s)
{
	if (!s)
		return;
	free(s->body);
	free(s);
}

void exporter_publish(struct exporter *x, struct xsnap *s)
{
	struct xsnap *old;

	pthread_mutex_lock(&x->snap_lock);
	old = x->snap;
	x->snap = s;
	pthread_mutex_unlock(&x->snap_lock);
	exporter_snap_free(old);
}

void exporter_render_scrape(struct exporter *x, FILE *f, uint64_t now_ns)
{
	unsigned long long b[XSCRAPE_BUCKETS], count, sum, errors, head_to, c = 0;
	uint64_t at = 0;

	pthread_mutex_lock(&x->scrape_lock);
	memcpy(b, x->scrape_bucket, sizeof(b));
	count = x->scrape_count;
	sum = x->scrape_ns;
	errors = x->http_errors;
	head_to = x->http_head_timeouts;
	pthread_mutex_unlock(&x->scrape_lock);
	pthread_mutex_lock(&x->snap_lock);
	if (x->snap)
		at = x->snap->at_ns;
	pthread_mutex_unlock(&x->snap_lock);

	gs_prom_family(f, "goscope_exporter_scrape_duration_seconds", "histogram",
		       "Earlier /metrics requests, from the request to the last byte of the "
		       "response handed to the kernel.");
	for (int i = 0; i < XSCRAPE_BUCKETS - 1; i++) {
		c += b[i];
		fputs("goscope_exporter_scrape_duration_seconds_bucket{le=\"", f);
		gs_prom_seconds(f, exporter_scrape_le_ns[i]);
		fprintf(f, "\"} %llu\n", c);
	}
	fprintf(f, "goscope_exporter_scrape_duration_seconds_bucket{le=\"+Inf\"} %llu\n", count);
	fputs("goscope_exporter_scrape_duration_seconds_sum ", f);
	gs_prom_seconds(f, sum);
	fprintf(f, "\ngoscope_exporter_scrape_duration_seconds_count %llu\n", count);
	counter(f, "goscope_exporter_http_errors_total",
		"Requests answered with an error because a response could not be built.", errors);
	counter(f, "goscope_exporter_http_head_timeouts_total",
		"Connections closed because their request head was not complete 10 s after "
		"they opened or after their last response (slow clients, slow-loris).", head_to);
	gs_prom_family(f, "goscope_exporter_snapshot_age_seconds", "gauge",
		       "Age of the snapshot this response carries (a stuck collector shows here).");
	fputs("goscope_exporter_snapshot_age_seconds ", f);
	gs_prom_seconds(f, at && now_ns > at ? now_ns - at : 0);
	fputc('\n', f);
}
