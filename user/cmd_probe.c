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
#include "proc.h"
#include "versiontext.h"

#define MAX_TARGETS	65536
#define EXIT_CHECK_NS	200000000ull	/* how soon an exit is noticed */
#define NS		1000000000ull
#define EXEC_QMAX	4096		/* execs held between two drains; more: rescan */
#define RESCAN_NS	(10 * NS)	/* --all's safety-net rescan with exec events */

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
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

struct layout_ent {
	dev_t dev;
	ino_t ino;
	bool ok;
	char err[GS_LIVE_WHY];
	struct gs_rt_layout lay;
};

struct skip {
	int pid;
	unsigned long long starttime;
};

struct probe {
	struct gs_rtprobe *rp;
	struct gs_probe_view view;
	bool all;
	/* --all: exec events, queued by the tracer's callback, drained in the loop */
	struct gs_exec_tracer *tracer;
	int execq[EXEC_QMAX];
	unsigned nexec;
	bool exec_overflow;
	struct gs_ptarget **t;
	unsigned n, cap;
	struct layout_ent **lays;
	unsigned nlays, caplays;
	struct skip *skip;
	unsigned nskip, capskip;
};

static bool grow(void **p, unsigned *cap, unsigned n, size_t elem)
{
	unsigned ncap;
	void *np;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > MAX_TARGETS)
		return false;
	np = realloc(*p, (size_t)ncap * elem);
	if (!np)
		return false;
	*p = np;
	*cap = ncap;
	return true;
}

/* Still the same process (not exited, not a zombie, PID not reused)? */
static bool alive(const struct gs_ptarget *t)
{
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_read_stat(t->pid, &st, &err) < 0)
		return !gs_proc_gone(&err);
	return st.starttime == t->starttime && st.state != 'Z' && st.state != 'X';
}

static const struct layout_ent *layout_for(struct probe *p, int pid)
{
	struct layout_ent *le;
	struct stat sb;
	struct gs_err err;
	int fd;

	fd = gs_proc_open_exe(pid, &err);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0) {
		close(fd);
		return NULL;
	}
	for (unsigned i = 0; i < p->nlays; i++) {
		if (p->lays[i]->dev == sb.st_dev && p->lays[i]->ino == sb.st_ino) {
			close(fd);
			return p->lays[i];
		}
	}
	le = calloc(1, sizeof(*le));
	if (!le || !grow((void **)&p->lays, &p->caplays, p->nlays, sizeof(*p->lays))) {
		free(le);
		close(fd);
		return NULL;
	}
	le->dev = sb.st_dev;
	le->ino = sb.st_ino;
	if (gs_rt_layout_load(fd, &le->lay, &err) == 0)
		le->ok = true;
	else
		snprintf(le->err, sizeof(le->err), "%.100s", err.msg);
	close(fd);
	p->lays[p->nlays++] = le;
	return le;
}

static void live_setup(struct probe *p, struct gs_ptarget *t)
{
	const struct layout_ent *le = layout_for(p, t->pid);
	struct gs_err err;

	if (!le) {
		snprintf(t->live_err, sizeof(t->live_err), "executable unreadable");
		return;
	}
	if (!le->ok) {
		snprintf(t->live_err, sizeof(t->live_err), "%s", le->err);
		return;
	}
	if (gs_live_attach(&t->live, t->pid, &le->lay, &err) < 0) {
		snprintf(t->live_err, sizeof(t->live_err), "%.100s", err.msg);
		return;
	}
	t->live_ok = true;
}

static void note_bin(const struct gs_ptarget *t)
{
	for (int k = 0; k < GS_RTP_COUNT; k++)
		if (t->bin->note[k][0])
			gs_warn("PID %d (%s, %s): %s", t->pid, t->name,
				t->version[0] ? t->version : "unknown Go version", t->bin->note[k]);
}

/*
 * Start probing pid, whose stat the caller may have read already (known,
 * else NULL). On failure err says why (ESRCH: gone).
 */
static int add_target(struct probe *p, int pid, const struct gs_proc_stat *known,
		      struct gs_ptarget **added, struct gs_err *err)
{
	struct gs_proc_stat st;
	struct gs_ptarget *t;
	struct gs_class *c;
	bool fresh;
	int fd;

	if (known) {
		st = *known;
	} else if (gs_proc_read_stat(pid, &st, err) < 0) {
		if (gs_proc_gone(err))
			gs_errf(err, ESRCH, "no such process");
		return -1;
	}
	if (st.state == 'Z' || st.state == 'X')
		return gs_errf(err, ESRCH, "process has exited");
	if (st.flags & GS_PF_KTHREAD)
		return gs_errf(err, EINVAL, "a kernel thread");
	if (!grow((void **)&p->t, &p->cap, p->n, sizeof(*p->t)))
		return gs_errf(err, ENOMEM, "too many processes");
	t = calloc(1, sizeof(*t));
	if (!t)
		return gs_errf(err, ENOMEM, "out of memory");
	t->pid = pid;
	t->starttime = st.starttime;
	snprintf(t->name, sizeof(t->name), "%s", st.comm);

	fd = gs_proc_open_exe(pid, err);
	if (fd < 0)
		goto fail;
	c = gs_classify_fd(fd, err);
	close(fd);
	if (!c)
		goto fail;
	if (c->verdict == GS_NOT_GO) {
		gs_errf(err, ENOEXEC, "not a Go program (%s)", c->reason);
		gs_class_put(c);
		goto fail;
	}
	snprintf(t->version, sizeof(t->version), "%s", gs_class_version(c));
	if (strcmp(t->version, "unknown") == 0)
		t->version[0] = '\0';
	gs_class_put(c);

	/* Track first, so no event between the attach and the track is lost. */
	if (gs_rtprobe_track(p->rp, pid, err) < 0)
		goto fail;
	if (gs_rtprobe_attach(p->rp, pid, &t->bin, &fresh, err) < 0) {
		if (t->bin && fresh)
			note_bin(t);
		gs_rtprobe_forget(p->rp, pid);
		goto fail;
	}
	if (fresh)
		note_bin(t);
	if (p->view.live)
		live_setup(p, t);
	/* Every state in the map began after our attach: counting from zero is right. */
	gs_rtprobe_read(p->rp, pid, &t->cur);
	t->t0 = t->tprev = gs_probe_now();
	p->t[p->n++] = t;
	if (added)
		*added = t;
	return 0;
fail:
	free(t);
	return -1;
}

static bool skipped(const struct probe *p, int pid, unsigned long long starttime)
{
	for (unsigned i = 0; i < p->nskip; i++)
		if (p->skip[i].pid == pid && p->skip[i].starttime == starttime)
			return true;
	return false;
}

static bool tracked(const struct probe *p, int pid)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->t[i]->pid == pid && !p->t[i]->exited)
			return true;
	return false;
}

static void sleep_until(uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / NS), (long)(deadline % NS) };

	/* EINTR (a signal) just returns early: the loop checks stop_signal. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/*
 * --all: probe pid unless it is probed already or failed before. A process
 * that is not Go is not remembered: exec events bring every program on the
 * host here, and its next exec may well be Go.
 */
static void consider(struct probe *p, int pid, const struct gs_proc_stat *known)
{
	struct gs_ptarget *t = NULL;
	struct gs_proc_stat st;
	struct gs_err err;

	if (tracked(p, pid) || pid == getpid())
		return;
	if (known)
		st = *known;
	else if (gs_proc_read_stat(pid, &st, &err) < 0)
		return;
	if (skipped(p, pid, st.starttime))
		return;
	if (add_target(p, pid, &st, &t, &err) < 0 || !t) {
		if (err.code == ENOEXEC || gs_proc_gone(&err) || err.code == ESRCH)
			return;
		if (gs_opts.verbose)
			gs_warn("PID %d: not probed: %s", pid, err.msg);
		if (grow((void **)&p->skip, &p->capskip, p->nskip, sizeof(*p->skip)))
			p->skip[p->nskip++] = (struct skip){ pid, st.starttime };
		return;
	}
	if (gs_opts.verbose)
		gs_warn("PID %d (%s): probing", pid, t->name);
}

/* --all: Go processes we do not probe yet. */
static void rescan(struct probe *p)
{
	struct gs_proc_scan s = { 0 };
	struct gs_proc_stat st;
	struct gs_err err;

	if (gs_proc_scan_open(&s, &err) < 0) {
		gs_warn("rescan: %s", err.msg);
		return;
	}
	while (gs_proc_scan_next(&s, &st) > 0) {
		struct gs_class *c;

		if (tracked(p, st.pid) || skipped(p, st.pid, st.starttime))
			continue;
		c = gs_proc_classify_exe(st.pid, NULL, &err);
		if (!c)
			continue;
		if (c->verdict != GS_NOT_GO)
			consider(p, st.pid, &st);
		gs_class_put(c);
	}
	gs_proc_scan_close(&s);
}

static int on_exec_event(void *ctx, const struct gs_exec_event *ev)
{
	struct probe *p = ctx;

	if (ev->type != GS_EV_EXEC || ev->tgid == 0 || ev->tgid > INT_MAX)
		return 0;
	if (p->nexec < EXEC_QMAX)
		p->execq[p->nexec++] = (int)ev->tgid;
	else
		p->exec_overflow = true;
	return 0;
}

/* Programs that exec'd since the last drain: probed now, not at the next rescan. */
static void drain_execs(struct probe *p)
{
	for (unsigned i = 0; i < p->nexec; i++)
		consider(p, p->execq[i], NULL);
	p->nexec = 0;
	if (p->exec_overflow || gs_exec_tracer_lost(p->tracer)) {
		p->exec_overflow = false;
		rescan(p);
	}
}

/* Wait until deadline, or less when exec events come (--all). */
static void wait_until(struct probe *p, uint64_t deadline)
{
	uint64_t now = gs_probe_now();
	struct gs_err err;

	if (!p->tracer) {
		sleep_until(deadline);
		return;
	}
	if (deadline > now &&
	    gs_exec_tracer_poll(p->tracer, (int)((deadline - now + 999999) / 1000000), &err) < 0) {
		gs_warn("exec events: %s; new processes are found by rescans from now on", err.msg);
		gs_exec_tracer_close(p->tracer);
		p->tracer = NULL;
	}
	if (p->tracer)
		drain_execs(p);
}

static bool keep_state(void *ctx, int tgid)
{
	const struct probe *p = ctx;

	if (tracked(p, tgid))
		return true;
	/* An untracked process of a probed binary that still runs: the next rescan takes it. */
	return kill(tgid, 0) == 0 || errno == EPERM;
}

/* Notice exits; a gone process keeps its last BPF state for its last row. */
static unsigned check_exits(struct probe *p, uint64_t now)
{
	unsigned live = 0;

	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];

		if (t->exited)
			continue;
		if (alive(t)) {
			live++;
			continue;
		}
		t->exited = true;
		t->tend = now;
		gs_rtprobe_read(p->rp, t->pid, &t->cur);
		gs_warn("PID %d (%s) exited", t->pid, t->name);
	}
	return live;
}

static void sample(struct probe *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];
		struct gs_err err;

		if (t->exit_shown)
			continue;
		if (!t->exited)
			gs_rtprobe_read(p->rp, t->pid, &t->cur);
		t->imax = gs_rtprobe_take_imax(p->rp, t->pid);
		if (!p->view.live || !t->live_ok || t->exited)
			continue;
		if (gs_live_sample(&t->live, &t->lstats, &err) < 0 && gs_proc_gone(&err))
			continue;	/* the exit check will see it */
		t->have_lstats = true;
	}
}

/* After a row: the interval starts again; exited processes are done. */
static void advance(struct probe *p, uint64_t now)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct gs_ptarget *t = p->t[i];

		if (t->exit_shown)
			continue;
		t->prev = t->cur;
		t->tprev = now;
		if (t->exited) {
			t->exit_shown = true;
			gs_rtprobe_forget(p->rp, t->pid);
		}
	}
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
		wait_until(p, wake);
		now = gs_probe_now();
		if (stop_signal)
			break;
		live = check_exits(p, now);
		if (now >= next_scan) {
			rescan(p);
			gs_rtprobe_prune(p->rp, keep_state, p);
			next_scan = now + rescan_every;
		}
		if (now >= next_row) {
			sample(p);
			gs_probe_interval(&p->view, p->t, p->n, now, start);
			advance(p, now);
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
	check_exits(p, now);
	sample(p);
	/* A last partial row, so no interval's events go unprinted. */
	if (interval && now > last_row + interval / 10)
		gs_probe_interval(&p->view, p->t, p->n, now, start);
	for (unsigned i = 0; i < p->n; i++)
		if (!p->t[i]->exited)
			p->t[i]->tend = now;
	gs_rtprobe_stats(p->rp, stats);
	gs_rtprobe_counts(p->rp, &bins, &links);
	gs_probe_summary(&p->view, p->t, p->n, now, start, stats, bins, links);
	return GS_EXIT_OK;
}

static void probe_free(struct probe *p)
{
	gs_exec_tracer_close(p->tracer);
	gs_rtprobe_close(p->rp);
	for (unsigned i = 0; i < p->n; i++)
		free(p->t[i]);
	free(p->t);
	for (unsigned i = 0; i < p->nlays; i++)
		free(p->lays[i]);
	free(p->lays);
	free(p->skip);
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
			return gs_bad_option("probe", optopt, argv[optind - 1]);
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
		struct gs_exec_tracer_opts topts = { .on_event = on_exec_event, .ctx = &p,
						     .no_exit = true };

		/* Attach first, then scan: a program starting in between is seen twice, not never. */
		p.tracer = gs_exec_tracer_open(&topts, &err);
		if (!p.tracer)
			gs_warn("probe: no exec events (%s); new processes are found by rescans",
				err.msg);
		if (!rescan_every)
			rescan_every = p.tracer ? RESCAN_NS : NS;
		rescan(&p);
		ok = 1;
	}
	for (int i = optind; i < argc; i++) {
		int pid = 0;

		if (!gs_parse_pid(argv[i], &pid) || tracked(&p, pid))
			continue;
		if (add_target(&p, pid, NULL, NULL, &err) < 0) {
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
