// SPDX-License-Identifier: MIT
/*
 * goscope probe PID... | --all: GC and stop-the-world health of running Go
 * programs, through uprobes at the entry of runtime functions (BPF) and live
 * reads of runtime state, with no agent and no change to the target.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "bpfload.h"
#include "cliopt.h"
#include "commands.h"
#include "godur.h"
#include "golist.h"
#include "liveread.h"
#include "output.h"
#include "probe_bpf.h"
#include "probe_report.h"
#include "probe_session.h"
#include "proc.h"
#include "versiontext.h"


volatile sig_atomic_t gs_probe_stop;

static void on_stop(int sig)
{
	gs_probe_stop = sig;
}

static void help(void)
{
	printf("Usage: goscope [OPTIONS] probe [-d DURATION] [-i INTERVAL] [-g] PID...\n"
	       "       goscope [OPTIONS] probe --all [-d DURATION] [-i INTERVAL] [-g]\n"
	       "\n"
	       "Watch the garbage collector and stop-the-world pauses of running Go programs,\n"
	       "without an agent and without restarting them: uprobes at the start of\n"
	       "runtime functions (found through pclntab, so stripped binaries work too;\n"
	       "never on returns), attached once per executable, plus live reads of\n"
	       "runtime state.\n"
	       "Every INTERVAL, one row per process:\n"
	       "  GC        GC cycles completed (runtime.gcMarkTermination)\n"
	       "  GC-AVG    mean cycle wall time, start (runtime.gcResetMarkState) to mark termination\n"
	       "  STW       stop-the-world pauses (stopTheWorldWithSema to startTheWorldWithSema)\n"
	       "  STW-TIME  their total; P50, P99 (from a log2 histogram: approximate), MAX (exact)\n"
	       "  STOPPED   share of the interval the world was stopped\n"
	       "  GOR THR MAXP  live goroutines, OS threads, GOMAXPROCS (read from memory;\n"
	       "            '-' where they cannot be found honestly, e.g. goroutines when stripped)\n"
	       "and a summary at the end (after DURATION, on Ctrl-C or SIGTERM, or when every\n"
	       "PID has exited). A process that exits while probed is reported, not an error.\n"
	       "\n"
	       "  -a, --all             every Go process on the host, including ones started\n"
	       "                        later: probed as they exec (BPF exec events), with a\n"
	       "                        rescan of /proc every --rescan as a safety net\n"
	       "  -d, --duration D      stop after D (e.g. 30, 0.5, 30s, 500ms, 1m30s; default: no\n"
	       "                        limit)\n"
	       "  -i, --interval D      print every D (default 1s; 0: only the summary)\n"
	       "  -g, --goroutines      also count goroutine creations and exits (runtime.newproc1,\n"
	       "                        runtime.goexit1). COSTLY: every goroutine start and end then\n"
	       "                        takes a uprobe hit in the program's own thread, about 1 us\n"
	       "                        each on this project's VM (2-4 us of CPU per goroutine\n"
	       "                        measured), more where the kernel cannot emulate the probed\n"
	       "                        instruction; a service starting 100k goroutines a second\n"
	       "                        would lose a quarter of a CPU or more\n"
	       "      --no-live         no memory reads (GOR THR MAXP columns)\n"
	       "      --rescan D        with --all: how often to rescan /proc (default 10s; 1s\n"
	       "                        where exec events are not available)\n"
	       "  -h, --help            print this help\n"
	       "D is a Go duration (500ms, 1.5s, 1m30s) or a number of seconds (5, 0.5).\n"
	       "\n"
	       "The probes cost six uprobe hits per GC cycle (about 1 us each here), two or three\n"
	       "of them inside each stop-the-world pause (docs/benchmarks.md).\n"
	       "With --json: one JSON document per interval, then a summary document (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 done, 1 no PID could be probed, 2 bad command line,\n"
	       "3 missing privilege or kernel feature (root; uprobes need CAP_SYS_ADMIN on\n"
	       "  kernels with the CVE-2025-38466 fix, CAP_BPF and CAP_PERFMON before).\n");
}

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;

	return m < c ? m : c;
}

static int run(struct probe *p, uint64_t duration, uint64_t interval, uint64_t rescan_every,
	       bool pids_mode)
{
	uint64_t start = gs_probe_now(), now = start, stats[GS_RTS_COUNT];
	uint64_t next_row = interval ? start + interval : UINT64_MAX, last_row = start;
	uint64_t next_scan = p->all ? start + rescan_every : UINT64_MAX;
	uint64_t end = duration ? start + duration : UINT64_MAX;
	unsigned bins, links, live;

	gs_rtprobe_settle(p->rp);
	gs_rtprobe_counts(p->rp, &bins, &links);
	gs_warn("probing %u process%s (%u binar%s, %u uprobes)%s", p->n, p->n == 1 ? "" : "es",
		bins, bins == 1 ? "y" : "ies", links,
		duration ? "" : "; Ctrl-C for the summary");
	if (interval)
		gs_probe_header(&p->view);
	for (;;) {
		uint64_t wake = min3(next_row, next_scan, end);

		if (wake > now + EXIT_CHECK_NS)
			wake = now + EXIT_CHECK_NS;
		probe_wait_until(p, wake);
		now = gs_probe_now();
		if (gs_probe_stop)
			break;
		live = probe_check_exits(p, now);
		if (now >= next_scan) {
			probe_rescan(p);
			gs_rtprobe_prune(p->rp, probe_keep_state, p);
			next_scan = now + rescan_every;
		}
		if (now >= next_row) {
			probe_sample(p);
			gs_probe_interval(&p->view, p->t, p->n, now, start);
			probe_advance(p, now);
			last_row = now;
			next_row += interval;
			if (next_row <= now)
				next_row = now + interval;
		}
		if (now >= end)
			break;
		if (pids_mode && live == 0) {
			gs_warn("every probed process has exited");
			break;
		}
	}
	now = gs_probe_now();
	probe_check_exits(p, now);
	probe_sample(p);
	/* A last partial row, so no interval's events go unprinted. */
	if (interval && now > last_row + interval / 10)
		gs_probe_interval(&p->view, p->t, p->n, now, start);
	for (unsigned i = 0; i < p->n; i++)
		if (!p->t[i]->exited)
			p->t[i]->tend = now;
	gs_rtprobe_stats(p->rp, stats);
	gs_rtprobe_counts(p->rp, &bins, &links);
	gs_probe_summary(&p->view, p->t, p->n, now, start, stats, bins, links,
			 gs_rtprobe_link_kind(p->rp));
	return GS_EXIT_OK;
}

int cmd_probe(int argc, char **argv)
{
	enum { OPT_NO_LIVE = 256, OPT_RESCAN };
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "goroutines", no_argument, NULL, 'g' },
		{ "no-live", no_argument, NULL, OPT_NO_LIVE },
		{ "rescan", required_argument, NULL, OPT_RESCAN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t duration = 0, interval = NS, rescan_every = 0;
	struct gs_rtprobe_opts ro = { 0 };
	struct probe p;
	struct sigaction sa;
	struct gs_err err;
	unsigned ok = 0;
	bool nocap;
	int c, rc;

	memset(&p, 0, sizeof(p));
	p.view.live = true;
	opterr = 0;
	while ((c = gs_getopt(argc, argv, "ad:i:gh", opts)) != -1) {
		switch (c) {
		case 'a':
			p.all = true;
			break;
		case 'd':
			if (gs_parse_duration(optarg, &duration, &err))
				return gs_usage_error("probe", "-d: %s", err.msg);
			if (!duration)
				return gs_usage_error("probe", "bad duration '%s'", optarg);
			break;
		case 'i':
			if (gs_parse_duration(optarg, &interval, &err))
				return gs_usage_error("probe", "-i: %s", err.msg);
			if (interval && interval < NS / 100)
				return gs_usage_error("probe", "bad interval '%s' (0, or 10ms or more)",
						      optarg);
			break;
		case 'g':
			ro.goroutines = true;
			break;
		case OPT_NO_LIVE:
			p.view.live = false;
			break;
		case OPT_RESCAN:
			if (gs_parse_duration(optarg, &rescan_every, &err))
				return gs_usage_error("probe", "--rescan: %s", err.msg);
			if (rescan_every < NS / 10)
				return gs_usage_error("probe", "bad rescan period '%s' (100ms or more)",
						      optarg);
			break;
		case 'h':
			help();
			return GS_EXIT_OK;
		default:
			return gs_getopt_error("probe", argv);
		}
	}
	if (p.all && optind < argc)
		return gs_usage_error("probe", "--all takes no PID");
	if (!p.all && optind >= argc)
		return gs_usage_error("probe", "which process? give PIDs, or --all");
	for (int i = optind; i < argc; i++) {
		int pid;

		if (!gs_parse_pid(argv[i], &pid))
			return gs_usage_error("probe", "'%s' is not a PID", argv[i]);
	}
	p.view.json = gs_opts.json;
	p.view.goroutines = ro.goroutines;
	ro.filter = !p.all;

	p.rp = gs_rtprobe_open(&ro, &nocap, &err);
	if (!p.rp)
		return gs_error(nocap ? GS_EXIT_NOCAP : GS_EXIT_ERROR, "probe: %s", err.msg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (p.all) {
		struct gs_exec_tracer_opts topts = { .on_event = probe_on_exec_event, .ctx = &p,
						     .no_exit = true };

		/* Attach first, then scan: a program starting in between is seen twice, not never. */
		p.tracer = gs_exec_tracer_open(&topts, &err);
		if (!p.tracer)
			gs_warn("probe: no exec events (%s); new processes are found by rescans",
				err.msg);
		if (!rescan_every)
			rescan_every = p.tracer ? RESCAN_NS : NS;
		probe_rescan(&p);
		ok = 1;
	}
	for (int i = optind; i < argc; i++) {
		int pid = 0;

		if (!gs_parse_pid(argv[i], &pid) || probe_tracked(&p, pid))
			continue;
		if (probe_add_target(&p, pid, NULL, NULL, &err) < 0) {
			gs_warn("PID %d: not probed: %s", pid, err.msg);
			continue;
		}
		ok++;
	}
	if (!ok) {
		probe_free(&p);
		return gs_error(GS_EXIT_ERROR, "probe: no process could be probed");
	}
	rc = run(&p, duration, interval, rescan_every, !p.all);
	probe_free(&p);
	return rc;
}
