// SPDX-License-Identifier: MIT
/*
 * goscope profile PID [-d DURATION] [-o FILE] [--no-launch] | --all -d D -o DIR
 *
 * An agentless CPU profile (user/profile_run.c). `pprof-cpu` reaches the
 * same code when no agent answers, or with --agentless.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "godur.h"
#include "output.h"
#include "proc.h"
#include "profile.h"

static void help(void)
{
	printf("Usage: goscope profile PID [-d DURATION] [-o FILE] [--no-launch] [--json]\n"
	       "       goscope profile --all [-d DURATION] -o DIR [--json]\n"
	       "\n"
	       "Record a CPU profile of a running Go program without any agent in it: one\n"
	       "cpu-clock perf event per CPU samples the program every 10 ms of CPU time it\n"
	       "uses (BPF; identical stacks are counted in the kernel), and the stacks are\n"
	       "symbolized from the binary's pclntab (stripped binaries too, inlined calls\n"
	       "as their own frames). The result is a gzipped pprof profile with sample\n"
	       "types samples/count and cpu/nanoseconds, as Go's own profiler writes.\n"
	       "\n"
	       "Sampling ends when DURATION is over, on Ctrl-C, or when the program exits;\n"
	       "the profile of what was sampled is written in every case. Then, unless\n"
	       "--no-launch or --json is given, goscope runs 'go tool pprof FILE' when 'go'\n"
	       "is on PATH, as gops does, and removes a temporary file afterwards.\n"
	       "\n"
	       "  -d, --duration D   how long to sample: a Go duration (5s, 1m30s) or\n"
	       "                     whole seconds (default 30s)\n"
	       "  -o, --output FILE  write the profile to FILE (created 0600; an existing\n"
	       "                     file must be a regular file of yours) instead of a new\n"
	       "                     temporary file in $TMPDIR; checked before sampling;\n"
	       "                     '-' for stdout, which implies --no-launch\n"
	       "      --no-launch    do not run 'go tool pprof'; keep the file\n"
	       "      --all          every Go process on the host, from one set of perf\n"
	       "                     events: one profile per process that used CPU, as\n"
	       "                     DIR/cpu.PID.NAME.pb.gz (-o DIR is required)\n"
	       "      --agentless    accepted for pprof-cpu's sake (this command never\n"
	       "                     asks an agent)\n"
	       "  -j, --json         print a summary (samples, lost samples, top functions)\n"
	       "                     instead of launching anything\n"
	       "  -h, --help         print this help\n"
	       "\n"
	       "A process that is not a Go program is refused (exit 1): goscope profiles Go\n"
	       "programs only. Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with\n"
	       "BPF and BTF; without them it exits with 3 and says what is missing.\n");
}

int cmd_profile(int argc, char **argv)
{
	enum { OPT_NO_LAUNCH = 256, OPT_AGENTLESS };
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-launch", no_argument, NULL, OPT_NO_LAUNCH },
		{ "agentless", no_argument, NULL, OPT_AGENTLESS },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_profile_req q = { .duration_ns = GS_PROFILE_DEFAULT_NS, .cmd = argv[0] };
	struct gs_err err;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:o:ajh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (gs_parse_period(optarg, &q.duration_ns, &err) < 0 || q.duration_ns <= 0)
				return gs_usage_error(argv[0], "bad duration '%s'", optarg);
			break;
		case 'o':
			if (!*optarg)
				return gs_usage_error(argv[0], "-o needs a file name");
			q.out = optarg;
			break;
		case OPT_NO_LAUNCH:
			q.no_launch = true;
			break;
		case OPT_AGENTLESS:
			break;
		case 'a':
			q.all = true;
			break;
		case 'j':
			gs_opts.json = true;
			break;
		case 'h':
			help();
			return GS_EXIT_OK;
		default:
			return gs_bad_option(argv[0], optopt, argv[optind - 1]);
		}
	}
	if (q.all) {
		if (optind < argc)
			return gs_usage_error(argv[0], "--all takes no PID");
		if (!q.out || strcmp(q.out, "-") == 0)
			return gs_usage_error(argv[0], "--all needs -o DIR for its profiles");
	} else {
		if (optind >= argc)
			return gs_usage_error(argv[0], "which process? give a PID, or --all");
		if (optind + 1 < argc)
			return gs_usage_error(argv[0], "unexpected argument '%s'", argv[optind + 1]);
		if (!gs_parse_pid(argv[optind], &q.pid))
			return gs_usage_error(argv[0], "'%s' is not a PID", argv[optind]);
	}
	return gs_profile_cpu(&q);
}
