/* SPDX-License-Identifier: MIT */
/*
 * goscope's entry point: global options, then one command from the table.
 * With no command, goscope lists Go processes, as gops does. The gops agent
 * commands that are commands of their own (stack, gc, ...) come from the
 * agent command table (agentcmd.h), so each is named and described once.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentcmd.h"
#include "commands.h"
#include "output.h"
#include "version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;		/* NULL: not listed in the usage */
	enum gs_cmd_args args;		/* what its operands are, for completion */
};

static const struct command commands[] = {
	{ "list", cmd_list, NULL, GS_ARGS_NONE },	/* the default, also reachable by name */
	{ "tree", cmd_tree, "Go processes as a tree under their parents", GS_ARGS_NONE },
	{ "version", cmd_version, "Go version and build info of processes or files",
	  GS_ARGS_PID_FILE },
	{ "process", cmd_process, "details of a process: CPU, memory, sockets, Go facts",
	  GS_ARGS_PID },
	/* listed first here: the agent commands of their own (agentcmd_table.c) */
	{ "agent", cmd_agent, "agent: run any agent command by name (stats, version too)",
	  GS_ARGS_AGENT },
	{ "selftest", cmd_selftest, "check what this host and kernel support", GS_ARGS_NONE },
	{ "audit", cmd_audit, "Go versions, modules and support status of processes or files",
	  GS_ARGS_FILE },
	{ "watch", cmd_watch, "stream Go process starts and exits as they happen (BPF)",
	  GS_ARGS_NONE },
	{ "probe", cmd_probe, "GC cycles and stop-the-world pauses of running programs (BPF)",
	  GS_ARGS_PID },
	{ "stats", cmd_stats, "goroutines, OS threads, GOMAXPROCS, num CPU: agent or agentless",
	  GS_ARGS_PID },
	{ "exporter", cmd_exporter, "serve Go process metrics to Prometheus over HTTP",
	  GS_ARGS_NONE },
	{ "completion", cmd_completion, "print a shell completion script (bash, zsh, fish)",
	  GS_ARGS_SHELL },
};

void gs_commands_each(gs_command_fn fn, void *ctx)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].fn == cmd_agent)
			for (size_t k = 0; k < agent_ncmds; k++)
				if (agent_cmds[k].own)
					fn(agent_cmds[k].name, agent_cmds[k].what, GS_ARGS_PID,
					   true, ctx);
		if (commands[i].help)
			fn(commands[i].name, commands[i].help, commands[i].args, false, ctx);
	}
}

static void usage_line(const char *name, const char *help, enum gs_cmd_args args, bool agent,
		       void *ctx)
{
	(void)args;
	fprintf(ctx, "  %-10s %s%s\n", name, agent ? "agent: " : "", help);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: goscope [OPTIONS] [COMMAND [ARGS...]]\n"
		"\n"
		"Find Go processes from their executables alone: no agent needed.\n"
		"With no command, list Go processes, one per line:\n"
		"  PID PPID NAME[*] VERSION PATH   (* = a live gops agent)\n"
		"'goscope PID [PERIOD]' is 'goscope process PID [PERIOD]'.\n"
		"\n"
		"Commands:\n");
	gs_commands_each(usage_line, f);
	fprintf(f,
		"\n"
		"Options (anywhere on the line; '--' ends them):\n"
		"  -j, --json      print JSON (schema: docs/json.md)\n"
		"  -p, --pretty    print indented JSON (implies --json)\n"
		"  -v, --verbose   say more on stderr; repeat for more\n"
		"  -h, --help      print this help\n"
		"      --version   print goscope's version\n"
		"      --check-agents  the list, with '*' only for agents that accept a\n"
		"                  connection (same as 'goscope list --check-agents')\n"
		"\n"
		"Exit codes: 0 success, 1 the command failed, 2 bad command line,\n"
		"3 missing privilege or kernel feature.\n"
		"Run 'goscope COMMAND --help' (or 'goscope help COMMAND') for a command's own options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "check-agents", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	static char *list_argv[] = { "list", NULL };
	const struct agent_cmd *agent;
	bool check_agents = false;
	const char *name;
	int c, rc;

	gs_output_init();
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
		case 'C':
			check_agents = true;
			break;
		default:
			/* goscope's own options before the command take no value */
			if (optopt > 0 && optopt < 256)
				return gs_usage_error(NULL, "unknown option '-%c'", optopt);
			return gs_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}

	argc -= optind;
	argv += optind;
	optind = 0;	/* commands run getopt again from their own argv[1] */
	if (check_agents) {
		char **largv;

		if (argc >= 1 && strcmp(argv[0], "list") != 0)
			return gs_usage_error(NULL, "--check-agents goes with the process list only");
		/* `goscope --check-agents [list [ARGS...]]`: list --check-agents ARGS... */
		largv = calloc((size_t)argc + 3, sizeof(*largv));
		if (!largv)
			return gs_output_finish(gs_error(GS_EXIT_ERROR, "out of memory"));
		largv[0] = list_argv[0];
		largv[1] = "--check-agents";
		for (int i = 1; i < argc; i++)
			largv[i + 1] = argv[i];
		rc = cmd_list(argc > 1 ? argc + 1 : 2, largv);
		free(largv);
		return gs_output_finish(rc);
	}
	if (argc == 0)
		return gs_output_finish(cmd_list(1, list_argv));

	name = argv[0];
	/* gops' `gops <pid> [period]`: `goscope process <pid> [period]` */
	if (name[0] >= '0' && name[0] <= '9') {
		char **pargv = calloc((size_t)argc + 2, sizeof(*pargv));

		if (!pargv)
			return gs_output_finish(gs_error(GS_EXIT_ERROR, "out of memory"));
		pargv[0] = "process";
		memcpy(pargv + 1, argv, (size_t)argc * sizeof(*argv));
		rc = cmd_process(argc + 1, pargv);
		free(pargv);
		return gs_output_finish(rc);
	}
	/* gops' `gops help`; `goscope help COMMAND` is `goscope COMMAND --help` */
	if (strcmp(name, "help") == 0) {
		static char help_opt[] = "--help";

		if (argc == 1) {
			usage(stdout);
			return GS_EXIT_OK;
		}
		argv[0] = argv[1];
		argv[1] = help_opt;
		argc = 2;
		name = argv[0];
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return gs_output_finish(commands[i].fn(argc, argv));
	agent = agent_cmd_find(name);
	if (agent && agent->own)
		return gs_output_finish(cmd_agent(argc, argv));
	return gs_usage_error(NULL, "unknown command '%s'", name);
}
