/* SPDX-License-Identifier: MIT */
/*
 * The command line of the agent commands and of `goscope version`, by the
 * one parser (cliopt.h): options anywhere, grouped short ones, "--" ends
 * them, and a negative number is an argument (setgc -5). Each command's
 * table holds only what it takes. Durations are Go durations or whole
 * seconds (user/lib/godur.h).
 */
#include "agentcmd.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bytesize.h"
#include "cliopt.h"
#include "godur.h"
#include "output.h"

int agent_parse_ms(const char *cmd, const char *opt, const char *v, int *ms)
{
	struct gs_err err = { 0 };
	int64_t ns;

	if (gs_parse_period(v, &ns, &err))
		return gs_usage_error(cmd, "%s: %s", opt, err.msg);
	if (ns <= 0 || ns / 1000000 > INT_MAX)
		return gs_usage_error(cmd, "%s: want a duration between 1ms and 24 days", opt);
	*ms = (int)(ns / 1000000);
	if (*ms == 0)
		*ms = 1;
	return 0;
}

enum {
	AO_TIMEOUT = 256, AO_CONNECT, AO_BINOUT, AO_MAXSIZE, AO_MAXBIN, AO_NOLAUNCH, AO_SECONDS,
	AO_AGENT, AO_NOAGENT, AO_ALL, AO_SYSTEM, AO_SUMMARY, AO_FREEZE,
};

/* Every option and who takes it (allow: AGENT_O_*, 0: every command). */
static const struct {
	struct option o;
	unsigned allow;
	bool not_trace;		/* trace sends no binary */
} defs[] = {
	{ { "help", no_argument, NULL, 'h' }, 0, false },
	{ { "timeout", required_argument, NULL, AO_TIMEOUT }, 0, false },
	{ { "connect-timeout", required_argument, NULL, AO_CONNECT }, 0, false },
	{ { "output", required_argument, NULL, 'o' }, AGENT_O_FILE, false },
	{ { "binary-output", required_argument, NULL, AO_BINOUT }, AGENT_O_FILE, true },
	{ { "max-size", required_argument, NULL, AO_MAXSIZE }, AGENT_O_FILE, false },
	{ { "max-binary", required_argument, NULL, AO_MAXBIN }, AGENT_O_FILE, true },
	{ { "no-launch", no_argument, NULL, AO_NOLAUNCH }, AGENT_O_FILE, false },
	{ { "seconds", optional_argument, NULL, AO_SECONDS }, AGENT_O_FILE, false },
	{ { "modules", no_argument, NULL, 'm' }, AGENT_O_VERSION, false },
	{ { "agent", no_argument, NULL, AO_AGENT }, AGENT_O_VERSION | AGENT_O_AGENTLESS, false },
	{ { "no-agent", no_argument, NULL, AO_NOAGENT }, AGENT_O_VERSION | AGENT_O_AGENTLESS, false },
	{ { "agentless", no_argument, NULL, AO_NOAGENT }, AGENT_O_AGENTLESS, false },
	{ { "duration", required_argument, NULL, 'd' }, AGENT_O_PROFILE, false },
	{ { "all", no_argument, NULL, AO_ALL }, AGENT_O_PROFILE, false },
	{ { "system", no_argument, NULL, AO_SYSTEM }, AGENT_O_STACK, false },
	{ { "summary", no_argument, NULL, AO_SUMMARY }, AGENT_O_STACK, false },
	{ { "freeze", no_argument, NULL, AO_FREEZE }, AGENT_O_STACK, false },
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

/* A file name option's value: not empty. */
static int file_value(const char *cmd, const char *name, const char *v, const char **out)
{
	if (!*v)
		return gs_usage_error(cmd, "%s needs a file name", name);
	*out = v;
	return 0;
}

/* One option of the command (c as gs_getopt returns it) into o. */
static int take(const char *cmd, int c, const char *v, struct agent_opts *o)
{
	struct gs_err err = { 0 };
	char nb[40];
	const char *name = gs_getopt_name(c, nb, sizeof(nb));

	switch (c) {
	case 'h':
		o->help = true;
		return 0;
	case AO_TIMEOUT:
		/* The deadline for the whole reply; no shorter silence limit under it. */
		if (agent_parse_ms(cmd, name, v, &o->t.total_ms))
			return GS_EXIT_USAGE;
		o->t.idle_ms = o->t.total_ms;
		return 0;
	case AO_CONNECT:
		return agent_parse_ms(cmd, name, v, &o->t.connect_ms) ? GS_EXIT_USAGE : 0;
	case 'o':
		return file_value(cmd, name, v, &o->out);
	case AO_BINOUT:
		return file_value(cmd, name, v, &o->bin_out);
	case AO_MAXSIZE:
	case AO_MAXBIN:
		if (gs_parse_size(v, UINT64_MAX, c == AO_MAXSIZE ? &o->max_size : &o->max_binary,
				  &err))
			return gs_usage_error(cmd, "%s: %s", name, err.msg);
		return 0;
	case AO_NOLAUNCH:
		o->no_launch = true;
		return 0;
	case AO_SECONDS:
		return gs_usage_error(cmd, "%s: the gops agent protocol takes no duration: "
				      "a CPU profile always takes 30 s, a trace 5 s, and a heap "
				      "profile is a snapshot", name);
	case 'm':
		o->modules = true;
		return 0;
	case AO_AGENT:
		o->agent = true;
		return 0;
	case AO_NOAGENT:
		o->no_agent = true;
		return 0;
	case 'd':
		if (gs_parse_period(v, &o->duration_ns, &err))
			return gs_usage_error(cmd, "%s: %s", name, err.msg);
		if (o->duration_ns <= 0)
			return gs_usage_error(cmd, "%s: want a duration above zero", name);
		return 0;
	case AO_ALL:
		o->all = true;
		return 0;
	case AO_SYSTEM:
		o->system = true;
		return 0;
	case AO_SUMMARY:
		o->summary = true;
		return 0;
	case AO_FREEZE:
		o->freeze = true;
		return 0;
	default:
		return gs_usage_error(cmd, "unknown option");
	}
}

int agent_parse_opts(const char *cmd, int argc, char **argv, unsigned allow, struct agent_opts *o)
{
	struct option longs[NDEFS + 1];
	char shorts[16];
	size_t nl = 0, ns = 0;
	int c, r;

	memset(o, 0, sizeof(*o));
	o->pos = calloc((size_t)argc + 1, sizeof(*o->pos));
	if (!o->pos)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	/* The table for this command: what it does not take stays unknown. */
	shorts[ns++] = 'h';
	for (size_t k = 0; k < NDEFS; k++) {
		if ((defs[k].allow && !(defs[k].allow & allow)) ||
		    (defs[k].not_trace && !strcmp(cmd, "trace")))
			continue;
		longs[nl++] = defs[k].o;
		if (defs[k].o.val < 256 && defs[k].o.val != 'h') {
			shorts[ns++] = (char)defs[k].o.val;
			if (defs[k].o.has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	memset(&longs[nl], 0, sizeof(longs[nl]));
	optind = 0;	/* a new line */
	while ((c = gs_getopt(argc, argv, shorts, longs)) != -1) {
		if (c == '?')
			return gs_getopt_error(cmd, argv);
		r = take(cmd, c, optarg, o);
		if (r)
			return r;
	}
	for (int i = optind; i < argc; i++)
		o->pos[o->npos++] = argv[i];
	/*
	 * Only the process itself can give these: the agent prints neither, and
	 * its CPU profile always takes 30 s and covers one process.
	 */
	if ((o->system || o->freeze || o->all || o->duration_ns) && !o->agent)
		o->no_agent = true;
	return 0;
}
