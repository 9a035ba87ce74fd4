// SPDX-License-Identifier: MIT
/*
 * goscope stack's writers: the runtime's text, --summary (goroutines grouped
 * by identical stacks, largest group first) and JSON, for dumps read from
 * memory and for agent replies (docs/json.md, docs/stackdump.md).
 */
#include "stack_out.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golist.h"
#include "output.h"
#include "ttysafe.h"

/* ---- stdout ---- */

static int tty = -1;
static struct gs_ttysafe ts;

int stack_write(const char *p, size_t n)
{
	uint8_t out[GS_TTYSAFE_OUT(4096)];

	if (tty < 0)
		tty = isatty(STDOUT_FILENO) == 1;
	if (!tty)
		return fwrite(p, 1, n, stdout) == n ? 0 : -1;
	while (n) {
		size_t k = n > 4096 ? 4096 : n, m = gs_ttysafe_chunk(&ts, (const uint8_t *)p, k, out);

		if (fwrite(out, 1, m, stdout) != m)
			return -1;
		p += k;
		n -= k;
	}
	return 0;
}

void stack_write_end(void)
{
	uint8_t out[2];
	size_t m;

	if (tty > 0 && (m = gs_ttysafe_end(&ts, out)) > 0)
		fwrite(out, 1, m, stdout);
}

/* ---- text ---- */

static int render_one(const struct gs_trace_ctx *c, const struct gs_dump *d, size_t i,
		      struct gs_trace *t, struct gs_tbuf *b, bool *first)
{
	if (!gs_trace_listed(&d->g[i], c->level))
		return 0;
	if (gs_trace_build(c, d, i, t) < 0)
		return -1;
	if (!*first)
		gs_tbuf_puts(b, "\n");
	*first = false;
	gs_trace_text(c, d, i, t, b);
	return b->oom ? -1 : 0;
}

int stack_render(const struct gs_trace_ctx *c, const struct gs_dump *d, struct gs_tbuf *b)
{
	struct gs_trace t;
	bool first = true;
	int rc = 0;

	gs_trace_init(&t);
	for (size_t i = 0; i < d->n && rc == 0; i++)
		rc = render_one(c, d, i, &t, b, &first);
	gs_trace_free(&t);
	return rc;
}

int stack_print_text(const struct gs_trace_ctx *c, const struct gs_dump *d)
{
	struct gs_tbuf b = { 0 };
	struct gs_trace t;
	bool first = true;
	int rc = GS_EXIT_OK;

	gs_trace_init(&t);
	for (size_t i = 0; i < d->n; i++) {
		gs_tbuf_reset(&b);
		if (render_one(c, d, i, &t, &b, &first) < 0) {
			rc = gs_error(GS_EXIT_ERROR, "out of memory");
			break;
		}
		if (b.len && stack_write(b.p, b.len) < 0)
			break;	/* a write error is reported at exit */
	}
	stack_write_end();
	gs_trace_free(&t);
	gs_tbuf_free(&b);
	return rc;
}

/* ---- JSON of a memory dump ---- */

static json_t *meta_json(const struct stack_meta *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "target", gs_json_str(m->target));
	json_object_set_new(o, "pid", m->pid > 0 ? json_integer(m->pid) : json_null());
	json_object_set_new(o, "source", json_string(m->source));
	json_object_set_new(o, "go_version", m->go_version ? gs_json_str(m->go_version) : json_null());
	json_object_set_new(o, "agent_error", m->agent_error ? gs_json_str(m->agent_error) :
							       json_null());
	if (m->frozen) {
		json_t *f = json_object();

		json_object_set_new(f, "threads", json_integer((json_int_t)m->threads));
		json_object_set_new(f, "stopped_ms", json_real((double)m->stopped_ns / 1e6));
		json_object_set_new(o, "freeze", f);
	} else {
		json_object_set_new(o, "freeze", json_null());
	}
	return o;
}

static json_t *frame_json(const struct gs_trace_ctx *c, const struct gs_tframe *f)
{
	json_t *o = json_object();
	char name[512];

	json_object_set_new(o, "function", gs_json_str(gs_trace_name(c, f->func, !f->inlined, name,
								     sizeof(name))));
	json_object_set_new(o, "file", gs_json_str(f->file));
	json_object_set_new(o, "line", json_integer(f->line));
	json_object_set_new(o, "pc", json_integer((json_int_t)f->pc));
	json_object_set_new(o, "entry", json_integer((json_int_t)f->entry));
	json_object_set_new(o, "offset", f->phys_pc_gt_entry ?
				json_integer((json_int_t)(f->pc - f->entry)) : json_null());
	json_object_set_new(o, "inlined", json_boolean(f->inlined));
	if (c->level >= GS_TB_SYSTEM) {
		json_object_set_new(o, "sp", f->inlined ? json_null() : json_integer((json_int_t)f->sp));
		json_object_set_new(o, "fp", f->inlined ? json_null() : json_integer((json_int_t)f->fp));
	}
	return o;
}

static json_t *creator_json(const struct gs_trace_ctx *c, const struct gs_trace *t)
{
	json_t *o;
	char name[512];

	if (!t->has_creator)
		return json_null();
	o = json_object();
	json_object_set_new(o, "function",
			    gs_json_str(c->v->minor >= 21 ? gs_trace_name(c, t->creator, true, name,
									  sizeof(name)) : t->creator));
	json_object_set_new(o, "file", gs_json_str(t->creator_file));
	json_object_set_new(o, "line", json_integer(t->creator_line));
	json_object_set_new(o, "offset", t->creator_has_off ? json_integer((json_int_t)t->creator_off)
							    : json_null());
	return o;
}

static json_t *goroutine_json(const struct gs_trace_ctx *c, const struct gs_dump *d, size_t i,
			      const struct gs_trace *t)
{
	const struct gs_gstack *gs = &d->g[i];
	const struct gs_gview *v = c->v;
	uint32_t st = gs_g_base_status(v, gs->g.status);
	json_t *o = json_object(), *fr = json_array();
	bool waiting = st == GS_G_WAITING || (v->minor >= 26 && st == GS_G_LEAKED);
	bool has_reason = waiting && gs->g.has_waitreason && gs->g.waitreason != 0;

	json_object_set_new(o, "id", json_integer((json_int_t)gs->g.goid));
	json_object_set_new(o, "state", gs_json_str(t->status));
	json_object_set_new(o, "status", json_string(gs_gstatus_name(v, st)));
	json_object_set_new(o, "wait_reason", has_reason && t->wait_known ? gs_json_str(t->status)
									    : json_null());
	json_object_set_new(o, "wait_reason_code", has_reason ? json_integer(gs->g.waitreason) :
								json_null());
	json_object_set_new(o, "minutes", json_integer(t->minutes > 0 ? t->minutes : 0));
	json_object_set_new(o, "locked", json_boolean(t->locked));
	json_object_set_new(o, "scan", json_boolean(t->scan));
	json_object_set_new(o, "system", json_boolean(gs->system));
	if (gs->fstate == GS_FS_OK && t->inl_unknown) {
		char why[256];

		snprintf(why, sizeof(why), "the frames inlined into %s are unknown", t->inl_unknown);
		json_object_set_new(o, "frames_state", json_string("incomplete"));
		json_object_set_new(o, "frames_why", gs_json_str(why));
	} else {
		json_object_set_new(o, "frames_state", json_string(gs_fstate_name(gs->fstate)));
		json_object_set_new(o, "frames_why", gs->fstate == GS_FS_OK ||
							     gs->fstate == GS_FS_RUNNING ?
							     json_null() : gs_json_str(gs->why));
	}
	json_object_set_new(o, "registers", json_string(gs_regsrc_name(gs->regsrc)));
	json_object_set_new(o, "thread", gs->tid > 0 ? json_integer(gs->tid) : json_null());
	for (size_t k = 0; k < t->n; k++)
		json_array_append_new(fr, frame_json(c, &t->fr[k]));
	json_object_set_new(o, "frames", fr);
	if (t->elided) {
		json_t *e = json_object();

		json_object_set_new(e, "after", json_integer((json_int_t)t->split));
		json_object_set_new(e, "count", t->elided > 0 ? json_integer(t->elided) : json_null());
		json_object_set_new(o, "elided", e);
	} else {
		json_object_set_new(o, "elided", json_null());
	}
	json_object_set_new(o, "created_by", creator_json(c, t));
	json_object_set_new(o, "creator_id", t->has_creator && t->parent_goid ?
						     json_integer((json_int_t)t->parent_goid) : json_null());
	return o;
}

static json_t *stats_json(const struct gs_dump_stats *st, size_t listed)
{
	json_t *o = json_object();

	json_object_set_new(o, "listed", json_integer((json_int_t)listed));
	json_object_set_new(o, "allglen", json_integer((json_int_t)st->allglen));
	json_object_set_new(o, "dead", json_integer((json_int_t)st->dead));
	json_object_set_new(o, "unreadable_records", json_integer((json_int_t)st->unreadable_g));
	json_object_set_new(o, "running", json_integer((json_int_t)st->running));
	json_object_set_new(o, "changed", json_integer((json_int_t)st->changed));
	json_object_set_new(o, "incomplete", json_integer((json_int_t)st->incomplete));
	json_object_set_new(o, "retries", json_integer((json_int_t)st->retries));
	json_object_set_new(o, "stack_bytes", json_integer((json_int_t)st->stack_bytes));
	json_object_set_new(o, "read_ms", json_real((double)st->elapsed_ns / 1e6));
	return o;
}

/*
 * The document with its "goroutines" array written one element at a time:
 * jansson renders the document around a placeholder element, then each
 * goroutine in turn, so 50,000 goroutines never sit in memory as JSON. The
 * bytes are those of rendering it whole (compact, or --pretty's indent).
 */
#define PLACEHOLDER "\"\\u0001\""	/* the string "\001", as jansson escapes it */

static int emit_streamed(const struct gs_trace_ctx *c, const struct gs_dump *d, json_t *doc)
{
	size_t flags = gs_opts.pretty ? JSON_INDENT(2) : JSON_COMPACT;
	char *text = json_dumps(doc, flags), *at;
	struct gs_trace t;
	bool first = true;
	int rc = GS_EXIT_OK;

	if (!text || !(at = strstr(text, PLACEHOLDER))) {
		free(text);
		return gs_error(GS_EXIT_ERROR, "out of memory while rendering JSON output");
	}
	gs_trace_init(&t);
	if (fwrite(text, 1, (size_t)(at - text), stdout) != (size_t)(at - text))
		rc = GS_EXIT_ERROR;
	for (size_t i = 0; i < d->n && rc == GS_EXIT_OK; i++) {
		json_t *o;
		char *e;

		if (!gs_trace_listed(&d->g[i], c->level))
			continue;
		if (gs_trace_build(c, d, i, &t) < 0 || !(o = goroutine_json(c, d, i, &t)) ||
		    !(e = json_dumps(o, flags))) {
			rc = gs_error(GS_EXIT_ERROR, "out of memory while rendering JSON output");
			break;
		}
		json_decref(o);
		if (!first)
			fputs(gs_opts.pretty ? ",\n    " : ",", stdout);
		first = false;
		/* An element of the top-level array sits 4 spaces in when indented. */
		for (const char *p = e; *p; p++) {
			fputc(*p, stdout);
			if (*p == '\n' && gs_opts.pretty)
				fputs("    ", stdout);
		}
		free(e);
	}
	if (rc == GS_EXIT_OK) {
		const char *rest = at + strlen(PLACEHOLDER);

		fputs(rest, stdout);
		fputc('\n', stdout);
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		rc = gs_error(GS_EXIT_ERROR, "writing JSON output failed");
	gs_trace_free(&t);
	free(text);
	return rc;
}

int stack_print_json(const struct gs_trace_ctx *c, const struct gs_dump *d,
		     const struct stack_meta *m)
{
	json_t *doc = meta_json(m), *arr = json_array();
	size_t listed = 0;
	int rc;

	for (size_t i = 0; i < d->n; i++)
		listed += gs_trace_listed(&d->g[i], c->level);
	json_object_set_new(doc, "system", json_boolean(c->level >= GS_TB_SYSTEM));
	if (listed)
		json_array_append_new(arr, json_string("\001"));
	json_object_set_new(doc, "goroutines", arr);
	json_object_set_new(doc, "stats", stats_json(&d->st, listed));
	rc = listed ? emit_streamed(c, d, doc) : gs_json_emit(doc);
	json_decref(doc);
	return rc;
}

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
		json_t *doc = meta_json(m), *arr = json_array();

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
	json_t *doc = meta_json(m), *arr = json_array();
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
