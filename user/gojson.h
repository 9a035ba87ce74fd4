/* SPDX-License-Identifier: MIT */
/*
 * gojson: the JSON shapes of Go facts, shared by every command that prints
 * them — a classification, a Go process, the process list. The schema is
 * documented in docs/json.md.
 */
#ifndef GOSCOPE_GOJSON_H
#define GOSCOPE_GOJSON_H

#include <jansson.h>

#include "classify.h"
#include "golist.h"

#include "output.h"

/* The "go" object of a classification, every dependency in it. */
json_t *gs_class_json(const struct gs_class *c);
/*
 * The same with at most max_deps entries in "deps" (0: all), the rest
 * counted in "deps_truncated".
 */
json_t *gs_class_json_capped(const struct gs_class *c, size_t max_deps);
/* One process object (see docs/json.md); go, if given, is shared (not stolen). */
json_t *gs_goproc_json(const struct gs_goproc *p, json_t *go);

/* list and tree: dependencies shown per process unless --max-deps says otherwise. */
#define GS_LIST_MAX_DEPS 2000

/* What tree adds to the list document. */
struct gs_golist_out {
	size_t max_deps;	/* 0: all */
	/* procs[i]'s "children" (a value, stolen), after its other members */
	json_t *(*children)(void *ctx, size_t i);
	/* members after "uninspectable" ("roots") */
	int (*tail)(void *ctx, struct gs_jstream *js);
	void *ctx;
};

/*
 * {"processes": [...], "uninspectable": N} (plus o's members) written to
 * stdout process by process: a binary's "go" object is rendered once for
 * all the processes that run it, with at most o->max_deps dependencies
 * (o NULL: GS_LIST_MAX_DEPS), so memory does not grow with the processes
 * and the output only as their number times the cap. Returns the exit
 * code, after reporting a failure (the document then ends with "error").
 */
int gs_golist_emit(const struct gs_golist *l, const struct gs_golist_out *o);
/* --max-deps N: 0 (all) to 1,000,000; 0, or a usage error's exit code for cmd. */
int gs_parse_max_deps(const char *cmd, const char *arg, size_t *out);

#endif
