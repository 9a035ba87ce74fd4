/* SPDX-License-Identifier: MIT */
/*
 * Options anywhere (cliopt.h). getopt_long's own permutation cannot be
 * told that "-5" is an operand, nor does it know goscope's global options,
 * so the line is sorted here once, with the command's own table plus the
 * globals, and getopt_long then reads the options in front in order.
 */
#include "cliopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "version.h"

#define MAX_LONG 64
#define MAX_SHORT 128

enum { G_JSON = 0x7f000000, G_PRETTY, G_VERBOSE, G_VERSION };

static const struct {
	const char *name;
	char letter;
	int code;
} globals[] = {
	{ "json", 'j', G_JSON },
	{ "pretty", 'p', G_PRETTY },
	{ "verbose", 'v', G_VERBOSE },
	{ "version", 0, G_VERSION },	/* long only: prints goscope's version, exits 0 */
	{ "help", 'h', 'h' },
};
#define NGLOBALS (sizeof(globals) / sizeof(globals[0]))

static struct {
	char **argv;		/* the line being parsed (NULL: none) */
	int opt_end;		/* argv[1..opt_end-1]: options and their values */
	int first_operand;	/* opt_end, or past the "--" */
	bool done;		/* -1 returned: it stays -1 */
	bool plain;		/* no room for the tables: getopt_long as is */
	const char *elem;	/* the element the last option came from */
	char cmd_shorts[MAX_SHORT];	/* the command's own letters, as given */
	char shorts[MAX_SHORT];
	struct option longs[MAX_LONG + NGLOBALS + 1];
} st;

static void apply(int code)
{
	switch (code) {
	case G_JSON:
		gs_opts.json = true;
		break;
	case G_PRETTY:
		gs_opts.json = gs_opts.pretty = true;
		break;
	case G_VERBOSE:
		gs_opts.verbose++;
		break;
	case G_VERSION:
		printf("goscope %s\n", GOSCOPE_VERSION);
		fflush(stdout);
		exit(GS_EXIT_OK);
	default:
		break;
	}
}

bool gs_global_option(const char *name)
{
	for (size_t k = 0; k < NGLOBALS; k++) {
		if (globals[k].code == 'h')
			continue;	/* a command's own help */
		if ((globals[k].letter && name[0] == '-' && name[1] == globals[k].letter &&
		     !name[2]) ||
		    (name[0] == '-' && name[1] == '-' && !strcmp(name + 2, globals[k].name))) {
			apply(globals[k].code);
			return true;
		}
	}
	return false;
}

/* Does SHORTS (getopt syntax) define letter c, and with a value? */
static const char *short_spec(const char *shorts, int c)
{
	const char *p;

	if (c == ':' || c == '+' || c == '-' || !c)
		return NULL;
	p = strchr(shorts, c);
	return p;
}

static bool has_long(const struct option *lo, const char *name)
{
	for (; lo && lo->name; lo++)
		if (!strcmp(lo->name, name))
			return true;
	return false;
}

static int build_spec(const char *shortopts, const struct option *longopts)
{
	size_t n = 0, nl = 0, len;

	while (*shortopts == '+' || *shortopts == '-' || *shortopts == ':')
		shortopts++;
	len = strlen(shortopts);
	if (len + NGLOBALS + 2 > MAX_SHORT)
		return -1;
	memcpy(st.cmd_shorts, shortopts, len + 1);
	st.shorts[n++] = '+';
	memcpy(st.shorts + n, shortopts, len);
	n += len;
	for (size_t k = 0; k < NGLOBALS; k++)
		if (globals[k].letter && !strchr(shortopts, globals[k].letter))
			st.shorts[n++] = globals[k].letter;
	st.shorts[n] = '\0';

	for (const struct option *lo = longopts; lo && lo->name; lo++) {
		if (nl == MAX_LONG)
			return -1;
		st.longs[nl++] = *lo;
	}
	for (size_t k = 0; k < NGLOBALS; k++)
		if (!has_long(longopts, globals[k].name))
			st.longs[nl++] = (struct option){ globals[k].name, no_argument, NULL,
							  globals[k].code };
	memset(&st.longs[nl], 0, sizeof(st.longs[nl]));
	return 0;
}

/*
 * The long option "--NAME[=...]" names, as getopt_long matches it (exact,
 * else an unambiguous prefix): its entry, or NULL.
 */
static const struct option *find_long(const char *arg)
{
	const struct option *hit = NULL;
	size_t len = strcspn(arg, "=");

	for (const struct option *lo = st.longs; lo->name; lo++) {
		if (strncmp(lo->name, arg, len) != 0)
			continue;
		if (strlen(lo->name) == len)
			return lo;
		if (hit && (hit->has_arg != lo->has_arg || hit->val != lo->val ||
			    hit->flag != lo->flag))
			return NULL;	/* ambiguous: getopt_long reports it */
		hit = lo;
	}
	return hit;
}

static bool is_operand(const char *a)
{
	/* "-" is stdin's name; "-5" a number (setgc PID -5) */
	return a[0] != '-' || !a[1] || (a[1] >= '0' && a[1] <= '9');
}

/* How many elements the option at argv[i] takes: 1, or 2 with its value. */
static int option_width(int argc, char **argv, int i)
{
	const char *a = argv[i];

	if (a[1] == '-') {
		const struct option *lo = find_long(a + 2);

		if (lo && lo->has_arg == required_argument && !strchr(a, '=') && i + 1 < argc)
			return 2;
		return 1;
	}
	for (const char *p = a + 1; *p; p++) {
		const char *s = short_spec(st.shorts, *p);

		if (s && s[1] == ':') {
			/* the rest of the element is its value, else the next element */
			if (p[1] || s[2] == ':')
				return 1;
			return i + 1 < argc ? 2 : 1;
		}
	}
	return 1;
}

static int permute(int argc, char **argv)
{
	char **opts = calloc((size_t)argc + 1, sizeof(*opts));
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char *dd = NULL;
	int no = 0, nr = 0;

	if (!opts || !rest) {
		free(opts);
		free(rest);
		return -1;
	}
	for (int i = 1; i < argc; i++) {
		if (dd || is_operand(argv[i])) {
			rest[nr++] = argv[i];
		} else if (!strcmp(argv[i], "--")) {
			dd = argv[i];
		} else {
			int w = option_width(argc, argv, i);

			opts[no++] = argv[i];
			if (w == 2)
				opts[no++] = argv[++i];
		}
	}
	memcpy(argv + 1, opts, (size_t)no * sizeof(*argv));
	st.opt_end = 1 + no;
	st.first_operand = st.opt_end;
	if (dd)
		argv[st.first_operand++] = dd;
	memcpy(argv + st.first_operand, rest, (size_t)nr * sizeof(*argv));
	free(opts);
	free(rest);
	return 0;
}

const char *gs_getopt_name(int c, char *buf, size_t n)
{
	const char *a = st.elem;

	if (a && a[0] == '-' && a[1] == '-' && a[2])
		snprintf(buf, n, "%.*s", (int)strcspn(a, "="), a);
	else if (c > 0 && c < 256)
		snprintf(buf, n, "-%c", c);
	else
		snprintf(buf, n, "%s", a ? a : "?");
	return buf;
}

int gs_getopt_error(const char *cmd, char **argv)
{
	const char *a = st.argv == argv ? st.elem : NULL;
	const struct option *lo;

	if (a && a[0] == '-' && a[1] == '-' && a[2]) {
		lo = find_long(a + 2);
		if (lo && lo->has_arg == no_argument && strchr(a, '='))
			return gs_usage_error(cmd, "option '%.*s' takes no value",
					      (int)(strchr(a, '=') - a), a);
		if (lo && lo->has_arg == required_argument)
			return gs_usage_error(cmd, "option '%s' needs a value", a);
		return gs_usage_error(cmd, "unknown option '%s'", a);
	}
	if (optopt > 0 && optopt < 256) {
		const char *s = short_spec(st.cmd_shorts, optopt);

		if (s && s[1] == ':')
			return gs_usage_error(cmd, "option '-%c' needs a value", optopt);
		return gs_usage_error(cmd, "unknown option '-%c'", optopt);
	}
	return gs_usage_error(cmd, "unknown option '%s'", a ? a : "?");
}

int gs_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	int c, li;

	if (st.argv != argv || optind == 0) {
		st.argv = argv;
		st.done = false;
		opterr = 0;
		/* cannot fail with goscope's tables, short of memory */
		st.plain = build_spec(shortopts, longopts) < 0 || permute(argc, argv) < 0;
		optind = 0;	/* getopt_long starts over */
	}
	if (st.plain) {
		st.elem = (optind ? optind : 1) < argc ? argv[optind ? optind : 1] : NULL;
		return getopt_long(argc, argv, shortopts, longopts, NULL);
	}
	for (;;) {
		/* optind 0 is getopt's "start over", element 1 */
		if (st.done || (optind ? optind : 1) >= st.opt_end) {
			optind = st.first_operand;
			st.done = true;
			return -1;
		}
		li = -1;
		/* mid-group ("-xj") optind stays on the element; past it, it moves on */
		st.elem = argv[optind ? optind : 1];
		c = getopt_long(argc, argv, st.shorts, st.longs, &li);
		if (c == -1) {
			optind = st.first_operand;
			st.done = true;
			return -1;
		}
		if (optind > st.opt_end) {
			/* the option's value was missing: getopt took an operand */
			optopt = li >= 0 ? st.longs[li].val : c;
			optind = st.opt_end;
			return '?';
		}
		if (c >= G_JSON && c <= G_VERSION) {
			apply(c);
			continue;
		}
		/* a short option (not a long one returning a letter) */
		if (li < 0 && c != '?' && c != ':' && !short_spec(st.cmd_shorts, c)) {
			/* a global letter the command does not define */
			for (size_t k = 0; k < NGLOBALS; k++)
				if (globals[k].letter == c && globals[k].code != 'h')
					c = globals[k].code;
			if (c >= G_JSON && c <= G_VERSION) {
				apply(c);
				continue;
			}
		}
		return c;
	}
}
