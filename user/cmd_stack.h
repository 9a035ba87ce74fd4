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

struct gs_stack_opts {
	bool agent_only;	/* --agent: the agent or nothing */
	bool agentless;		/* --agentless: never the agent */
	bool system;		/* --system: runtime frames and system goroutines too */
	bool summary;		/* --summary: grouped by identical stacks */
	bool freeze;		/* --freeze: stop every thread for the read */
	const char *agent_error;	/* why the agent was not used (JSON agent_error), or NULL */
};

/*
 * The dump of pid read from its memory, printed (text, --summary, --json).
 * Returns the exit code; errors are printed through gs_error.
 */
int gs_stack_memory(int pid, const struct gs_stack_opts *o);

/*
 * An agent's stack reply (runtime.Stack text) printed as o asks: the text
 * verbatim, or grouped (--summary), or as JSON goroutines. target is the
 * command-line argument, pid the PID or 0 for HOST:PORT.
 */
int gs_stack_print_reply(const char *target, int pid, const char *reply, size_t n,
			 const struct gs_stack_opts *o);

#endif
