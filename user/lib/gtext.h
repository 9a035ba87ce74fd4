/* SPDX-License-Identifier: MIT */
/*
 * gtext: a Go goroutine dump as text (runtime.Stack(buf, true), a gops
 * agent's stack reply, a SIGQUIT or panic dump, goscope's own) parsed back
 * into goroutines and frames (docs/stackdump.md §6). Used for --summary and
 * --json of agent replies, and by the tests to compare dumps.
 *
 *	struct gs_tx tx;
 *	gs_tx_parse(text, len, &tx, &err);
 *	tx.g[i]: goroutine i, its frames tx.fr[tx.g[i].frame0 ..]
 *	gs_tx_free(&tx);
 *
 * The text is not trusted: strings point into it (not NUL-terminated:
 * each has a length), counts are capped, lines that are not part of the
 * format are skipped (and counted), never guessed at.
 */
#ifndef GOSCOPE_GTEXT_H
#define GOSCOPE_GTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

#define GS_TX_MAX_TEXT (1ull << 30)
#define GS_TX_MAX_GOROUTINES (1u << 22)
#define GS_TX_MAX_FRAMES (1u << 24)

struct gs_tx_str {
	const char *p;
	size_t n;
};

struct gs_tx_frame {
	struct gs_tx_str func;		/* as printed, without the argument list */
	struct gs_tx_str args;		/* inside the parentheses */
	struct gs_tx_str file;
	int64_t line;			/* -1 when the file line is missing */
	bool has_off, has_fpsp;
	uint64_t off;			/* " +0x..." */
	uint64_t fp, sp, pc;		/* " fp=... sp=... pc=..." (GOTRACEBACK=system) */
};

struct gs_tx_goroutine {
	uint64_t goid;
	struct gs_tx_str state;		/* inside the brackets, whole: "chan receive, 3 minutes" */
	struct gs_tx_str status;	/* its first part: "chan receive" */
	int64_t minutes;		/* -1 none */
	bool locked;
	struct gs_tx_str extra;		/* between "goroutine N" and '[' (gp=... m=...) */
	size_t frame0, nframes;
	int64_t elided;			/* "...N frames elided..." N, -1 "...additional...", 0 none */
	size_t elided_at;		/* frames before the elision line */
	struct gs_tx_str note;		/* a tab-indented line instead of frames (stack unavailable) */
	bool has_creator;
	struct gs_tx_str creator;
	uint64_t creator_goid;		/* "in goroutine N", 0 none */
	struct gs_tx_frame creator_at;	/* func empty; file, line, off */
};

struct gs_tx {
	struct gs_tx_goroutine *g;
	size_t n, gcap;
	struct gs_tx_frame *fr;
	size_t nfr, frcap;
	size_t skipped;			/* lines outside the format */
};

/* Parse text[0..len). 0, or -1 with err (E2BIG past a cap, ENOMEM). */
int gs_tx_parse(const char *text, size_t len, struct gs_tx *out, struct gs_err *err);
void gs_tx_free(struct gs_tx *tx);

/* The goroutine with id goid, or NULL. */
const struct gs_tx_goroutine *gs_tx_find(const struct gs_tx *tx, uint64_t goid);

static inline bool gs_tx_eq(struct gs_tx_str a, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return a.n == n && (n == 0 || __builtin_memcmp(a.p, s, n) == 0);
}

static inline bool gs_tx_same(struct gs_tx_str a, struct gs_tx_str b)
{
	return a.n == b.n && (a.n == 0 || __builtin_memcmp(a.p, b.p, a.n) == 0);
}

#endif
