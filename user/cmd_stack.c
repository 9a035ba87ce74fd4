// SPDX-License-Identifier: MIT
/*
 * goscope stack PID|HOST:PORT (registered as `gstack` until the agent
 * commands' split lands): every goroutine's stack, from the gops agent when
 * one answers (its reply verbatim, as gops prints it), else read from the
 * process's memory (gtarget.h, stackdump.h) and printed in the format the
 * target's own runtime uses (gtrace.h). --freeze stops every thread for the
 * read (freeze.h); without it the program never stops and each goroutine is
 * read with a consistency check.
 */
#include "cmd_stack.h"

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

#define AGENT_CONNECT_MS 1000		/* when falling back is allowed, do not wait long */
#define REPLY_MAX (256u << 20)		/* an agent's dump held for --summary/--json */

static const char *cmdname = "gstack";

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void help(void)
{
	printf("Usage: goscope [OPTIONS] %s [--agent | --agentless] [--system] [--summary]\n"
	       "                          [--freeze] [--json] PID|HOST:PORT\n"
	       "\n"
	       "Print every goroutine's stack, as the program's own runtime.Stack would:\n"
	       "  goroutine 7 [chan receive, 3 minutes]:\n"
	       "  main.worker(...)\n"
	       "  \t/src/app/main.go:42 +0x45\n"
	       "  created by main.main in goroutine 1\n"
	       "  \t/src/app/main.go:30 +0x88\n"
	       "from the process's gops agent when one answers, else read from its memory\n"
	       "(no agent needed; stripped binaries and Go 1.15-1.27 too). Arguments print\n"
	       "as (...). Read from memory the program keeps running: each goroutine is\n"
	       "read with a consistency check, and one that is running on a CPU at that\n"
	       "moment shows \"frames unavailable: running on thread TID\".\n"
	       "\n"
	       "  --agent        only ask the agent (fail without one)\n"
	       "  --agentless    never ask the agent: read the process's memory\n"
	       "  --system       also runtime frames and system goroutines, with fp/sp/pc\n"
	       "                 (as GOTRACEBACK=system); implies --agentless\n"
	       "  --summary      goroutines grouped by identical stacks, largest group first\n"
	       "  --freeze       stop every thread for the read (ptrace, never SIGSTOP: the\n"
	       "                 kernel lets it go if goscope dies), so running goroutines\n"
	       "                 get frames too; says how long it was stopped; implies\n"
	       "                 --agentless\n"
	       "  -j, --json     JSON (docs/json.md)\n"
	       "  -h, --help     print this help\n"
	       "\n"
	       "Reading memory needs the same user with ptrace access, or CAP_SYS_PTRACE.\n"
	       "Exit codes: 0 printed, 1 no such Go process, no answer, or it could not be\n"
	       "read (no partial dump is printed), 2 bad command line.\n",
	       cmdname);
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

int gs_stack_memory(int pid, const struct gs_stack_opts *o)
{
	struct mem_run *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	m->pid = pid;
	m->o = o;
	m->t0 = ms_now();
	if (gs_gtarget_open(pid, &m->t, &m->err) < 0) {
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

/* ---- from the agent ---- */

int gs_stack_print_reply(const char *target, int pid, const char *reply, size_t n,
			 const struct gs_stack_opts *o)
{
	struct stack_meta meta = { .target = target, .pid = pid, .source = "agent" };
	struct gs_err err = { 0 };
	struct gs_tx tx;
	int rc;

	if (!o->summary && !gs_opts.json) {
		stack_write(reply, n);
		stack_write_end();
		return GS_EXIT_OK;
	}
	if (gs_tx_parse(reply, n, &tx, &err) < 0)
		return gs_error(GS_EXIT_ERROR, "%s: %s: the agent's reply: %s", cmdname, target, err.msg);
	rc = o->summary ? stack_print_summary(&tx, &meta) : stack_print_tx_json(&tx, &meta);
	gs_tx_free(&tx);
	return rc;
}

struct reply_buf {
	char *p;
	size_t len, cap;
};

static int reply_sink(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct reply_buf *r = ctx;

	if (len > REPLY_MAX - r->len)
		return gs_errf(err, EFBIG, "reply larger than %u MiB", REPLY_MAX >> 20);
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1 << 16;
		char *p;

		while (cap < r->len + len + 1)
			cap *= 2;
		p = realloc(r->p, cap);
		if (!p)
			return gs_errf(err, ENOMEM, "out of memory");
		r->p = p;
		r->cap = cap;
	}
	memcpy(r->p + r->len, buf, len);
	r->len += len;
	return 0;
}

/* Ask the agent at a; 0 printed (rc set), -1 with err (nothing printed). */
static int from_agent(const struct gs_agent_addr *a, const char *target, int pid, bool forced,
		      const struct gs_stack_opts *o, int *rc, struct gs_err *err)
{
	struct gs_agent_timeouts tm;
	struct reply_buf r = { 0 };
	struct gs_agent_sink sink = { .fn = reply_sink, .ctx = &r, .fd = -1 };

	gs_agent_default_timeouts(GS_AGENT_STACK, &tm);
	if (!forced)
		tm.connect_ms = AGENT_CONNECT_MS;
	/* Held whole before printing: never half a dump and then an error. */
	if (gs_agent_call(a, GS_AGENT_STACK, 0, &sink, &tm, err) < 0) {
		free(r.p);
		return -1;
	}
	*rc = gs_stack_print_reply(target, pid, r.p ? r.p : "", r.len, o);
	free(r.p);
	return 0;
}

static int pid_agent(int pid, bool forced, const struct gs_stack_opts *o, const char *target,
		     int *rc, struct gs_err *err)
{
	struct gs_agent_loc *loc = malloc(sizeof(*loc));
	struct gs_agent_addr a;
	int r = -1;

	if (!loc)
		return gs_errf(err, ENOMEM, "out of memory");
	if (gs_agent_locate(pid, 0, loc, err) < 0)
		goto out;
	if (loc->state != GS_AGENT_LIVE) {
		gs_errf(err, ENOENT, "no agent: %s", loc->why[0] ? loc->why :
			gs_agent_state_name(loc->state));
		goto out;
	}
	gs_agent_loc_addr(loc, &a);
	r = from_agent(&a, target, pid, forced, o, rc, err);
out:
	free(loc);
	return r;
}

int cmd_stack(int argc, char **argv)
{
	enum { OPT_AGENT = 256, OPT_AGENTLESS, OPT_SYSTEM, OPT_SUMMARY, OPT_FREEZE };
	static const struct option opts[] = {
		{ "agent", no_argument, NULL, OPT_AGENT },
		{ "agentless", no_argument, NULL, OPT_AGENTLESS },
		{ "system", no_argument, NULL, OPT_SYSTEM },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "freeze", no_argument, NULL, OPT_FREEZE },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_stack_opts o = { 0 };
	struct gs_err err = { 0 };
	const char *target;
	int c, pid, rc = GS_EXIT_ERROR;

	cmdname = argv[0];
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_AGENT:
			o.agent_only = true;
			break;
		case OPT_AGENTLESS:
			o.agentless = true;
			break;
		case OPT_SYSTEM:
			o.system = true;
			break;
		case OPT_SUMMARY:
			o.summary = true;
			break;
		case OPT_FREEZE:
			o.freeze = true;
			break;
		case 'j':
			gs_opts.json = true;
			break;
		case 'h':
			help();
			return GS_EXIT_OK;
		default:
			return gs_bad_option(cmdname, optopt, argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return gs_usage_error(cmdname, "expected one PID or HOST:PORT");
	target = argv[optind];
	if (o.agent_only && (o.agentless || o.system || o.freeze))
		return gs_usage_error(cmdname, "--agent excludes --agentless, --system and --freeze "
				      "(the agent prints neither system goroutines nor frozen stacks)");
	if (o.system || o.freeze)
		o.agentless = true;

	if (!gs_parse_pid(target, &pid)) {
		struct gs_agent_addr a;

		if (!strchr(target, ':'))
			return gs_usage_error(cmdname, "'%s' is not a PID or HOST:PORT", target);
		if (o.agentless)
			return gs_usage_error(cmdname, "reading memory needs a PID, not %s", target);
		if (gs_agent_addr_parse(&a, target, &err) < 0)
			return gs_usage_error(cmdname, "%s", err.msg);
		if (from_agent(&a, target, 0, true, &o, &rc, &err) < 0)
			return gs_error(GS_EXIT_ERROR, "%s: %s: %s", cmdname, target, err.msg);
		return rc;
	}
	if (!o.agentless) {
		if (pid_agent(pid, o.agent_only, &o, target, &rc, &err) == 0)
			return rc;
		if (o.agent_only)
			return gs_error(GS_EXIT_ERROR, "%s: PID %d: agent: %s", cmdname, pid, err.msg);
		if (gs_opts.verbose)
			gs_warn("PID %d: no agent answered (%s); reading memory", pid, err.msg);
		o.agent_error = err.msg;
	}
	return gs_stack_memory(pid, &o);
}
