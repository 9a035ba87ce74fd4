/* SPDX-License-Identifier: MIT */
/*
 * The command line's one rule, in one place: every command takes its own
 * options and goscope's global ones (-j/--json, -p/--pretty, -v/--verbose,
 * -h/--help, --version) anywhere on the line, GNU style; "--" ends the options; a
 * negative number ("-5", as setgc takes) is an operand, never an option.
 */
#ifndef GOSCOPE_CLIOPT_H
#define GOSCOPE_CLIOPT_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * getopt_long() for a command's argv (argv[0] = the command's name), with
 * the same arguments and results, except that:
 *  - before the first option is returned, argv is permuted in place into
 *    [argv[0], options and their values..., "--" if given, operands...],
 *    so after -1 argv[optind..argc-1] are the operands, in their order;
 *  - the global options are handled here (gs_opts) and never returned,
 *    unless the command defines the same letter or name itself; --help
 *    and -h come back as 'h';
 *  - opterr is off: an unknown option comes back as '?' with optopt set
 *    (0 for a long one, argv[optind - 1] naming it), as getopt_long does.
 * A command calls it in its loop instead of getopt_long; main.c resets
 * optind to 0 before each command, which starts a new parse.
 */
int gs_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/*
 * The usage error (exit 2) for the '?' gs_getopt just returned: "unknown
 * option '-x'" or "'--frob'", "option '-d' needs a value", "option
 * '--all' takes no value". argv as given to gs_getopt.
 */
int gs_getopt_error(const char *cmd, char **argv);

/*
 * The option gs_getopt just returned (c), as the line wrote it: "-d" or
 * "--duration" (without "=value"), for messages about its value.
 */
const char *gs_getopt_name(int c, char *buf, size_t n);

/*
 * A global option given by name ("-j", "--json", ...: no value) to a
 * command that parses its line itself: applied and true, or false.
 */
bool gs_global_option(const char *name);

#endif
