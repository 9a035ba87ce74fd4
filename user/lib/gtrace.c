/* SPDX-License-Identifier: MIT */
/* A goroutine's traceback as its own runtime prints it (gtrace.h). */
#include "gtrace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INNER_FRAMES 50		/* tracebackInnerFrames (1.21+) */
#define OUTER_FRAMES 50		/* tracebackOuterFrames */
#define MAX_FRAMES_OLD 100	/* _TracebackMaxFrames (<= 1.20): physical frames walked */

/* ---- which frames show ---- */

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* isExportedRuntime: up to 1.22 the first letter after "runtime."; since
 * 1.23 the last name and its receiver type (pointer stripped) both. */
static bool exported_runtime(const char *name, unsigned minor)
{
	const char *rest, *dot;

	if (!has_prefix(name, "runtime."))
		return false;
	rest = name + 8;
	if (minor < 23)
		return upper(rest[0]);
	dot = strrchr(rest, '.');
	if (!dot)
		return upper(rest[0]);
	{
		const char *r = rest, *re = dot;	/* receiver [r, re) */

		if (re - r >= 3 && r[0] == '(' && r[1] == '*' && re[-1] == ')') {
			r += 2;
			re--;
		}
		return upper(dot[1]) && (re == r || upper(r[0]));
	}
}

bool gs_trace_name_shown(const char *name, unsigned minor)
{
	return strchr(name, '.') && (!has_prefix(name, "runtime.") || exported_runtime(name, minor));
}

static bool is_fin_or_cleanup(const char *name)
{
	return !strcmp(name, "runtime.runFinalizers") || !strcmp(name, "runtime.runCleanups");
}

/* showfuncinfo (level 1); level 2 shows everything. */
static bool shown(const struct gs_trace_ctx *c, const char *name, enum gs_fkind kind,
		  bool first, enum gs_fkind callee)
{
	if (c->level >= GS_TB_SYSTEM)
		return true;
	if (kind == GS_FK_WRAPPER && gs_fkind_elide_wrapper(callee))
		return false;
	if (c->v->minor >= 25 && kind == GS_FK_RUNFINQ && is_fin_or_cleanup(name))
		return true;
	if (!strcmp(name, "runtime.gopanic") && !first)
		return true;
	return gs_trace_name_shown(name, c->v->minor);
}

const char *gs_trace_name(const struct gs_trace_ctx *ctx, const char *raw, bool physical,
			  char *buf, size_t sz)
{
	/* printFuncName: gopanic is "panic" (physical frames only before 1.21). */
	if (!strcmp(raw, "runtime.gopanic") && (physical || ctx->v->minor >= 21))
		return "panic";
	return gs_sym_print_name(raw, ctx->v->minor, buf, sz);
}

/* ---- logical frames of the physical ones ---- */

struct lframes {
	struct gs_symframe f[GS_SYM_MAX_DEPTH];
	int n;
	size_t phys;			/* whose */
	const char *inl_unknown;	/* its inline tree could not be read */
};

static void expand(const struct gs_trace_ctx *c, const struct gs_pframe *pf, size_t phys,
		   struct lframes *lf)
{
	uint64_t spc = pf->pc >= c->bias ? pf->pc - c->bias : 0;
	uint64_t look = spc;
	struct gs_funcinfo fi;

	lf->phys = phys;
	/* The call instruction for a return address, as the unwinder said. */
	if (!pf->trap && gs_sym_func(c->sym, spc, &fi) == 0 && spc > fi.entry)
		look = spc - 1;
	lf->inl_unknown = NULL;
	lf->n = gs_sym_frames(c->sym, look, lf->f, GS_SYM_MAX_DEPTH);
	if (lf->n < 0) {
		/*
		 * An inline tree goscope cannot read: the frames inlined at pc are
		 * unknown, and the line table there is theirs, not the function's.
		 * The function alone, at "?:0" (the runtime's unknown), and a note.
		 */
		lf->n = 0;
		if (gs_sym_func(c->sym, spc, &fi) == 0) {
			struct gs_symframe *f = &lf->f[0];

			memset(f, 0, sizeof(*f));
			f->func = fi.name;
			f->file = "?";
			f->line = 0;
			f->entry = fi.entry;
			f->kind = fi.kind;
			f->funcid = fi.funcid;
			lf->n = 1;
			lf->inl_unknown = fi.name;
		}
	} else if (lf->n == 0) {
		lf->n = 0;	/* no function holds pc: nothing the runtime would print */
	}
}

static int push(struct gs_trace *t, const struct gs_trace_ctx *c, const struct gs_pframe *pf,
		const struct gs_symframe *sf)
{
	struct gs_tframe *f;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct gs_tframe *p = realloc(t->fr, cap * sizeof(*p));

		if (!p) {
			t->alloc_failed = true;
			return -1;
		}
		t->fr = p;
		t->cap = cap;
	}
	f = &t->fr[t->n++];
	f->func = sf->func ? sf->func : "?";
	f->file = sf->file ? sf->file : "?";
	f->line = sf->line;
	f->pc = pf->pc;
	f->entry = sf->entry + c->bias;
	f->sp = pf->sp;
	f->fp = pf->fp;
	f->inlined = sf->inlined;
	f->phys_pc_gt_entry = !sf->inlined && pf->pc > f->entry;
	return 0;
}

/* The runtime's unwinder state as traceback2 sees it. */
struct uw {
	size_t phys;
	enum gs_fkind callee;
};

struct walk {
	const struct gs_trace_ctx *c;
	const struct gs_pframe *pf;
	size_t nphys;
	struct lframes cache;		/* one physical frame's logical frames */
	struct gs_trace *t;
};

static const struct lframes *logical(struct walk *w, size_t phys)
{
	if (w->cache.phys != phys || w->cache.n < 0) {
		expand(w->c, &w->pf[phys], phys, &w->cache);
		if (w->cache.inl_unknown && !w->t->inl_unknown)
			w->t->inl_unknown = w->cache.inl_unknown;
	}
	return &w->cache;
}

/*
 * traceback2 (Go 1.21+): skip the first skip shown frames, print at most
 * max; returns n (frames committed: skipped or printed) and *lastN (those
 * of them in the physical frame u stopped at).
 */
static long tb2(struct walk *w, struct uw *u, bool rt, long skip, long max, long *lastN,
		bool print)
{
	long n = 0;

	for (; u->phys < w->nphys; u->phys++) {
		const struct lframes *lf = logical(w, u->phys);

		*lastN = 0;
		for (int k = 0; k < lf->n; k++) {
			const struct gs_symframe *sf = &lf->f[k];
			enum gs_fkind callee = u->callee;

			u->callee = sf->kind;
			if (!(rt || shown(w->c, sf->func, sf->kind, n == 0, callee)))
				continue;
			if (skip == 0 && max == 0)
				return n;
			n++;
			(*lastN)++;
			if (skip > 0) {
				skip--;
				continue;
			}
			max--;
			if (print && push(w->t, w->c, &w->pf[u->phys], sf) < 0)
				return n;
		}
		if (lf->n > 0)
			u->callee = lf->f[lf->n - 1].kind;
	}
	*lastN = 0;
	return n;
}

static long with_runtime_new(struct walk *w, bool rt)
{
	struct uw u = { 0, GS_FK_NORMAL }, u2;
	long n, lastN, remaining, elide, dummy;

	n = tb2(w, &u, rt, 0, INNER_FRAMES, &lastN, true);
	if (n < INNER_FRAMES)
		return n;
	u2 = u;
	remaining = tb2(w, &u, rt, 0x7fffffff, 0, &dummy, false);
	elide = remaining - lastN - OUTER_FRAMES;
	w->t->split = w->t->n;
	if (elide > 0) {
		w->t->elided = elide;
		tb2(w, &u2, rt, lastN + elide, OUTER_FRAMES, &dummy, true);
	} else {
		tb2(w, &u2, rt, lastN, OUTER_FRAMES, &dummy, true);
	}
	return n;
}

/* gentraceback's printing walk (Go <= 1.20): at most 100 physical frames. */
static long with_runtime_old(struct walk *w, bool rt)
{
	enum gs_fkind last = GS_FK_NORMAL;
	long nprint = 0;

	for (size_t i = 0; i < w->nphys && i < MAX_FRAMES_OLD; i++) {
		const struct lframes *lf = logical(w, i);

		for (int k = 0; k < lf->n; k++) {
			const struct gs_symframe *sf = &lf->f[k];

			if (rt || shown(w->c, sf->func, sf->kind, nprint == 0, last)) {
				if (push(w->t, w->c, &w->pf[i], sf) < 0)
					return nprint;
				nprint++;
			}
			last = sf->kind;
		}
	}
	return nprint;
}

static void frames(const struct gs_trace_ctx *c, const struct gs_dump *d,
		   const struct gs_gstack *gs, struct gs_trace *t)
{
	struct walk w = { .c = c, .pf = d->frames + gs->frame0, .nphys = gs->nframes, .t = t };
	bool old = c->v->minor && c->v->minor <= 20;
	long n;

	w.cache.n = -1;
	w.cache.phys = SIZE_MAX;
	t->n = 0;
	t->elided = 0;
	n = old ? with_runtime_old(&w, false) : with_runtime_new(&w, false);
	if (n == 0) {
		t->n = 0;
		t->split = 0;
		t->elided = 0;
		n = old ? with_runtime_old(&w, true) : with_runtime_new(&w, true);
	}
	if (!t->elided)
		t->split = t->n;
	if (old && n == MAX_FRAMES_OLD)
		t->elided = -1;
}

/* ---- header and creator ---- */

static void header(const struct gs_trace_ctx *c, const struct gs_gstack *gs, struct gs_trace *t)
{
	const struct gs_gview *v = c->v;
	const struct gs_g *g = &gs->g;
	uint32_t st = gs_g_base_status(v, g->status);
	bool waiting = st == GS_G_WAITING || (v->minor >= 26 && st == GS_G_LEAKED);

	t->goid = g->goid;
	t->scan = (g->status & v->scan) != 0;
	t->leaked = v->minor >= 26 && st == GS_G_LEAKED;
	t->status = gs_gstatus_name(v, st);
	t->wait_known = true;
	if (waiting && g->has_waitreason && g->waitreason != 0) {
		if (v->wait) {
			t->status = g->waitreason < v->nwait && v->wait[g->waitreason] ?
					    v->wait[g->waitreason] : "unknown wait reason";
		} else {
			t->wait_known = false;
		}
	}
	t->minutes = -1;
	if ((st == GS_G_WAITING || st == GS_G_SYSCALL) && g->has_waitsince && g->waitsince != 0 &&
	    c->now) {
		/* Go's int64 arithmetic wraps; so does this (no overflow on hostile values). */
		int64_t m = (int64_t)((uint64_t)c->now - (uint64_t)g->waitsince) / 60000000000LL;

		if (m >= 1)
			t->minutes = m;
	}
	t->locked = g->has_lockedm && g->lockedm != 0;
}

static void creator(const struct gs_trace_ctx *c, const struct gs_gstack *gs, struct gs_trace *t)
{
	uint64_t pc = gs->g.gopc, spc, tracepc;
	struct gs_funcinfo fi;
	bool show;

	t->has_creator = false;
	if (pc < c->bias || gs->g.goid == 1)
		return;
	spc = pc - c->bias;
	if (gs_sym_func(c->sym, spc, &fi) < 0)
		return;
	/* Up to 1.20 the creator is tested as a normal function; since 1.21 with its funcID. */
	show = shown(c, fi.name, c->v->minor >= 21 ? fi.kind : GS_FK_NORMAL, false, GS_FK_NORMAL);
	if (!show)
		return;
	t->has_creator = true;
	t->creator = fi.name;
	tracepc = spc > fi.entry ? spc - c->quantum : spc;
	gs_sym_fileline(c->sym, &fi, tracepc, &t->creator_file, &t->creator_line);
	t->creator_has_off = spc > fi.entry;
	t->creator_off = spc - fi.entry;
	t->parent_goid = c->v->minor >= 21 && gs->g.has_parent ? gs->g.parent_goid : 0;
}

void gs_trace_init(struct gs_trace *t)
{
	memset(t, 0, sizeof(*t));
}

void gs_trace_free(struct gs_trace *t)
{
	free(t->fr);
	memset(t, 0, sizeof(*t));
}

int gs_trace_build(const struct gs_trace_ctx *ctx, const struct gs_dump *d, size_t i,
		   struct gs_trace *t)
{
	const struct gs_gstack *gs = &d->g[i];

	t->n = 0;
	t->split = 0;
	t->elided = 0;
	t->alloc_failed = false;
	t->inl_unknown = NULL;
	header(ctx, gs, t);
	if ((gs->fstate == GS_FS_OK || gs->fstate == GS_FS_INCOMPLETE) && gs->nframes)
		frames(ctx, d, gs, t);
	creator(ctx, gs, t);
	return t->alloc_failed ? -1 : 0;
}

/* ---- text ---- */

static void frame_text(const struct gs_trace_ctx *c, const struct gs_tframe *f,
		       struct gs_tbuf *b)
{
	char name[512];

	gs_tbuf_puts(b, gs_trace_name(c, f->func, !f->inlined, name, sizeof(name)));
	gs_tbuf_putn(b, "(...)\n\t", 7);
	gs_tbuf_puts(b, f->file);
	gs_tbuf_putn(b, ":", 1);
	gs_tbuf_dec(b, f->line);
	if (!f->inlined) {
		if (f->phys_pc_gt_entry) {
			gs_tbuf_putn(b, " +", 2);
			gs_tbuf_hex(b, f->pc - f->entry);
		}
		if (c->level >= GS_TB_SYSTEM) {
			gs_tbuf_putn(b, " fp=", 4);
			gs_tbuf_hex(b, f->fp);
			gs_tbuf_putn(b, " sp=", 4);
			gs_tbuf_hex(b, f->sp);
			gs_tbuf_putn(b, " pc=", 4);
			gs_tbuf_hex(b, f->pc);
		}
	}
	gs_tbuf_putn(b, "\n", 1);
}

void gs_trace_text(const struct gs_trace_ctx *c, const struct gs_dump *d, size_t i,
		   const struct gs_trace *t, struct gs_tbuf *b)
{
	const struct gs_gstack *gs = &d->g[i];
	char name[512];

	/* header */
	gs_tbuf_putn(b, "goroutine ", 10);
	gs_tbuf_udec(b, t->goid);
	if (c->level >= GS_TB_SYSTEM && c->v->minor >= 22) {
		gs_tbuf_printf(b, " gp=0x%" PRIx64, gs->g.addr);
		if (!gs->g.m)
			gs_tbuf_puts(b, " m=nil");
		else if (gs->mid >= 0)
			gs_tbuf_printf(b, " m=%" PRId64 " mp=0x%" PRIx64, gs->mid, gs->g.m);
		else
			gs_tbuf_printf(b, " m=? mp=0x%" PRIx64, gs->g.m);
	}
	gs_tbuf_putn(b, " [", 2);
	gs_tbuf_puts(b, t->status);
	if (t->leaked)
		gs_tbuf_puts(b, " (leaked)");
	if (t->scan)
		gs_tbuf_puts(b, " (scan)");
	if (t->minutes >= 1)
		gs_tbuf_printf(b, ", %" PRId64 " minutes", t->minutes);
	if (t->locked)
		gs_tbuf_puts(b, ", locked to thread");
	gs_tbuf_puts(b, "]:\n");

	/* frames, or why there are none */
	switch (gs->fstate) {
	case GS_FS_RUNNING:
		if (gs->tid > 0)
			gs_tbuf_printf(b, "\tframes unavailable: running on thread %" PRId64 "\n",
				       gs->tid);
		else
			gs_tbuf_puts(b, "\tframes unavailable: running on a thread\n");
		break;
	case GS_FS_CHANGED:
	case GS_FS_UNREADABLE:
		gs_tbuf_printf(b, "\tframes unavailable: %s\n", gs->why[0] ? gs->why : "?");
		break;
	case GS_FS_OK:
	case GS_FS_INCOMPLETE:
		for (size_t k = 0; k < t->n; k++) {
			if (k == t->split && t->elided > 0)
				gs_tbuf_printf(b, "...%" PRId64 " frames elided...\n", t->elided);
			frame_text(c, &t->fr[k], b);
		}
		if (t->split == t->n && t->elided > 0)
			gs_tbuf_printf(b, "...%" PRId64 " frames elided...\n", t->elided);
		if (t->elided < 0)
			gs_tbuf_puts(b, "...additional frames elided...\n");
		if (t->inl_unknown)
			gs_tbuf_printf(b, "\tframes incomplete: the frames inlined into %s are unknown"
				       " (its inline tree cannot be read)\n", t->inl_unknown);
		if (gs->fstate == GS_FS_INCOMPLETE)
			gs_tbuf_printf(b, "\tframes incomplete: %s\n", gs->why);
		break;
	}

	/* created by */
	if (t->has_creator) {
		const char *n = c->v->minor >= 21 ? gs_trace_name(c, t->creator, true, name, sizeof(name))
						  : t->creator;

		gs_tbuf_putn(b, "created by ", 11);
		gs_tbuf_puts(b, n);
		if (t->parent_goid) {
			gs_tbuf_putn(b, " in goroutine ", 14);
			gs_tbuf_udec(b, t->parent_goid);
		}
		gs_tbuf_putn(b, "\n\t", 2);
		gs_tbuf_puts(b, t->creator_file);
		gs_tbuf_putn(b, ":", 1);
		gs_tbuf_dec(b, t->creator_line);
		if (t->creator_has_off) {
			gs_tbuf_putn(b, " +", 2);
			gs_tbuf_hex(b, t->creator_off);
		}
		gs_tbuf_putn(b, "\n", 1);
	}
}

/* ---- system goroutines ---- */

bool gs_gtrace_is_system(struct gs_sym *s, const struct gs_gview *v, uint64_t bias,
			 const struct gs_gstack *gs, const struct gs_pframe *fr)
{
	struct gs_funcinfo fi;
	uint64_t spc;

	(void)v;
	if (gs->g.startpc < bias)
		return false;
	spc = gs->g.startpc - bias;
	if (gs_sym_func(s, spc, &fi) < 0)
		return false;
	if (fi.kind == GS_FK_RUNTIME_MAIN || fi.kind == GS_FK_COROSTART ||
	    fi.kind == GS_FK_HANDLEASYNCEVENT)
		return false;
	if (fi.kind == GS_FK_RUNFINQ) {
		/* Shown while it runs a finalizer or cleanup: user code on its stack. */
		if (gs->fstate != GS_FS_OK && gs->fstate != GS_FS_INCOMPLETE)
			return false;
		for (uint32_t k = 0; k < gs->nframes; k++) {
			struct gs_funcinfo f;

			if (fr[k].pc >= bias && gs_sym_func(s, fr[k].pc - bias, &f) == 0 &&
			    !has_prefix(f.name, "runtime."))
				return false;
		}
		return true;
	}
	return has_prefix(fi.name, "runtime.");
}
