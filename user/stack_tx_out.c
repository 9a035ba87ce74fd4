// SPDX-License-Identifier: MIT
/*
 * goscope stack's writers for a dump given as text (an agent's reply,
 * parsed by gtext.h): --summary (goroutines grouped by identical stacks,
 * largest group first) and JSON (docs/json.md, docs/stackdump.md).
 */
#include "stack_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golist.h"
#include "output.h"
#include "ttysafe.h"

/* ---- goroutines of a text dump ---- */

static void put_str(struct gs_tbuf *b, struct gs_tx_str s)
{
	gs_tbuf_putn(b, s.p, s.n);
}

/* A goroutine's state without "N minutes": the part a summary groups by. */
static void state_key(const struct gs_tx_goroutine *g, struct gs_tbuf *b)
{
	const char *p = g->state.p, *e = p + g->state.n;
	bool firstpart = true;

	while (p < e) {
		const char *c = memchr(p, ',', (size_t)(e - p));
		size_t k = c ? (size_t)(c - p) : (size_t)(e - p);

		if (!(k > 8 && !memcmp(p + k - 8, " minutes", 8))) {
			gs_tbuf_putn(b, firstpart ? "" : ",", firstpart ? 0 : 1);
			gs_tbuf_putn(b, p, k);
			firstpart = false;
		}
		p += k + (c ? 1 : 0);
	}
}

/* The part of a goroutine's text a summary groups by: frames (arguments
 * as "(...)", no fp/sp/pc), notes, and the creator without its goroutine. */
static void body_key(const struct gs_tx *tx, const struct gs_tx_goroutine *g, struct gs_tbuf *b)
{
	for (size_t k = 0; k <= g->nframes; k++) {
		if (g->elided > 0 && k == g->elided_at)
			gs_tbuf_printf(b, "...%" PRId64 " frames elided...\n", g->elided);
		if (k == g->nframes)
			break;
		{
			const struct gs_tx_frame *f = &tx->fr[g->frame0 + k];

			put_str(b, f->func);
			gs_tbuf_puts(b, "(...)\n\t");
			put_str(b, f->file);
			gs_tbuf_printf(b, ":%" PRId64, f->line);
			if (f->has_off)
				gs_tbuf_printf(b, " +0x%" PRIx64, f->off);
			gs_tbuf_puts(b, "\n");
		}
	}
	if (g->elided < 0)
		gs_tbuf_puts(b, "...additional frames elided...\n");
	if (g->note.n) {
		gs_tbuf_puts(b, "\t");
		/* Thread ids differ between running goroutines: group them as one. */
		if (g->note.n > 38 && !memcmp(g->note.p, "frames unavailable: running on thread ", 38))
			gs_tbuf_puts(b, "frames unavailable: running on a thread");
		else
			put_str(b, g->note);
		gs_tbuf_puts(b, "\n");
	}
	if (g->has_creator) {
		gs_tbuf_puts(b, "created by ");
		put_str(b, g->creator);
		gs_tbuf_puts(b, "\n\t");
		put_str(b, g->creator_at.file);
		gs_tbuf_printf(b, ":%" PRId64, g->creator_at.line);
		if (g->creator_at.has_off)
			gs_tbuf_printf(b, " +0x%" PRIx64, g->creator_at.off);
		gs_tbuf_puts(b, "\n");
	}
}

struct group {
	char *state, *body;
	uint64_t hash;
	uint64_t *ids;
	size_t n, cap;
	size_t first;			/* order of first appearance */
};

static uint64_t fnv(const char *a, size_t an, const char *b, size_t bn)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < an; i++)
		h = (h ^ (uint8_t)a[i]) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (size_t i = 0; i < bn; i++)
		h = (h ^ (uint8_t)b[i]) * 1099511628211ull;
	return h;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

struct groups {
	struct group *g;
	size_t n, cap;
	size_t *slot;			/* open addressing: index + 1, 0 empty */
	size_t nslot;
};

static void groups_free(struct groups *gr)
{
	for (size_t i = 0; i < gr->n; i++) {
		free(gr->g[i].state);
		free(gr->g[i].body);
		free(gr->g[i].ids);
	}
	free(gr->g);
	free(gr->slot);
}

static int groups_build(const struct gs_tx *tx, struct groups *gr)
{
	struct gs_tbuf st = { 0 }, body = { 0 };
	int rc = -1;

	memset(gr, 0, sizeof(*gr));
	gr->nslot = 64;
	while (gr->nslot < tx->n * 2)
		gr->nslot *= 2;
	gr->slot = calloc(gr->nslot, sizeof(*gr->slot));
	if (!gr->slot)
		goto out;
	for (size_t i = 0; i < tx->n; i++) {
		const struct gs_tx_goroutine *g = &tx->g[i];
		struct group *grp = NULL;
		uint64_t h;
		size_t s;

		gs_tbuf_reset(&st);
		gs_tbuf_reset(&body);
		state_key(g, &st);
		body_key(tx, g, &body);
		gs_tbuf_puts(&st, "");
		gs_tbuf_puts(&body, "");
		if (st.oom || body.oom)
			goto out;
		h = fnv(st.p, st.len, body.p, body.len);
		for (s = h & (gr->nslot - 1); gr->slot[s]; s = (s + 1) & (gr->nslot - 1)) {
			struct group *c = &gr->g[gr->slot[s] - 1];

			if (c->hash == h && !strcmp(c->state, st.p) && !strcmp(c->body, body.p)) {
				grp = c;
				break;
			}
		}
		if (!grp) {
			if (gr->n == gr->cap) {
				size_t cap = gr->cap ? gr->cap * 2 : 64;
				struct group *p = realloc(gr->g, cap * sizeof(*p));

				if (!p)
					goto out;
				gr->g = p;
				gr->cap = cap;
			}
			grp = &gr->g[gr->n];
			memset(grp, 0, sizeof(*grp));
			grp->state = strdup(st.p);
			grp->body = strdup(body.p);
			grp->hash = h;
			grp->first = gr->n;
			gr->n++;
			gr->slot[s] = gr->n;
			if (!grp->state || !grp->body)
				goto out;
		}
		if (grp->n == grp->cap) {
			size_t cap = grp->cap ? grp->cap * 2 : 4;
			uint64_t *p = realloc(grp->ids, cap * sizeof(*p));

			if (!p)
				goto out;
			grp->ids = p;
			grp->cap = cap;
		}
		grp->ids[grp->n++] = g->goid;
	}
	if (gr->n > 1)
		qsort(gr->g, gr->n, sizeof(*gr->g), cmp_group);
	rc = 0;
out:
	gs_tbuf_free(&st);
	gs_tbuf_free(&body);
	return rc;
}

#define SUMMARY_IDS 20		/* ids listed per group in text */

int stack_print_summary(const struct gs_tx *tx, const struct stack_meta *m)
{
	struct groups gr;
	int rc = GS_EXIT_OK;

	if (groups_build(tx, &gr) < 0) {
		groups_free(&gr);
		return gs_error(GS_EXIT_ERROR, "out of memory");
	}
	if (gs_opts.json) {
		json_t *doc = stack_meta_json(m), *arr = json_array();

		for (size_t i = 0; i < gr.n; i++) {
			json_t *o = json_object(), *ids = json_array();

			json_object_set_new(o, "count", json_integer((json_int_t)gr.g[i].n));
			json_object_set_new(o, "state", gs_json_str(gr.g[i].state));
			for (size_t k = 0; k < gr.g[i].n; k++)
				json_array_append_new(ids, json_integer((json_int_t)gr.g[i].ids[k]));
			json_object_set_new(o, "ids", ids);
			json_object_set_new(o, "stack", gs_json_str(gr.g[i].body));
			json_array_append_new(arr, o);
		}
		json_object_set_new(doc, "goroutines", json_integer((json_int_t)tx->n));
		json_object_set_new(doc, "groups", arr);
		rc = gs_json_emit(doc);
		json_decref(doc);
	} else {
		struct gs_tbuf b = { 0 };

		for (size_t i = 0; i < gr.n; i++) {
			const struct group *g = &gr.g[i];

			gs_tbuf_reset(&b);
			gs_tbuf_printf(&b, "%s%zu goroutine%s [%s]:", i ? "\n" : "", g->n,
				       g->n == 1 ? "" : "s", g->state);
			for (size_t k = 0; k < g->n && k < SUMMARY_IDS; k++)
				gs_tbuf_printf(&b, " %" PRIu64, g->ids[k]);
			if (g->n > SUMMARY_IDS)
				gs_tbuf_printf(&b, " ... (%zu more)", g->n - SUMMARY_IDS);
			gs_tbuf_puts(&b, "\n");
			gs_tbuf_puts(&b, g->body);
			if (b.oom) {
				rc = gs_error(GS_EXIT_ERROR, "out of memory");
				break;
			}
			if (stack_write(b.p, b.len) < 0)
				break;
		}
		stack_write_end();
		gs_tbuf_free(&b);
	}
	groups_free(&gr);
	return rc;
}

static json_t *txstr(struct gs_tx_str s)
{
	return gs_json_strn(s.p, s.n);
}

int stack_print_tx_json(const struct gs_tx *tx, const struct stack_meta *m)
{
	json_t *doc = stack_meta_json(m), *arr = json_array();
	int rc;

	for (size_t i = 0; i < tx->n; i++) {
		const struct gs_tx_goroutine *g = &tx->g[i];
		json_t *o = json_object(), *fr = json_array();

		json_object_set_new(o, "id", json_integer((json_int_t)g->goid));
		json_object_set_new(o, "state", txstr(g->status));
		json_object_set_new(o, "minutes", json_integer(g->minutes > 0 ? g->minutes : 0));
		json_object_set_new(o, "locked", json_boolean(g->locked));
		for (size_t k = 0; k < g->nframes; k++) {
			const struct gs_tx_frame *f = &tx->fr[g->frame0 + k];
			json_t *j = json_object();

			json_object_set_new(j, "function", txstr(f->func));
			json_object_set_new(j, "file", txstr(f->file));
			json_object_set_new(j, "line", json_integer(f->line));
			json_object_set_new(j, "offset", f->has_off ? json_integer((json_int_t)f->off) :
								      json_null());
			json_object_set_new(j, "inlined", json_boolean(!f->has_off &&
								      gs_tx_eq(f->args, "...")));
			json_array_append_new(fr, j);
		}
		json_object_set_new(o, "frames", fr);
		json_object_set_new(o, "frames_note", g->note.n ? txstr(g->note) : json_null());
		if (g->has_creator) {
			json_t *c = json_object();

			json_object_set_new(c, "function", txstr(g->creator));
			json_object_set_new(c, "file", txstr(g->creator_at.file));
			json_object_set_new(c, "line", json_integer(g->creator_at.line));
			json_object_set_new(c, "offset", g->creator_at.has_off ?
						json_integer((json_int_t)g->creator_at.off) : json_null());
			json_object_set_new(o, "created_by", c);
		} else {
			json_object_set_new(o, "created_by", json_null());
		}
		json_object_set_new(o, "creator_id", g->creator_goid ?
						     json_integer((json_int_t)g->creator_goid) : json_null());
		json_array_append_new(arr, o);
	}
	json_object_set_new(doc, "goroutines", arr);
	rc = gs_json_emit(doc);
	json_decref(doc);
	return rc;
}
