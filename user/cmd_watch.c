// SPDX-License-Identifier: MIT
/*
 * goscope watch: stream Go process starts and exits as they happen.
 *
 * Order of business: attach the BPF exec/exit tracer first, then read /proc
 * for what already runs (present lines), then read events until SIGINT or
 * SIGTERM. Attaching first means no process can fall between the snapshot
 * and the stream; the few that land in both are recognised (watch_core.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfload.h"
#include "cliopt.h"
#include "commands.h"
#include "godur.h"
#include "output.h"
#include "watch.h"

#define DEFAULT_RINGBUF		(4u << 20)
#define DEFAULT_INTERVAL_MS	100
#define POLL_TIMEOUT_MS		100
#define PRUNE_EVERY_NS		(5 * 1000000000ull)
#define DRAIN_TIMEOUT_MS	2000

static const char usage[] =
	"Usage: goscope watch [OPTIONS]\n"
	"\n"
	"Print a line when a Go program starts or ends on this host, until Ctrl-C.\n"
	"First the Go processes already running (\"present\"), then as they happen:\n"
	"  start  TIME PID PPID UID NAME GO-VERSION LATENCY CONTAINER MODULE PATH\n"
	"  exit   TIME PID PPID UID NAME code=N|signal=NAME lifetime=SECONDS\n"
	"  lost   TIME N events (never silently: the ring buffer or queue overflowed)\n"
	"LATENCY is the time from the exec to this line (classification included).\n"
	"GO is \"?\" for a program that exited before goscope could read it and whose\n"
	"file is gone (unclassified: shown, since it may have been Go).\n"
	"\n"
	"Options:\n"
	"  -a, --all             also non-Go programs (GO column \"not-go\")\n"
	"  -n, --new-only        no present lines for what already runs\n"
	"  -j, --json            one JSON object per line (docs/json.md)\n"
	"      --ringbuf-size N  BPF ring buffer bytes (K/M suffixes; default 4M)\n"
	"      --pid-ns INODE    only processes in this PID namespace (ls -Li /proc/PID/ns/pid)\n"
	"      --container ID    only processes of this container (id prefix)\n"
	"      --duration D      stop after D: a Go duration (500ms, 1m30s) or seconds (5, 0.5)\n"
	"      --fallback        without BPF, poll /proc instead of failing (labelled)\n"
	"      --poll            poll /proc even when BPF works (a baseline)\n"
	"      --interval MS     polling interval (default 100)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Needs root (CAP_BPF and CAP_PERFMON) and Linux 5.8+ with BTF, or --fallback.\n"
	"On exit a summary of counts goes to stderr.\n"
	"\n"
	"Exit status: 0 stopped by a signal or --duration, 1 error, 2 usage,\n"
	"3 BPF not available here (privilege or kernel feature; names which).\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int set_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the poll must return */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is seen as EPIPE */
	return 0;
}

static int64_t real_offset(void)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return ((int64_t)r.tv_sec - (int64_t)b.tv_sec) * 1000000000 + (r.tv_nsec - b.tv_nsec);
}

/* "4M", "256K", "4MiB", "65536": bytes, at most 256 MiB. */
static int parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	switch (*end) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default: break;
	}
	if (shift) {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
	}
	if (*end || v == 0 || v > (256ull << 20) >> shift)
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end || *out > max || s[0] == '-' ? -1 : 0;
}

static void summary(const struct watch *w, const char *mode, size_t rb)
{
	fprintf(stderr,
		"goscope: watch: %llu exec and %llu exit events; %llu Go starts, %llu other, "
		"%llu unclassified, %llu present, %llu exits shown", w->n_exec, w->n_exit,
		w->n_go_start, w->n_other_start, w->n_unclassified, w->n_present, w->n_exit_shown);
	if (w->n_missed_exit)
		fprintf(stderr, " (%llu found gone)", w->n_missed_exit);
	fprintf(stderr, "; %llu lost (ring buffer %llu, queue %llu); %llu binaries parsed",
		w->lost_ring + w->lost_queue, w->lost_ring, w->lost_queue, w->n_parsed);
	if (w->n_dedup)
		fprintf(stderr, "; %llu start-up duplicates dropped", w->n_dedup);
	if (rb)
		fprintf(stderr, " (%s, ring buffer %zu KiB)\n", mode, rb >> 10);
	else
		fprintf(stderr, " (%s)\n", mode);
}

struct run_opts {
	size_t ringbuf;
	double duration;
	bool fallback, poll;
	unsigned int interval_ms;
};

static int run_poll(struct watch *w, const struct run_opts *r)
{
	int rc;

	w->attach = "proc-poll";
	w->real_off_ns = real_offset();
	watch_out_header(w);
	rc = watch_poll_run(w, r->interval_ms, r->duration, &stop_flag);
	summary(w, "proc-poll", 0);
	return rc;
}

static int run_bpf(struct watch *w, struct gs_exec_tracer *t, const struct run_opts *r)
{
	uint64_t start = watch_now_ns(), last_prune = start, last_clock = start, now;
	struct gs_err err = { 0 };
	int rc = GS_EXIT_OK;

	w->attach = gs_exec_tracer_mode(t);
	w->real_off_ns = real_offset();
	watch_out_header(w);
	if (!w->o.new_only && watch_snapshot(w, &err)) {
		gs_warn("watch: no snapshot of running processes: %s", err.msg);
	}
	if (watch_start_worker(w)) {
		return gs_error(GS_EXIT_ERROR, "watch: cannot start the classification thread");
	}
	pthread_mutex_lock(&w->lock);
	watch_out_flush(w);
	pthread_mutex_unlock(&w->lock);
	fprintf(stderr, "goscope: watch: watching (%s, ring buffer %zu KiB, %llu present); "
		"Ctrl-C to stop\n", w->attach, gs_exec_tracer_ringbuf_bytes(t) >> 10, w->n_present);

	while (!stop_flag && !w->out_failed) {
		if (gs_exec_tracer_poll(t, POLL_TIMEOUT_MS, &err) < 0) {
			if (stop_flag || w->out_failed)
				break;
			rc = gs_error(GS_EXIT_ERROR, "watch: %s", err.msg);
			break;
		}
		watch_note_lost(w, gs_exec_tracer_lost(t));
		pthread_mutex_lock(&w->lock);
		watch_out_flush(w);
		now = watch_now_ns();
		if (now - last_clock > 1000000000ull) {
			w->real_off_ns = real_offset();	/* follows clock changes and suspend */
			last_clock = now;
		}
		pthread_mutex_unlock(&w->lock);
		/* Lost events may have been exits: look for shown processes that are gone. */
		if (w->lost_ring + w->lost_queue && now - last_prune > PRUNE_EVERY_NS) {
			watch_prune(w);
			last_prune = now;
		}
		if (r->duration > 0 && now - start >= (uint64_t)(r->duration * 1e9))
			break;
	}
	/* What the kernel already wrote is still shown. */
	if (!w->out_failed)
		gs_exec_tracer_poll(t, 0, &err);
	watch_note_lost(w, gs_exec_tracer_lost(t));
	watch_stop_worker(w, DRAIN_TIMEOUT_MS);
	summary(w, w->attach, gs_exec_tracer_ringbuf_bytes(t));
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	enum { OPT_RB = 256, OPT_PIDNS, OPT_CONTAINER, OPT_DURATION, OPT_FALLBACK, OPT_POLL,
	       OPT_INTERVAL };
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "new-only", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "ringbuf-size", required_argument, NULL, OPT_RB },
		{ "pid-ns", required_argument, NULL, OPT_PIDNS },
		{ "container", required_argument, NULL, OPT_CONTAINER },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "fallback", no_argument, NULL, OPT_FALLBACK },
		{ "poll", no_argument, NULL, OPT_POLL },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_exec_tracer_opts topts = { 0 };
	struct run_opts r = { DEFAULT_RINGBUF, 0, false, false, DEFAULT_INTERVAL_MS };
	struct gs_exec_tracer *t = NULL;
	struct watch_opts o = { 0 };
	struct gs_err err = { 0 };
	unsigned long long v;
	const char *env;
	struct watch w;
	uint64_t ns;
	int c, rc;

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "anjh", opts)) != -1) {
		switch (c) {
		case 'a':
			o.all = true;
			break;
		case 'n':
			o.new_only = true;
			break;
		case 'j':
			gs_opts.json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return GS_EXIT_OK;
		case OPT_RB:
			if (parse_size(optarg, &r.ringbuf))
				return gs_usage_error("watch", "bad --ringbuf-size '%s'", optarg);
			break;
		case OPT_PIDNS:
			if (parse_uint(optarg, UINT32_MAX, &v) || !v)
				return gs_usage_error("watch", "bad --pid-ns '%s'", optarg);
			o.has_pid_ns = true;
			o.pid_ns = v;
			break;
		case OPT_CONTAINER:
			if (!*optarg || strspn(optarg, "0123456789abcdef") != strlen(optarg) ||
			    strlen(optarg) > GS_CONTAINER_ID_LEN)
				return gs_usage_error("watch", "bad --container '%s': a hex id prefix",
						      optarg);
			o.container = optarg;
			break;
		case OPT_DURATION:
			if (gs_parse_duration(optarg, &ns, &err))
				return gs_usage_error("watch", "--duration: %s", err.msg);
			r.duration = (double)ns / 1e9;
			if (!(r.duration > 0) || r.duration > 1e9)
				return gs_usage_error("watch", "bad --duration '%s'", optarg);
			break;
		case OPT_FALLBACK:
			r.fallback = true;
			break;
		case OPT_POLL:
			r.poll = true;
			break;
		case OPT_INTERVAL:
			if (parse_uint(optarg, 3600000, &v) || v < 10)
				return gs_usage_error("watch", "bad --interval '%s' (10 ms or more)",
						      optarg);
			r.interval_ms = (unsigned int)v;
			break;
		default:
			return gs_getopt_error("watch", argv);
		}
	}
	if (optind < argc)
		return gs_usage_error("watch", "unexpected argument '%s'", argv[optind]);
	o.json = gs_opts.json;
	env = getenv("GOSCOPE_WATCH_CLASSIFY_DELAY_MS");
	if (env && *env && (parse_uint(env, 60000, &v) == 0))
		o.classify_delay_ms = (unsigned int)v;

	if (watch_init(&w, &o))
		return gs_error(GS_EXIT_ERROR, "watch: out of memory");
	if (set_signals()) {
		rc = gs_error(GS_EXIT_ERROR, "watch: sigaction: %s", strerror(errno));
		goto out;
	}
	if (r.poll) {
		rc = run_poll(&w, &r);
		goto out;
	}
	if (gs_bpf_check(&err) == 0) {
		topts.on_event = watch_on_event;
		topts.ctx = &w;
		topts.ringbuf_bytes = r.ringbuf;
		t = gs_exec_tracer_open(&topts, &err);
		if (!t && !gs_bpf_errno_is_nocap(err.code)) {
			rc = gs_error(GS_EXIT_ERROR, "watch: %s", err.msg);
			goto out;
		}
	}
	if (!t) {
		if (r.fallback) {
			gs_warn("watch: BPF unavailable (%s): --fallback polls /proc instead", err.msg);
			rc = run_poll(&w, &r);
			goto out;
		}
		rc = gs_error(GS_EXIT_NOCAP, "watch: BPF unavailable: %s (or use --fallback to poll /proc)",
			      err.msg);
		goto out;
	}
	rc = run_bpf(&w, t, &r);
out:
	gs_exec_tracer_close(t);	/* detaches the programs */
	watch_fini(&w);
	return rc;
}
