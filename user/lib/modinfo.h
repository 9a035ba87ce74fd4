/* SPDX-License-Identifier: MIT */
/*
 * modinfo text (docs/go-binary-format.md §2.6): line iteration without allocation, and Go-style
 * unquoting of build keys and values.
 */
#ifndef GOSCOPE_MODINFO_H
#define GOSCOPE_MODINFO_H

#include <stdbool.h>
#include <stddef.h>

enum gs_mi_kind { GS_MI_PATH, GS_MI_MOD, GS_MI_DEP, GS_MI_REPL, GS_MI_BUILD, GS_MI_OTHER };

struct gs_span { const char *p; size_t n; };

struct gs_mi_line {
	enum gs_mi_kind kind;
	struct gs_span f[3];		/* path/version/sum; build: key, value */
	unsigned nf;
	struct gs_span raw;		/* whole line without the newline */
};

struct gs_mi_iter { const char *p, *end; };

void gs_mi_init(struct gs_mi_iter *it, const char *text, size_t len);
bool gs_mi_next(struct gs_mi_iter *it, struct gs_mi_line *line);

/* Find a field: the main package path, main module path/version, or a build setting. */
bool gs_mi_path(const char *text, size_t len, struct gs_span *out);
bool gs_mi_main(const char *text, size_t len, struct gs_span *path, struct gs_span *version);
/* Build setting value, unquoted into buf. */
bool gs_mi_setting(const char *text, size_t len, const char *key, char *buf, size_t bufsz);

/* Go strconv.Unquote for "..." strings (or copy if unquoted). False on bad input. */
bool gs_unquote(struct gs_span in, char *buf, size_t bufsz);

#endif
