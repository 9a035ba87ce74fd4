/* SPDX-License-Identifier: MIT */
/*
 * The command line of the agent commands and of `goscope version`: options
 * anywhere, --name=value or --name value, -o value or -ovalue, "--" ends
 * them, and a negative number is an argument (setgc -5). Durations are Go
 * durations or whole seconds (user/lib/godur.h).
 */
#include "agentcmd.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bytesize.h"
#include "cliopt.h"
#include "godur.h"
#include "output.h"

/* A negative number is an argument (setgc -5), not an option. */
static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9');
}

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

int agent_parse_opts(const char *cmd, int argc, char **argv, unsigned allow, struct agent_opts *o)
{
	bool dashdash = false;

	memset(o, 0, sizeof(*o));
	o->pos = calloc((size_t)argc + 1, sizeof(*o->pos));
	if (!o->pos)
		return gs_error(GS_EXIT_ERROR, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL, *eq;
		char name[32];
		size_t nl;

		if (dashdash || !is_option(a)) {
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			continue;
		}
		/* --name=value, --name value, -o value, -ovalue */
		eq = a[1] == '-' ? strchr(a, '=') : NULL;
		nl = eq ? (size_t)(eq - a) : strlen(a);
		if (a[1] != '-' && nl > 2)
			nl = 2;
		if (nl >= sizeof(name))
			return gs_usage_error(cmd, "unknown option '%s'", a);
		memcpy(name, a, nl);
		name[nl] = '\0';
		if (eq)
			v = eq + 1;
		else if (a[1] != '-' && a[2])
			v = a + 2;

#define TAKE()                                                                       \
	do {                                                                         \
		if (!v) {                                                            \
			if (i + 1 >= argc)                                           \
				return gs_usage_error(cmd, "%s needs a value", name); \
			v = argv[++i];                                               \
		}                                                                    \
	} while (0)
#define FLAG()                                                                      \
	do {                                                                        \
		if (v)                                                              \
			return gs_usage_error(cmd, "%s takes no value", name);      \
	} while (0)

		if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
			FLAG();
			o->help = true;
		} else if (!v && gs_global_option(name)) {
			/* goscope's own options (cliopt.h), after the command too */
		} else if (!strcmp(name, "--timeout")) {
			TAKE();
			/* The deadline for the whole reply; no shorter silence limit under it. */
			if (agent_parse_ms(cmd, name, v, &o->t.total_ms))
				return GS_EXIT_USAGE;
			o->t.idle_ms = o->t.total_ms;
		} else if (!strcmp(name, "--connect-timeout")) {
			TAKE();
			if (agent_parse_ms(cmd, name, v, &o->t.connect_ms))
				return GS_EXIT_USAGE;
		} else if ((allow & AGENT_O_FILE) && (!strcmp(name, "-o") || !strcmp(name, "--output"))) {
			TAKE();
			if (!*v)
				return gs_usage_error(cmd, "%s needs a file name", name);
			o->out = v;
		} else if ((allow & AGENT_O_FILE) && !strcmp(name, "--binary-output") &&
			   strcmp(cmd, "trace") != 0) {
			TAKE();
			if (!*v)
				return gs_usage_error(cmd, "%s needs a file name", name);
			o->bin_out = v;
		} else if ((allow & AGENT_O_FILE) && (!strcmp(name, "--max-size") ||
						      (!strcmp(name, "--max-binary") &&
						       strcmp(cmd, "trace") != 0))) {
			struct gs_err err = { 0 };

			TAKE();
			if (gs_parse_size(v, UINT64_MAX,
					  !strcmp(name, "--max-size") ? &o->max_size : &o->max_binary,
					  &err))
				return gs_usage_error(cmd, "%s: %s", name, err.msg);
		} else if ((allow & AGENT_O_FILE) && !strcmp(name, "--no-launch")) {
			FLAG();
			o->no_launch = true;
		} else if ((allow & AGENT_O_FILE) && !strcmp(name, "--seconds")) {
			return gs_usage_error(cmd,
					      "--seconds: the gops agent protocol takes no duration: "
					      "a CPU profile always takes 30 s, a trace 5 s, and a heap "
					      "profile is a snapshot");
		} else if ((allow & AGENT_O_VERSION) && (!strcmp(name, "-m") || !strcmp(name, "--modules"))) {
			FLAG();
			o->modules = true;
		} else if ((allow & (AGENT_O_VERSION | AGENT_O_AGENTLESS)) && !strcmp(name, "--agent")) {
			FLAG();
			o->agent = true;
		} else if ((allow & (AGENT_O_VERSION | AGENT_O_AGENTLESS)) &&
			   (!strcmp(name, "--no-agent") ||
			    ((allow & AGENT_O_AGENTLESS) && !strcmp(name, "--agentless")))) {
			FLAG();
			o->no_agent = true;
		} else if ((allow & AGENT_O_PROFILE) && (!strcmp(name, "-d") || !strcmp(name, "--duration"))) {
			struct gs_err err = { 0 };

			TAKE();
			if (gs_parse_period(v, &o->duration_ns, &err))
				return gs_usage_error(cmd, "%s: %s", name, err.msg);
			if (o->duration_ns <= 0)
				return gs_usage_error(cmd, "%s: want a duration above zero", name);
		} else if ((allow & AGENT_O_PROFILE) && !strcmp(name, "--all")) {
			FLAG();
			o->all = true;
		} else if ((allow & AGENT_O_STACK) && !strcmp(name, "--system")) {
			FLAG();
			o->system = true;
		} else if ((allow & AGENT_O_STACK) && !strcmp(name, "--summary")) {
			FLAG();
			o->summary = true;
		} else if ((allow & AGENT_O_STACK) && !strcmp(name, "--freeze")) {
			FLAG();
			o->freeze = true;
		} else {
			return gs_usage_error(cmd, "unknown option '%s'", a);
		}
#undef TAKE
#undef FLAG
	}
	/*
	 * Only the process itself can give these: the agent prints neither, and
	 * its CPU profile always takes 30 s and covers one process.
	 */
	if ((o->system || o->freeze || o->all || o->duration_ns) && !o->agent)
		o->no_agent = true;
	return 0;
}
