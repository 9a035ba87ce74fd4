// SPDX-License-Identifier: MIT
/*
 * goscope stack's answers of its own (the agent path is cmd_agent.c's):
 * every goroutine's stack read from the process's memory (gtarget.h,
 * stackdump.h) and printed in the format the target's own runtime uses
 * (gtrace.h), and an agent's reply grouped (--summary). --freeze stops
 * every thread for the read (freeze.h); without it the program never stops
 * and each goroutine is read with a consistency check.
 */
#include "cmd_stack.h"

#include "agentcmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"
#include "commands.h"
#include "discover.h"
#include "freeze.h"
#include "gtarget.h"
#include "gtext.h"
#include "mapguard.h"
#include "output.h"
#include "proc.h"
#include "stack_out.h"


static const char *const cmdname = "stack";

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- from memory ---- */

struct mem_run {
	int pid;
	const struct gs_stack_opts *o;
	struct gs_gtarget *t;
	struct gs_dump *d;
	struct gs_freeze fz;
	bool frozen;
	struct gs_err err;
	int rc;
	double t0, t_open, t_read;	/* for -v */
	double stop_ms;			/* frozen: how long stopping took */
	bool thawed;
};

/* Gone, or a zombie whose memory and mappings went with it. */
static bool exited(int pid)
{
	struct gs_proc_stat st;
	struct gs_err e;

	return gs_proc_read_stat(pid, &st, &e) < 0 ? gs_proc_gone(&e) : st.state == 'Z' ||
								       st.state == 'X';
}

static int mem_error(int pid, const struct gs_err *err)
{
	/* Whatever failed, a process that exited meanwhile is the reason. */
	if (err->code != ENOEXEC && exited(pid))
		return gs_error(GS_EXIT_ERROR, "%s: PID %d: the process exited (no dump)", cmdname,
				pid);
	switch (err->code) {
	case ESRCH:
		return gs_error(GS_EXIT_ERROR, "%s: PID %d: no such process", cmdname, pid);
	case EPERM:
	case EACCES:
		return gs_error(GS_EXIT_ERROR, "%s: PID %d: not allowed to read it (%s): needs the "
				"same user with ptrace access, or CAP_SYS_PTRACE", cmdname, pid,
				err->msg);
	case ENOEXEC:
		return gs_error(GS_EXIT_ERROR, "%s: PID %d: not a Go program (%s)", cmdname, pid,
				err->msg);
	default:
		return gs_error(GS_EXIT_ERROR, "%s: PID %d: %s", cmdname, pid, err->msg);
	}
}

/* Let every thread go (once); the thread count and the stop time are kept for the report. */
static void thaw_cb(void *ctx)
{
	struct mem_run *m = ctx;
	size_t nthreads = m->fz.n;

	if (!m->frozen || m->thawed)
		return;
	m->stop_ms = (double)(m->fz.t_stopped - m->fz.t_stop) / 1e6;
	gs_thaw(&m->fz);
	m->fz.n = nthreads;
	m->thawed = true;
}

/* Under the mapping guard: the symbolizer reads the mapped executable. */
static int mem_guarded(void *arg)
{
	struct mem_run *m = arg;
	const struct gs_stack_opts *o = m->o;
	struct gs_dump_opts dopts = { 0 };
	struct gs_trace_ctx ctx;
	struct gs_dump_src src;
	struct stack_meta meta;
	char target[32];
	pid_t pidv;

	src = gs_gtarget_src(m->t, &pidv);
	if (o->freeze) {
		if (gs_freeze(m->pid, &m->fz, &m->err) < 0) {
			m->rc = mem_error(m->pid, &m->err);
			return 0;
		}
		m->frozen = true;
		dopts.frozen = true;
		dopts.threads = m->fz.regs;
		dopts.nthreads = m->fz.nregs;
		/* Let it go as soon as everything is read; unwinding needs only the copies. */
		dopts.on_read = thaw_cb;
		dopts.on_read_ctx = m;
	}
	if (gs_dump_read(&src, &dopts, &m->d, &m->err) < 0) {
		if (m->frozen)
			thaw_cb(m);
		m->rc = mem_error(m->pid, &m->err);
		return 0;
	}
	if (m->frozen) {
		thaw_cb(m);
		if (gs_opts.verbose)
			gs_warn("stopping took %.3f ms, reading and unwinding %.3f ms", m->stop_ms,
				(double)m->d->st.elapsed_ns / 1e6);
	}
	ctx = (struct gs_trace_ctx){
		.sym = m->t->sym,
		.v = &m->t->view,
		.bias = m->t->bias,
		.level = o->system ? GS_TB_SYSTEM : GS_TB_USER,
		.now = gs_target_nanotime(m->pid),
		.quantum = m->t->quantum,
	};
	snprintf(target, sizeof(target), "%d", m->pid);
	meta = (struct stack_meta){
		.target = target,
		.pid = m->pid,
		.source = "memory",
		.go_version = m->t->lay->version[0] ? m->t->lay->version : NULL,
		.agent_error = o->agent_error,
		.frozen = m->frozen,
		.threads = m->fz.n,
		.stopped_ns = m->fz.stopped_ns,
		.st = &m->d->st,
	};
	if (m->frozen && !gs_opts.json)
		gs_warn("PID %d was stopped for %.3f ms (%zu threads)", m->pid,
			(double)m->fz.stopped_ns / 1e6, m->fz.n);
	m->t_read = ms_now();
	if (o->summary) {
		struct gs_tbuf b = { 0 };
		struct gs_tx tx;

		if (stack_render(&ctx, m->d, &b) < 0 || gs_tx_parse(b.p ? b.p : "", b.len, &tx,
								      &m->err) < 0) {
			gs_tbuf_free(&b);
			m->rc = gs_error(GS_EXIT_ERROR, "%s: out of memory", cmdname);
			return 0;
		}
		m->rc = stack_print_summary(&tx, &meta);
		gs_tx_free(&tx);
		gs_tbuf_free(&b);
	} else if (gs_opts.json) {
		m->rc = stack_print_json(&ctx, m->d, &meta);
	} else {
		m->rc = stack_print_text(&ctx, m->d);
	}
	if (gs_opts.verbose)
		gs_warn("opening %.3f ms, reading %.3f ms, printing %.3f ms", m->t_open - m->t0,
			m->t_read - m->t_open, ms_now() - m->t_read);
	if (gs_opts.verbose && !gs_opts.json)
		gs_warn("read %" PRIu64 " g records (%lu dead) in %.3f ms: %lu running, %lu changed, "
			"%lu incomplete, %lu re-read, %" PRIu64 " stack bytes, %lu read calls",
			m->d->st.allglen, m->d->st.dead, (double)m->d->st.elapsed_ns / 1e6,
			m->d->st.running, m->d->st.changed, m->d->st.incomplete, m->d->st.retries,
			m->d->st.stack_bytes, m->d->st.calls);
	if (m->d->st.unreadable_g)
		gs_warn("PID %d: %lu goroutine records could not be read and are not shown", m->pid,
			m->d->st.unreadable_g);
	return 0;
}

/*
 * The dump read from memory and printed. With fallback (no agent answered
 * first), a process that is gone or not Go gives -1 with err and nothing
 * printed: the agent's error is the answer then.
 */
static int stack_memory(int pid, const struct gs_stack_opts *o, bool fallback,
			struct gs_err *err)
{
	struct mem_run *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	m->pid = pid;
	m->o = o;
	m->t0 = ms_now();
	if (gs_gtarget_open(pid, &m->t, &m->err) < 0) {
		if (fallback && (m->err.code == ENOEXEC || m->err.code == ESRCH || exited(pid))) {
			*err = m->err;
			free(m);
			return -1;
		}
		rc = mem_error(pid, &m->err);
		free(m);
		return rc;
	}
	if (gs_opts.verbose)
		gs_warn("PID %d: %s, Go 1.%u%s rules, layout from %s, goroutines from %s%s", pid,
			m->t->lay->version[0] ? m->t->lay->version : "version unknown", m->t->minor,
			m->t->minor_inferred ? " (inferred)" : "",
			gs_rt_source_name(m->t->lay->off.src), m->t->allg_how,
			m->t->lay->symtab ? " (.symtab)" : " (machine code)");
	m->t_open = ms_now();
	if (gs_map_guarded(mem_guarded, m) < 0) {
		/* SIGBUS: the executable was truncated under us. Let the threads go first. */
		thaw_cb(m);
		m->rc = gs_error(GS_EXIT_ERROR, "%s: PID %d: its executable changed while being read",
				 cmdname, pid);
	}
	rc = m->rc;
	gs_dump_free(m->d);
	gs_gtarget_close(m->t);
	free(m);
	return rc;
}

int gs_stack_agentless(int pid, const struct agent_opts *ao, const char *agent_err,
		       struct gs_err *err)
{
	struct gs_stack_opts o = {
		.system = ao->system,
		.summary = ao->summary,
		.freeze = ao->freeze,
		.agent_error = agent_err,
	};

	return stack_memory(pid, &o, !ao->no_agent, err);
}

/* ---- from the agent ---- */

int gs_stack_print_reply(const char *target, int pid, const char *reply, size_t n, bool summary)
{
	struct stack_meta meta = { .target = target, .pid = pid, .source = "agent" };
	struct gs_err err = { 0 };
	struct gs_tx tx;
	int rc;

	if (!summary && !gs_opts.json) {
		stack_write(reply, n);
		stack_write_end();
		return GS_EXIT_OK;
	}
	if (gs_tx_parse(reply, n, &tx, &err) < 0)
		return gs_error(GS_EXIT_ERROR, "%s: %s: the agent's reply: %s", cmdname, target, err.msg);
	rc = summary ? stack_print_summary(&tx, &meta) : stack_print_tx_json(&tx, &meta);
	gs_tx_free(&tx);
	return rc;
}
