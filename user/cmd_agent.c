/* SPDX-License-Identifier: MIT */
/*
 * The gops agent commands: goscope stack|gc|setgc|memstats|trace|pprof-heap|
 * pprof-cpu <pid|host:port>, `goscope agent COMMAND ...` for all of them
 * (stats and version included), and the routing of `goscope version` between
 * the binary and the agent. Wire protocol in agent/client.h, discovery of a
 * PID's agent in agent/discover.h; here are gops' texts and the files.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "discover.h"
#include "godur.h"
#include "golist.h"
#include "output.h"
#include "reply.h"
#include "ttysafe.h"

#define SMALL_REPLY_MAX (4u << 20)	/* JSON of a text reply other than stack: held in memory */

enum kind {
	K_TEXT,		/* a text reply, printed as it comes */
	K_GC,		/* "ok", printed as nothing */
	K_SETGC,	/* text, with an argument */
	K_TRACE,	/* data to a file, then go tool trace */
	K_PPROF,	/* data to a file + the binary, then go tool pprof */
};

struct agent_cmd {
	const char *name;
	int cmd;
	enum kind kind;
	const char *what;
};

static const struct agent_cmd cmds[] = {
	{ "stack", GS_AGENT_STACK, K_TEXT, "print every goroutine's stack" },
	{ "gc", GS_AGENT_GC, K_GC, "run a garbage collection, wait for it; prints nothing" },
	{ "setgc", GS_AGENT_SETGC, K_SETGC, "set the GC target percentage (a number, or off)" },
	{ "memstats", GS_AGENT_MEMSTATS, K_TEXT, "print the allocation and GC statistics" },
	{ "stats", GS_AGENT_STATS, K_TEXT, "print goroutines, OS threads, GOMAXPROCS, num CPU" },
	{ "version", GS_AGENT_VERSION, K_TEXT, "print the program's runtime.Version()" },
	{ "trace", GS_AGENT_TRACE, K_TRACE, "record a 5 s runtime trace" },
	{ "pprof-heap", GS_AGENT_HEAP_PROFILE, K_PPROF, "save a heap profile and the binary" },
	{ "pprof-cpu", GS_AGENT_CPU_PROFILE, K_PPROF, "record a 30 s CPU profile, save it and the binary" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

struct opts {
	struct gs_agent_timeouts t;
	const char *out, *bin_out;
	bool no_launch, help;
	bool modules, agent, no_agent;	/* version only */
	const char **pos;		/* positional arguments, argv order */
	int npos;
};

enum {
	O_FILE = 1u << 0,	/* -o, --binary-output, --no-launch, --seconds */
	O_VERSION = 1u << 1,	/* -m, --agent, --no-agent */
};

static const struct agent_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* ---- help ---- */

static void help_common(void)
{
	printf("TARGET is a PID or HOST:PORT (anything with a ':' is an address, as in gops).\n"
	       "For a PID the agent's port file is looked up first in your gops config dir\n"
	       "($GOPS_CONFIG_DIR, else $XDG_CONFIG_HOME/gops, else $HOME/.config/gops),\n"
	       "then -- for other users' processes and containers, when goscope may read\n"
	       "them (root) -- in the process's own config dir inside its own root, named\n"
	       "by its PID in its own PID namespace. A port file is used only if the\n"
	       "process runs and the file is its own (it listens on that port, or the file\n"
	       "is not older than the process); a stale one is reported, never dialled.\n"
	       "The agent is dialled at 127.0.0.1:PORT inside the process's network\n"
	       "namespace (entering it needs CAP_SYS_ADMIN when it is not yours).\n"
	       "A text reply shown on a terminal has its control characters (escape\n"
	       "sequences included) turned into '?'; piped or redirected, it is byte for\n"
	       "byte what the agent sent.\n"
	       "\n"
	       "      --timeout DUR          give up when the agent sends nothing for DUR\n"
	       "                             (default 10s; trace 20s, pprof-cpu 45s: the agent\n"
	       "                             is silent for its fixed 5 s / 30 s first)\n"
	       "      --connect-timeout DUR  give up connecting after DUR (default 3s)\n"
	       "  -h, --help                 print this help\n"
	       "DUR is a Go duration (500ms, 2s, 1m) or a whole number of seconds.\n");
}

static void help_file(const struct agent_cmd *c)
{
	bool pprof = c->kind == K_PPROF;

	printf("\n"
	       "  -o, --output FILE          write the %s to FILE (created 0600) instead of\n"
	       "                             a new temporary file; '-' for stdout, which\n"
	       "                             implies --no-launch\n",
	       pprof ? "profile" : "trace");
	if (pprof)
		printf("      --binary-output FILE   write the binary to FILE instead\n");
	printf("      --no-launch            do not run 'go tool %s'; keep the file%s\n"
	       "      --seconds N            refused: the agent protocol takes no duration;\n"
	       "                             %s\n",
	       pprof ? "pprof" : "trace", pprof ? "s" : "",
	       c->cmd == GS_AGENT_TRACE ? "a trace always takes 5 s" :
	       c->cmd == GS_AGENT_CPU_PROFILE ? "a CPU profile always takes 30 s" :
	       "a heap profile is a snapshot");
	printf("\n"
	       "Temporary files are created in $TMPDIR (default /tmp) with O_EXCL, mode\n"
	       "0600. If 'go' is on PATH and --no-launch is not given, goscope then runs\n"
	       "'go tool %s %s', as gops does, and removes the temporary\n"
	       "files afterwards (files named with -o are kept).\n",
	       pprof ? "pprof" : "trace", pprof ? "BINARY PROFILE" : "TRACE");
}

static void help(const struct agent_cmd *c)
{
	if (!c) {
		printf("Usage: goscope [OPTIONS] agent COMMAND TARGET [ARGS] [OPTIONS]\n"
		       "\n"
		       "Run one gops agent command (github.com/google/gops/agent, or goscope's\n"
		       "agent/go) in the Go process TARGET:\n");
		for (size_t i = 0; i < NCMDS; i++)
			printf("  %-11s %s\n", cmds[i].name, cmds[i].what);
		printf("All but stats and version are also commands of their own (goscope stack\n"
		       "PID); 'goscope version PID' asks the agent too when one answers, and\n"
		       "'goscope stats' may work without an agent.\n"
		       "\n");
		help_common();
		printf("\nRun 'goscope agent COMMAND --help' for a command's own options.\n");
		return;
	}
	printf("Usage: goscope [OPTIONS] %s TARGET%s [OPTIONS]\n\n", c->name,
	       c->kind == K_SETGC ? " PERCENT|off" : "");
	switch (c->cmd) {
	case GS_AGENT_STACK:
		printf("Print the stack of every goroutine, as the agent sends it (the format of\n"
		       "a panic dump), streamed: a huge dump is never held in memory.\n");
		break;
	case GS_AGENT_GC:
		printf("Run a garbage collection in TARGET and wait until it is done. Prints\n"
		       "nothing on success, as gops does.\n");
		break;
	case GS_AGENT_SETGC:
		printf("Set TARGET's GC target percentage (debug.SetGCPercent): a whole number,\n"
		       "negative ones included (no '--' needed), or 'off' (the same as -1).\n"
		       "Prints the agent's reply:\n"
		       "  New GC percent set to 50. Previous value was 100.\n");
		break;
	case GS_AGENT_MEMSTATS:
		printf("Print TARGET's runtime.MemStats, one 'key: value' line each, as the\n"
		       "agent formats them.\n");
		break;
	case GS_AGENT_STATS:
		printf("Print TARGET's goroutines, OS threads, GOMAXPROCS and num CPU, as the\n"
		       "agent sends them.\n");
		break;
	case GS_AGENT_VERSION:
		printf("Print the Go version TARGET runs (runtime.Version()), as the agent\n"
		       "sends it.\n");
		break;
	case GS_AGENT_TRACE:
		printf("Record a runtime trace of TARGET. The agent always traces for 5 seconds.\n"
		       "Prints 'Tracing now, will take 5 secs...', then 'Trace dump saved to: FILE'.\n");
		break;
	case GS_AGENT_HEAP_PROFILE:
		printf("Save a heap profile of TARGET (gzip'd pprof), then fetch TARGET's\n"
		       "executable from the agent so the profile can be symbolised. Prints\n"
		       "'Profile dump saved to: FILE' and 'Binary file saved to: FILE'.\n");
		break;
	case GS_AGENT_CPU_PROFILE:
		printf("Record a CPU profile of TARGET (the agent always profiles for 30 seconds),\n"
		       "then fetch TARGET's executable from the agent so the profile can be\n"
		       "symbolised. Prints 'Profiling CPU now, will take 30 secs...', then\n"
		       "'Profile dump saved to: FILE' and 'Binary file saved to: FILE'.\n");
		break;
	}
	printf("\n");
	help_common();
	if (c->kind == K_TRACE || c->kind == K_PPROF)
		help_file(c);
	printf("\n"
	       "With --json: one document with target, pid, addr, command and the reply\n"
	       "or the file names (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 success; 1 the agent could not be found or reached or the\n"
	       "command failed (gops' messages, e.g. \"couldn't resolve addr or pid ...\"),\n"
	       "also for a missing TARGET or PERCENT, as in gops; 2 bad command line.\n");
}

/* ---- options ---- */

/* A negative number is an argument (setgc -5), not an option. */
static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9');
}

static int parse_ms(const char *cmd, const char *opt, const char *v, int *ms)
{
	struct gs_err err = { 0 };
	int64_t ns;

	if (gs_parse_period(v, &ns, &err))
		return gs_usage_error(cmd, "%s: %s", opt, err.msg);
	if (ns <= 0 || ns / 1000000 > INT_MAX)
		return gs_usage_error(cmd, "%s: want a duration between 1ms and 24 days", opt);
	*ms = (int)(ns / 1000000);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

static int parse_opts(const char *cmd, int argc, char **argv, unsigned allow, struct opts *o)
{
	bool dashdash = false;

	memset(o, 0, sizeof(*o));
	o->pos = calloc((size_t)argc + 1, sizeof(*o->pos));
	if (!o->pos)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		char name[32];
		size_t nl;

		if (dashdash || !is_option(a)) {
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		/* --name=value, --name value, -o value, -ovalue */
		eq = a[1] == '-' ? strchr(a, '=') : NULL;
		nl = eq ? (size_t)(eq - a) : strlen(a);
		if (a[1] != '-' && nl > 2)
			nl = 2;
		if (nl >= sizeof(name))
			return gs_usage_error(cmd, "unknown option '%s'", a);
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (eq)
			v = eq + 1;
		else if (a[1] != '-' && a[2])
			v = a + 2;

#define TAKE()                                                                       \
	do {                                                                         \
		if (!v) {                                                            \
			if (i + 1 >= argc)                                           \
				return gs_usage_error(cmd, "%s needs a value", name); \
			v = argv[++i];                                               \
		}                                                                    \
	} while (0)
#define FLAG()                                                                      \
	do {                                                                        \
		if (v)                                                              \
			return gs_usage_error(cmd, "%s takes no value", name);      \
	} while (0)

		if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
			FLAG();
			o->help = true;
		} else if (!strcmp(name, "--timeout")) {
			TAKE();
			if (parse_ms(cmd, name, v, &o->t.idle_ms))
				return GS_EXIT_USAGE;
		} else if (!strcmp(name, "--connect-timeout")) {
			TAKE();
			if (parse_ms(cmd, name, v, &o->t.connect_ms))
				return GS_EXIT_USAGE;
		} else if ((allow & O_FILE) && (!strcmp(name, "-o") || !strcmp(name, "--output"))) {
			TAKE();
			if (!*v)
				return gs_usage_error(cmd, "%s needs a file name", name);
			o->out = v;
		} else if ((allow & O_FILE) && !strcmp(name, "--binary-output") &&
			   strcmp(cmd, "trace") != 0) {
			TAKE();
			if (!*v)
				return gs_usage_error(cmd, "%s needs a file name", name);
			o->bin_out = v;
		} else if ((allow & O_FILE) && !strcmp(name, "--no-launch")) {
			FLAG();
			o->no_launch = true;
		} else if ((allow & O_FILE) && !strcmp(name, "--seconds")) {
			return gs_usage_error(cmd,
					      "--seconds: the gops agent protocol takes no duration: "
					      "a CPU profile always takes 30 s, a trace 5 s, and a heap "
					      "profile is a snapshot");
		} else if ((allow & O_VERSION) && (!strcmp(name, "-m") || !strcmp(name, "--modules"))) {
			FLAG();
			o->modules = true;
		} else if ((allow & O_VERSION) && !strcmp(name, "--agent")) {
			FLAG();
			o->agent = true;
		} else if ((allow & O_VERSION) && !strcmp(name, "--no-agent")) {
			FLAG();
			o->no_agent = true;
		} else {
			return gs_usage_error(cmd, "unknown option '%s'", a);
		}
#undef TAKE
#undef FLAG
	}
	return 0;
}

/* ---- talking to the agent ---- */

struct target {
	const char *text;
	struct gs_agent_addr addr;
	struct gs_agent_loc loc;	/* loc.pid == 0 for HOST:PORT */
	char addr_str[300];
};

static int resolve(const char *text, struct target *t)
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
static int call_error(const struct gs_err *err)
{
	if (strncmp(err->msg, "dial ", 5) == 0)
		return gs_error(GS_EXIT_ERROR, "couldn't get port by PID: %s", err->msg);
	return gs_error(GS_EXIT_ERROR, "%s", err->msg);
}

static json_t *jhead_obj(const struct target *t, const char *cmd)
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
	const struct target *t;
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

/* A whole small reply: verbatim, or one JSON document. */
static void emit_small(const struct agent_cmd *c, const struct target *t, int64_t arg,
		       const char *buf, size_t n)
{
	json_t *o;

	if (!gs_opts.json) {
		FILE *out = gs_ttysafe_open(stdout);

		if (!out) {
			gs_error(GS_EXIT_ERROR, "out of memory");
			return;
		}
		/* A failed write, like any failed stdout write, is seen at exit. */
		fwrite(buf, 1, n, out);
		gs_ttysafe_close(out, stdout);
		return;
	}
	o = jhead_obj(t, c->name);
	if (c->kind == K_SETGC)
		json_object_set_new(o, "percent", json_integer((json_int_t)arg));
	json_object_set_new(o, "reply", gs_json_strn(buf, n));
	if (c->cmd == GS_AGENT_STATS || c->cmd == GS_AGENT_MEMSTATS)
		json_object_set_new(o, "fields", fields_json(buf, n));
	if (c->cmd == GS_AGENT_VERSION)
		json_object_set_new(o, "version", gs_json_strn(buf, gs_agent_version_len(buf, n)));
	gs_json_emit(o);	/* a failure is reported, and remembered for the exit code */
	json_decref(o);
}

static int run_text(const struct agent_cmd *c, const struct target *t, int64_t arg,
		    const struct gs_agent_timeouts *tm)
{
	struct gs_err err = { 0 };
	ssize_t n;

	if (!gs_opts.json) {
		struct gs_agent_sink out = { .fd = STDOUT_FILENO };
		FILE *f;

		fflush(stdout);
		f = gs_ttysafe_open(stdout);
		if (!f)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		if (f != stdout)
			out = (struct gs_agent_sink){ .fn = filtered_fn, .ctx = f, .fd = -1 };
		/* gc's "ok" is checked by the client and not shown, as by gops. */
		n = gs_agent_call(&t->addr, c->cmd, arg, c->kind == K_GC ? NULL : &out, tm, &err);
		gs_ttysafe_close(f, stdout);
		return n < 0 ? call_error(&err) : GS_EXIT_OK;
	}
	if (c->cmd == GS_AGENT_STACK) {
		struct stream_json s = { .t = t, .cmd = c->name };
		struct gs_agent_sink sink = { .fn = stream_json_fn, .ctx = &s, .fd = -1 };

		n = gs_agent_call(&t->addr, c->cmd, arg, &sink, tm, &err);
		if (n < 0 && !s.started)
			return call_error(&err);
		/* A write failure is seen at exit, as for any stdout write. */
		gs_jstream_str_end(&s.js);
		if (n < 0)
			gs_jstream_member(&s.js, "error", gs_json_str(err.msg));
		gs_jstream_end(&s.js);
		return n < 0 ? GS_EXIT_ERROR : GS_EXIT_OK;
	} else {
		char *buf = malloc(SMALL_REPLY_MAX);

		if (!buf)
			return gs_error(GS_EXIT_ERROR, "out of memory");
		n = gs_agent_call_buf(&t->addr, c->cmd, arg, buf, SMALL_REPLY_MAX, tm, &err);
		if (n < 0) {
			free(buf);
			return call_error(&err);
		}
		emit_small(c, t, arg, buf, (size_t)n);
		free(buf);
		return GS_EXIT_OK;
	}
}

/* ---- trace and pprof: files ---- */

struct outfile {
	char path[PATH_MAX];
	int fd;
	bool temp;		/* ours to remove after the tool ran */
	bool created;		/* we made it: remove it when the data did not come */
	bool is_stdout;
	uint64_t bytes;
};

/*
 * -o FILE, opened the way a root-run tool must in a shared directory: a new
 * file is created 0600 without following links; an existing one is reused
 * only when it is a regular file of ours. A symlink or another user's file
 * planted at that name (in /tmp, say) is refused, never followed or
 * truncated.
 */
static int open_named(const char *named, struct outfile *f, struct gs_err *err)
{
	const int base = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	struct stat st;

	f->fd = open(named, base | O_CREAT | O_EXCL, 0600);
	if (f->fd >= 0) {
		f->created = true;
		return 0;
	}
	if (errno != EEXIST)
		goto fail;
	f->fd = open(named, base | O_NONBLOCK);
	if (f->fd < 0)
		goto fail;
	if (fstat(f->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(f->fd);
		f->fd = -1;
		return gs_errf(err, EPERM, "%s: refusing to write: not a regular file owned by you",
			       named);
	}
	if (fcntl(f->fd, F_SETFL, 0) < 0 || ftruncate(f->fd, 0) < 0)
		goto fail;
	return 0;
fail:
	if (errno == ELOOP)
		return gs_errf(err, ELOOP, "%s: refusing to follow a symbolic link", named);
	{
		int e = errno;

		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		return gs_errf(err, e, "%s: %s", named, strerror(e));
	}
}

static int open_out(const char *named, const char *prefix, struct outfile *f, struct gs_err *err)
{
	const char *dir = getenv("TMPDIR");

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (named && strcmp(named, "-") == 0) {
		snprintf(f->path, sizeof(f->path), "-");
		f->fd = STDOUT_FILENO;
		f->is_stdout = true;
		return 0;
	}
	if (named) {
		if (strlen(named) >= sizeof(f->path))
			return gs_errf(err, ENAMETOOLONG, "%s: name too long", named);
		strcpy(f->path, named);
		return open_named(named, f, err);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(f->path, sizeof(f->path), "%s/%sXXXXXX", dir, prefix) >= (int)sizeof(f->path))
		return gs_errf(err, ENAMETOOLONG, "TMPDIR too long");
	/* mkostemp: O_CREAT | O_EXCL, mode 0600. */
	f->fd = mkostemp(f->path, O_CLOEXEC);
	if (f->fd < 0)
		return gs_errf(err, errno, "%s: %s", f->path, strerror(errno));
	f->temp = f->created = true;
	return 0;
}

static int count_fn(void *ctx, const void *buf, size_t len, struct gs_err *err)
{
	struct outfile *f = ctx;
	const char *p = buf;

	while (len) {
		ssize_t w = write(f->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gs_errf(err, w < 0 ? errno : EIO, "%s: %s", f->path,
				       strerror(w < 0 ? errno : EIO));
		p += w;
		len -= (size_t)w;
		f->bytes += (uint64_t)w;
	}
	return 0;
}

static void close_out(struct outfile *f, bool failed)
{
	if (f->fd >= 0 && !f->is_stdout)
		close(f->fd);
	f->fd = -1;
	if (failed && f->created)
		unlink(f->path);
}

/*
 * Fetch one binary reply into a file. empty_msg is gops' text for an agent
 * that sent nothing ("nothing has traced").
 */
static int fetch(const struct target *t, int cmd, const struct gs_agent_timeouts *tm,
		 const char *named, const char *prefix, const char *empty_msg, const char *err_prefix,
		 struct outfile *f)
{
	struct gs_agent_sink sink = { .fn = count_fn, .ctx = f, .fd = -1 };
	struct gs_err err = { 0 };
	ssize_t n;

	if (open_out(named, prefix, f, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	if (f->is_stdout)
		fflush(stdout);
	n = gs_agent_call(&t->addr, cmd, 0, &sink, tm, &err);
	if (n < 0) {
		close_out(f, true);
		if (f->bytes == 0 && err.code == EPROTO)
			return gs_error(GS_EXIT_ERROR, "%s", empty_msg);
		if (err_prefix)
			return gs_error(GS_EXIT_ERROR, "%s: %s", err_prefix, err.msg);
		return call_error(&err);
	}
	if (!f->is_stdout && fsync(f->fd) < 0 && errno != EINVAL) {
		int e = errno;

		close_out(f, true);
		return gs_error(GS_EXIT_ERROR, "%s: %s", f->path, strerror(e));
	}
	close_out(f, false);
	return 0;
}

/* Is there an executable "go" on PATH? */
static bool go_on_path(void)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *c = strchr(path, ':');
		size_t n = c ? (size_t)(c - path) : strlen(path);

		if (n == 0) {
			if (access("go", X_OK) == 0)
				return true;
		} else if (n + 4 < sizeof(buf)) {
			memcpy(buf, path, n);
			memcpy(buf + n, "/go", 4);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path += n + (c ? 1 : 0);
	}
	return false;
}

/* go tool TOOL ARGS..., with our stdio; its exit status. */
static int run_go_tool(char *const argv[])
{
	pid_t pid;
	int status;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return gs_error(GS_EXIT_ERROR, "fork: %s", strerror(errno));
	if (pid == 0) {
		execvp("go", argv);
		fprintf(stderr, "goscope: go: %s\n", strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return gs_error(GS_EXIT_ERROR, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return GS_EXIT_OK;
	return gs_error(GS_EXIT_ERROR, "go tool %s failed", argv[2]);
}

static void file_json(json_t *o, const char *key, const struct outfile *f)
{
	char k[64];

	json_object_set_new(o, key, f->is_stdout ? json_null() : gs_json_str(f->path));
	snprintf(k, sizeof(k), "%s_bytes", key);
	json_object_set_new(o, k, json_integer((json_int_t)f->bytes));
}

static int run_file(const struct agent_cmd *c, const struct target *t, const struct opts *o)
{
	bool pprof = c->kind == K_PPROF, to_stdout = o->out && !strcmp(o->out, "-");
	bool launch = !o->no_launch && !gs_opts.json && !to_stdout && go_on_path();
	/* With the data on stdout, the messages go to stderr. */
	FILE *msg = to_stdout ? stderr : stdout;
	struct outfile data, bin;
	bool have_bin = false;
	int rc;

	memset(&bin, 0, sizeof(bin));
	bin.fd = -1;
	if (!gs_opts.json) {
		if (c->cmd == GS_AGENT_TRACE)
			fputs("Tracing now, will take 5 secs...\n", msg);
		else if (c->cmd == GS_AGENT_CPU_PROFILE)
			fputs("Profiling CPU now, will take 30 secs...\n", msg);
		fflush(msg);
	}
	if (pprof)
		rc = fetch(t, c->cmd, &o->t, o->out,
			   c->cmd == GS_AGENT_CPU_PROFILE ? "cpu_profile" : "heap_profile",
			   "failed to read the profile", NULL, &data);
	else
		rc = fetch(t, c->cmd, &o->t, o->out, "trace", "nothing has traced", NULL, &data);
	if (rc)
		return rc;
	if (!gs_opts.json && !to_stdout)
		printf("%s dump saved to: %s\n", pprof ? "Profile" : "Trace", data.path);

	if (pprof && (!to_stdout || o->bin_out)) {
		struct gs_agent_timeouts bt = o->t;

		rc = fetch(t, GS_AGENT_BINARY_DUMP, &bt, o->bin_out, "binary",
			   "failed to read the binary", "failed to read the binary", &bin);
		if (rc)
			return rc;	/* the profile stays where it was saved */
		have_bin = true;
		if (!gs_opts.json)
			fprintf(msg, "Binary file saved to: %s\n", bin.path);
	}
	fflush(stdout);

	if (gs_opts.json) {
		json_t *doc = jhead_obj(t, c->name);

		file_json(doc, "file", &data);
		if (have_bin)
			file_json(doc, "binary", &bin);
		else if (pprof)
			json_object_set_new(doc, "binary", json_null());
		rc = gs_json_emit(doc);
		json_decref(doc);
		return rc;
	}
	if (!launch)
		return GS_EXIT_OK;
	if (pprof) {
		char *argv[] = { "go", "tool", "pprof", bin.path, data.path, NULL };

		if (!have_bin) {
			argv[3] = data.path;
			argv[4] = NULL;
		}
		rc = run_go_tool(argv);
	} else {
		char *argv[] = { "go", "tool", "trace", data.path, NULL };

		rc = run_go_tool(argv);
	}
	if (data.temp)
		unlink(data.path);
	if (have_bin && bin.temp)
		unlink(bin.path);
	return rc;
}

/* ---- entry points ---- */

static int run(const struct agent_cmd *c, const char *cmdname, const struct opts *o)
{
	struct target *t;
	int64_t arg = 0;
	int rc;

	if (o->npos < 1)
		return gs_error(GS_EXIT_ERROR, "missing PID or address");
	if (c->kind == K_SETGC) {
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
	rc = resolve(o->pos[0], t);
	if (rc == 0) {
		if (c->kind == K_TRACE || c->kind == K_PPROF)
			rc = run_file(c, t, o);
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
	struct opts o;
	int rc;

	if (strcmp(name, "agent") == 0) {
		if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			if (argc < 2)
				return gs_usage_error("agent", "missing agent command");
			help(NULL);
			return GS_EXIT_OK;
		}
		argc--;
		argv++;
		name = argv[0];
	}
	c = find_cmd(name);
	if (!c)
		return gs_usage_error("agent", "unknown agent command '%s'", name);
	rc = parse_opts(c->name, argc, argv,
			c->kind == K_TRACE || c->kind == K_PPROF ? O_FILE : 0, &o);
	if (rc == 0 && o.help)
		help(c);
	else if (rc == 0)
		rc = run(c, c->name, &o);
	free(o.pos);
	return rc;
}

/* The agent's answer to version for a PID, if it has a live agent that answers. */
static bool version_from_agent(const char *pid, const struct opts *o)
{
	struct target *t = calloc(1, sizeof(*t));
	struct gs_err err = { 0 };
	char buf[256];
	ssize_t n;

	if (!t)
		return false;
	if (gs_agent_resolve(pid, &t->addr, &t->loc, &err)) {
		free(t);
		return false;
	}
	t->text = pid;
	gs_agent_addr_str(&t->addr, t->addr_str, sizeof(t->addr_str));
	n = gs_agent_call_buf(&t->addr, GS_AGENT_VERSION, 0, buf, sizeof(buf), &o->t, &err);
	if (n > 0)
		emit_small(find_cmd("version"), t, 0, buf, (size_t)n);
	else
		gs_warn("the agent of PID %s did not answer (%s); reading the binary instead",
			pid, err.msg);
	free(t);
	return n > 0;
}

static bool all_digits(const char *s)
{
	return s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s);
}

/*
 * goscope version: the binary's Go version (cmd_version) or the agent's.
 * The agent is asked only for exactly one TARGET and no -m: HOST:PORT
 * always; a PID when it has a live agent that answers (otherwise the
 * binary: quietly when there is no agent, with a warning when it failed).
 * --agent always asks the agent, --no-agent never does.
 */
static int version_any(struct opts *o)
{
	const struct agent_cmd *c = find_cmd("version");
	struct stat sb;
	char **vargv;
	int vargc = 0, rc;

	if (o->help) {
		char *hargv[] = { "version", "--help", NULL };

		return cmd_version(2, hargv);
	}
	if (o->agent && (o->modules || o->no_agent))
		return gs_usage_error("version", "--agent cannot go with %s",
				      o->modules ? "-m (the agent knows no module info)" : "--no-agent");
	if (o->agent) {
		if (o->npos > 1)
			return gs_usage_error("version", "--agent takes one PID or HOST:PORT");
		return run(c, "version", o);
	}
	if (!o->modules && !o->no_agent && o->npos == 1) {
		const char *a = o->pos[0];

		if (strchr(a, ':') && stat(a, &sb) < 0)
			return run(c, "version", o);
		if (all_digits(a) && version_from_agent(a, o))
			return GS_EXIT_OK;
	}
	vargv = calloc((size_t)o->npos + 4, sizeof(*vargv));
	if (!vargv)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	vargv[vargc++] = "version";
	if (o->modules)
		vargv[vargc++] = "-m";
	vargv[vargc++] = "--";
	for (int i = 0; i < o->npos; i++)
		vargv[vargc++] = (char *)o->pos[i];
	optind = 0;
	rc = cmd_version(vargc, vargv);
	free(vargv);
	return rc;
}

int cmd_version_any(int argc, char **argv)
{
	struct opts o;
	int rc = parse_opts("version", argc, argv, O_VERSION, &o);

	if (rc == 0)
		rc = version_any(&o);
	free(o.pos);
	return rc;
}

/* ---- goscope list --check-agents ---- */

#define CHECK_TIMEOUT_MS 1000

void gs_golist_check_agents(struct gs_golist *l)
{
	size_t n = 0, k = 0;
	int *pids;
	bool *ok;

	for (size_t i = 0; i < l->n; i++)
		n += l->procs[i]->agent;
	if (n == 0)
		return;
	pids = calloc(n, sizeof(*pids));
	ok = calloc(n, sizeof(*ok));
	if (!pids || !ok) {
		free(pids);
		free(ok);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->procs[i]->agent)
			pids[k++] = l->procs[i]->pid;
	gs_agent_check(pids, n, ok, CHECK_TIMEOUT_MS);
	k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->procs[i]->agent)
			l->procs[i]->agent = ok[k++];
	free(pids);
	free(ok);
}
