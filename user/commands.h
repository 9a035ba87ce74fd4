/* SPDX-License-Identifier: MIT */
/* The command table's entries: one function per subcommand (user/cmd_*.c). */
#ifndef GOSCOPE_COMMANDS_H
#define GOSCOPE_COMMANDS_H

#include <stdbool.h>

/* Each gets argv with argv[0] = the command name; returns an exit code. */
int cmd_list(int argc, char **argv);
int cmd_tree(int argc, char **argv);
/* version of binaries, or asked of an agent (gops' form) */
int cmd_version(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
/* user/cmd_agent.c: the gops agent commands (argv[0] = one of agentcmd.h's table, or "agent"). */
int cmd_agent(int argc, char **argv);
/* user/cmd_process.c: process details; argv[0] = "process" (main.c puts it before a PID). */
int cmd_process(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_exporter(int argc, char **argv);
/* user/completion.c: shell completion scripts */
int cmd_completion(int argc, char **argv);

/* What a command's operands are, for the completion scripts. */
enum gs_cmd_args {
	GS_ARGS_NONE,
	GS_ARGS_PID,		/* PIDs (of Go processes) or HOST:PORT */
	GS_ARGS_PID_FILE,	/* PIDs or files (version) */
	GS_ARGS_FILE,		/* files and directories (audit) */
	GS_ARGS_AGENT,		/* an agent command, then a PID (agent) */
	GS_ARGS_SHELL,		/* bash, zsh or fish (completion) */
};

/*
 * main.c's command table, in the order --help lists it, the agent commands
 * of their own (agent true) among them: the one list that the usage, the
 * completion scripts and the man page's test read.
 */
typedef void (*gs_command_fn)(const char *name, const char *help, enum gs_cmd_args args,
			      bool agent, void *ctx);
void gs_commands_each(gs_command_fn fn, void *ctx);

#endif
