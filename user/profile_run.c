// SPDX-License-Identifier: MIT
/*
 * One agentless CPU profile session: check the output and the target(s)
 * before anything samples, load the BPF program with maps sized for the
 * run, sample until the duration is over, Ctrl-C, or the target exits,
 * then build, write and report the profile(s).
 *
 * One process: the BPF filter is the process's tgid; its exit is seen
 * through a pidfd. --all: every Go process from a /proc scan, plus the
 * ones the exec tracer reports while sampling; exits are marked so their
 * profiles say so. All of them share one set of perf events.
 */
#include "profile_int.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "agentcmd.h"
#include "bpfload.h"
#include "godur.h"
#include "golist.h"
#include "gotool.h"
#include "output.h"
#include "pprof.h"

#define NS		1000000000LL
#define TICK_MS		250		/* longest wait between checks */
#define EXEC_QMAX	1024
#define SPTAB_SPARE	(1u << 20)	/* --all: room for binaries that start later */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* This process's own CPU time (user + system). */
static int64_t self_cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * NS +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

struct run {
	struct gs_psession s;
	struct gs_exec_tracer *tracer;
	struct gs_exec_event q[EXEC_QMAX];	/* --all: events to handle */
	unsigned nq;
	bool q_overflow;
	int pidfd;
	struct gs_outfile out;
};

/* Maps sized for the run: about one distinct stack per sample at most. */
static void size_maps(const struct run *r, struct gs_cpuprof_opts *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t want = (uint64_t)(ncpu > 0 ? ncpu : 1) * 100 *
			(uint64_t)(r->s.req->duration_ns / NS + 1);
	unsigned stacks = 4096;

	while (stacks < want && stacks < 32768)
		stacks *= 2;
	o->max_stacks = stacks;
	o->max_keys = stacks * 2;
	o->sptab_entries = gs_ptarget_sptab_total(&r->s);
	if (r->s.req->all) {
		o->sptab_entries = o->sptab_entries * 2 + SPTAB_SPARE;
		if (o->sptab_entries > GS_CP_MAX_SPTAB)
			o->sptab_entries = GS_CP_MAX_SPTAB;
	}
}

/* ---- --all: the processes ---- */

static int on_exec_event(void *ctx, const struct gs_exec_event *ev)
{
	struct run *r = ctx;

	if (ev->tgid == 0 || ev->tgid > INT32_MAX)
		return 0;
	if (r->nq < EXEC_QMAX)
		r->q[r->nq++] = *ev;
	else
		r->q_overflow = true;
	return 0;
}

static struct gs_pproc *live_proc(struct run *r, int pid)
{
	for (size_t i = r->s.nprocs; i-- > 0;)
		if (r->s.procs[i]->pid == pid && !r->s.procs[i]->exited)
			return r->s.procs[i];
	return NULL;
}

static void mark_exited(struct run *r, struct gs_pproc *p)
{
	p->exited = true;
	if (r->s.bpf)
		gs_cpuprof_untrack(r->s.bpf, p->pid);
}

/* A process to add (--all): Go ones only; others are skipped silently. */
static void consider(struct run *r, int pid, bool tracking)
{
	struct gs_pproc *p = live_proc(r, pid), *np;
	struct gs_err err;

	if (p) {
		if (gs_ptarget_alive(p))
			return;
		mark_exited(r, p);	/* exec'd something else, or gone */
	}
	if (gs_ptarget_add(&r->s, pid, &np, &err) < 0) {
		if (gs_opts.verbose > 0 && err.code != ENOEXEC && err.code != ESRCH)
			fprintf(stderr, "goscope: PID %d: not profiled: %s\n", pid, err.msg);
		return;
	}
	if (tracking && gs_ptarget_track(&r->s, np, &err) < 0) {
		gs_warn("PID %d: not profiled: %s", pid, err.msg);
		np->exited = true;
	}
}

static int scan_all(struct run *r, bool tracking, struct gs_err *err)
{
	struct gs_golist l;

	if (gs_golist_scan(&l, 0, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++)
		if (l.procs[i]->pid != getpid())
			consider(r, l.procs[i]->pid, tracking);
	gs_golist_free(&l);
	return 0;
}

static void handle_events(struct run *r)
{
	struct gs_err err;

	for (unsigned i = 0; i < r->nq; i++) {
		const struct gs_exec_event *ev = &r->q[i];
		struct gs_pproc *p = live_proc(r, (int)ev->tgid);

		if (ev->type == GS_EV_EXIT) {
			if (p)
				mark_exited(r, p);
		} else if (ev->type == GS_EV_EXEC) {
			consider(r, (int)ev->tgid, true);
		}
	}
	r->nq = 0;
	if (r->q_overflow || (r->tracer && gs_exec_tracer_lost(r->tracer))) {
		r->q_overflow = false;
		if (scan_all(r, true, &err) < 0)
			gs_warn("rescanning processes: %s", err.msg);
	}
}

/* ---- sampling ---- */

static int pidfd_open(int pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/* Until the deadline, a stop request, or (one process) its exit. */
static void sample(struct run *r, int64_t deadline)
{
	struct gs_pproc *target = r->s.req->all ? NULL : r->s.procs[0];
	struct gs_err err;

	while (!stop_requested) {
		int64_t now = clock_ns(CLOCK_MONOTONIC), left_ms;

		if (now >= deadline)
			break;
		left_ms = (deadline - now + 999999) / 1000000;
		if (left_ms > TICK_MS)
			left_ms = TICK_MS;
		if (r->tracer) {
			if (gs_exec_tracer_poll(r->tracer, (int)left_ms, &err) < 0) {
				gs_warn("exec events: %s; processes started from now on are missed",
					err.msg);
				gs_exec_tracer_close(r->tracer);
				r->tracer = NULL;
			}
			handle_events(r);
		} else if (target && r->pidfd >= 0) {
			struct pollfd pfd = { .fd = r->pidfd, .events = POLLIN };

			if (poll(&pfd, 1, (int)left_ms) > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
				target->exited = true;
				break;
			}
		} else {
			struct timespec ts = { 0, left_ms * 1000000 };

			nanosleep(&ts, NULL);
		}
		if (target && !gs_ptarget_alive(target)) {
			target->exited = true;
			break;
		}
	}
}

static void run_free(struct run *r)
{
	gs_exec_tracer_close(r->tracer);
	if (r->pidfd >= 0)
		close(r->pidfd);
	for (size_t i = 0; i < r->s.nprocs; i++)
		gs_pprof_free(r->s.procs[i]->prof);
	gs_cpuprof_close(r->s.bpf);
	gs_ptarget_free_all(&r->s);
	free(r);
}

/* An error after the output file was opened: it goes, -o's too (it holds no profile). */
static int fail(struct run *r, int code, const char *msg)
{
	gs_outfile_close(&r->out, true);
	return gs_error(code, "%s: %s", r->s.req->cmd, msg);
}

/* The target(s) and the output, before anything samples. */
static int prepare(struct run *r)
{
	const struct gs_profile_req *q = r->s.req;
	struct gs_err err;

	if (q->all) {
		if (gs_pout_dir(q->out, &err) < 0)
			return fail(r, GS_EXIT_ERROR, err.msg);
		if (scan_all(r, false, &err) < 0)
			return fail(r, GS_EXIT_ERROR, err.msg);
		return GS_EXIT_OK;
	}
	if (gs_ptarget_add(&r->s, q->pid, NULL, &err) < 0) {
		char msg[400];

		if (err.code == ESRCH)
			snprintf(msg, sizeof(msg), "no such process %d", q->pid);
		else if (err.code == ENOEXEC)
			snprintf(msg, sizeof(msg),
				 "PID %d is %s: goscope profiles Go programs only", q->pid, err.msg);
		else
			snprintf(msg, sizeof(msg), "PID %d: %s", q->pid, err.msg);
		return gs_error(GS_EXIT_ERROR, "%s: %s", q->cmd, msg);
	}
	if (q->out && strcmp(q->out, "-") == 0 && gs_opts.json)
		return gs_usage_error(q->cmd, "-o - and --json cannot share stdout");
	if (gs_outfile_open(q->out, "cpu_profile", &r->out, &err) < 0)
		return gs_error(GS_EXIT_ERROR, "%s: %s", q->cmd, err.msg);
	r->s.to_stdout = r->out.is_stdout;
	return GS_EXIT_OK;
}

static int start(struct run *r)
{
	const struct gs_profile_req *q = r->s.req;
	struct gs_cpuprof_opts o;
	struct gs_exec_tracer_opts topts = { .on_event = on_exec_event, .ctx = r };
	struct gs_err err;
	bool nocap;

	memset(&o, 0, sizeof(o));
	o.targ_tgid = q->all ? 0 : (unsigned)q->pid;
	o.no_leaf_fix = getenv("GOSCOPE_PROFILE_NO_LEAF_FIX") != NULL;	/* benchmarks */
	size_maps(r, &o);
	r->s.bpf = gs_cpuprof_open(&o, &nocap, &err);
	if (!r->s.bpf)
		return fail(r, nocap ? GS_EXIT_NOCAP : GS_EXIT_ERROR, err.msg);
	if (q->all) {
		r->tracer = gs_exec_tracer_open(&topts, &err);
		if (!r->tracer)
			gs_warn("%s: no exec events (%s); processes started later are missed",
				q->cmd, err.msg);
	}
	for (size_t i = 0; i < r->s.nprocs; i++) {
		if (gs_ptarget_track(&r->s, r->s.procs[i], &err) < 0) {
			if (!q->all)
				return fail(r, GS_EXIT_ERROR, err.msg);
			gs_warn("PID %d: not profiled: %s", r->s.procs[i]->pid, err.msg);
			r->s.procs[i]->exited = true;
		}
	}
	if (!q->all) {
		r->pidfd = pidfd_open(q->pid);
	}
	if (gs_cpuprof_start(r->s.bpf, &nocap, &err) < 0)
		return fail(r, nocap ? GS_EXIT_NOCAP : GS_EXIT_ERROR, err.msg);
	r->s.ncpus = gs_cpuprof_ncpus(r->s.bpf);
	r->s.t0_real_ns = clock_ns(CLOCK_REALTIME);
	r->s.t0_ns = clock_ns(CLOCK_MONOTONIC);
	r->s.cpu_ns[1] = self_cpu_ns();
	for (size_t i = 0; i < r->s.nprocs; i++)
		r->s.procs[i]->cpu_known = gs_ptarget_cpu(r->s.procs[i], &r->s.procs[i]->cpu_ticks0);
	/* A --all scan after the tracer started: a program starting in between is seen. */
	if (q->all && scan_all(r, true, &err) < 0)
		gs_warn("%s: rescanning processes: %s", q->cmd, err.msg);
	return GS_EXIT_OK;
}

static int finish(struct run *r)
{
	const struct gs_profile_req *q = r->s.req;
	bool launch;
	struct gs_err err;
	int rc = GS_EXIT_OK;

	for (size_t i = 0; i < r->s.nprocs; i++) {
		struct gs_pproc *p = r->s.procs[i];

		if (p->cpu_known && !(p->cpu_known = gs_ptarget_cpu(p, &p->cpu_ticks1)))
			p->exited = true;
	}
	gs_cpuprof_stop(r->s.bpf);
	r->s.t1_ns = clock_ns(CLOCK_MONOTONIC);
	r->s.cpu_ns[2] = self_cpu_ns();
	gs_cpuprof_stats(r->s.bpf, r->s.stats);
	if (gs_pbuild(&r->s, &err) < 0)
		return fail(r, GS_EXIT_ERROR, err.msg);
	if (q->all) {
		for (size_t i = 0; i < r->s.nprocs; i++) {
			struct gs_pproc *p = r->s.procs[i];

			if (!p->samples)
				continue;	/* idle the whole time: no file */
			if (gs_pout_write_in_dir(q->out, p, &err) < 0) {
				gs_error(GS_EXIT_ERROR, "%s: %s", q->cmd, err.msg);
				rc = GS_EXIT_ERROR;
			}
		}
	} else {
		if (gs_pout_write(&r->out, r->s.procs[0], &err) < 0)
			return fail(r, GS_EXIT_ERROR, err.msg);
	}
	r->s.twritten_ns = clock_ns(CLOCK_MONOTONIC);
	r->s.cpu_ns[3] = self_cpu_ns();
	if (gs_pout_summary(&r->s) != GS_EXIT_OK)
		rc = GS_EXIT_ERROR;
	launch = !q->all && !q->no_launch && !gs_opts.json && !r->s.to_stdout && rc == GS_EXIT_OK &&
		 gs_go_on_path();
	if (launch) {
		char *argv[] = { "go", "tool", "pprof", r->s.procs[0]->file, NULL };

		rc = gs_go_tool(argv);
		if (r->out.temp)
			unlink(r->out.path);
	}
	return rc;
}

/* Sampling has begun: on stdout for people (as the agent path says it), else on stderr. */
static void announce(const struct run *r)
{
	const struct gs_profile_req *q = r->s.req;
	char dur[64];

	gs_fmt_go_duration(q->duration_ns, dur, sizeof(dur));
	if (q->all)
		gs_warn("profiling %zu Go processes (agentless) for %s", r->s.nprocs, dur);
	else if (gs_opts.json || r->s.to_stdout)
		gs_warn("profiling PID %d (agentless) for %s", q->pid, dur);
	else
		printf("Profiling CPU of PID %d (agentless) for %s...\n", q->pid, dur);
	fflush(stdout);
}

int gs_profile_cpu(const struct gs_profile_req *q)
{
	struct sigaction sa, old_int, old_term;
	struct gs_err err;
	struct run *r;
	int rc;

	r = calloc(1, sizeof(*r));
	if (!r)
		return gs_error(GS_EXIT_ERROR, "%s: out of memory", q->cmd);
	r->s.req = q;
	r->s.tstart_ns = clock_ns(CLOCK_MONOTONIC);
	r->s.cpu_ns[0] = self_cpu_ns();
	r->pidfd = -1;
	r->out.fd = -1;
	/* Privileges first: without them nothing else is worth looking at. */
	if (gs_bpf_check(&err) < 0) {
		free(r);
		return gs_error(GS_EXIT_NOCAP, "%s: %s", q->cmd, err.msg);
	}
	rc = prepare(r);
	if (rc == GS_EXIT_OK)
		rc = start(r);
	if (rc == GS_EXIT_OK) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;	/* no SA_RESTART: waits end early */
		sigemptyset(&sa.sa_mask);
		stop_requested = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		announce(r);
		sample(r, r->s.t0_ns + q->duration_ns);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		rc = finish(r);
	}
	run_free(r);
	return rc;
}

/* A live Go program, or the reason it is not one (for falling back to the agent's error). */
static bool is_go_process(int pid, struct gs_err *err)
{
	struct gs_class *c;
	bool go;
	int fd = gs_proc_open_exe(pid, err);

	if (fd < 0)
		return false;
	c = gs_classify_fd(fd, err);
	close(fd);
	if (!c)
		return false;
	go = c->verdict != GS_NOT_GO;
	if (!go)
		gs_errf(err, ENOEXEC, "not a Go program");
	gs_class_put(c);
	return go;
}

int gs_pprof_cpu_agentless(int pid, const struct agent_opts *o, const char *agent_err,
			   struct gs_err *err)
{
	struct gs_profile_req q = {
		.pid = pid,
		.all = o->all,
		.duration_ns = o->duration_ns > 0 ? o->duration_ns : GS_PROFILE_DEFAULT_NS,
		.out = o->out,
		.no_launch = o->no_launch,
		.cmd = "pprof-cpu",
	};

	/* No agent, and nothing here to profile either: the agent's error stands. */
	if (agent_err && !o->all && !is_go_process(pid, err))
		return -1;
	if (agent_err && gs_opts.verbose)
		gs_warn("PID %d: no agent answered (%s); sampling it from outside", pid, agent_err);
	return gs_profile_cpu(&q);
}
