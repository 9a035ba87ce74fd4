/* SPDX-License-Identifier: MIT */
/*
 * goscope tree: Go processes under their parents, drawn like gops' tree:
 *
 *   ...
 *   ├── 1
 *   │   └── 78818 (gocode) {go1.9}
 *   └── 557
 *       └── [*]  635 (supervisor) {go1.9.2}
 *           └── 638 (driver) {go1.9.2}
 *
 * The branches of the root are the parents that are not Go processes,
 * in PPID order; a Go process whose parent is a Go process nests under it.
 * Unlike gops, the tree is built from the whole set, so a Go parent whose
 * PID is larger than its child's is never dropped.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "gojson.h"
#include "golist.h"
#include "output.h"
#include "versiontext.h"

#define MAX_DEPTH 1024		/* deeper chains are cut; only a fork bomb gets there */

struct tree {
	const struct gs_golist *l;
	struct gs_goproc **by_ppid;	/* sorted by (ppid, pid): children are a range */
	bool *seen;			/* by index in l->procs */
	char *prefix;			/* "│   " (6 bytes) or "    " per level */
};

static void help(void)
{
	printf("Usage: goscope [OPTIONS] tree\n"
	       "\n"
	       "Show Go processes as a tree under their parent processes, in gops' format:\n"
	       "the root is \"...\", each non-Go parent is a branch named by its PID, and\n"
	       "each Go process is \"PID (name) {version}\", prefixed by \"[*]  \" when it\n"
	       "has a live gops agent (see 'goscope list --help'). A Go process started by\n"
	       "a Go process nests under it. The output ends with an empty line.\n"
	       "\n"
	       "With --json: the list document plus \"children\" (PIDs) in each process and\n"
	       "\"roots\": [{\"pid\": PPID, \"children\": [PIDs]}] (docs/json.md), written\n"
	       "as the list's is (see 'goscope list --help').\n"
	       "  --max-deps N   show at most N dependencies per process (default 2000; 0: all)\n"
	       "\n"
	       "Exit codes: 0 success, 1 /proc could not be read, 2 bad command line.\n");
}

static int cmp_ppid(const void *a, const void *b)
{
	const struct gs_goproc *x = *(const struct gs_goproc *const *)a;
	const struct gs_goproc *y = *(const struct gs_goproc *const *)b;

	if (x->ppid != y->ppid)
		return (x->ppid > y->ppid) - (x->ppid < y->ppid);
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The children of ppid: by_ppid[*lo .. *hi). */
static void children(const struct tree *t, int ppid, size_t *lo, size_t *hi)
{
	size_t a = 0, b = t->l->n;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (t->by_ppid[m]->ppid < ppid)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	for (b = a; b < t->l->n && t->by_ppid[b]->ppid == ppid; b++)
		;
	*hi = b;
}

static long index_of(const struct gs_golist *l, int pid)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->procs[mid]->pid == pid)
			return (long)mid;
		if (l->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A parent that is a Go process in the set (and not the process itself). */
static bool nested(const struct tree *t, const struct gs_goproc *p)
{
	return p->ppid != p->pid && index_of(t->l, p->ppid) >= 0;
}

/*
 * Draw p's children. prefix holds one 4-column segment per level; the
 * segment for "│   " is multi-byte, so plen counts bytes, not columns.
 */
static void draw_children(struct tree *t, int pid, size_t plen, unsigned depth)
{
	size_t lo, hi;

	if (depth >= MAX_DEPTH)
		return;
	children(t, pid, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		const struct gs_goproc *c = t->by_ppid[i];
		long ci = index_of(t->l, c->pid);
		bool last = i + 1 == hi;

		if (c->pid == pid || ci < 0 || t->seen[ci])
			continue;
		t->seen[ci] = true;
		fwrite(t->prefix, 1, plen, stdout);
		fputs(last ? "└── " : "├── ", stdout);
		if (c->agent)
			fputs("[*]  ", stdout);
		printf("%d (", c->pid);
		gs_fputs_safe(c->name, stdout);
		fputs(") {", stdout);
		/* gops shortens devel versions in the list only, not here. */
		gs_fputs_safe(gs_class_version(c->cls), stdout);
		fputs("}\n", stdout);
		memcpy(t->prefix + plen, last ? "    " : "│   ", last ? 4 : 6);
		draw_children(t, c->pid, plen + (last ? 4 : 6), depth + 1);
	}
}

static void draw_root(struct tree *t, int ppid, bool last)
{
	printf("%s%d\n", last ? "└── " : "├── ", ppid);
	memcpy(t->prefix, last ? "    " : "│   ", last ? 4 : 6);
	draw_children(t, ppid, last ? 4 : 6, 1);
}

/*
 * Root branches: each distinct PPID that is not a Go process. Processes
 * left unseen afterwards sit in a parent cycle (a racy snapshot); their
 * PPIDs become branches too, so nothing is ever dropped.
 */
static size_t roots(struct tree *t, int *out)
{
	size_t n = 0;

	for (size_t i = 0; i < t->l->n; i++) {
		const struct gs_goproc *p = t->by_ppid[i];

		if (nested(t, p))
			continue;
		if (n == 0 || out[n - 1] != p->ppid)
			out[n++] = p->ppid;
	}
	return n;
}

static void mark(struct tree *t, int pid, unsigned depth)
{
	size_t lo, hi;

	if (depth >= MAX_DEPTH)
		return;
	children(t, pid, &lo, &hi);
	for (size_t i = lo; i < hi; i++) {
		long ci = index_of(t->l, t->by_ppid[i]->pid);

		if (ci < 0 || t->seen[ci] || t->by_ppid[i]->pid == pid)
			continue;
		t->seen[ci] = true;
		mark(t, t->by_ppid[i]->pid, depth + 1);
	}
}

/* Roots plus one branch per orphaned cycle; seen[] is reset afterwards. */
static size_t all_roots(struct tree *t, int *out)
{
	size_t n = roots(t, out);

	for (size_t i = 0; i < n; i++)
		mark(t, out[i], 0);
	for (size_t i = 0; i < t->l->n; i++) {
		if (t->seen[i])
			continue;
		out[n++] = t->l->procs[i]->ppid;
		mark(t, t->l->procs[i]->ppid, 0);
	}
	memset(t->seen, 0, t->l->n * sizeof(*t->seen));
	return n;
}

static void print_text(struct tree *t, const int *rv, size_t nr)
{
	puts("...");
	for (size_t i = 0; i < nr; i++)
		draw_root(t, rv[i], i + 1 == nr);
	putchar('\n');
}

static json_t *pid_array(struct tree *t, int ppid)
{
	json_t *a = json_array();
	size_t lo, hi;

	children(t, ppid, &lo, &hi);
	for (size_t i = lo; i < hi; i++)
		if (t->by_ppid[i]->pid != ppid)
			json_array_append_new(a, json_integer(t->by_ppid[i]->pid));
	return a;
}

struct tree_json {
	struct tree *t;
	const int *rv;
	size_t nr;
};

static json_t *children_json(void *ctx, size_t i)
{
	struct tree *t = ((struct tree_json *)ctx)->t;

	return pid_array(t, t->l->procs[i]->pid);
}

static int roots_json(void *ctx, struct gs_jstream *js)
{
	const struct tree_json *tj = ctx;
	json_t *ra = json_array();

	for (size_t i = 0; i < tj->nr; i++) {
		json_t *r = json_object();

		json_object_set_new(r, "pid", json_integer(tj->rv[i]));
		json_object_set_new(r, "children", pid_array(tj->t, tj->rv[i]));
		json_array_append_new(ra, r);
	}
	return gs_jstream_member(js, "roots", ra);
}

int cmd_tree(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "max-deps", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct gs_golist_out out = { .max_deps = GS_LIST_MAX_DEPS };
	struct gs_err err = { 0 };
	struct gs_golist l;
	struct tree t = { 0 };
	int *rv = NULL, c, rc = GS_EXIT_OK;
	size_t nr;

	opterr = 0;
	while ((c = gs_getopt(argc, argv, "h", opts)) != -1) {
		if (c == 'h') {
			help();
			return GS_EXIT_OK;
		}
		if (c == 'D') {
			if (gs_parse_max_deps("tree", optarg, &out.max_deps))
				return GS_EXIT_USAGE;
			continue;
		}
		return gs_getopt_error("tree", argv);
	}
	if (optind < argc)
		return gs_usage_error("tree", "unexpected argument '%s'", argv[optind]);

	if (gs_golist_scan(&l, gs_opts.json ? GS_SCAN_DETAIL : 0, &err))
		return gs_error(GS_EXIT_ERROR, "%s", err.msg);
	t.l = &l;
	t.by_ppid = malloc((l.n + 1) * sizeof(*t.by_ppid));
	t.seen = calloc(l.n + 1, sizeof(*t.seen));
	t.prefix = malloc(6 * (MAX_DEPTH + 1));
	rv = malloc((l.n + 1) * sizeof(*rv));
	if (!t.by_ppid || !t.seen || !t.prefix || !rv) {
		rc = gs_error(GS_EXIT_ERROR, "out of memory");
		goto out;
	}
	if (l.n)
		memcpy(t.by_ppid, l.procs, l.n * sizeof(*t.by_ppid));
	qsort(t.by_ppid, l.n, sizeof(*t.by_ppid), cmp_ppid);
	nr = all_roots(&t, rv);

	if (gs_opts.json) {
		struct tree_json tj = { .t = &t, .rv = rv, .nr = nr };

		out.children = children_json;
		out.tail = roots_json;
		out.ctx = &tj;
		rc = gs_golist_emit(&l, &out);
	} else {
		print_text(&t, rv, nr);
		fflush(stdout);
	}
	if (!rc)
		rc = gs_golist_report(&l);
out:
	free(rv);
	free(t.prefix);
	free(t.seen);
	free(t.by_ppid);
	gs_golist_free(&l);
	return rc;
}
