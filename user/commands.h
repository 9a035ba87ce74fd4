/* SPDX-License-Identifier: MIT */
/* The command table's entries: one function per subcommand (user/cmd_*.c). */
#ifndef GOSCOPE_COMMANDS_H
#define GOSCOPE_COMMANDS_H

/* Each gets argv with argv[0] = the command name; returns an exit code. */
int cmd_list(int argc, char **argv);
int cmd_tree(int argc, char **argv);
/* version of binaries, or asked of an agent (gops' form) */
int cmd_version(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
/* user/cmd_agent.c: the gops agent commands (argv[0] = one of agentcmd.h's table, or "agent"). */
int cmd_agent(int argc, char **argv);
/* user/cmd_process.c: process details; argv[0] = "process" or the PID itself. */
int cmd_process(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_exporter(int argc, char **argv);

#endif
