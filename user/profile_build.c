// SPDX-License-Identifier: MIT
/*
 * From the counted stacks to one pprof profile per process.
 *
 * Each count key holds a stack from the frame-pointer walk (leaf first)
 * and, when that walk skipped the leaf's caller, the caller's return
 * address found by SP delta: it goes back in as the second frame. Every
 * address becomes a location, symbolized once per profile: the leaf's pc
 * as it is, return addresses through the call instruction before them
 * (their location address is ret - 1, as pprof expects of callers). A
 * location's lines are its inlined calls, innermost first.
 */
#include "profile_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapguard.h"
#include "pprof.h"
#include "profsym.h"

#define TOP_KEEP	25

/* One drained key, with its stack copied. */
struct entry {
	uint32_t slot;
	uint64_t count;
	uint64_t pc, caller;
	unsigned nips;
	uint64_t *ips;
};

struct drained {
	struct entry *e;
	size_t n, cap;
	bool oom;
};

static int on_key(void *ctx, const struct gs_cp_key *k, uint64_t count, const uint64_t *ips,
		  unsigned nips)
{
	struct drained *d = ctx;
	struct entry *e;

	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 256;
		struct entry *ne = realloc(d->e, ncap * sizeof(*ne));

		if (!ne) {
			d->oom = true;
			return -ENOMEM;
		}
		d->e = ne;
		d->cap = ncap;
	}
	e = &d->e[d->n];
	memset(e, 0, sizeof(*e));
	e->slot = k->slot;
	e->count = count;
	e->pc = k->pc;
	e->caller = k->caller;
	if (nips) {
		e->ips = malloc(nips * sizeof(*ips));
		if (!e->ips) {
			d->oom = true;
			return -ENOMEM;
		}
		memcpy(e->ips, ips, nips * sizeof(*ips));
		e->nips = nips;
	}
	d->n++;
	return 0;
}

/* A location's function IDs, innermost inlined call first. */
struct locinfo {
	unsigned n;
	bool top;		/* the stack's outermost frame: nothing above counts */
	bool wrapper;		/* only a compiler-generated wrapper */
	bool panics;		/* its outermost frame is a panic function */
	uint64_t fids[];
};

/* Per-function counts while a profile is built (function IDs are dense). */
struct fcount {
	uint64_t flat, cum;
	size_t last;		/* the sample that last added to cum, + 1 */
	char *name;
};

struct builder {
	struct gs_psession *s;
	struct gs_pproc *p;
	struct drained *d;
	struct gs_pprof *prof;
	uint64_t mapping, map_lo, map_hi;
	struct fcount *fc;
	size_t nfc;
	uint64_t *locs;		/* one stack's location IDs */
	size_t caplocs;
	struct locinfo **li;	/* per location ID: its functions, innermost first */
	size_t capli;
	uint64_t dropped_callers;
	bool oom;
	int rc;
};

static bool fc_room(struct builder *b, uint64_t fid)
{
	if (fid < b->nfc)
		return true;
	size_t n = b->nfc ? b->nfc : 256;

	while (n <= fid)
		n *= 2;
	struct fcount *nf = realloc(b->fc, n * sizeof(*nf));

	if (!nf)
		return false;
	memset(nf + b->nfc, 0, (n - b->nfc) * sizeof(*nf));
	b->fc = nf;
	b->nfc = n;
	return true;
}

static bool li_room(struct builder *b, uint64_t lid)
{
	if (lid < b->capli)
		return true;
	size_t n = b->capli ? b->capli : 256;

	while (n <= lid)
		n *= 2;
	struct locinfo **nl = realloc(b->li, n * sizeof(*nl));

	if (!nl)
		return false;
	memset(nl + b->capli, 0, (n - b->capli) * sizeof(*nl));
	b->li = nl;
	b->capli = n;
	return true;
}

static const struct locinfo *li_get(const struct builder *b, uint64_t lid)
{
	return lid < b->capli ? b->li[lid] : NULL;
}

/* The location of a run-time address; 0 on failure. */
static uint64_t location(struct builder *b, uint64_t addr, bool is_ret, bool *symbolized)
{
	struct gs_pframe fr[GS_PSYM_MAX_FRAMES];
	struct gs_pprof_line lines[GS_PSYM_MAX_FRAMES];
	uint64_t laddr = is_ret && addr ? addr - 1 : addr, mapping = 0, id;
	struct gs_pbin *bin = b->p->bin;
	int n = 0;

	*symbolized = false;

	if (addr >= b->map_lo && addr < b->map_hi)
		mapping = b->mapping;
	id = gs_pprof_find_location(b->prof, mapping, laddr);
	if (id) {
		*symbolized = li_get(b, id) != NULL;
		return id;
	}
	if (bin->sym && addr >= b->p->bias)
		n = gs_psym_frames(bin->sym, addr - b->p->bias, is_ret, fr, GS_PSYM_MAX_FRAMES);
	if (n < 0)
		n = 0;
	for (int i = 0; i < n; i++) {
		lines[i].function = gs_pprof_function(b->prof, fr[i].func, fr[i].file,
						      fr[i].start_line);
		lines[i].line = fr[i].line;
	}
	id = gs_pprof_location(b->prof, mapping, laddr, lines, (size_t)n);
	if (!id || !li_room(b, id))
		return 0;
	if (n) {
		struct locinfo *li = malloc(sizeof(*li) + (size_t)n * sizeof(uint64_t));

		if (!li)
			return 0;
		li->n = (unsigned)n;
		li->top = fr[n - 1].top;
		li->wrapper = n == 1 && fr[0].wrapper;
		li->panics = fr[n - 1].panics;
		for (int i = 0; i < n; i++)
			li->fids[i] = lines[i].function;
		b->li[id] = li;
	}
	for (int i = 0; i < n; i++) {
		if (!fc_room(b, lines[i].function))
			return 0;
		if (!b->fc[lines[i].function].name)
			b->fc[lines[i].function].name = strdup(fr[i].func);
	}
	*symbolized = n > 0;
	return id;
}

/* One sample's counts: flat for the leaf's innermost function, cum once per function. */
static void add_counts(struct builder *b, size_t sample, const uint64_t *locs, size_t n,
		       uint64_t count)
{
	for (size_t i = 0; i < n; i++) {
		const struct locinfo *li = li_get(b, locs[i]);

		for (unsigned k = 0; li && k < li->n; k++) {
			uint64_t fid = li->fids[k];

			if (!fc_room(b, fid))
				continue;
			if (i == 0 && k == 0)
				b->fc[fid].flat += count;
			if (b->fc[fid].last != sample + 1) {
				b->fc[fid].cum += count;
				b->fc[fid].last = sample + 1;
			}
		}
	}
}

static int cmp_top(const void *a, const void *b)
{
	const struct gs_top *x = a, *y = b;

	if (x->flat != y->flat)
		return x->flat < y->flat ? 1 : -1;
	if (x->cum != y->cum)
		return x->cum < y->cum ? 1 : -1;
	return strcmp(x->func, y->func);
}

/* The process's functions by flat count (unsymbolized leaves under "0x..."). */
static void make_top(struct builder *b, uint64_t unsym_flat)
{
	struct gs_pproc *p = b->p;
	size_t n = 0;

	for (size_t i = 0; i < b->nfc; i++)
		n += b->fc[i].name && (b->fc[i].flat || b->fc[i].cum);
	p->top = calloc(n + 1, sizeof(*p->top));
	if (!p->top)
		return;
	for (size_t i = 0; i < b->nfc; i++) {
		if (!b->fc[i].name || !(b->fc[i].flat || b->fc[i].cum))
			continue;
		p->top[p->ntop].func = b->fc[i].name;
		b->fc[i].name = NULL;
		p->top[p->ntop].flat = b->fc[i].flat;
		p->top[p->ntop].cum = b->fc[i].cum;
		p->ntop++;
	}
	if (unsym_flat) {
		char *name = strdup("(no symbol)");

		if (name) {
			p->top[p->ntop].func = name;
			p->top[p->ntop].flat = unsym_flat;
			p->top[p->ntop].cum = unsym_flat;
			p->ntop++;
		}
	}
	qsort(p->top, p->ntop, sizeof(*p->top), cmp_top);
	if (p->ntop > TOP_KEEP) {
		for (size_t i = TOP_KEEP; i < p->ntop; i++)
			free((char *)p->top[i].func);
		p->ntop = TOP_KEEP;
	}
}

/* Inside the SIGBUS guard: the whole profile of b->p. */
static int build_one(void *arg)
{
	struct builder *b = arg;
	struct gs_pproc *p = b->p;
	struct gs_pbin *bin = p->bin;
	struct gs_pprof_mapping m;
	uint64_t unsym_flat = 0;
	size_t sample = 0;
	char comment[256];

	memset(&m, 0, sizeof(m));
	b->map_lo = bin->exec_vaddr + p->bias;
	b->map_hi = b->map_lo + bin->exec_memsz;
	m.start = b->map_lo;
	m.limit = b->map_hi;
	m.offset = bin->exec_off;
	m.file = bin->path;
	m.build_id = bin->cls->buildid[0] ? bin->cls->buildid : NULL;
	m.has_functions = m.has_filenames = m.has_lines = m.has_inline = bin->sym != NULL;
	b->mapping = gs_pprof_mapping(b->prof, &m);

	for (size_t i = 0; i < b->d->n; i++) {
		const struct entry *e = &b->d->e[i];
		size_t n = 0, need = e->nips + 2;
		bool sym;

		if (e->slot != p->slot)
			continue;
		if (need > b->caplocs) {
			uint64_t *nl = realloc(b->locs, need * sizeof(*nl));

			if (!nl) {
				b->oom = true;
				return -1;
			}
			b->locs = nl;
			b->caplocs = need;
		}
		b->locs[n++] = location(b, e->nips ? e->ips[0] : e->pc, false, &sym);
		if (!sym)
			unsym_flat += e->count;
		if (e->caller) {
			uint64_t id = location(b, e->caller, true, &sym);

			/* Only a Go function is a caller the SP table could know. */
			if (sym)
				b->locs[n++] = id;
			else
				b->dropped_callers += e->count;
		}
		/* Above goexit or mstart the chain runs into whatever the stack holds. */
		for (unsigned k = 1; k < e->nips; k++) {
			const struct locinfo *callee = li_get(b, b->locs[n - 1]), *li;
			uint64_t id;

			if (callee && callee->top)
				break;
			id = location(b, e->ips[k], true, &sym);
			/* Wrappers are hidden, as Go's own tracebacks and profiles hide
			 * them, unless they called a panic function. */
			li = li_get(b, id);
			if (id && li && li->wrapper && !(callee && callee->panics))
				continue;
			b->locs[n++] = id;
		}
		for (size_t k = 0; k < n; k++)
			if (!b->locs[k]) {
				b->oom = true;
				return -1;
			}
		gs_pprof_sample(b->prof, b->locs, n, (int64_t)e->count);
		add_counts(b, sample++, b->locs, n, e->count);
		p->samples += e->count;
	}
	snprintf(comment, sizeof(comment),
		 "goscope: agentless CPU profile of PID %d (%s), %u CPUs sampled every 10ms",
		 p->pid, p->name, b->s->ncpus);
	gs_pprof_comment(b->prof, comment);
	make_top(b, unsym_flat);
	return 0;
}

int gs_pbuild(struct gs_psession *s, struct gs_err *err)
{
	struct drained d = { 0 };
	int rc = 0;

	if (gs_cpuprof_drain(s->bpf, on_key, &d, err) != 0 || d.oom) {
		rc = gs_errf(err, ENOMEM, "out of memory reading the counted stacks");
		goto out;
	}
	s->keys = d.n;
	for (size_t i = 0; i < d.n; i++)
		if (d.e[i].slot >= s->nprocs)
			s->unattributed += d.e[i].count;
	for (size_t i = 0; i < s->nprocs; i++) {
		struct builder b;

		memset(&b, 0, sizeof(b));
		b.s = s;
		b.p = s->procs[i];
		b.d = &d;
		b.prof = gs_pprof_new_cpu(GS_PPROF_CPU_PERIOD_NS);
		if (!b.prof) {
			rc = gs_errf(err, ENOMEM, "out of memory");
			goto out;
		}
		gs_pprof_set_time(b.prof, s->t0_real_ns, s->t1_ns - s->t0_ns);
		if (gs_map_guarded(build_one, &b) < 0 && !b.oom) {
			rc = gs_errf(err, EIO, "%s: the file changed while it was read",
				     b.p->bin->path);
		} else if (b.oom) {
			rc = gs_errf(err, ENOMEM, "out of memory building the profile");
		}
		for (size_t k = 0; k < b.nfc; k++)
			free(b.fc[k].name);
		free(b.fc);
		free(b.locs);
		for (size_t k = 0; k < b.capli; k++)
			free(b.li[k]);
		free(b.li);
		if (rc) {
			gs_pprof_free(b.prof);
			goto out;
		}
		b.p->prof = b.prof;
	}
out:
	for (size_t i = 0; i < d.n; i++)
		free(d.e[i].ips);
	free(d.e);
	return rc;
}
