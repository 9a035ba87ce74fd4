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

/* The "go" object of a classification. */
json_t *gs_class_json(const struct gs_class *c);
/* One process object (see docs/json.md); go, if given, is shared (not stolen). */
json_t *gs_goproc_json(const struct gs_goproc *p, json_t *go);
/* {"processes": [...], "uninspectable": N}: the document list prints. */
json_t *gs_golist_json(const struct gs_golist *l);

#endif
