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

#include "commands.h"
#include "output.h"
#include "reply.h"
#include "ttysafe.h"

#define SMALL_REPLY_MAX (4u << 20)	/* JSON of a text reply other than stack: held in memory */
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
 * Text replies to a terminal go through the terminal filter: an agent is
 * whatever listens where a port file points, and root reads its reply on a
 * terminal. Piped, the bytes are the agent's own, as gops gives them.
 */
static int filtered_fn(void *ctx, const void *buf, size_t n, struct gs_err *err)
{
	if (fwrite(buf, 1, n, ctx) != n)
		return gs_errf(err, errno, "write to stdout: %s", strerror(errno));
	return 0;
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

static int run_text(const struct agent_cmd *c, const struct agent_target *t, int64_t arg,
		    const struct gs_agent_timeouts *tm)
{
	struct gs_err err = { 0 };
	ssize_t n;
	int rc;

	/* A version is checked whole before anything of it is shown. */
	if (!gs_opts.json && c->cmd != GS_AGENT_VERSION) {
		struct gs_agent_sink out = { .fd = STDOUT_FILENO };
		struct gs_agent_timeouts lim = *tm;
		FILE *f;

		/* Streamed, but only a stack dump may be large: the rest as for JSON. */
		if (c->cmd != GS_AGENT_STACK)
			lim.max_bytes = SMALL_REPLY_MAX;

		fflush(stdout);
		f = gs_ttysafe_open(stdout);
		if (!f)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		if (f != stdout)
			out = (struct gs_agent_sink){ .fn = filtered_fn, .ctx = f, .fd = -1 };
		/* gc's "ok" is checked by the client and not shown, as by gops. */
		n = gs_agent_call(&t->addr, c->cmd, arg, c->kind == AK_GC ? NULL : &out, &lim, &err);
		gs_ttysafe_close(f, stdout);
		return n < 0 ? agent_call_error(&err) : GS_EXIT_OK;
	}
	if (c->cmd == GS_AGENT_STACK) {
		struct stream_json s = { .t = t, .cmd = c->name };
		struct gs_agent_sink sink = { .fn = stream_json_fn, .ctx = &s, .fd = -1 };

		n = gs_agent_call(&t->addr, c->cmd, arg, &sink, tm, &err);
		if (n < 0 && !s.started)
			return agent_call_error(&err);
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
		n = gs_agent_call_buf(&t->addr, c->cmd, arg, buf, cap, tm, &err);
		if (n < 0) {
			free(buf);
			return agent_call_error(&err);
		}
		rc = emit_small(c, t, arg, buf, (size_t)n);
		free(buf);
		return rc;
	}
}

/* ---- entry points ---- */

int agent_run(const struct agent_cmd *c, const char *cmdname, const struct agent_opts *o)
{
	struct agent_target *t;
	int64_t arg = 0;
	int rc;

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
	t = calloc(1, sizeof(*t));
	if (!t)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	rc = agent_resolve(o->pos[0], t);
	if (rc == 0) {
		if (c->kind == AK_TRACE || c->kind == AK_PPROF)
			rc = agent_run_file(c, t, o);
		else
			rc = run_text(c, t, arg, &o->t);
	}
	free(t);
	return rc;
}

int cmd_agent(int argc, char **argv)
{
	const struct agent_cmd *c;
	const char *name = argv[0];
	struct agent_opts o;
	int rc;

	if (strcmp(name, "agent") == 0) {
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
			      c->kind == AK_TRACE || c->kind == AK_PPROF ? AGENT_O_FILE : 0, &o);
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
