/* SPDX-License-Identifier: MIT */
/*
 * The gops agent commands of the CLI, split by job:
 *	agentcmd_table.c  the table of agent commands (defined once: main.c's
 *	                  usage and dispatch read it) and their --help texts
 *	agentcmd_opts.c   the option parser they share with `goscope version`
 *	cmd_agent.c       the entry point, the target, text replies
 *	agentcmd_files.c  trace and pprof: the files written, then `go tool`
 *	gotool.c          finding and running `go tool`
 * Wire protocol in agent/client.h, replies in agent/reply.h, discovery of a
 * PID's agent in agent/discover.h; here are gops' texts and the files.
 */
#ifndef GOSCOPE_AGENTCMD_H
#define GOSCOPE_AGENTCMD_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "client.h"
#include "discover.h"

enum agent_kind {
	AK_TEXT,	/* a text reply, printed as it comes */
	AK_GC,		/* "ok", printed as nothing */
	AK_SETGC,	/* text, with an argument */
	AK_TRACE,	/* data to a file, then go tool trace */
	AK_PPROF,	/* data to a file + the binary, then go tool pprof */
};

struct agent_opts;

/*
 * A command's answer read from the process itself when no agent answers
 * for a PID (or with --agentless). Returns the exit code once it has run
 * (it reports its own errors), or -1 with err, having printed nothing,
 * when it does not apply (no such process, not a Go program): the agent's
 * error is the answer then, in gops' words. agent_err says why no agent
 * answered (NULL with --agentless), for the output to note.
 */
typedef int (*agentless_fn)(int pid, const struct agent_opts *o, const char *agent_err,
			    struct gs_err *err);

struct agent_cmd {
	const char *name;
	int cmd;		/* GS_AGENT_* */
	enum agent_kind kind;
	bool own;		/* also a goscope command of its own (goscope stack PID) */
	const char *what;	/* one line of help */
	agentless_fn agentless;	/* NULL: the agent only */
};

/* The table: every agent command, in the order help lists them. */
extern const struct agent_cmd agent_cmds[];
extern const size_t agent_ncmds;
const struct agent_cmd *agent_cmd_find(const char *name);
/* `goscope agent --help` (c NULL) or `goscope COMMAND --help`. */
void agent_help(const struct agent_cmd *c);

/* Default caps of the files trace and pprof write (--max-size, --max-binary). */
#define AGENT_MAX_DATA (256ull << 20)	/* a trace or profile */
#define AGENT_MAX_BINARY (1ull << 30)	/* the copy of the target's executable */

struct agent_opts {
	struct gs_agent_timeouts t;
	const char *out, *bin_out;
	uint64_t max_size, max_binary;	/* 0: AGENT_MAX_DATA, AGENT_MAX_BINARY */
	bool no_launch, help;
	bool modules;			/* version only */
	bool agent, no_agent;		/* version, and commands with an agentless answer */
	bool system, summary, freeze;	/* stack */
	bool raw;			/* `goscope agent CMD`: the agent's protocol only */
	int64_t duration_ns;		/* pprof-cpu -d (0: not given) */
	bool all;			/* pprof-cpu --all */
	const char **pos;		/* positional arguments, argv order */
	int npos;
};

enum {
	AGENT_O_FILE = 1u << 0,		/* -o, --binary-output, --no-launch, --seconds, --max-* */
	AGENT_O_VERSION = 1u << 1,	/* -m, --agent, --no-agent */
	AGENT_O_AGENTLESS = 1u << 2,	/* --agent, --agentless (= --no-agent) */
	AGENT_O_STACK = 1u << 3,	/* --system, --summary, --freeze */
	AGENT_O_PROFILE = 1u << 4,	/* -d, --duration, --all */
};

/*
 * Options anywhere among the arguments (a negative number is an argument:
 * setgc -5), "--" ends them. Always free o->pos after, even on failure.
 * Returns 0, or the exit code after reporting a usage error.
 */
int agent_parse_opts(const char *cmd, int argc, char **argv, unsigned allow,
		     struct agent_opts *o);
/*
 * A --timeout style value (a Go duration or whole seconds, 1 ms to 24 days)
 * into *ms; 0, or GS_EXIT_USAGE after reporting a usage error for cmd.
 */
int agent_parse_ms(const char *cmd, const char *opt, const char *v, int *ms);

struct agent_target {
	const char *text;
	struct gs_agent_addr addr;
	struct gs_agent_loc loc;	/* loc.pid == 0 for HOST:PORT */
	char addr_str[300];
};

/* A failed call, reported in gops' words where gops has some; GS_EXIT_ERROR. */
int agent_call_error(const struct gs_err *err);
/* {"target", "pid", "addr", "command"}: how every agent document begins. */
json_t *agent_json_head(const struct agent_target *t, const char *cmd);

/* Run command c (named cmdname on the command line) with its options. */
int agent_run(const struct agent_cmd *c, const char *cmdname, const struct agent_opts *o);
/* trace, pprof-heap, pprof-cpu: agentcmd_files.c. */
int agent_run_file(const struct agent_cmd *c, const struct agent_target *t,
		   const struct agent_opts *o);
/*
 * The same, but -1 when the agent's data did not all come (its file
 * removed, nothing printed but gops' "Profiling CPU now" line): *agent_err
 * says why, so that pprof-cpu of a PID can sample the process instead.
 */
int agent_run_file_try(const struct agent_cmd *c, const struct agent_target *t,
		       const struct agent_opts *o, char *agent_err, size_t errsz);

/*
 * `goscope version PID`'s agent route: when PID has a live agent that
 * answers, its version reply, printed (the exit code, 0) or refused when
 * it is not a Go version (an error, 1). -1 when there is no such agent
 * (with a warning when one was found but failed): the binary is read then.
 */
int agent_version_of_pid(const char *pid, const struct agent_opts *o);


#endif
