/* SPDX-License-Identifier: MIT */
/*
 * goscope's entry point: global options, then one command from the table.
 * With no command, goscope lists Go processes, as gops does.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "output.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;		/* NULL: not listed in the usage */
};

static const struct command commands[] = {
	{ "list", cmd_list, NULL },	/* the default, also reachable by name */
	{ "tree", cmd_tree, "Go processes as a tree under their parents" },
	{ "version", cmd_version, "Go version and build info of processes or files" },
	{ "selftest", cmd_selftest, "check what this host and kernel support" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: goscope [OPTIONS] [COMMAND [ARGS...]]\n"
		"\n"
		"Find Go processes from their executables alone: no agent needed.\n"
		"With no command, list Go processes, one per line:\n"
		"  PID PPID NAME[*] VERSION PATH   (* = a gops agent's port file exists)\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help)
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\n"
		"Options (before the command):\n"
		"  -j, --json      print JSON (schema: docs/json.md)\n"
		"  -p, --pretty    print indented JSON (implies --json)\n"
		"  -v, --verbose   say more on stderr; repeat for more\n"
		"  -h, --help      print this help\n"
		"      --version   print goscope's version\n"
		"\n"
		"Exit codes: 0 success, 1 the command failed, 2 bad command line,\n"
		"3 missing privilege or kernel feature.\n"
		"Run 'goscope COMMAND --help' for a command's own options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char *list_argv[] = { "list", NULL };
	const char *name;
	int c;

	opterr = 0;
	/* '+': stop at the command; what follows is the command's. */
	while ((c = getopt_long(argc, argv, "+jpvh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			gs_opts.json = true;
			break;
		case 'p':
			gs_opts.json = true;
			gs_opts.pretty = true;
			break;
		case 'v':
			gs_opts.verbose++;
			break;
		case 'h':
			usage(stdout);
			return GS_EXIT_OK;
		case 'V':
			printf("goscope %s\n", GOSCOPE_VERSION);
			return GS_EXIT_OK;
		default:
			if (optopt)
				return gs_usage_error(NULL, "unknown option '-%c'", optopt);
			return gs_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}

	argc -= optind;
	argv += optind;
	optind = 0;	/* commands run getopt again from their own argv[1] */
	if (argc == 0)
		return cmd_list(1, list_argv);

	name = argv[0];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	return gs_usage_error(NULL, "unknown command '%s'", name);
}
