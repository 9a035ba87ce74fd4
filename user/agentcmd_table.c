/* SPDX-License-Identifier: MIT */
/*
 * The agent commands, defined once: the table that `goscope agent`, each
 * command of its own (`goscope stack PID`) and main.c's usage and dispatch
 * all read, and each command's --help.
 */
#include "agentcmd.h"

#include "cmd_stack.h"
#include "memstats_live.h"
#include "profile.h"

#include <stdio.h>
#include <string.h>

const struct agent_cmd agent_cmds[] = {
	{ "stack", GS_AGENT_STACK, AK_TEXT, true,
	  "print every goroutine's stack (read from memory without an agent)",
	  gs_stack_agentless },
	{ "gc", GS_AGENT_GC, AK_GC, true, "run a garbage collection, wait for it; prints nothing",
	  NULL },
	{ "setgc", GS_AGENT_SETGC, AK_SETGC, true, "set the GC target percentage (a number, or off)",
	  NULL },
	{ "memstats", GS_AGENT_MEMSTATS, AK_TEXT, true,
	  "print the allocation and GC statistics (agentless without an agent)",
	  gs_memstats_agentless },
	{ "stats", GS_AGENT_STATS, AK_TEXT, false, "print goroutines, OS threads, GOMAXPROCS, num CPU",
	  NULL },
	{ "version", GS_AGENT_VERSION, AK_TEXT, false, "print the program's runtime.Version()", NULL },
	{ "trace", GS_AGENT_TRACE, AK_TRACE, true, "record a 5 s runtime trace", NULL },
	{ "pprof-heap", GS_AGENT_HEAP_PROFILE, AK_PPROF, true, "save a heap profile and the binary",
	  NULL },
	{ "pprof-cpu", GS_AGENT_CPU_PROFILE, AK_PPROF, true,
	  "record a 30 s CPU profile, save it and the binary (BPF without an agent)",
	  gs_pprof_cpu_agentless },
};

const size_t agent_ncmds = sizeof(agent_cmds) / sizeof(agent_cmds[0]);

const struct agent_cmd *agent_cmd_find(const char *name)
{
	for (size_t i = 0; i < agent_ncmds; i++)
		if (strcmp(agent_cmds[i].name, name) == 0)
			return &agent_cmds[i];
	return NULL;
}

/* ---- help ---- */

static void help_common(void)
{
	printf("TARGET is a PID or HOST:PORT (anything with a ':' is an address, as in gops).\n"
	       "For a PID the agent's port file is looked up first in your gops config dir\n"
	       "($GOPS_CONFIG_DIR, else $XDG_CONFIG_HOME/gops, else $HOME/.config/gops),\n"
	       "then -- for other users' processes and containers, when goscope may read\n"
	       "them (root) -- in the process's own config dir inside its own root, named\n"
	       "by its PID in its own PID namespace. A port file is used only if the\n"
	       "process runs and the file is its own (it listens on that port, or the file\n"
	       "is not older than the process); a stale one is reported, never dialled.\n"
	       "The agent is dialled at 127.0.0.1:PORT inside the process's network\n"
	       "namespace (entering it needs CAP_SYS_ADMIN when it is not yours).\n"
	       "A text reply shown on a terminal has its control characters (escape\n"
	       "sequences included) turned into '?'; piped or redirected, it is byte for\n"
	       "byte what the agent sent.\n"
	       "\n"
	       "      --timeout DUR          give up unless the whole reply has come within\n"
	       "                             DUR of the request. Defaults: stats, version 3s;\n"
	       "                             memstats, setgc 5s; gc 10s; stack, pprof-heap,\n"
	       "                             trace 60s; pprof-cpu 90s (the agent traces for 5 s\n"
	       "                             and profiles for 30 s before it sends a byte).\n"
	       "                             Without it, an agent silent for 10s (trace 20s,\n"
	       "                             pprof-cpu 45s) is given up on sooner\n"
	       "      --connect-timeout DUR  give up connecting after DUR (default 3s)\n"
	       "  -h, --help                 print this help\n"
	       "DUR is a Go duration (500ms, 2s, 1m) or a whole number of seconds.\n");
}

static void help_file(const struct agent_cmd *c)
{
	bool pprof = c->kind == AK_PPROF;

	printf("\n"
	       "  -o, --output FILE          write the %s to FILE (created 0600) instead of\n"
	       "                             a new temporary file; '-' for stdout, which\n"
	       "                             implies --no-launch\n",
	       pprof ? "profile" : "trace");
	if (pprof)
		printf("      --binary-output FILE   write the binary to FILE instead (a PID only)\n");
	printf("      --max-size SIZE        stop, remove the file and fail when the %s\n"
	       "                             is larger than SIZE (default 256M; K, M, G, T)\n",
	       pprof ? "profile" : "trace");
	if (pprof)
		printf("      --max-binary SIZE      do not copy a binary larger than SIZE (default 1G)\n");
	printf("      --no-launch            do not run 'go tool %s'; keep the file%s\n"
	       "      --seconds N            refused: the agent protocol takes no duration;\n"
	       "                             %s\n",
	       pprof ? "pprof" : "trace", pprof ? "s" : "",
	       c->cmd == GS_AGENT_TRACE ? "a trace always takes 5 s" :
	       c->cmd == GS_AGENT_CPU_PROFILE ? "a CPU profile always takes 30 s" :
	       "a heap profile is a snapshot");
	printf("\n"
	       "Temporary files are created in $TMPDIR (default /tmp) with O_EXCL, mode\n"
	       "0600; an existing -o FILE is reused only when it is a regular file of yours\n"
	       "with one link. A file whose data did not all come is removed. If 'go' is on\n"
	       "PATH and --no-launch is not given, goscope then runs\n"
	       "'go tool %s %s', as gops does, and removes the temporary\n"
	       "files afterwards (files named with -o are kept).\n",
	       pprof ? "pprof" : "trace", pprof ? "[BINARY] PROFILE" : "TRACE");
	if (pprof)
		printf("The binary is copied from /proc/PID/exe -- never asked of the agent, which\n"
		       "could send anything -- so a HOST:PORT target gets none: the profile is\n"
		       "saved and read alone (Go's profiles carry their function names).\n");
}

void agent_help(const struct agent_cmd *c)
{
	if (!c) {
		printf("Usage: goscope [OPTIONS] agent COMMAND TARGET [ARGS] [OPTIONS]\n"
		       "\n"
		       "Run one gops agent command (github.com/google/gops/agent, or goscope's\n"
		       "agent/go) in the Go process TARGET:\n");
		for (size_t i = 0; i < agent_ncmds; i++)
			printf("  %-11s %s\n", agent_cmds[i].name, agent_cmds[i].what);
		printf("All but stats and version are also commands of their own (goscope stack\n"
		       "PID); 'goscope version PID' asks the agent too when one answers, and\n"
		       "'goscope stats' may work without an agent.\n"
		       "\n");
		help_common();
		printf("\nRun 'goscope agent COMMAND --help' for a command's own options.\n");
		return;
	}
	printf("Usage: goscope [OPTIONS] %s TARGET%s [OPTIONS]\n\n", c->name,
	       c->kind == AK_SETGC ? " PERCENT|off" : "");
	switch (c->cmd) {
	case GS_AGENT_STACK:
		printf("Print the stack of every goroutine, as the agent sends it (the format of\n"
		       "a panic dump), streamed: a huge dump is never held in memory.\n"
		       "When TARGET is a PID whose agent does not answer (or with --agentless),\n"
		       "the stacks are read from the process's memory instead, in the format its\n"
		       "own runtime.Stack prints (arguments as (...)): no agent needed, stripped\n"
		       "binaries and Go 1.15-1.27 too. The program keeps running: each goroutine\n"
		       "is read with a consistency check, and one running on a CPU at that moment\n"
		       "shows \"frames unavailable: running on thread TID\". Reading memory needs\n"
		       "the same user with ptrace access, or CAP_SYS_PTRACE; no partial dump is\n"
		       "ever printed.\n"
		       "\n"
		       "      --system               also runtime frames and system goroutines, with\n"
		       "                             fp/sp/pc (as GOTRACEBACK=system); read from memory\n"
		       "      --summary              goroutines grouped by identical stacks, largest\n"
		       "                             group first (of the agent's reply too)\n"
		       "      --freeze               stop every thread for the read (ptrace, never\n"
		       "                             SIGSTOP: the kernel lets it go if goscope dies),\n"
		       "                             so running goroutines get frames too; says how\n"
		       "                             long it was stopped; read from memory\n");
		break;
	case GS_AGENT_GC:
		printf("Run a garbage collection in TARGET and wait until it is done. Prints\n"
		       "nothing on success, as gops does.\n");
		break;
	case GS_AGENT_SETGC:
		printf("Set TARGET's GC target percentage (debug.SetGCPercent): a whole number,\n"
		       "negative ones included (no '--' needed), or 'off' (the same as -1).\n"
		       "Prints the agent's reply:\n"
		       "  New GC percent set to 50. Previous value was 100.\n");
		break;
	case GS_AGENT_MEMSTATS:
		printf("Print TARGET's runtime.MemStats, one 'key: value' line each, as the\n"
		       "agent formats them. When TARGET is a PID whose agent does not answer\n"
		       "(or with --agentless), the lines are read from the process's memory\n"
		       "instead, in the same formats: no agent needed, stripped binaries too.\n"
		       "A line the runtime computes only with the world stopped (mallocs, frees,\n"
		       "lookups, ...) says 'unavailable (why)' then; --json gives each value's\n"
		       "source.\n");
		break;
	case GS_AGENT_STATS:
		printf("Print TARGET's goroutines, OS threads, GOMAXPROCS and num CPU, as the\n"
		       "agent sends them.\n");
		break;
	case GS_AGENT_VERSION:
		printf("Print the Go version TARGET runs (runtime.Version()), as the agent\n"
		       "sends it.\n");
		break;
	case GS_AGENT_TRACE:
		printf("Record a runtime trace of TARGET. The agent always traces for 5 seconds.\n"
		       "Prints 'Tracing now, will take 5 secs...', then 'Trace dump saved to: FILE'.\n");
		break;
	case GS_AGENT_HEAP_PROFILE:
		printf("Save a heap profile of TARGET (gzip'd pprof), then copy TARGET's\n"
		       "executable (/proc/PID/exe) beside it for 'go tool pprof'. Prints\n"
		       "'Profile dump saved to: FILE' and 'Binary file saved to: FILE'.\n");
		break;
	case GS_AGENT_CPU_PROFILE:
		printf("Record a CPU profile of TARGET (the agent always profiles for 30 seconds),\n"
		       "then copy TARGET's executable (/proc/PID/exe) beside it for 'go tool\n"
		       "pprof'. Prints 'Profiling CPU now, will take 30 secs...', then\n"
		       "'Profile dump saved to: FILE' and 'Binary file saved to: FILE'.\n"
		       "\n"
		       "When TARGET is a PID whose program has no agent, or whose agent does not\n"
		       "send the whole profile by the deadline (its partial file is removed), or\n"
		       "with --agentless, -d or --all, goscope samples it from outside instead\n"
		       "(after a note on stderr when an agent failed): one cpu-clock perf\n"
		       "event per CPU samples it every 10 ms of CPU time it uses (BPF; identical\n"
		       "stacks counted in the kernel), the stacks are symbolized from the binary's\n"
		       "pclntab (stripped binaries too, inlined calls as their own frames), and a\n"
		       "gzipped pprof profile is written (samples/count, cpu/nanoseconds), with\n"
		       "the binary's mapping and Go build ID, so no binary copy is needed.\n"
		       "Sampling ends when the duration is over, on Ctrl-C, or when the program\n"
		       "exits; what was sampled is written in every case. A process that is not\n"
		       "a Go program is refused. Needs root (or CAP_BPF and CAP_PERFMON) and BPF\n"
		       "with BTF, else exit 3 with what is missing.\n"
		       "\n"
		       "  -d, --duration DUR         sample for DUR (default 30s, as the agent)\n"
		       "      --all                  every Go process on the host from one set of\n"
		       "                             perf events: DIR/cpu.PID.NAME.pb.gz per process\n"
		       "                             that used CPU (-o DIR required)\n"
		       "  -j, --json                 a summary (samples, lost, top functions)\n"
		       "                             instead of launching anything\n");
		break;
	}
	printf("\n");
	help_common();
	if (c->agentless)
		printf("      --agent                the agent only: fail when it does not answer\n"
		       "      --agentless            read the process, do not ask an agent\n"
		       "                             (also --no-agent)\n");
	if (c->kind == AK_TRACE || c->kind == AK_PPROF)
		help_file(c);
	printf("\n"
	       "With --json: one document with target, pid, addr, command and the reply\n"
	       "or the file names (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 success; 1 the agent could not be found or reached or the\n"
	       "command failed (gops' messages, e.g. \"couldn't resolve addr or pid ...\"),\n"
	       "also for a missing TARGET or PERCENT, as in gops; 2 bad command line.\n");
}
