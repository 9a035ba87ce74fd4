// SPDX-License-Identifier: MIT
/*
 * goscope stats PID: gops' four lines (goroutines, OS threads, GOMAXPROCS,
 * num CPU) for any Go process: from its gops agent when one answers, else
 * read from the process's memory (liveread.h), which needs no agent at all.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agentcmd.h"
#include "client.h"
#include "cliopt.h"
#include "commands.h"
#include "discover.h"
#include "liveread.h"
#include "output.h"
#include "proc.h"
#include "reply.h"

/* The four values gops prints, in its order and words. */
static const enum gs_live_value gops_four[4] = {
	GS_LV_GOROUTINES, GS_LV_THREADS, GS_LV_GOMAXPROCS, GS_LV_NCPU,
};

#define AGENT_CONNECT_MS 1000	/* when falling back is allowed, do not wait long */

static void help(void)
{
	printf("Usage: goscope [OPTIONS] stats [--agent | --agentless] PID\n"
	       "       goscope [OPTIONS] stats HOST:PORT\n"
	       "\n"
	       "Print what `gops stats` prints, for any Go process:\n"
	       "  goroutines: 7\n"
	       "  OS threads: 6\n"
	       "  GOMAXPROCS: 2\n"
	       "  num CPU: 2\n"
	       "from the process's gops agent when one answers, else agentless: read from\n"
	       "its memory (process_vm_readv; same user with ptrace access, or\n"
	       "CAP_SYS_PTRACE), with addresses from the symbol table and struct offsets\n"
	       "from DWARF (or goscope's table of runtime layouts). In stripped binaries\n"
	       "the runtime's globals are found in its own machine code (x86-64 and\n"
	       "arm64). OS threads counts the runtime's Ms, else the threads of\n"
	       "/proc/PID/status. A value that cannot be read shows as \"unavailable\"\n"
	       "with the reason, never a guess. HOST:PORT (anything with a ':', as in\n"
	       "gops) asks the agent there, as 'goscope agent stats HOST:PORT' does.\n"
	       "\n"
	       "  --agent        only ask the agent (fail without one)\n"
	       "  --agentless    never ask the agent\n"
	       "  --timeout DUR  the agent's whole reply must come within DUR (default 3s);\n"
	       "                 an agent that fails or is too slow is noted on stderr and\n"
	       "                 the memory read instead (unless --agent)\n"
	       "  -h, --help     print this help\n"
	       "\n"
	       "With --json: each value with its source (\"agent\", \"symtab+dwarf\",\n"
	       "\"symtab+table\", \"symtab\", \"code\", \"code+dwarf\", \"code+table\",\n"
	       "\"proc\"), and agentless also numgc, heap_inuse and heap_live (docs/json.md).\n"
	       "\n"
	       "Exit codes: 0 printed, 1 no such Go process or no answer, 2 bad command line,\n"
	       "3 not allowed to read the process's memory.\n");
}

/* The agent's four values into st, every other value "not in the agent's stats". */
static void from_agent_stats(const struct gs_agent_stats *as, struct gs_live_stats *st)
{
	const int64_t vals[4] = { as->goroutines, as->threads, as->gomaxprocs, as->ncpu };

	memset(st, 0, sizeof(*st));
	st->proc_threads = -1;
	for (int v = 0; v < GS_LV_COUNT; v++)
		snprintf(st->v[v].why, sizeof(st->v[v].why), "not in the agent's stats");
	for (int k = 0; k < 4; k++) {
		struct gs_live_val *lv = &st->v[gops_four[k]];

		lv->ok = true;
		lv->v = vals[k];
		lv->src = GS_LSRC_AGENT;
		lv->why[0] = '\0';
	}
}

static int from_agent(int pid, bool forced, int timeout_ms, struct gs_live_stats *st,
		      struct gs_err *err)
{
	struct gs_agent_timeouts tm = { 0 };
	struct gs_agent_stats as;
	struct gs_agent_addr a;
	struct gs_agent_loc *loc;
	char buf[1024];
	ssize_t n;
	int rc = -1;

	loc = malloc(sizeof(*loc));
	if (!loc)
		return gs_errf(err, ENOMEM, "out of memory");
	if (gs_agent_locate(pid, 0, loc, err) < 0)
		goto out;
	if (loc->state != GS_AGENT_LIVE) {
		gs_errf(err, ENOENT, "no agent: %s", loc->why[0] ? loc->why : gs_agent_state_name(loc->state));
		goto out;
	}
	gs_agent_loc_addr(loc, &a);
	gs_agent_default_timeouts(GS_AGENT_STATS, &tm);
	if (!forced)
		tm.connect_ms = AGENT_CONNECT_MS;
	if (timeout_ms > 0)
		tm.total_ms = tm.idle_ms = timeout_ms;
	n = gs_agent_call_buf(&a, GS_AGENT_STATS, 0, buf, sizeof(buf), &tm, err);
	if (n < 0 || gs_agent_stats_parse(buf, (size_t)n, &as, err) < 0)
		goto out;
	from_agent_stats(&as, st);
	rc = 0;
out:
	free(loc);
	return rc;
}

static int agentless(int pid, struct gs_live_stats *st, struct gs_err *err)
{
	struct gs_rt_layout *lay;
	struct gs_live lv;
	int rc = -1;

	if (gs_live_open_pid(&lv, pid, &lay, err) == 0)
		rc = gs_live_sample(&lv, st, err);
	free(lay);
	return rc;
}

static void print_text(const struct gs_live_stats *st)
{
	for (int k = 0; k < 4; k++) {
		const struct gs_live_val *lv = &st->v[gops_four[k]];

		if (lv->ok) {
			printf("%s: %" PRId64 "\n", gs_live_value_name(gops_four[k]), lv->v);
		} else {
			printf("%s: unavailable (", gs_live_value_name(gops_four[k]));
			gs_fputs_safe(lv->why, stdout);
			printf(")\n");
		}
	}
}

static void print_json(int pid, bool agent, const char *agent_err, const struct gs_live_stats *st)
{
	json_t *doc = json_object(), *vals = json_object();

	json_object_set_new(doc, "pid", json_integer(pid));
	json_object_set_new(doc, "source", json_string(agent ? "agent" : "agentless"));
	json_object_set_new(doc, "agent_error", agent_err ? gs_json_str(agent_err) : json_null());
	for (int v = 0; v < GS_LV_COUNT; v++) {
		const struct gs_live_val *lv = &st->v[v];
		json_t *o = json_object();

		json_object_set_new(o, "value", lv->ok ? json_integer(lv->v) : json_null());
		json_object_set_new(o, "source", json_string(gs_live_src_name(lv->ok ? lv->src :
									      GS_LSRC_NONE)));
		json_object_set_new(o, "why", lv->ok ? json_null() : gs_json_str(lv->why));
		json_object_set_new(vals, gs_live_value_key(v), o);
	}
	json_object_set_new(doc, "values", vals);
	gs_json_emit(doc);
	json_decref(doc);
}

/* `goscope agent stats TARGET`: the agent's reply, or gops' error. */
static int agent_stats(char *target)
{
	char *aargv[] = { "stats", "--", target, NULL };

	optind = 0;
	return cmd_agent(3, aargv);
}

int cmd_stats(int argc, char **argv)
{
	enum { OPT_AGENT = 256, OPT_AGENTLESS, OPT_TIMEOUT };
	static const struct option opts[] = {
		{ "agent", no_argument, NULL, OPT_AGENT },
		{ "agentless", no_argument, NULL, OPT_AGENTLESS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool want_agent = true, need_agent = false, used_agent = false;
	struct gs_live_stats st;
	struct gs_err err = { 0 }, aerr = { 0 };
	int c, pid, timeout_ms = 0;

	memset(&st, 0, sizeof(st));
	opterr = 0;
	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case OPT_AGENT:
			need_agent = true;
			break;
		case OPT_AGENTLESS:
			want_agent = false;
			break;
		case OPT_TIMEOUT:
			if (agent_parse_ms("stats", "--timeout", optarg, &timeout_ms))
				return GS_EXIT_USAGE;
			break;
		case 'h':
			help();
			return GS_EXIT_OK;
		default:
			return gs_getopt_error("stats", argv);
		}
	}
	if (need_agent && !want_agent)
		return gs_usage_error("stats", "--agent and --agentless exclude each other");
	if (optind == argc)	/* gops' words and exit code */
		return gs_error(GS_EXIT_ERROR, "missing PID or address");
	if (optind + 1 != argc)
		return gs_usage_error("stats", "expected one PID or HOST:PORT");
	/*
	 * gops' `stats HOST:PORT`: only an agent answers there; what is not a
	 * PID either gets gops' own error from the agent path.
	 */
	if (!gs_parse_pid(argv[optind], &pid)) {
		if (!want_agent)
			return gs_usage_error("stats", "reading memory needs a PID, not '%s'",
					      argv[optind]);
		return agent_stats(argv[optind]);
	}

	if (want_agent) {
		if (from_agent(pid, need_agent, timeout_ms, &st, &aerr) == 0)
			used_agent = true;
		else if (need_agent)
			return gs_error(GS_EXIT_ERROR, "stats: PID %d: agent: %s", pid, aerr.msg);
		else if (aerr.code != ENOENT)	/* there is one, and it let us down */
			gs_warn("PID %d: the agent did not answer (%s); reading memory instead",
				pid, aerr.msg);
		else if (gs_opts.verbose)
			gs_warn("PID %d: no agent answered (%s); reading memory", pid, aerr.msg);
	}
	if (!used_agent && agentless(pid, &st, &err) < 0) {
		if (gs_proc_gone(&err) && want_agent)
			return agent_stats(argv[optind]);	/* gops' words for it */
		if (gs_proc_gone(&err))
			return gs_error(GS_EXIT_ERROR, "stats: PID %d: no such process", pid);
		if (err.code == EPERM || err.code == EACCES)
			return gs_error(GS_EXIT_NOCAP,
					"stats: PID %d: cannot read it (%s): needs the same "
					"user with ptrace access, or CAP_SYS_PTRACE", pid, err.msg);
		return gs_error(GS_EXIT_ERROR, "stats: PID %d: %s", pid, err.msg);
	}
	if (gs_opts.json)
		print_json(pid, used_agent, want_agent && !used_agent ? aerr.msg : NULL, &st);
	else
		print_text(&st);
	return GS_EXIT_OK;
}
