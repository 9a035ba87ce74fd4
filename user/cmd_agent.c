/* SPDX-License-Identifier: MIT */
/*
 * The gops agent commands: goscope stack|gc|setgc|memstats|trace|pprof-heap|
 * pprof-cpu <pid|host:port>, and `goscope agent COMMAND ...` for all of them
 * (stats and version included): the target, then text replies here, files
 * in agentcmd_files.c (the jobs of each file: agentcmd.h).
 */
#include "agentcmd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cliopt.h"
#include "cmd_stack.h"
#include "commands.h"
#include "output.h"
#include "proc.h"
#include "reply.h"
#include "ttysafe.h"

#define SMALL_REPLY_MAX (4u << 20)	/* JSON of a text reply other than stack: held in memory */
#define STACK_REPLY_MAX (256u << 20)	/* a stack reply held for --summary */
/* A version reply: the longest version taken, CR LF, and the NUL gs_agent_call_buf adds. */
#define VERSION_REPLY_MAX (GS_AGENT_VERSION_MAX + 3)

/* ---- the target ---- */

static int agent_resolve(const char *text, struct agent_target *t)
{
	struct gs_err err = { 0 };

	t->text = text;
	if (gs_agent_resolve(text, &t->addr, &t->loc, &err)) {
		char msg[2 * PATH_MAX];

		if (t->loc.pid > 0) {
			gs_agent_loc_error(text, &t->loc, msg, sizeof(msg));
			return gs_error(GS_EXIT_ERROR, "%s", msg);
		}
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	}
	if (gs_agent_addr_str(&t->addr, t->addr_str, sizeof(t->addr_str)))
		snprintf(t->addr_str, sizeof(t->addr_str), "?");
	if (gs_opts.verbose && t->loc.pid > 0)
		gs_warn("agent of PID %d: port file %s, %s%s", t->loc.pid, t->loc.path,
			t->addr_str, t->loc.other_netns ? " in its network namespace" : "");
	return 0;
}

/* A failed call, in gops' words where gops has some. */
int agent_call_error(const struct gs_err *err)
{
	if (strncmp(err->msg, "dial ", 5) == 0)
		return gs_error(GS_EXIT_ERROR, "couldn't get port by PID: %s", err->msg);
	return gs_error(GS_EXIT_ERROR, "%s", err->msg);
}

json_t *agent_json_head(const struct agent_target *t, const char *cmd)
{
	json_t *o = json_object();

	json_object_set_new(o, "target", gs_json_str(t->text));
	json_object_set_new(o, "pid", t->loc.pid > 0 ? json_integer(t->loc.pid) : json_null());
	json_object_set_new(o, "addr", gs_json_str(t->addr_str));
	json_object_set_new(o, "command", json_string(cmd));
	return o;
}

/* ---- text replies ---- */

struct stream_json {
	const struct agent_target *t;
	const char *cmd;
	bool started;
	struct gs_jstream js;
};

/* The reply streamed into its JSON document, begun at its first byte. */
static int stream_json_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct stream_json *s = ctx;
	int rc = 0;

	if (!s->started) {
		s->started = true;
		gs_jstream_begin(&s->js);
		rc = gs_jstream_member(&s->js, "target", gs_json_str(s->t->text)) ||
		     gs_jstream_member(&s->js, "pid",
				       s->t->loc.pid > 0 ? json_integer(s->t->loc.pid) : json_null()) ||
		     gs_jstream_member(&s->js, "addr", gs_json_str(s->t->addr_str)) ||
		     gs_jstream_member(&s->js, "command", json_string(s->cmd)) ||
		     gs_jstream_str_begin(&s->js, "reply");
	}
	if (rc || gs_jstream_str_put(&s->js, buf, len) || ferror(stdout))
		return gs_errf(err, EIO, ferror(stdout) ? "cannot write to stdout" : "out of memory");
	return 0;
}

static int field_json_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
	json_t *o = ctx;
	char key[GS_AGENT_KEY_MAX];
	int64_t x;

	/* A key is a JSON string too: the same rule as every value. */
	gs_utf8_fix(k, kl, key);
	key[kl] = '\0';
	if (gs_agent_field_int(v, vl, &x))
		json_object_set_new(o, key, json_integer((json_int_t)x));
	else
		json_object_set_new(o, key, gs_json_strn(v, vl));
	return 0;
}

/* "key: value" lines as an object; whole numbers become numbers. */
static json_t *fields_json(const char *text, size_t n)
{
	json_t *o = json_object();

	/* Keys become C strings, so the fields end at a NUL the agent sent. */
	gs_agent_fields(text, strnlen(text, n), field_json_fn, o);
	return o;
}

/*
 * A version reply that is not a Go version (reply.h): refused, never
 * printed, so an agent cannot forge lines of our output. What it was is
 * shown cut short and through the terminal filter.
 */
static int bad_version(const struct agent_target *t, const char *buf, size_t n)
{
	enum { SHOW = 48 };
	struct gs_ttysafe ts = { .field = true };
	uint8_t shown[GS_TTYSAFE_OUT(SHOW) + 1];
	size_t len = gs_agent_version_len(buf, n), m;

	m = gs_ttysafe_chunk(&ts, (const uint8_t *)buf, len < SHOW ? len : SHOW, shown);
	m += gs_ttysafe_end(&ts, shown + m);
	shown[m] = '\0';
	return gs_error(GS_EXIT_ERROR,
			"agent at %s sent a version reply that is not a Go version: \"%s\"%s%s",
			t->addr_str, (const char *)shown, len > SHOW ? "..." : "",
			t->loc.pid > 0 ? " (--no-agent reads the binary)" : "");
}

/* A whole small reply: verbatim, or one JSON document. Returns an exit code. */
static int emit_small(const struct agent_cmd *c, const struct agent_target *t, int64_t arg,
		      const char *buf, size_t n)
{
	json_t *o;

	if (c->cmd == GS_AGENT_VERSION && gs_agent_version_parse(buf, n) == 0)
		return bad_version(t, buf, n);
	if (!gs_opts.json) {
		FILE *out = gs_ttysafe_open(stdout);

		if (!out)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		/* A failed write, like any failed stdout write, is seen at exit. */
		fwrite(buf, 1, n, out);
		gs_ttysafe_close(out, stdout);
		return GS_EXIT_OK;
	}
	o = agent_json_head(t, c->name);
	if (c->kind == AK_SETGC)
		json_object_set_new(o, "percent", json_integer((json_int_t)arg));
	json_object_set_new(o, "reply", gs_json_strn(buf, n));
	if (c->cmd == GS_AGENT_STATS || c->cmd == GS_AGENT_MEMSTATS)
		json_object_set_new(o, "fields", fields_json(buf, n));
	if (c->cmd == GS_AGENT_VERSION)
		json_object_set_new(o, "version", gs_json_strn(buf, gs_agent_version_len(buf, n)));
	gs_json_emit(o);	/* a failure is reported, and remembered for the exit code */
	json_decref(o);
	return GS_EXIT_OK;
}

/*
 * Text replies: where the bytes go, and how many went. With a fallback to
 * read the process instead, the first HOLD_MAX bytes are held, so that an
 * agent that dribbles a few bytes and then runs out of time has printed
 * nothing and the agentless answer can still be given; a large dump that
 * comes at speed is streamed past them.
 */
#define HOLD_MAX SMALL_REPLY_MAX

struct text_out {
	FILE *f;		/* stdout, or the terminal filter over it */
	size_t n;		/* bytes written to f */
	bool hold;
	char *held;
	size_t hn;
};

static int text_put(struct text_out *o, const void *buf, size_t n, struct gs_err *err)
{
	o->n += n;
	if (fwrite(buf, 1, n, o->f) != n)
		return gs_errf(err, errno, "write to stdout: %s", strerror(errno));
	return 0;
}

/* What was held, out now: the reply is whole, or too large to hold. */
static int text_release(struct text_out *o, struct gs_err *err)
{
	int rc = o->hn ? text_put(o, o->held, o->hn, err) : 0;

	free(o->held);
	o->held = NULL;
	o->hn = 0;
	o->hold = false;
	return rc;
}

static int text_out_fn(void *ctx, const void *buf, size_t n, struct gs_err *err)
{
	struct text_out *o = ctx;

	if (o->hold && n <= HOLD_MAX - o->hn) {
		if (!o->held && !(o->held = malloc(HOLD_MAX)))
			return gs_errf(err, ENOMEM, "out of memory");
		memcpy(o->held + o->hn, buf, n);
		o->hn += n;
		return 0;
	}
	if (o->hold && text_release(o, err))
		return -1;
	return text_put(o, buf, n, err);
}

/* The whole stack reply, for --summary: held, up to STACK_REPLY_MAX. */
struct reply_buf {
	char *p;
	size_t len, cap;
};

static int reply_buf_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct reply_buf *r = ctx;

	if (len > STACK_REPLY_MAX - r->len)
		return gs_errf(err, EFBIG, "reply larger than %u MiB", STACK_REPLY_MAX >> 20);
	if (r->len + len + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1u << 16;
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

/*
 * Ask t's agent and print its text reply. Returns the exit code, or -1
 * with err when the call failed before anything was printed (*agent_err
 * then says why, in gops' words), so that a command with an agentless
 * answer can still give it (fallback: the start of a text reply is held).
 */
static int run_text_try(const struct agent_cmd *c, const struct agent_target *t, int64_t arg,
			const struct agent_opts *o, bool fallback, char *agent_err, size_t errsz)
{
	struct gs_err err = { 0 };
	ssize_t n;
	int rc;

	/* goscope's stack --json and --summary parse the dump; `agent stack` streams it raw. */
	if (c->cmd == GS_AGENT_STACK && !o->raw && (o->summary || gs_opts.json)) {
		struct reply_buf r = { 0 };
		struct gs_agent_sink sink = { .fn = reply_buf_fn, .ctx = &r, .fd = -1 };

		/* Held whole before printing: never half a summary and then an error. */
		if (gs_agent_call(&t->addr, c->cmd, 0, &sink, &o->t, &err) < 0) {
			free(r.p);
			goto failed;
		}
		rc = gs_stack_print_reply(t->text, t->loc.pid, r.p ? r.p : "", r.len, o->summary);
		free(r.p);
		return rc;
	}
	/* A version is checked whole before anything of it is shown. */
	if (!gs_opts.json && c->cmd != GS_AGENT_VERSION) {
		struct text_out out = { .hold = fallback };
		struct gs_agent_sink sink = { .fn = text_out_fn, .ctx = &out, .fd = -1 };
		struct gs_agent_timeouts lim = o->t;

		/* Streamed, but only a stack dump may be large: the rest as for JSON. */
		if (c->cmd != GS_AGENT_STACK)
			lim.max_bytes = SMALL_REPLY_MAX;

		fflush(stdout);
		out.f = gs_ttysafe_open(stdout);
		if (!out.f)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		/* gc's "ok" is checked by the client and not shown, as by gops. */
		n = gs_agent_call(&t->addr, c->cmd, arg, c->kind == AK_GC ? NULL : &sink, &lim, &err);
		if (n >= 0 && text_release(&out, &err))
			n = -1;
		free(out.held);
		gs_ttysafe_close(out.f, stdout);
		if (n >= 0)
			return GS_EXIT_OK;
		if (out.n)
			return agent_call_error(&err);
		goto failed;
	}
	if (c->cmd == GS_AGENT_STACK) {
		struct stream_json s = { .t = t, .cmd = c->name };
		struct gs_agent_sink sink = { .fn = stream_json_fn, .ctx = &s, .fd = -1 };

		n = gs_agent_call(&t->addr, c->cmd, arg, &sink, &o->t, &err);
		if (n < 0 && !s.started)
			goto failed;
		/* A write failure is seen at exit, as for any stdout write. */
		gs_jstream_str_end(&s.js);
		if (n < 0)
			gs_jstream_member(&s.js, "error", gs_json_str(err.msg));
		gs_jstream_end(&s.js);
		return n < 0 ? GS_EXIT_ERROR : GS_EXIT_OK;
	} else {
		size_t cap = c->cmd == GS_AGENT_VERSION ? VERSION_REPLY_MAX : SMALL_REPLY_MAX;
		char *buf = malloc(cap);

		if (!buf)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		n = gs_agent_call_buf(&t->addr, c->cmd, arg, buf, cap, &o->t, &err);
		if (n < 0) {
			free(buf);
			goto failed;
		}
		rc = emit_small(c, t, arg, buf, (size_t)n);
		free(buf);
		return rc;
	}
failed:
	if (strncmp(err.msg, "dial ", 5) == 0)
		snprintf(agent_err, errsz, "couldn't get port by PID: %s", err.msg);
	else
		snprintf(agent_err, errsz, "%s", err.msg);
	return -1;
}

static int run_text(const struct agent_cmd *c, const struct agent_target *t, int64_t arg,
		    const struct agent_opts *o)
{
	char agent_err[2 * PATH_MAX];
	int rc = run_text_try(c, t, arg, o, false, agent_err, sizeof(agent_err));

	return rc >= 0 ? rc : gs_error(GS_EXIT_ERROR, "%s", agent_err);
}

/* ---- entry points ---- */

/*
 * A PID's command that has an agentless answer: the agent when one
 * answers, else the process itself, unless that does not apply (no such
 * process, not Go), when the agent's error stands, in gops' words. A call
 * that fails before anything was printed can still fall back.
 */
static int with_agentless(const struct agent_cmd *c, const struct agent_opts *o,
			  struct agent_target *t, int pid)
{
	struct gs_err err = { 0 }, lerr = { 0 };
	char agent_err[2 * PATH_MAX];
	int rc;

	if (o->no_agent) {
		rc = c->agentless(pid, o, NULL, &lerr);
		return rc >= 0 ? rc : gs_error(GS_EXIT_ERROR, "%s", lerr.msg);
	}
	t->text = o->pos[0];
	if (gs_agent_resolve(t->text, &t->addr, &t->loc, &err) == 0) {
		if (gs_agent_addr_str(&t->addr, t->addr_str, sizeof(t->addr_str)))
			snprintf(t->addr_str, sizeof(t->addr_str), "?");
		/* A profile whose data did not all come was removed: sampled instead. */
		if (c->kind == AK_PPROF)
			rc = agent_run_file_try(c, t, o, agent_err, sizeof(agent_err));
		else
			rc = run_text_try(c, t, 0, o, true, agent_err, sizeof(agent_err));
		if (rc >= 0)
			return rc;
		/* An agent that is there but failed is worth a word; no agent at all is not. */
		gs_warn("the agent of PID %d did not answer (%s); reading the process instead", pid,
			agent_err);
	} else {
		gs_agent_loc_error(t->text, &t->loc, agent_err, sizeof(agent_err));
	}
	rc = c->agentless(pid, o, agent_err, &lerr);
	if (rc >= 0)
		return rc;
	if (gs_opts.verbose)
		gs_warn("no agentless answer either: %s", lerr.msg);
	return gs_error(GS_EXIT_ERROR, "%s", agent_err);
}

int agent_run(const struct agent_cmd *c, const char *cmdname, const struct agent_opts *o)
{
	struct agent_target *t;
	int64_t arg = 0;
	int pid;
	int rc;

	if (o->all) {
		/* Only a command that samples from outside takes --all (the options say so too). */
		if (!c->agentless)
			return gs_usage_error(cmdname, "--all needs an agentless command");
		if (o->npos)
			return gs_usage_error(cmdname, "--all takes no PID");
		if (!o->out || !strcmp(o->out, "-"))
			return gs_usage_error(cmdname, "--all needs -o DIR for its profiles");
		return c->agentless(0, o, NULL, NULL);
	}
	if (o->npos < 1)
		return gs_error(GS_EXIT_ERROR, "missing PID or address");
	if (c->kind == AK_SETGC) {
		struct gs_err err = { 0 };

		if (o->npos < 2)
			return gs_error(GS_EXIT_ERROR, "missing gc percentage");
		if (o->npos > 2)
			return gs_usage_error(cmdname, "unexpected argument '%s'", o->pos[2]);
		if (gs_agent_parse_gc_percent(o->pos[1], &arg, &err))
			return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	} else if (o->npos > 1) {
		return gs_usage_error(cmdname, "unexpected argument '%s'", o->pos[1]);
	}
	if (gs_opts.json && o->out && !strcmp(o->out, "-"))
		return gs_usage_error(cmdname, "-o - and --json cannot share stdout");
	if (c->agentless && o->agent && o->no_agent)
		return gs_usage_error(cmdname, "--agent and --agentless exclude each other");
	if (o->agent && (o->system || o->freeze))
		return gs_usage_error(cmdname, "--agent excludes --system and --freeze (the agent "
				      "prints neither system goroutines nor frozen stacks)");
	if (o->agent && o->duration_ns)
		return gs_usage_error(cmdname, "--agent excludes -d: the agent's CPU profile always "
				      "takes 30 s");
	if (c->agentless && o->no_agent && !gs_parse_pid(o->pos[0], &pid))
		return gs_usage_error(cmdname, "reading memory needs a PID, not '%s'", o->pos[0]);
	t = calloc(1, sizeof(*t));
	if (!t)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	if (c->agentless && !o->agent && !o->raw && gs_parse_pid(o->pos[0], &pid)) {
		rc = with_agentless(c, o, t, pid);
		free(t);
		return rc;
	}
	rc = agent_resolve(o->pos[0], t);
	if (rc == 0) {
		if (c->kind == AK_TRACE || c->kind == AK_PPROF)
			rc = agent_run_file(c, t, o);
		else
			rc = run_text(c, t, arg, o);
	}
	free(t);
	return rc;
}

int cmd_agent(int argc, char **argv)
{
	const struct agent_cmd *c;
	const char *name = argv[0];
	struct agent_opts o;
	bool raw = false;
	int rc;

	if (strcmp(name, "agent") == 0) {
		raw = true;
		while (argc > 1 && gs_global_option(argv[1])) {	/* goscope agent -j stats PID */
			argc--;
			argv++;
		}
		if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			if (argc < 2)
				return gs_usage_error("agent", "missing agent command");
			agent_help(NULL);
			return GS_EXIT_OK;
		}
		argc--;
		argv++;
		name = argv[0];
	}
	c = agent_cmd_find(name);
	if (!c)
		return gs_usage_error("agent", "unknown agent command '%s'", name);
	rc = agent_parse_opts(c->name, argc, argv,
			      (c->kind == AK_TRACE || c->kind == AK_PPROF ? AGENT_O_FILE : 0) |
				      (c->agentless ? AGENT_O_AGENTLESS : 0) |
				      (c->cmd == GS_AGENT_STACK ? AGENT_O_STACK : 0) |
				      (c->cmd == GS_AGENT_CPU_PROFILE ? AGENT_O_PROFILE : 0),
			      &o);
	o.raw = raw;
	if (rc == 0 && raw && (o.no_agent || o.system || o.freeze || o.summary || o.all ||
			       o.duration_ns))
		rc = gs_usage_error("agent", "'goscope agent %s' only asks the agent: use "
				    "'goscope %s' for --agentless, --system, --freeze, --summary, "
				    "-d, --all",
				    c->name, c->name);
	if (rc == 0 && o.help)
		agent_help(c);
	else if (rc == 0)
		rc = agent_run(c, c->name, &o);
	free(o.pos);
	return rc;
}

/* ---- goscope version PID ---- */

int agent_version_of_pid(const char *pid, const struct agent_opts *o)
{
	struct agent_target *t = calloc(1, sizeof(*t));
	struct gs_err err = { 0 };
	char buf[VERSION_REPLY_MAX];
	ssize_t n;
	int rc = -1;

	if (!t)
		return -1;
	if (gs_agent_resolve(pid, &t->addr, &t->loc, &err)) {
		free(t);
		return -1;
	}
	t->text = pid;
	gs_agent_addr_str(&t->addr, t->addr_str, sizeof(t->addr_str));
	n = gs_agent_call_buf(&t->addr, GS_AGENT_VERSION, 0, buf, sizeof(buf), &o->t, &err);
	if (n > 0)
		rc = emit_small(agent_cmd_find("version"), t, 0, buf, (size_t)n);
	else
		gs_warn("the agent of PID %s did not answer (%s); reading the binary instead",
			pid, err.msg);
	free(t);
	return rc;
}
