/* SPDX-License-Identifier: MIT */
/*
 * The goroutine-dump text parser (gtext.h) on hostile text: an agent's
 * reply is another program's output. Every string it returns must lie
 * inside the input, every count match the arrays. Work budget: one pass
 * over at most the input's lines. Seeds: tests/fuzz/seeds/fuzz_gtext
 * (runtime.Stack, SIGQUIT and goscope dumps of stackdemo).
 */
#include "gtext.h"

#include <stdint.h>
#include <string.h>

static const uint8_t *lo, *hi;

static void in(struct gs_tx_str s)
{
	if (s.n && ((const uint8_t *)s.p < lo || (const uint8_t *)s.p + s.n > hi))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_err err = { 0 };
	struct gs_tx tx;
	size_t frames = 0;

	lo = data;
	hi = data + size;
	if (gs_tx_parse((const char *)data, size, &tx, &err) < 0)
		return 0;
	for (size_t i = 0; i < tx.n; i++) {
		const struct gs_tx_goroutine *g = &tx.g[i];

		in(g->state);
		in(g->status);
		in(g->extra);
		in(g->note);
		in(g->creator);
		in(g->creator_at.file);
		if (g->frame0 + g->nframes > tx.nfr || g->frame0 != frames ||
		    (g->elided && g->elided_at > g->nframes))
			__builtin_trap();
		frames += g->nframes;
		for (size_t k = 0; k < g->nframes; k++) {
			const struct gs_tx_frame *f = &tx.fr[g->frame0 + k];

			in(f->func);
			in(f->args);
			in(f->file);
		}
	}
	if (frames != tx.nfr)
		__builtin_trap();
	gs_tx_free(&tx);
	return 0;
}
