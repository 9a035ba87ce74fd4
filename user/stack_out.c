// SPDX-License-Identifier: MIT
/*
 * goscope stack's writers for dumps read from memory: the runtime's text and
 * JSON (docs/json.md, docs/stackdump.md); stdout for all of them. A dump
 * given as text (an agent's reply) is written by stack_tx_out.c.
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

/* The members every stack JSON document starts with: target, source, freeze. */
json_t *stack_meta_json(const struct stack_meta *m)
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
	json_t *doc = stack_meta_json(m), *arr = json_array();
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
