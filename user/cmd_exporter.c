// SPDX-License-Identifier: MIT
/*
 * goscope exporter: serve every Go process's facts and runtime metrics to
 * Prometheus over HTTP.
 *
 * Order of business: bind the address first (a bad --listen or a port in
 * use fails at once, before any BPF is loaded), then attach the exec/exit
 * tracer, then scan /proc (so no process falls between scan and events),
 * render the first snapshot, and only then accept scrapes. The main thread
 * then waits for SIGINT or SIGTERM; the collector thread does the work.
 *
 * Without BPF (no privilege, no kernel support, not in the host's PID
 * namespace) it still serves what needs none: the info series and the
 * live reads, processes found by rescans, with goscope_exporter_bpf_enabled
 * 0 and the reason on stderr; --require-bpf makes that exit 3 instead.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfload.h"
#include "cliopt.h"
#include "commands.h"
#include "exporter.h"
#include "godur.h"
#include "output.h"
#include "proc.h"

#define DEFAULT_LISTEN		"127.0.0.1:9477"
#define DEFAULT_INTERVAL_NS	(1000000000ull)
#define DEFAULT_RESCAN_NS	(10000000000ull)
#define NOBPF_RESCAN_NS		(2000000000ull)	/* without events, rescans find processes */
#define RINGBUF_BYTES		(1u << 20)
#define POLL_MAX_MS		200		/* how soon a stop request is seen */
#define DIRTY_GAP_NS		(100000000ull)	/* renders after changes: at most 10/s */
#define HTTP_THREADS		2
#define INIT_PID_NS_INO		0xeffffffcull

static const char usage[] =
	"Usage: goscope exporter [OPTIONS]\n"
	"\n"
	"Serve Prometheus metrics for every Go process on this host at\n"
	"http://LISTEN/metrics, until SIGINT or SIGTERM:\n"
	"  goscope_go_process_info{pid,name,exe,go_version,module,support,container_id} 1\n"
	"  goscope_go_gc_cycles_total{pid}           GC cycles (uprobes, BPF)\n"
	"  goscope_go_stw_pause_seconds{pid}         stop-the-world pauses, a histogram (BPF)\n"
	"  goscope_go_goroutines, goscope_go_gomaxprocs, goscope_go_threads{pid}\n"
	"                                            read from process memory\n"
	"  goscope_exporter_*                        the exporter's own health\n"
	"New Go processes are found through BPF exec events (and a /proc rescan as a\n"
	"safety net); processes that exit disappear. Scrapes are served from a snapshot\n"
	"refreshed in the background, so they never wait for probing.\n"
	"\n"
	"Options:\n"
	"  -l, --listen ADDR     where to listen (default " DEFAULT_LISTEN "):\n"
	"                        IPV4:PORT, [IPV6]:PORT, localhost:PORT, or :PORT for\n"
	"                        every IPv4 address; port 0 picks a free port\n"
	"  -i, --interval D      refresh the snapshot every D (default 1s; 100ms-1h)\n"
	"      --rescan D        rescan /proc every D (default 10s; 2s without BPF)\n"
	"      --no-live         no process memory reads (no goroutines, GOMAXPROCS)\n"
	"      --no-bpf          do not use BPF (info series and memory reads only)\n"
	"      --require-bpf     exit 3 when BPF is unavailable instead of serving less\n"
	"  -h, --help            show this help\n"
	"D is a Go duration (500ms, 1.5s, 1m30s) or a number of seconds (5, 0.5).\n"
	"\n"
	"Privileges (docs/deploy.md): CAP_BPF and CAP_PERFMON for events and GC probes,\n"
	"CAP_SYS_PTRACE to open other users' executables and read their memory,\n"
	"CAP_DAC_READ_SEARCH for binaries only their owner may read. Without BPF it says\n"
	"so on stderr and in goscope_exporter_bpf_enabled, and serves the rest.\n"
	"\n"
	"Exit status: 0 stopped by SIGINT/SIGTERM, 1 error (e.g. address in use),\n"
	"2 bad command line, 3 --require-bpf and BPF unavailable.\n";

/* Set by the main thread on SIGINT/SIGTERM, read by the collector. */
static atomic_bool stop_flag;

static void refresh(struct exporter *x)
{
	uint64_t t0 = exporter_now_ns();
	struct xsnap *s;

	exporter_sample(x);
	x->refresh_ns = exporter_now_ns() - t0;
	x->n_refresh++;
	x->dirty = false;
	s = exporter_render(x);
	if (!s) {
		x->n_render_fail++;
		return;		/* the previous snapshot stays */
	}
	exporter_publish(x, s);
}

static void note_lost(struct exporter *x)
{
	unsigned long long lost = gs_exec_tracer_lost(x->tracer);

	if (lost > x->lost_ring) {
		gs_warn("exporter: %llu exec/exit events lost (ring buffer full); rescanning",
			lost - x->lost_ring);
		x->lost_ring = lost;
		x->rescan_soon = true;
	}
}

static void *collector_main(void *arg)
{
	struct exporter *x = arg;
	uint64_t now = exporter_now_ns();
	uint64_t next_refresh = now + x->o.interval_ns, next_rescan = now + x->o.rescan_ns;
	uint64_t last_render = now;
	struct gs_err err = { 0 };
	bool poll_failed = false;

	while (!atomic_load(&stop_flag)) {
		uint64_t due = next_refresh < next_rescan ? next_refresh : next_rescan;
		int timeout_ms;

		if (x->dirty && last_render + DIRTY_GAP_NS < due)
			due = last_render + DIRTY_GAP_NS;
		now = exporter_now_ns();
		timeout_ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
		if (timeout_ms > POLL_MAX_MS)
			timeout_ms = POLL_MAX_MS;
		if (x->tracer && !poll_failed) {
			if (gs_exec_tracer_poll(x->tracer, timeout_ms, &err) < 0) {
				/* Not fatal: the rescans carry on alone. */
				gs_warn("exporter: reading BPF events failed (%s); rescans only", err.msg);
				poll_failed = true;
			}
			exporter_drain(x);
			note_lost(x);
		} else if (timeout_ms > 0) {
			struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
		}
		if (atomic_load(&stop_flag))
			break;
		now = exporter_now_ns();
		if (now >= next_rescan || x->rescan_soon) {
			exporter_rescan(x);
			next_rescan = now + (poll_failed && x->o.rescan_ns > NOBPF_RESCAN_NS ?
					     NOBPF_RESCAN_NS : x->o.rescan_ns);
		}
		if (now >= next_refresh || (x->dirty && now >= last_render + DIRTY_GAP_NS)) {
			refresh(x);
			last_render = exporter_now_ns();
			if (now >= next_refresh)
				next_refresh = now + x->o.interval_ns;
		}
	}
	return NULL;
}

/* Why BPF cannot be used here, or NULL when it can be tried. */
static const char *bpf_precheck(struct gs_err *err)
{
	uint64_t ino = 0;

	/* Events and BPF state are keyed by the host's PIDs. */
	if (gs_proc_ns(getpid(), "pid", &ino, err) == 0 && ino != INIT_PID_NS_INO)
		return "not in the host's PID namespace (run with hostPID: true)";
	if (gs_bpf_check(err) < 0)
		return err->msg;
	return NULL;
}

/* Open tracer and uprobe loader; on failure fill x->bpf_why. Returns 0 or an exit code. */
static int open_bpf(struct exporter *x, bool require)
{
	struct gs_exec_tracer_opts topts = { 0 };
	struct gs_rtprobe_opts ropts = { 0 };
	struct gs_err err = { 0 };
	const char *why;
	bool nocap = true;

	why = bpf_precheck(&err);
	if (!why) {
		topts.on_event = exporter_on_event;
		topts.ctx = x;
		topts.ringbuf_bytes = RINGBUF_BYTES;
		x->tracer = gs_exec_tracer_open(&topts, &err);
		if (!x->tracer) {
			nocap = gs_bpf_errno_is_nocap(err.code);
			why = err.msg;
		}
	}
	if (!why) {
		/* Unfiltered: a process counts from its first GC, before we handle its exec. */
		x->rp = gs_rtprobe_open(&ropts, &nocap, &err);
		if (!x->rp)
			why = err.msg;
	}
	if (!why) {
		x->bpf_mode = gs_exec_tracer_mode(x->tracer);
		return 0;
	}
	snprintf(x->bpf_why, sizeof(x->bpf_why), "%s", why);
	gs_exec_tracer_close(x->tracer);
	x->tracer = NULL;
	if (require)
		return gs_error(nocap ? GS_EXIT_NOCAP : GS_EXIT_ERROR,
				"exporter: BPF unavailable: %s", x->bpf_why);
	gs_warn("exporter: BPF unavailable (%s): serving process info and memory reads only, "
		"no GC or stop-the-world metrics; new processes are found by rescans",
		x->bpf_why);
	return 0;
}

int cmd_exporter(int argc, char **argv)
{
	enum { OPT_RESCAN = 256, OPT_NO_LIVE, OPT_NO_BPF, OPT_REQUIRE_BPF };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "rescan", required_argument, NULL, OPT_RESCAN },
		{ "no-live", no_argument, NULL, OPT_NO_LIVE },
		{ "no-bpf", no_argument, NULL, OPT_NO_BPF },
		{ "require-bpf", no_argument, NULL, OPT_REQUIRE_BPF },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct exporter_opts o = { DEFAULT_INTERVAL_NS, 0, true, true };
	const char *listen_at = DEFAULT_LISTEN;
	struct exporter_http *http = NULL;
	struct exporter_listen where;
	pthread_t collector;
	struct gs_err err = { 0 };
	bool require = false, started = false;
	char bound[160];
	size_t nprocs;
	struct exporter *x;
	sigset_t set;
	int c, fd, rc = GS_EXIT_OK, sig;

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "l:i:h", opts)) != -1) {
		switch (c) {
		case 'l':
			listen_at = optarg;
			break;
		case 'i':
			if (gs_parse_duration(optarg, &o.interval_ns, &err))
				return gs_usage_error("exporter", "--interval: %s", err.msg);
			if (o.interval_ns < 100000000ull || o.interval_ns > 3600000000000ull)
				return gs_usage_error("exporter", "bad --interval '%s' (100ms to 1h)",
						      optarg);
			break;
		case OPT_RESCAN:
			if (gs_parse_duration(optarg, &o.rescan_ns, &err))
				return gs_usage_error("exporter", "--rescan: %s", err.msg);
			if (o.rescan_ns < 100000000ull || o.rescan_ns > 86400000000000ull)
				return gs_usage_error("exporter", "bad --rescan '%s' (100ms to 24h)",
						      optarg);
			break;
		case OPT_NO_LIVE:
			o.live = false;
			break;
		case OPT_NO_BPF:
			o.bpf = false;
			break;
		case OPT_REQUIRE_BPF:
			require = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return GS_EXIT_OK;
		default:
			return gs_getopt_error("exporter", argv);
		}
	}
	if (optind < argc)
		return gs_usage_error("exporter", "unexpected argument '%s'", argv[optind]);
	if (require && !o.bpf)
		return gs_usage_error("exporter", "--no-bpf and --require-bpf exclude each other");
	if (exporter_parse_listen(listen_at, &where, &err) < 0)
		return gs_usage_error("exporter", "bad --listen '%s': %s", listen_at, err.msg);

	/*
	 * From here on SIGINT/SIGTERM wait for sigwait, in every thread started
	 * later too: one arriving while BPF loads still ends in a clean shutdown.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	fd = exporter_bind(&where, bound, sizeof(bound), &err);
	if (fd < 0)
		return gs_error(GS_EXIT_ERROR, "exporter: cannot listen on %s: %s", where.text,
				err.msg);

	x = malloc(sizeof(*x));
	if (!x)
		gs_errf(&err, ENOMEM, "out of memory");
	if (!x || exporter_init(x, &o, &err) < 0) {
		free(x);
		close(fd);
		return gs_error(GS_EXIT_ERROR, "exporter: %s", err.msg);
	}
	if (o.bpf) {
		rc = open_bpf(x, require);
		if (rc) {
			close(fd);
			goto out;
		}
	} else {
		snprintf(x->bpf_why, sizeof(x->bpf_why), "--no-bpf");
	}
	if (!o.rescan_ns)
		x->o.rescan_ns = x->tracer ? DEFAULT_RESCAN_NS : NOBPF_RESCAN_NS;

	exporter_rescan(x);
	refresh(x);
	if (!x->snap) {
		close(fd);
		rc = gs_error(GS_EXIT_ERROR, "exporter: out of memory");
		goto out;
	}
	http = exporter_http_start(x, fd, HTTP_THREADS, &err);
	if (!http) {
		rc = gs_error(GS_EXIT_ERROR, "exporter: %s", err.msg);
		goto out;
	}
	nprocs = x->procs.n;	/* the collector owns the registry from now on */
	if (pthread_create(&collector, NULL, collector_main, x) != 0) {
		rc = gs_error(GS_EXIT_ERROR, "exporter: cannot start the collector thread");
		goto out;
	}
	started = true;
	fprintf(stderr, "goscope: exporter: serving http://%s/metrics (bpf: %s; %zu Go processes)\n",
		bound, x->tracer ? x->bpf_mode : "off", nprocs);
	fflush(stderr);

	while (sigwait(&set, &sig) != 0)
		;
	atomic_store(&stop_flag, true);
	fprintf(stderr, "goscope: exporter: %s, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
out:
	atomic_store(&stop_flag, true);
	if (started)
		pthread_join(collector, NULL);
	exporter_http_stop(http);
	exporter_fini(x);	/* detaches uprobes it no longer needs */
	gs_rtprobe_close(x->rp);
	gs_exec_tracer_close(x->tracer);
	free(x);
	return rc;
}
