/* SPDX-License-Identifier: MIT */
/* Every goroutine of a live Go program with its stack frames (stackdump.h). */
#include "stackdump.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gtrace.h"

#define CHUNK 512		/* goroutines whose records are read together */
#define UNWIND_STEP 1024	/* physical frames per gs_unwind call */

struct rd {
	const struct gs_dump_src *src;
	const struct gs_gview *v;
	struct gs_dump *d;
	size_t snap_max, batch_bytes, max_frames, total_frames, frames_cap, gcap, max_g;
	unsigned retries;
	bool frozen, first_chunk;
	const struct gs_dump_opts *o;
	struct gs_uframe uf[UNWIND_STEP];
	struct gs_gscratch scr;		/* record buffers, kept across chunks */
	/* frozen with on_read: stacks kept, unwound once the target runs again */
	struct deferred *dfr;
	size_t ndfr, dfrcap, dfr_bytes;
	struct gs_err *err;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *gs_fstate_name(enum gs_fstate s)
{
	switch (s) {
	case GS_FS_OK: return "ok";
	case GS_FS_INCOMPLETE: return "incomplete";
	case GS_FS_RUNNING: return "running";
	case GS_FS_CHANGED: return "changed";
	case GS_FS_UNREADABLE: return "unreadable";
	}
	return "?";
}

const char *gs_regsrc_name(enum gs_regsrc s)
{
	switch (s) {
	case GS_RS_SCHED: return "sched";
	case GS_RS_SYSCALL: return "syscall";
	case GS_RS_THREAD: return "thread";
	case GS_RS_SCHED_G0: return "sched-g0";
	default: return "none";
	}
}

static void mark(struct gs_gstack *gs, enum gs_fstate st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void mark(struct gs_gstack *gs, enum gs_fstate st, const char *fmt, ...)
{
	va_list ap;

	gs->fstate = st;
	va_start(ap, fmt);
	vsnprintf(gs->why, sizeof(gs->why), fmt, ap);
	va_end(ap);
}

/* ---- frames ---- */

static int push_frame(struct rd *r, const struct gs_uframe *u)
{
	struct gs_dump *d = r->d;

	if (d->nframes == r->frames_cap) {
		size_t cap = r->frames_cap ? r->frames_cap * 2 : 4096;
		struct gs_pframe *p;

		if (cap > r->total_frames)
			cap = r->total_frames;
		if (cap <= d->nframes)
			return -1;
		p = realloc(d->frames, cap * sizeof(*p));
		if (!p)
			return -1;
		d->frames = p;
		r->frames_cap = cap;
	}
	d->frames[d->nframes++] = (struct gs_pframe){ u->pc, u->sp, u->fp, u->trap };
	return 0;
}

/*
 * Unwind gs from regs over the snapshot: UNWIND_STEP frames at a time,
 * each step resuming at the last frame of the one before.
 */
static void unwind(struct rd *r, struct gs_gstack *gs, const struct gs_unwind_regs *regs0,
		   bool trap, bool syscall, const struct gs_mem *mem)
{
	struct gs_unwind_regs regs = *regs0;
	struct gs_unwind_opts uo = {
		.stack_lo = gs->g.stack_lo,
		.stack_hi = gs->g.stack_hi,
		.bias = r->src->bias,
		.trap = trap,
		.syscall = syscall,
		.max_frames = UNWIND_STEP,
		.max_reads = 4 * UNWIND_STEP,
	};
	struct gs_unwind_result res;
	bool first = true;

	gs->frame0 = r->d->nframes;
	gs->nframes = 0;
	for (;;) {
		unsigned n = gs_unwind(r->src->sym, mem, &regs, &uo, r->uf, UNWIND_STEP, &res);
		/* A resumed step repeats the frame it started from. */
		unsigned k0 = first ? 0 : 1;

		for (unsigned k = k0; k < n; k++) {
			if (gs->nframes >= r->max_frames || push_frame(r, &r->uf[k]) < 0) {
				gs->stop = GS_UNW_MAX_FRAMES;
				mark(gs, GS_FS_INCOMPLETE, "more than %u frames", gs->nframes);
				return;
			}
			gs->nframes++;
		}
		if (res.stop != GS_UNW_MAX_FRAMES || n < 2) {
			gs->stop = res.stop;
			break;
		}
		/* Go on from the last frame, as an outer frame. */
		regs = (struct gs_unwind_regs){ .pc = r->uf[n - 1].pc, .sp = r->uf[n - 1].sp };
		uo.trap = r->uf[n - 1].trap;
		uo.syscall = false;
		first = false;
	}
	if (gs->stop == GS_UNW_TOP) {
		gs->fstate = GS_FS_OK;
		return;
	}
	if (gs->nframes) {
		const struct gs_pframe *last = &r->d->frames[gs->frame0 + gs->nframes - 1];

		mark(gs, GS_FS_INCOMPLETE, "%s after pc %#" PRIx64, gs_unwind_stop_str(gs->stop),
		     last->pc);
	} else {
		mark(gs, GS_FS_INCOMPLETE, "%s at pc %#" PRIx64, gs_unwind_stop_str(gs->stop),
		     regs0->pc);
	}
}

/* ---- registers ---- */

/* Why a record cannot be a goroutine's, or NULL. */
static const char *implausible(const struct gs_g *g, uint64_t sp)
{
	if (g->stack_lo >= g->stack_hi || g->stack_hi - g->stack_lo > GS_STACK_MAX_SPAN)
		return "implausible stack bounds";
	if (sp < g->stack_lo || sp >= g->stack_hi)
		return "saved sp outside its stack";
	return NULL;
}

static const struct gs_thread_regs *thread_of(const struct rd *r, int64_t tid)
{
	for (size_t i = 0; i < r->o->nthreads; i++)
		if (r->o->threads[i].tid == tid)
			return &r->o->threads[i];
	return NULL;
}

/* One goroutine's plan: the registers to start from, or a state with no frames. */
struct plan {
	struct gs_unwind_regs regs;
	bool trap, syscall, need_stack;
	uint64_t snap_lo;		/* [snap_lo, stack_hi) is read */
};

static void plan_one(struct rd *r, struct gs_gstack *gs, const struct gs_m *m, bool m_ok,
		     const struct gs_g *g0, bool g0_ok, struct plan *p)
{
	const struct gs_g *g = &gs->g;
	uint32_t st = gs_g_base_status(r->v, g->status);
	const char *bad;

	memset(p, 0, sizeof(*p));
	gs->regsrc = GS_RS_NONE;
	if (st == GS_G_RUNNING) {
		const struct gs_thread_regs *t = NULL;

		gs->fstate = GS_FS_RUNNING;
		gs->why[0] = '\0';
		if (!r->frozen)
			return;
		if (!m_ok || !m->has_procid || !(t = thread_of(r, (int64_t)m->procid))) {
			mark(gs, GS_FS_UNREADABLE, "running, but its thread's registers are unknown");
			return;
		}
		if (t->r.sp >= g->stack_lo && t->r.sp < g->stack_hi && g->stack_lo < g->stack_hi) {
			p->regs = t->r;
			p->trap = true;
			gs->regsrc = GS_RS_THREAD;
		} else if (g0_ok && t->r.sp >= g0->stack_lo && t->r.sp < g0->stack_hi) {
			/* On the system stack: systemstack/mcall/morestack saved g.sched. */
			p->regs = (struct gs_unwind_regs){ .pc = g->sched_pc, .sp = g->sched_sp,
							   .lr = g->sched_lr,
							   .lr_valid = r->v->machine == EM_AARCH64 };
			gs->regsrc = GS_RS_SCHED_G0;
		} else {
			mark(gs, GS_FS_UNREADABLE, "its thread %" PRIu64 " runs outside the goroutine's"
			     " and the system stack (signal handler or foreign code)", m->procid);
			return;
		}
	} else if (st == GS_G_COPYSTACK) {
		mark(gs, GS_FS_CHANGED, "its stack is being copied");
		return;
	} else if (g->syscallsp) {
		p->regs = (struct gs_unwind_regs){ .pc = g->syscallpc, .sp = g->syscallsp };
		p->syscall = true;
		gs->regsrc = GS_RS_SYSCALL;
	} else {
		p->regs = (struct gs_unwind_regs){ .pc = g->sched_pc, .sp = g->sched_sp,
						   .lr = g->sched_lr,
						   .lr_valid = r->v->machine == EM_AARCH64,
						   .fp = g->sched_bp, .fp_valid = true };
		gs->regsrc = GS_RS_SCHED;
	}
	bad = implausible(g, p->regs.sp);
	if (bad) {
		mark(gs, GS_FS_UNREADABLE, "%s", bad);
		gs->regsrc = GS_RS_NONE;
		return;
	}
	gs->fstate = GS_FS_OK;
	p->need_stack = true;
	p->snap_lo = p->regs.sp;
}

/* ---- one chunk of goroutines ---- */

/* Not listed, as the runtime lists none: _Gdead, and _Gdeadextra from 1.26. */
static bool is_dead(const struct gs_gview *v, uint32_t status)
{
	uint32_t st = gs_g_base_status(v, status);

	return st == GS_G_DEAD || (v->minor >= 26 && st == GS_G_DEADEXTRA);
}

struct slot {
	struct gs_gstack *gs;
	size_t idx;			/* gs = &dump->g[idx] */
	struct plan p;
	bool pending;			/* still to be read consistently */
	uint8_t *snap;
	size_t snap_len;
	struct gs_memrange mr;
};

/* m records (and, frozen, their g0s) of the goroutines that have one. */
static int read_ms(struct rd *r, struct slot *s, size_t n, struct gs_m *ms, bool *mok,
		   struct gs_g *g0s, bool *g0ok)
{
	uint64_t *addrs = calloc(n ? n : 1, sizeof(*addrs));
	int rc = -1;

	if (!addrs)
		return gs_errf(r->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		addrs[i] = s[i].gs->g.m;
	if (gs_m_read_s(&r->src->mem, r->v, addrs, n, ms, mok, &r->scr, r->err) < 0)
		goto out;
	memset(g0ok, 0, n * sizeof(*g0ok));
	if (r->frozen) {
		for (size_t i = 0; i < n; i++)
			addrs[i] = mok[i] && ms[i].has_g0 ? ms[i].g0 : 0;
		if (gs_g_read_s(&r->src->mem, r->v, addrs, n, g0s, g0ok, &r->scr, r->err) < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct gs_gstack *gs = s[i].gs;

		gs->mid = mok[i] && ms[i].has_id ? (int64_t)ms[i].id : -1;
		gs->tid = mok[i] && ms[i].has_procid ? (int64_t)ms[i].procid : 0;
	}
	rc = 0;
out:
	free(addrs);
	return rc;
}

/*
 * Snapshots of the pending slots' stacks from s[from] on, as many as fit in
 * batch_bytes (at least one slot is taken), in one batch; *end is the first
 * slot not taken. The buffer is reused by the next call: use the
 * snapshots before.
 */
static int read_stacks(struct rd *r, struct slot *s, size_t from, size_t n, uint8_t *buf,
		       size_t *end)
{
	struct gs_memrange *mr;
	size_t used = 0, j, m = 0;
	int calls;

	for (j = from; j < n; j++) {
		size_t want;

		if (!s[j].pending || !s[j].p.need_stack)
			continue;
		want = s[j].gs->g.stack_hi - s[j].p.snap_lo;
		if (want > r->snap_max)
			want = r->snap_max;
		if (used && used + want > r->batch_bytes)
			break;
		s[j].snap = buf + used;
		s[j].snap_len = want;
		used += want;
		m++;
	}
	*end = j;
	if (!m)
		return 0;
	mr = calloc(m, sizeof(*mr));
	if (!mr)
		return gs_errf(r->err, ENOMEM, "out of memory");
	m = 0;
	for (size_t k = from; k < j; k++)
		if (s[k].pending && s[k].p.need_stack)
			mr[m++] = (struct gs_memrange){ s[k].p.snap_lo, s[k].snap_len, s[k].snap, 0 };
	calls = r->src->mem.batch(r->src->mem.ctx, mr, m);
	if (calls < 0) {
		int code = errno;

		free(mr);
		if (code == ESRCH)
			return gs_errf(r->err, ESRCH, "the process is gone");
		return gs_errf(r->err, code, "reading stacks: %s", strerror(code));
	}
	r->d->st.calls += (unsigned long)calls;
	m = 0;
	for (size_t k = from; k < j; k++) {
		if (!s[k].pending || !s[k].p.need_stack)
			continue;
		s[k].mr = mr[m++];
		r->d->st.stack_bytes += s[k].mr.got;
	}
	free(mr);
	return 0;
}

static void unwind_snap(struct rd *r, struct gs_gstack *gs, const struct plan *p,
			const uint8_t *data, size_t got)
{
	struct gs_memsnap snap = { .base = p->snap_lo, .data = data, .len = got };
	struct gs_mem mem = gs_memsnap_mem(&snap);

	if (got < 8 && gs->g.stack_hi - p->snap_lo >= 8) {
		mark(gs, GS_FS_UNREADABLE, "its stack at %#" PRIx64 " cannot be read", p->snap_lo);
		return;
	}
	unwind(r, gs, &p->regs, p->trap, p->syscall, &mem);
	if (gs->fstate == GS_FS_INCOMPLETE && gs->stop == GS_UNW_READ &&
	    got < gs->g.stack_hi - p->snap_lo)
		mark(gs, GS_FS_INCOMPLETE, "its stack is larger than the %zu bytes read", got);
}

static void unwind_slot(struct rd *r, struct slot *sl)
{
	unwind_snap(r, sl->gs, &sl->p, sl->snap, sl->mr.got);
}

/* A frozen goroutine's stack, kept to be unwound after the target is let go. */
struct deferred {
	size_t idx;			/* into dump->g */
	struct plan p;
	uint8_t *data;
	size_t got;
};

/* Keep sl's snapshot; false when the budget is spent (unwind it now). */
static bool defer_slot(struct rd *r, struct slot *sl)
{
	struct deferred *d;

	if (!r->o->on_read || r->dfr_bytes + sl->mr.got > GS_DUMP_DEFER_BYTES)
		return false;
	if (r->ndfr == r->dfrcap) {
		size_t cap = r->dfrcap ? r->dfrcap * 2 : 256;
		struct deferred *p = realloc(r->dfr, cap * sizeof(*p));

		if (!p)
			return false;
		r->dfr = p;
		r->dfrcap = cap;
	}
	d = &r->dfr[r->ndfr];
	d->data = malloc(sl->mr.got ? sl->mr.got : 1);
	if (!d->data)
		return false;
	memcpy(d->data, sl->snap, sl->mr.got);
	d->got = sl->mr.got;
	d->idx = sl->idx;
	d->p = sl->p;
	r->dfr_bytes += sl->mr.got;
	r->ndfr++;
	return true;
}

static void unwind_deferred(struct rd *r)
{
	for (size_t k = 0; k < r->ndfr; k++) {
		struct deferred *d = &r->dfr[k];

		unwind_snap(r, &r->d->g[d->idx], &d->p, d->data, d->got);
		free(d->data);
		d->data = NULL;
	}
	r->ndfr = 0;
}

static int do_chunk(struct rd *r, const uint64_t *gps, size_t n, uint8_t *buf)
{
	struct gs_g *again = calloc(n, sizeof(*again));
	struct slot *s = calloc(n, sizeof(*s));
	struct gs_m *ms = calloc(n, sizeof(*ms));
	struct gs_g *g0s = calloc(n, sizeof(*g0s));
	bool *ok = calloc(n, sizeof(*ok)), *mok = calloc(n, sizeof(*mok)),
	     *g0ok = calloc(n, sizeof(*g0ok));
	uint64_t *addrs = calloc(n, sizeof(*addrs));
	struct gs_g *first = calloc(n, sizeof(*first));
	size_t live = 0;
	int rc = -1;

	if (!again || !s || !ms || !g0s || !ok || !mok || !g0ok || !addrs || !first) {
		gs_errf(r->err, ENOMEM, "out of memory");
		goto out;
	}
	if (gs_g_read_s(&r->src->mem, r->v, gps, n, first, ok, &r->scr, r->err) < 0)
		goto out;
	r->d->st.calls++;
	/* allgs[0] is the main goroutine in every release: a cheap check that the
	 * globals and the layout are this runtime's. */
	if (r->first_chunk) {
		r->first_chunk = false;
		if (!ok[0]) {
			gs_errf(r->err, EFAULT, "the first goroutine's record at %#" PRIx64
				" cannot be read", gps[0]);
			goto out;
		}
		if (first[0].goid != 1) {
			gs_errf(r->err, EPROTO, "allgs[0] is goroutine %" PRIu64 ", not 1: the runtime's "
				"globals or layout do not match", first[0].goid);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct gs_gstack *gs;

		if (!ok[i]) {
			r->d->st.unreadable_g++;
			continue;
		}
		if (is_dead(r->v, first[i].status)) {
			r->d->st.dead++;
			continue;
		}
		if (r->d->n == r->gcap) {
			size_t cap = r->gcap ? r->gcap * 2 : CHUNK;
			struct gs_gstack *p;

			if (r->d->n >= r->max_g) {
				gs_errf(r->err, E2BIG, "more than %zu goroutines", r->max_g);
				goto out;
			}
			if (cap > r->max_g)
				cap = r->max_g;
			p = realloc(r->d->g, cap * sizeof(*p));
			if (!p) {
				gs_errf(r->err, ENOMEM, "out of memory");
				goto out;
			}
			/* Slots of earlier chunks are done: only this chunk's hold pointers. */
			r->d->g = p;
			r->gcap = cap;
			for (size_t k = 0; k < live; k++)
				s[k].gs = &p[s[k].idx];
		}
		gs = &r->d->g[r->d->n];
		s[live].idx = r->d->n++;
		memset(gs, 0, sizeof(*gs));
		gs->g = first[i];
		gs->mid = -1;
		gs->reads = 1;
		s[live].gs = gs;
		s[live].pending = true;
		live++;
	}
	for (unsigned attempt = 0; attempt <= r->retries; attempt++) {
		size_t npend = 0;

		if (read_ms(r, s, live, ms, mok, g0s, g0ok) < 0)
			goto out;
		for (size_t i = 0; i < live; i++) {
			if (!s[i].pending)
				continue;
			plan_one(r, s[i].gs, &ms[i], mok[i], &g0s[i], g0ok[i], &s[i].p);
			if (!s[i].p.need_stack)
				s[i].pending = s[i].gs->fstate == GS_FS_CHANGED && !r->frozen;
			npend += s[i].pending;
		}
		if (!npend)
			break;
		/* A batch of stacks, then (running) their records again, then the next batch. */
		for (size_t from = 0, to; from < live; from = to) {
			if (read_stacks(r, s, from, live, buf, &to) < 0)
				goto out;
			if (r->frozen) {
				for (size_t i = from; i < to; i++) {
					if (s[i].pending && s[i].p.need_stack && !defer_slot(r, &s[i]))
						unwind_slot(r, &s[i]);
					s[i].pending = false;
				}
				continue;
			}
			/* Read every pending record again: did it move meanwhile? */
			for (size_t i = from; i < to; i++)
				addrs[i] = s[i].pending ? s[i].gs->g.addr : 0;
			if (gs_g_read_s(&r->src->mem, r->v, addrs + from, to - from, again + from,
					ok + from, &r->scr, r->err) < 0)
				goto out;
			r->d->st.calls++;
			for (size_t i = from; i < to; i++) {
				struct gs_gstack *gs = s[i].gs;

				if (!s[i].pending)
					continue;
				gs->reads++;
				if (ok[i] && gs_g_same(&gs->g, &again[i], r->v->scan) &&
				    s[i].p.need_stack) {
					unwind_slot(r, &s[i]);
					s[i].pending = false;
					continue;
				}
				if (!ok[i]) {
					mark(gs, GS_FS_UNREADABLE, "its record could not be read again");
					s[i].pending = false;
					continue;
				}
				/* It moved: take the new record and try again. */
				gs->g = again[i];
				r->d->st.retries++;
				if (is_dead(r->v, gs->g.status)) {
					gs->ended = true;
					s[i].pending = false;
					continue;
				}
				if (attempt == r->retries) {
					mark(gs, GS_FS_CHANGED, "it kept changing while being read (%u reads)",
					     gs->reads);
					s[i].pending = false;
				}
			}
		}
		if (r->frozen)
			break;
	}
	for (size_t i = 0; i < live; i++)
		if (s[i].pending)
			mark(s[i].gs, GS_FS_CHANGED, "it kept changing while being read");
	rc = 0;
out:
	free(again);
	free(s);
	free(ms);
	free(g0s);
	free(ok);
	free(mok);
	free(g0ok);
	free(addrs);
	free(first);
	return rc;
}

/* Drop goroutines that ended while being read. */
static void compact(struct gs_dump *d)
{
	size_t k = 0;

	for (size_t i = 0; i < d->n; i++) {
		if (d->g[i].ended) {
			d->st.dead++;
			continue;
		}
		d->g[k++] = d->g[i];
	}
	d->n = k;
}

int gs_dump_read(const struct gs_dump_src *src, const struct gs_dump_opts *opts,
		 struct gs_dump **out, struct gs_err *err)
{
	static const struct gs_dump_opts no_opts;
	const struct gs_dump_opts *o = opts ? opts : &no_opts;
	uint64_t t0 = now_ns(), *gps = NULL, probe, arr = 0, n = 0;
	struct rd *r = NULL;
	uint8_t *buf = NULL;
	struct gs_dump *d;
	int rc = -1;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	r = calloc(1, sizeof(*r));
	if (!d || !r) {
		free(d);
		free(r);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	r->src = src;
	r->v = src->view;
	r->d = d;
	r->o = o;
	r->err = err;
	r->frozen = o->frozen;
	r->first_chunk = true;
	r->retries = o->retries ? o->retries : GS_DUMP_RETRIES;
	r->snap_max = o->snap_max ? o->snap_max : GS_DUMP_SNAP_MAX;
	r->batch_bytes = o->batch_bytes ? o->batch_bytes : GS_DUMP_BATCH_BYTES;
	if (r->batch_bytes < r->snap_max)
		r->batch_bytes = r->snap_max;
	r->max_frames = o->max_frames ? o->max_frames : GS_DUMP_MAX_FRAMES;
	r->total_frames = o->total_frames ? o->total_frames : GS_DUMP_TOTAL_FRAMES;
	r->max_g = o->max_goroutines ? o->max_goroutines : GS_ALLG_MAX;

	if (gs_allg_locate(&src->mem, &src->allg, &arr, &n, err) < 0)
		goto out;
	d->st.allglen = n;
	buf = malloc(r->batch_bytes);
	gps = malloc(CHUNK * sizeof(*gps));
	if (!buf || !gps) {
		gs_errf(err, ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < n; i += CHUNK) {
		size_t k = n - i > CHUNK ? CHUNK : (size_t)(n - i);

		if (gs_allg_ptrs(&src->mem, arr, i, k, gps, err) < 0 || do_chunk(r, gps, k, buf) < 0)
			goto out;
		d->st.calls++;
	}
	/* Still there? A process that exited part-way gives no dump at all. */
	if (gs_rmem_read(&src->mem, src->allg.allglen, &probe, sizeof(probe), err) < 0)
		goto out;
	/* Every byte is read: a frozen target can run again while its stacks are unwound. */
	if (r->frozen && o->on_read)
		o->on_read(o->on_read_ctx);
	unwind_deferred(r);
	compact(d);
	for (size_t i = 0; i < d->n; i++) {
		struct gs_gstack *gs = &d->g[i];

		gs->system = gs_gtrace_is_system(src->sym, src->view, src->bias, gs,
						 gs->nframes ? d->frames + gs->frame0 : NULL);
		d->st.changed += gs->fstate == GS_FS_CHANGED;
		d->st.running += gs->fstate == GS_FS_RUNNING;
		d->st.incomplete += gs->fstate == GS_FS_INCOMPLETE;
	}
	d->st.elapsed_ns = now_ns() - t0;
	*out = d;
	d = NULL;
	rc = 0;
out:
	free(gps);
	free(buf);
	gs_gscratch_free(&r->scr);
	for (size_t k = 0; k < r->ndfr; k++)
		free(r->dfr[k].data);
	free(r->dfr);
	free(r);
	gs_dump_free(d);
	return rc;
}

void gs_dump_free(struct gs_dump *d)
{
	if (!d)
		return;
	free(d->g);
	free(d->frames);
	free(d);
}
