/* SPDX-License-Identifier: MIT */
/* Every g of a live Go program, read and decoded (goroutines.h). */
#include "goroutines.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- readers ---- */

int gs_rmem_pid_batch(void *ctx, struct gs_memrange *r, size_t n)
{
	return gs_pvm_read_batch(*(pid_t *)ctx, r, n);
}

static int mem_err(struct gs_err *err, int code, uint64_t addr, const char *what)
{
	if (code == ESRCH)
		gs_errf(err, ESRCH, "the process is gone");
	else if (code == EPERM || code == EACCES)
		gs_errf(err, code, "reading its memory: %s", strerror(code));
	else
		gs_errf(err, code ? code : EIO, "cannot read %s at %#" PRIx64 "%s%s", what, addr,
			code ? ": " : "", code ? strerror(code) : "");
	return -1;
}

int gs_rmem_read(const struct gs_rmem *m, uint64_t addr, void *buf, size_t len,
		 struct gs_err *err)
{
	struct gs_memrange r = { .addr = addr, .len = len, .buf = buf };

	if (m->batch(m->ctx, &r, 1) < 0)
		return mem_err(err, errno, addr, "memory");
	if (r.got != len)
		return mem_err(err, EFAULT, addr, "memory");
	return 0;
}

/* ---- the view ---- */

static const struct {
	enum gs_rt_field rt;
	bool need;
} gmap[GS_GF_COUNT] = {
	[GS_GF_STACK_LO] = { GS_RT_G_STACK_LO, true },
	[GS_GF_STACK_HI] = { GS_RT_G_STACK_HI, true },
	[GS_GF_SCHED_SP] = { GS_RT_G_SCHED_SP, true },
	[GS_GF_SCHED_PC] = { GS_RT_G_SCHED_PC, true },
	[GS_GF_SCHED_LR] = { GS_RT_G_SCHED_LR, false },
	[GS_GF_SCHED_BP] = { GS_RT_G_SCHED_BP, false },
	[GS_GF_SYSCALLSP] = { GS_RT_G_SYSCALLSP, true },
	[GS_GF_SYSCALLPC] = { GS_RT_G_SYSCALLPC, true },
	[GS_GF_STATUS] = { GS_RT_G_ATOMICSTATUS, true },
	[GS_GF_GOID] = { GS_RT_G_GOID, true },
	[GS_GF_WAITSINCE] = { GS_RT_G_WAITSINCE, false },
	[GS_GF_WAITREASON] = { GS_RT_G_WAITREASON, false },
	[GS_GF_LOCKEDM] = { GS_RT_G_LOCKEDM, false },
	[GS_GF_PARENTGOID] = { GS_RT_G_PARENTGOID, false },
	[GS_GF_GOPC] = { GS_RT_G_GOPC, true },
	[GS_GF_STARTPC] = { GS_RT_G_STARTPC, true },
	[GS_GF_M] = { GS_RT_G_M, true },
};

static const enum gs_rt_field mmap_[GS_MF_COUNT] = {
	[GS_MF_PROCID] = GS_RT_M_PROCID,
	[GS_MF_ID] = GS_RT_M_ID,
	[GS_MF_CURG] = GS_RT_M_CURG,
	[GS_MF_G0] = GS_RT_M_G0,
};

static const struct {
	enum gs_rt_const c;
	uint32_t v;
} known_status[] = {
	{ GS_RT_C_GIDLE, GS_G_IDLE }, { GS_RT_C_GRUNNABLE, GS_G_RUNNABLE },
	{ GS_RT_C_GRUNNING, GS_G_RUNNING }, { GS_RT_C_GSYSCALL, GS_G_SYSCALL },
	{ GS_RT_C_GWAITING, GS_G_WAITING }, { GS_RT_C_GDEAD, GS_G_DEAD },
	{ GS_RT_C_GCOPYSTACK, GS_G_COPYSTACK }, { GS_RT_C_GPREEMPTED, GS_G_PREEMPTED },
	{ GS_RT_C_GLEAKED, GS_G_LEAKED }, { GS_RT_C_GDEADEXTRA, GS_G_DEADEXTRA },
	{ GS_RT_C_GSCAN, GS_G_SCAN },
};

static bool set_field(struct gs_gfield *f, const struct gs_rt_loc *l, uint32_t *len)
{
	if (!l->known || (l->size != 1 && l->size != 2 && l->size != 4 && l->size != 8) ||
	    l->off > GS_G_REC_MAX - l->size)
		return false;
	f->off = l->off;
	f->size = (uint8_t)l->size;
	if (l->off + l->size > *len)
		*len = l->off + l->size;
	return true;
}

int gs_gview_init(struct gs_gview *v, const struct gs_rt_offsets *o, unsigned minor,
		  uint16_t machine, struct gs_err *err)
{
	memset(v, 0, sizeof(*v));
	v->minor = minor;
	v->machine = machine;
	v->scan = GS_G_SCAN;
	for (int k = 0; k < GS_GF_COUNT; k++) {
		enum gs_rt_field rf = gmap[k].rt;
		bool need = gmap[k].need || (k == GS_GF_SCHED_LR && machine == EM_AARCH64);

		if (!set_field(&v->g[k], &o->f[rf], &v->g_len) && need)
			return gs_errf(err, ENOENT, "the runtime layout lacks %s",
				       gs_rt_field_name(rf));
	}
	for (int k = 0; k < GS_MF_COUNT; k++)
		set_field(&v->m[k], &o->f[mmap_[k]], &v->m_len);
	for (size_t k = 0; k < sizeof(known_status) / sizeof(known_status[0]); k++) {
		const struct gs_rt_cval *c = &o->c[known_status[k].c];

		if (c->known && c->v != (int64_t)known_status[k].v)
			return gs_errf(err, EPROTO, "%s is %" PRId64 " in this runtime, not %u",
				       gs_rt_const_name(known_status[k].c), c->v,
				       known_status[k].v);
	}
	v->wait = o->wait;
	v->nwait = o->nwait;
	return 0;
}

/* ---- records ---- */

static uint64_t rd(const uint8_t *rec, const struct gs_gfield *f)
{
	const uint8_t *p = rec + f->off;
	uint64_t x8;
	uint32_t x4;
	uint16_t x2;

	/* Little-endian targets only (the view is only built for them), like the host. */
	switch (f->size) {
	case 8:
		memcpy(&x8, p, 8);
		return x8;
	case 4:
		memcpy(&x4, p, 4);
		return x4;
	case 2:
		memcpy(&x2, p, 2);
		return x2;
	case 1:
		return *p;
	default:
		return 0;
	}
}

void gs_g_decode(const struct gs_gview *v, uint64_t addr, const uint8_t *rec, struct gs_g *g)
{
	const struct gs_gfield *f = v->g;

	memset(g, 0, sizeof(*g));
	g->addr = addr;
	g->stack_lo = rd(rec, &f[GS_GF_STACK_LO]);
	g->stack_hi = rd(rec, &f[GS_GF_STACK_HI]);
	g->sched_sp = rd(rec, &f[GS_GF_SCHED_SP]);
	g->sched_pc = rd(rec, &f[GS_GF_SCHED_PC]);
	g->sched_lr = rd(rec, &f[GS_GF_SCHED_LR]);
	g->sched_bp = rd(rec, &f[GS_GF_SCHED_BP]);
	g->syscallsp = rd(rec, &f[GS_GF_SYSCALLSP]);
	g->syscallpc = rd(rec, &f[GS_GF_SYSCALLPC]);
	g->status = (uint32_t)rd(rec, &f[GS_GF_STATUS]);
	g->goid = rd(rec, &f[GS_GF_GOID]);
	g->gopc = rd(rec, &f[GS_GF_GOPC]);
	g->startpc = rd(rec, &f[GS_GF_STARTPC]);
	g->m = rd(rec, &f[GS_GF_M]);
	g->has_waitreason = f[GS_GF_WAITREASON].size != 0;
	g->waitreason = (uint32_t)rd(rec, &f[GS_GF_WAITREASON]);
	g->has_waitsince = f[GS_GF_WAITSINCE].size != 0;
	g->waitsince = (int64_t)rd(rec, &f[GS_GF_WAITSINCE]);
	g->has_lockedm = f[GS_GF_LOCKEDM].size != 0;
	g->lockedm = rd(rec, &f[GS_GF_LOCKEDM]);
	g->has_parent = f[GS_GF_PARENTGOID].size != 0;
	g->parent_goid = rd(rec, &f[GS_GF_PARENTGOID]);
}

bool gs_g_same(const struct gs_g *a, const struct gs_g *b, uint32_t scan)
{
	return a->goid == b->goid && (a->status & ~scan) == (b->status & ~scan) &&
	       a->waitreason == b->waitreason && a->stack_lo == b->stack_lo &&
	       a->stack_hi == b->stack_hi && a->sched_sp == b->sched_sp &&
	       a->sched_pc == b->sched_pc && a->sched_lr == b->sched_lr &&
	       a->syscallsp == b->syscallsp && a->syscallpc == b->syscallpc && a->m == b->m;
}

void gs_m_decode(const struct gs_gview *v, uint64_t addr, const uint8_t *rec, struct gs_m *m)
{
	const struct gs_gfield *f = v->m;

	memset(m, 0, sizeof(*m));
	m->addr = addr;
	m->has_procid = f[GS_MF_PROCID].size != 0;
	m->procid = rd(rec, &f[GS_MF_PROCID]);
	m->has_id = f[GS_MF_ID].size != 0;
	m->id = rd(rec, &f[GS_MF_ID]);
	m->curg = rd(rec, &f[GS_MF_CURG]);
	m->has_g0 = f[GS_MF_G0].size != 0;
	m->g0 = rd(rec, &f[GS_MF_G0]);
}

/* ---- allgs ---- */

int gs_allg_locate(const struct gs_rmem *m, const struct gs_allg_src *src, uint64_t *arr,
		   uint64_t *n, struct gs_err *err)
{
	uint64_t len, a, hdr[3];

	*arr = 0;
	*n = 0;
	if (!src->allglen || (!src->allgptr && !src->allgs))
		return gs_errf(err, ENOENT, "where allgs is is unknown");
	if (gs_rmem_read(m, src->allglen, &len, sizeof(len), err) < 0)
		return -1;
	if (src->allgptr) {
		if (gs_rmem_read(m, src->allgptr, &a, sizeof(a), err) < 0)
			return -1;
	} else {
		/* allgadd appends to allgs before it publishes allglen. */
		if (gs_rmem_read(m, src->allgs, hdr, sizeof(hdr), err) < 0)
			return -1;
		if (len > hdr[1] || hdr[1] > hdr[2])
			return gs_errf(err, EPROTO, "allglen %" PRIu64 " does not fit allgs (len %"
				       PRIu64 ", cap %" PRIu64 ")", len, hdr[1], hdr[2]);
		a = hdr[0];
	}
	if (len == 0 || !a)
		return gs_errf(err, EPROTO, "no goroutines in allgs (allglen %" PRIu64 ")", len);
	if (len > GS_ALLG_MAX)
		return gs_errf(err, E2BIG, "allglen %" PRIu64 " is more goroutines than goscope reads"
			       " (%u)", len, GS_ALLG_MAX);
	if (a > UINT64_MAX - len * 8)
		return gs_errf(err, EPROTO, "allgs at %#" PRIx64 " wraps", a);
	*arr = a;
	*n = len;
	return 0;
}

int gs_allg_ptrs(const struct gs_rmem *m, uint64_t arr, uint64_t from, size_t n, uint64_t *out,
		 struct gs_err *err)
{
	if (from > GS_ALLG_MAX || n > GS_ALLG_MAX || arr > UINT64_MAX - (from + n) * 8)
		return gs_errf(err, EINVAL, "bad allgs range");
	if (gs_rmem_read(m, arr + from * 8, out, n * sizeof(*out), err) < 0)
		return -1;
	return 0;
}

static int scratch_fit(struct gs_gscratch *s, size_t n, uint32_t len, struct gs_err *err)
{
	size_t need;

	if (!n || !len || n > GS_ALLG_MAX || len > GS_G_REC_MAX) {
		gs_errf(err, EINVAL, "bad record read");
		return -1;
	}
	need = n * len;		/* at most 2^22 * 4096: no overflow */
	if (need == 0) {
		gs_errf(err, EINVAL, "bad record read");
		return -1;
	}
	if (need > s->cap || !s->buf) {
		uint8_t *p = realloc(s->buf, need);

		if (!p) {
			gs_errf(err, ENOMEM, "out of memory");
			return -1;
		}
		s->buf = p;
		s->cap = need;
	}
	if (n > s->rcap || !s->r) {
		struct gs_memrange *r = realloc(s->r, n * sizeof(*r));

		if (!r) {
			gs_errf(err, ENOMEM, "out of memory");
			return -1;
		}
		s->r = r;
		s->rcap = n;
	}
	return 0;
}

void gs_gscratch_free(struct gs_gscratch *s)
{
	free(s->buf);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

/* Records of len bytes at addrs[0..n) into s->buf, in one batch; ok[i]: read whole. */
static int read_records(const struct gs_rmem *m, const uint64_t *addrs, size_t n, uint32_t len,
			struct gs_gscratch *s, bool *ok, struct gs_err *err)
{
	if (!n)
		return 0;
	if (scratch_fit(s, n, len, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		/* A nil or wrapping pointer is never read. */
		bool bad = !addrs[i] || addrs[i] > UINT64_MAX - len;

		s->r[i] = (struct gs_memrange){ .addr = addrs[i], .len = bad ? 0 : len,
						.buf = s->buf + i * len };
	}
	if (m->batch(m->ctx, s->r, n) < 0)
		return mem_err(err, errno, addrs[0], "goroutine records");
	for (size_t i = 0; i < n; i++)
		ok[i] = s->r[i].len == len && s->r[i].got == len;
	return 0;
}

int gs_g_read_s(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *gps,
		size_t n, struct gs_g *out, bool *ok, struct gs_gscratch *s, struct gs_err *err)
{
	if (!n)
		return 0;
	if (!v->g_len)
		return gs_errf(err, EINVAL, "bad g read");
	if (read_records(m, gps, n, v->g_len, s, ok, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ok[i])
			gs_g_decode(v, gps[i], s->buf + i * v->g_len, &out[i]);
		else
			memset(&out[i], 0, sizeof(out[i]));
	}
	return 0;
}

int gs_m_read_s(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *ms,
		size_t n, struct gs_m *out, bool *ok, struct gs_gscratch *s, struct gs_err *err)
{
	if (!n)
		return 0;
	if (!v->m_len) {
		memset(ok, 0, n * sizeof(*ok));
		memset(out, 0, n * sizeof(*out));
		return 0;
	}
	if (read_records(m, ms, n, v->m_len, s, ok, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ok[i])
			gs_m_decode(v, ms[i], s->buf + i * v->m_len, &out[i]);
		else
			memset(&out[i], 0, sizeof(out[i]));
	}
	return 0;
}

int gs_g_read(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *gps, size_t n,
	      struct gs_g *out, bool *ok, struct gs_err *err)
{
	struct gs_gscratch s = { 0 };
	int rc = gs_g_read_s(m, v, gps, n, out, ok, &s, err);

	gs_gscratch_free(&s);
	return rc;
}

int gs_m_read(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *ms, size_t n,
	      struct gs_m *out, bool *ok, struct gs_err *err)
{
	struct gs_gscratch s = { 0 };
	int rc = gs_m_read_s(m, v, ms, n, out, ok, &s, err);

	gs_gscratch_free(&s);
	return rc;
}

/* ---- names ---- */

/* gStatusStrings, by value: 5 and 7 are unused slots the runtime prints as "". */
static const char *const status_names[] = {
	"idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack",
	"preempted", "leaked", "waiting for cgo callback",
};

const char *gs_gstatus_name(const struct gs_gview *v, uint32_t st)
{
	/* The table has 10 entries up to Go 1.25, 12 from 1.26 (_Gleaked, _Gdeadextra). */
	uint32_t n = v->minor >= 26 ? 12 : 10;

	return st < n ? status_names[st] : "???";
}
