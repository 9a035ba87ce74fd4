/* SPDX-License-Identifier: MIT */
/*
 * goscope stack: every goroutine's stack, from the gops agent when one
 * answers, else read from the process's memory (user/cmd_stack.c,
 * user/stack_out.c). The agent command path calls these.
 */
#ifndef GOSCOPE_CMD_STACK_H
#define GOSCOPE_CMD_STACK_H

#include <stdbool.h>
#include <stddef.h>

#include "gserr.h"

struct gs_stack_opts {
	bool system;		/* --system: runtime frames and system goroutines too */
	bool summary;		/* --summary: grouped by identical stacks */
	bool freeze;		/* --freeze: stop every thread for the read */
	const char *agent_error;	/* why the agent was not used (JSON agent_error), or NULL */
};

/*
 * The agentless answer of `goscope stack PID` (agentcmd.h's agentless_fn):
 * the dump of pid read from its memory, printed (text, --summary, --json).
 * Returns the exit code (errors printed), or -1 with err and nothing
 * printed when no agent answered first and pid is gone or not Go.
 */
struct agent_opts;
int gs_stack_agentless(int pid, const struct agent_opts *o, const char *agent_err,
		       struct gs_err *err);

/*
 * An agent's stack reply (runtime.Stack text) grouped by identical stacks
 * (summary) or as JSON goroutines, else verbatim. target is the
 * command-line argument, pid the PID or 0 for HOST:PORT.
 */
int gs_stack_print_reply(const char *target, int pid, const char *reply, size_t n, bool summary);

#endif
