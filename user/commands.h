/* SPDX-License-Identifier: MIT */
/* The command table's entries: one function per subcommand (user/cmd_*.c). */
#ifndef GOSCOPE_COMMANDS_H
#define GOSCOPE_COMMANDS_H

/* Each gets argv with argv[0] = the command name; returns an exit code. */
int cmd_list(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_selftest(int argc, char **argv);

#endif
