/* SPDX-License-Identifier: MIT */
/*
 * goscope [list]: one line per Go process in gops' format,
 *   PID PPID NAME[*| ] VERSION PATH
 * columns padded to the widest value, sorted by PID, no header.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "discover.h"
#include "gojson.h"
#include "golist.h"
#include "output.h"
#include "versiontext.h"

static void help(void)
{
	printf("Usage: goscope [OPTIONS] [list] [--check-agents]\n"
	       "\n"
	       "List Go processes, one per line, sorted by PID, in gops' format:\n"
	       "  PID PPID NAME[*| ] VERSION PATH\n"
	       "NAME is the kernel's comm, or argv[0]'s basename when the comm was cut at\n"
	       "15 characters. '*' marks a live gops agent: a port file for the PID, in\n"
	       "your gops config dir or (when readable) in the process's own, that belongs\n"
	       "to the running process -- never a stale one. With --check-agents, goscope\n"
	       "also connects to each (in parallel, 1 s at most) and marks only agents\n"
	       "that accept. VERSION is the Go version (\"devel +<hash>\" for\n"
	       "development builds); for a process that is only probably Go it may be a\n"
	       "range such as \"go1.20+\" or \"unknown\". PATH is the executable as the\n"
	       "kernel reports it, with \" (deleted)\" for a removed binary.\n"
	       "Processes in containers and with deleted binaries are included.\n"
	       "\n"
	       "With --json: {\"processes\": [...], \"uninspectable\": N} (docs/json.md),\n"
	       "written process by process: each binary's facts are rendered once, with at\n"
	       "most 2000 of its dependencies (\"deps_truncated\" counts the rest).\n"
	       "  --max-deps N   show at most N dependencies per process (0: all)\n"
	       "\n"
	       "Processes that cannot be inspected (permission denied) are counted on\n"
	       "stderr; run as root to see all.\n"
	       "\n"
	       "Exit codes: 0 success, 1 /proc could not be read, 2 bad command line.\n");
}

static size_t digits(int v)
{
	char b[16];

	return (size_t)snprintf(b, sizeof(b), "%d", v);
}

static void pad(size_t have, size_t want)
{
	for (; have < want; have++)
		putchar(' ');
}

static void print_text(const struct gs_golist *l)
{
	size_t wpid = 0, wppid = 0, wname = 0, wver = 0;
	char ver[GS_VERSION_MAX];

	for (size_t i = 0; i < l->n; i++) {
		const struct gs_goproc *p = l->procs[i];
		size_t n;

		if ((n = digits(p->pid)) > wpid)
			wpid = n;
		if ((n = digits(p->ppid)) > wppid)
			wppid = n;
		if ((n = strlen(p->name)) > wname)
			wname = n;
		gs_short_version(gs_class_version(p->cls), ver, sizeof(ver));
		if ((n = strlen(ver)) > wver)
			wver = n;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct gs_goproc *p = l->procs[i];

		/* gops left-aligns the numbers too: "1     " */
		printf("%d", p->pid);
		pad(digits(p->pid), wpid);
		putchar(' ');
		printf("%d", p->ppid);
		pad(digits(p->ppid), wppid);
		putchar(' ');
		gs_fputs_safe(p->name, stdout);
		pad(strlen(p->name), wname);
		fputs(p->agent ? "* " : "  ", stdout);
		gs_short_version(gs_class_version(p->cls), ver, sizeof(ver));
		gs_fputs_safe(ver, stdout);
		pad(strlen(ver), wver);
		putchar(' ');
		gs_fputs_safe(p->exe, stdout);
		putchar('\n');
	}
}

#define CHECK_TIMEOUT_MS 1000

/* --check-agents: keep the '*' only for agents that accept a connection. */
static void check_agents(struct gs_golist *l)
{
	size_t n = 0, k = 0;
	int *pids;
	bool *ok;

	for (size_t i = 0; i < l->n; i++)
		n += l->procs[i]->agent;
	if (n == 0)
		return;
	pids = calloc(n, sizeof(*pids));
	ok = calloc(n, sizeof(*ok));
	if (!pids || !ok) {
		free(pids);
		free(ok);
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->procs[i]->agent)
			pids[k++] = l->procs[i]->pid;
	gs_agent_check(pids, n, ok, CHECK_TIMEOUT_MS);
	k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->procs[i]->agent)
			l->procs[i]->agent = ok[k++];
	free(pids);
	free(ok);
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "check-agents", no_argument, NULL, 'C' },
		{ "max-deps", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_golist_out out = { .max_deps = GS_LIST_MAX_DEPS };
	struct gs_err err = { 0 };
	struct gs_golist l;
	bool check = false;
	int c, rc = GS_EXIT_OK;

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			help();
			return GS_EXIT_OK;
		}
		if (c == 'C') {
			check = true;
			continue;
		}
		if (c == 'D') {
			if (gs_parse_max_deps("list", optarg, &out.max_deps))
				return GS_EXIT_USAGE;
			continue;
		}
		return gs_getopt_error("list", argv);
	}
	if (optind < argc)
		return gs_usage_error("list", "unexpected argument '%s'", argv[optind]);

	if (gs_golist_scan(&l, gs_opts.json ? GS_SCAN_DETAIL : 0, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	if (check)
		check_agents(&l);
	if (gs_opts.json) {
		rc = gs_golist_emit(&l, &out);
	} else {
		print_text(&l);
		fflush(stdout);
	}
	if (!rc)
		rc = gs_golist_report(&l);
	gs_golist_free(&l);
	return rc;
}
