/* SPDX-License-Identifier: MIT */
/* The runtime's globals: .symtab, else rules over decoded code (rtglobals.h). */
#include "rtglobals.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm64scan.h"
#include "coderef.h"
#include "pclntab_int.h"	/* gs_pcln_ftab: one pass over the table for every name */
#include "x86scan.h"

#define MAX_FNS 32		/* functions decoded per binary */
#define MAX_CANDS 64		/* candidate addresses a rule weighs */

static const char *const names[GS_RTG_COUNT] = {
	"runtime.allglen", "runtime.allgptr", "runtime.allgs", "runtime.allp", "runtime.sched",
	"runtime.memstats", "runtime.gcController", "runtime.mheap_", "runtime.ncpu",
	"runtime.gomaxprocs",
};

const char *gs_rtg_name(enum gs_rtg g)
{
	return (unsigned)g < GS_RTG_COUNT ? names[g] : "?";
}

const char *gs_rtg_src_name(enum gs_rtg_src s)
{
	switch (s) {
	case GS_RTG_SRC_SYMTAB: return "symtab";
	case GS_RTG_SRC_CODE: return "code";
	default: return "none";
	}
}

/* ---- decoded functions ---- */

struct fn {
	const char *name;
	bool present;		/* in pclntab and decoded */
	uint64_t entry;
	struct gs_cref *r;	/* calls and absolute references, in order */
	unsigned n;
	struct gs_cref *rel;	/* references through other registers (field offsets) */
	unsigned nrel;
	char why[80];		/* !present */
};

/*
 * Every function a rule decodes or matches a call against. A lookup by
 * name scans pclntab's whole name table (milliseconds in a big binary), so
 * all of them are resolved in one pass instead.
 */
static const char *const wanted[] = {
	"runtime.(*gcControllerState).endCycle", "runtime.(*gcControllerState).init",
	"runtime.(*gcControllerState).startCycle", "runtime.(*mcentral).grow",
	"runtime.(*mheap).alloc", "runtime.(*mheap).allocManual", "runtime.(*mheap).init",
	"runtime.allgadd", "runtime.checkdead", "runtime.checkmcount", "runtime.forEachG",
	"runtime.forEachGRace", "runtime.gcMarkDone", "runtime.gcMarkRootPrepare",
	"runtime.gcMarkTermination", "runtime.gcMarkTinyAllocs", "runtime.gcPrepareMarkRoots",
	"runtime.gcResetMarkState", "runtime.gcStart", "runtime.gcTrigger.test",
	"runtime.gcenable", "runtime.gcinit", "runtime.gcount", "runtime.getCPUCount",
	"runtime.getproccount", "runtime.gfget", "runtime.gfput", "runtime.mallocinit",
	"runtime.newproc1", "runtime.oneNewExtraM", "runtime.osinit", "runtime.procresize",
	"runtime.readmemstats_m", "runtime.retake", "runtime.schedinit",
	"runtime.stackpoolalloc", "runtime.stopTheWorldWithSema", "runtime.timeSleepUntil",
};
#define NWANTED (sizeof(wanted) / sizeof(wanted[0]))

struct ctx {
	const struct gs_elf *e;
	const struct gs_pclntab *t;
	const struct gs_rt_offsets *o;
	struct fn fn[MAX_FNS];
	unsigned nfn;
	struct gs_cref *scratch;	/* GS_CREF_MAX entries */
	bool resolved;
	struct gs_func at[NWANTED];	/* entry 0: not in pclntab */
};

static int cmp_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/*
 * Resolve every wanted name in one pass, as gs_pcln_lookup would: the
 * entry (plus the text base from Go 1.18), the size up to the next
 * function, and of an ABI0 wrapper and its body (same name) the larger.
 */
static void resolve(struct ctx *c)
{
	const struct gs_pclntab *t = c->t;

	c->resolved = true;
	if (!t || !t->data || t->ver == GS_PCLN_NONE || (t->ver >= GS_PCLN_118 && !t->text_known))
		return;
	for (uint64_t i = 0; i < t->nfunc && i < GS_PCLN_MAX_NFUNC; i++) {
		const char *name = gs_pcln_name(t, i), *const *w;
		uint64_t entry, next, size;
		struct gs_func *f;

		if (!name || strncmp(name, "runtime.", 8) != 0)
			continue;
		w = bsearch(name, wanted, NWANTED, sizeof(wanted[0]), cmp_name);
		if (!w || !gs_pcln_ftab(t, i, &entry, NULL) || !gs_pcln_ftab(t, i + 1, &next, NULL))
			continue;
		size = next >= entry ? next - entry : 0;
		if (t->ver >= GS_PCLN_118) {
			if (!gs_fits(t->text, entry, UINT64_MAX))
				continue;
			entry += t->text;
		}
		f = &c->at[w - wanted];
		if (!f->entry || size > f->size) {
			f->entry = entry;
			f->size = size;
		}
		f->candidates++;
	}
}

/* A wanted function's entry and size; -1 when pclntab lacks it. */
static int lookup(struct ctx *c, const char *name, struct gs_func *out)
{
	const char *const *w = bsearch(name, wanted, NWANTED, sizeof(wanted[0]), cmp_name);

	if (!c->resolved)
		resolve(c);
	if (!w || !c->at[w - wanted].entry)
		return -1;
	*out = c->at[w - wanted];
	return 0;
}

static const struct fn *fn_get(struct ctx *c, const char *name)
{
	static const struct fn none = { .why = "too many functions" };
	struct gs_func f;
	struct gs_err err;
	const uint8_t *code;
	struct fn *p;
	size_t len;
	int n;

	for (unsigned k = 0; k < c->nfn; k++)
		if (strcmp(c->fn[k].name, name) == 0)
			return &c->fn[k];
	if (c->nfn >= MAX_FNS)
		return &none;
	p = &c->fn[c->nfn++];
	*p = (struct fn){ .name = name };	/* a fresh slot: nothing to free */
	if (!c->t || lookup(c, name, &f) < 0) {
		snprintf(p->why, sizeof(p->why), "%s not in pclntab", name);
		return p;
	}
	p->entry = f.entry;
	len = f.size < GS_CREF_MAX_CODE ? (size_t)f.size : GS_CREF_MAX_CODE;
	code = len ? gs_elf_vaddr(c->e, f.entry, len) : NULL;
	if (!code) {
		snprintf(p->why, sizeof(p->why), "%s: code outside the file", name);
		return p;
	}
	if (!c->scratch)
		c->scratch = calloc(GS_CREF_MAX, sizeof(*c->scratch));
	if (!c->scratch) {
		snprintf(p->why, sizeof(p->why), "out of memory");
		return p;
	}
	if (c->e->machine == EM_X86_64)
		n = gs_x86_refs(code, len, f.entry, c->scratch, GS_CREF_MAX, &err);
	else if (c->e->machine == EM_AARCH64)
		n = gs_arm64_refs(code, len, f.entry, c->scratch, GS_CREF_MAX, &err);
	else
		n = gs_errf(&err, ENOTSUP, "no decoder for this machine");
	if (n < 0) {
		snprintf(p->why, sizeof(p->why), "%s: %.60s", name, err.msg);
		return p;
	}
	p->r = calloc(n ? (size_t)n : 1, sizeof(*p->r));
	p->rel = calloc(n ? (size_t)n : 1, sizeof(*p->rel));
	if (!p->r || !p->rel) {
		snprintf(p->why, sizeof(p->why), "out of memory");
		return p;
	}
	for (int k = 0; k < n; k++) {
		if (c->scratch[k].rel)
			p->rel[p->nrel++] = c->scratch[k];
		else
			p->r[p->n++] = c->scratch[k];
	}
	p->present = true;
	return p;
}

static void ctx_free(struct ctx *c)
{
	for (unsigned k = 0; k < c->nfn; k++) {
		free(c->fn[k].r);
		free(c->fn[k].rel);
	}
	free(c->scratch);
}

/* The entry of a function (0 when pclntab lacks it), for matching calls. */
static uint64_t entry_of(struct ctx *c, const char *name)
{
	struct gs_func f;

	return c->t && lookup(c, name, &f) == 0 ? f.entry : 0;
}

/* ---- what a function does with an address ---- */

static bool in_data(const struct gs_elf *e, uint64_t addr, uint64_t len)
{
	for (unsigned k = 0; k < e->nphdr; k++) {
		const struct gs_phdr *ph = &e->ph[k];

		if (ph->type == PT_LOAD && (ph->flags & PF_W) && addr >= ph->vaddr &&
		    gs_fits(addr - ph->vaddr, len ? len : 1, ph->memsz))
			return true;
	}
	return false;
}

static bool is_data(const struct gs_cref *r)
{
	return r->kind != GS_CREF_CALL;
}

static bool touches(const struct fn *f, uint64_t a)
{
	for (unsigned k = 0; k < f->n; k++)
		if (is_data(&f->r[k]) && f->r[k].addr == a)
			return true;
	return false;
}

static bool loads(const struct fn *f, uint64_t a, unsigned size)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if ((r->kind == GS_CREF_LOAD || r->kind == GS_CREF_RMW) && r->addr == a &&
		    !r->indexed && (!size || r->size == size))
			return true;
	}
	return false;
}

/* A plain read (not the read half of an xchg or atomic add). */
static bool reads_only(const struct fn *f, uint64_t a, unsigned size)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind == GS_CREF_LOAD && r->addr == a && !r->indexed &&
		    (!size || r->size == size))
			return true;
	}
	return false;
}

static bool stores(const struct fn *f, uint64_t a, unsigned size)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if ((r->kind == GS_CREF_STORE || r->kind == GS_CREF_RMW) && r->addr == a &&
		    !r->indexed && (!size || r->size == size))
			return true;
	}
	return false;
}

/* Distinct data addresses of f's plain (not indexed) size-byte accesses. */
static unsigned accessed(const struct ctx *c, const struct fn *f, unsigned size, uint64_t *out,
			 unsigned max)
{
	unsigned n = 0;

	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];
		bool dup = false;

		if (r->kind == GS_CREF_CALL || r->kind == GS_CREF_ADDR || r->indexed ||
		    r->size != size || !in_data(c->e, r->addr, size))
			continue;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = out[j] == r->addr;
		if (!dup && n < max)
			out[n++] = r->addr;
	}
	return n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool has(const uint64_t *v, unsigned n, uint64_t a)
{
	for (unsigned k = 0; k < n; k++)
		if (v[k] == a)
			return true;
	return false;
}

/* ---- results ---- */

static void found(struct gs_rtg_addr *g, uint64_t addr, uint64_t size, bool confirmed,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void found(struct gs_rtg_addr *g, uint64_t addr, uint64_t size, bool confirmed,
		  const char *fmt, ...)
{
	va_list ap;

	g->src = GS_RTG_SRC_CODE;
	g->addr = addr;
	g->size = size;
	g->confirmed = confirmed;
	va_start(ap, fmt);
	vsnprintf(g->how, sizeof(g->how), fmt, ap);
	va_end(ap);
}

static void unknown(struct gs_rtg_addr *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void unknown(struct gs_rtg_addr *g, const char *fmt, ...)
{
	va_list ap;

	memset(g, 0, sizeof(*g));
	va_start(ap, fmt);
	vsnprintf(g->how, sizeof(g->how), fmt, ap);
	va_end(ap);
}

/* Short name for messages: "allgadd" for "runtime.allgadd". */
static const char *shortname(const char *name)
{
	return strncmp(name, "runtime.", 8) == 0 ? name + 8 : name;
}

/* ---- allgs, allglen, allgptr: runtime.allgadd ---- */

/*
 * allgadd appends to allgs under allglock, then publishes the new length
 * (and, since Go 1.17, the new &allgs[0] in allgptr) for lock-free
 * readers:
 *	allgs = append(allgs, gp)		8-byte loads and stores of allgs' ptr, len, cap
 *	if &allgs[0] != allgptr { atomicstorep(&allgptr, &allgs[0]) }	loaded and stored
 *	atomic.Storeuintptr(&allglen, uintptr(len(allgs)))	stored, never loaded
 * allgs is the one base with 8-byte accesses at +0, +8 and +16; allglen
 * the one other 8-byte word stored and not loaded; allgptr the one loaded
 * and stored (none before Go 1.17).
 */
static void rule_allg(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const len_readers[] = {
		"runtime.forEachGRace", "runtime.gcMarkRootPrepare", "runtime.gcPrepareMarkRoots",
		"runtime.gcount",
	};
	static const char *const slice_readers[] = {
		"runtime.forEachG", "runtime.gcMarkRootPrepare", "runtime.gcPrepareMarkRoots",
		"runtime.checkdead", "runtime.gcResetMarkState",
	};
	struct gs_rtg_addr *gs = &out->g[GS_RTG_ALLGS], *gl = &out->g[GS_RTG_ALLGLEN],
			   *gp = &out->g[GS_RTG_ALLGPTR];
	const struct fn *f = fn_get(c, "runtime.allgadd");
	uint64_t w[MAX_CANDS], base = 0, len = 0, ptr = 0;
	unsigned nw, ntriple = 0, nlen = 0, nptr = 0;
	const char *lconf = NULL, *sconf = NULL;

	if (!f->present) {
		unknown(gs, "%s", f->why);
		unknown(gl, "%s", f->why);
		unknown(gp, "%s", f->why);
		return;
	}
	nw = accessed(c, f, 8, w, MAX_CANDS);
	for (unsigned k = 0; k < nw; k++)
		if (has(w, nw, w[k] + 8) && has(w, nw, w[k] + 16) && !has(w, nw, w[k] - 8)) {
			base = w[k];
			ntriple++;
		}
	if (ntriple != 1) {
		const char *why = ntriple ? "several slices" : "no slice";

		unknown(gs, "allgadd: %s updated", why);
		unknown(gl, "allgadd: %s updated", why);
		unknown(gp, "allgadd: %s updated", why);
		return;
	}
	for (unsigned k = 0; k < nw; k++) {
		uint64_t a = w[k];

		if (a >= base && a < base + 24)
			continue;
		if (stores(f, a, 8) && !reads_only(f, a, 8)) {
			len = a;
			nlen++;
		} else if (stores(f, a, 8) && reads_only(f, a, 8)) {
			ptr = a;
			nptr++;
		}
	}
	for (unsigned k = 0; k < sizeof(slice_readers) / sizeof(slice_readers[0]) && !sconf; k++) {
		const struct fn *g = fn_get(c, slice_readers[k]);

		if (g->present && loads(g, base, 8) && loads(g, base + 8, 8))
			sconf = g->name;
	}
	if (sconf)
		found(gs, base, 24, true, "allgadd, %s", shortname(sconf));
	else
		found(gs, base, 24, false, "allgadd");
	if (nlen != 1) {
		unknown(gl, "allgadd: %s", nlen ? "several words published" : "no length published");
	} else {
		for (unsigned k = 0; k < sizeof(len_readers) / sizeof(len_readers[0]) && !lconf; k++) {
			const struct fn *g = fn_get(c, len_readers[k]);

			if (g->present && loads(g, len, 8))
				lconf = g->name;
		}
		if (lconf)
			found(gl, len, 8, true, "allgadd, %s", shortname(lconf));
		else
			found(gl, len, 8, false, "allgadd");
	}
	if (nptr > 1) {
		unknown(gp, "allgadd: several pointers published");
	} else if (nptr == 0) {
		unknown(gp, "allgadd publishes no allgptr (before Go 1.17)");
	} else {
		const struct fn *g = fn_get(c, "runtime.forEachGRace");

		if (g->present && loads(g, ptr, 8))
			found(gp, ptr, 8, true, "allgadd, forEachGRace");
		else
			found(gp, ptr, 8, false, "allgadd");
	}
}

/* ---- allp: the slice every P loop ranges over ---- */

/*
 * `for _, pp := range allp` loads allp's pointer and length (8-byte loads
 * at +0 and +8). timeSleepUntil (run by sysmon in every program) does
 * little else; allp is the pair it shares with another P loop.
 */
static void rule_allp(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const others[] = {
		"runtime.retake", "runtime.stopTheWorldWithSema", "runtime.checkdead",
		"runtime.gcMarkTinyAllocs",
	};
	struct gs_rtg_addr *g = &out->g[GS_RTG_ALLP];
	const struct fn *f = fn_get(c, "runtime.timeSleepUntil");
	uint64_t w[MAX_CANDS], best = 0;
	unsigned nw, best_n = 0, nbest = 0;
	const char *by = NULL;

	if (!f->present) {
		unknown(g, "%s", f->why);
		return;
	}
	nw = accessed(c, f, 8, w, MAX_CANDS);
	for (unsigned k = 0; k < nw; k++) {
		unsigned agree = 0;
		const char *first = NULL;

		if (!loads(f, w[k], 8) || !loads(f, w[k] + 8, 8))
			continue;
		for (unsigned j = 0; j < sizeof(others) / sizeof(others[0]); j++) {
			const struct fn *o = fn_get(c, others[j]);

			if (o->present && loads(o, w[k], 8) && loads(o, w[k] + 8, 8)) {
				agree++;
				if (!first)
					first = o->name;
			}
		}
		if (agree > best_n) {
			best_n = agree;
			best = w[k];
			nbest = 1;
			by = first;
		} else if (agree == best_n && agree) {
			nbest++;
		}
	}
	if (!best_n)
		unknown(g, "timeSleepUntil: no slice shared with another P loop");
	else if (nbest != 1)
		unknown(g, "timeSleepUntil: several slices shared with P loops");
	else
		found(g, best, 24, true, "timeSleepUntil, %s", shortname(by));
}

/* ---- struct globals: the base at which a function's fields fall ---- */

struct fieldset {
	const char *fn;
	enum gs_rt_field f[8];
	unsigned nf;
	unsigned need;		/* fields that must fall on the base */
};

static bool off_of(const struct ctx *c, enum gs_rt_field f, uint64_t *off, unsigned *size)
{
	if (!c->o || !c->o->f[f].known)
		return false;
	*off = c->o->f[f].off;
	*size = c->o->f[f].size;
	return true;
}

/*
 * Does f touch a field of this size at a? A scalar (1, 2, 4 or 8 bytes)
 * must be loaded or stored with its own size -- struct fields lie next to
 * each other, so an address alone says little; an array or struct (or a
 * field of unknown size) may be touched in any way, its address included.
 */
static bool touches_field(const struct fn *f, uint64_t a, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return touches(f, a);
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind != GS_CREF_CALL && r->kind != GS_CREF_ADDR && r->addr == a &&
		    r->size == size && !r->indexed)
			return true;
	}
	return false;
}

/*
 * The one base b at which fs->f[0] and at least fs->need of fs->f (f[0]
 * included) are touched in fs->fn (b + offset of each field). 1: found
 * (*base), 0: none, -1: several (why).
 */
static int base_by_fields(struct ctx *c, const struct fieldset *fs, uint64_t struct_size,
			  uint64_t *base, char *why, size_t whysz)
{
	const struct fn *f = fn_get(c, fs->fn);
	uint64_t offs[8], best = 0, prev = 0;
	unsigned sizes[8], nknown = 0, best_n = 0, nbest = 0;
	bool known[8] = { false }, first = true;
	uint64_t *cand;
	unsigned ncand = 0;

	if (!f->present) {
		snprintf(why, whysz, "%s", f->why);
		return 0;
	}
	for (unsigned k = 0; k < fs->nf && k < 8; k++) {
		known[k] = off_of(c, fs->f[k], &offs[k], &sizes[k]);
		nknown += known[k];
	}
	if (!known[0] || nknown < fs->need) {
		snprintf(why, whysz, "%s: the layout lacks the offsets of its fields", shortname(fs->fn));
		return 0;
	}
	cand = malloc((f->n ? f->n : 1) * sizeof(*cand));
	if (!cand) {
		snprintf(why, whysz, "out of memory");
		return 0;
	}
	/* Every base the anchor field allows, once each. */
	for (unsigned r = 0; r < f->n; r++) {
		const struct gs_cref *x = &f->r[r];

		if (is_data(x) && x->addr >= offs[0] && in_data(c->e, x->addr, 1))
			cand[ncand++] = x->addr - offs[0];
	}
	qsort(cand, ncand, sizeof(*cand), cmp_u64);
	for (unsigned k = 0; k < ncand; k++) {
		unsigned hits = 0;

		if (!first && cand[k] == prev)
			continue;
		first = false;
		prev = cand[k];
		if (struct_size && !in_data(c->e, cand[k], struct_size))
			continue;
		for (unsigned j = 0; j < fs->nf && j < 8; j++)
			hits += known[j] && touches_field(f, cand[k] + offs[j], sizes[j]);
		if (hits < fs->need)
			continue;
		if (hits > best_n) {
			best_n = hits;
			best = cand[k];
			nbest = 1;
		} else if (hits == best_n) {
			nbest++;
		}
	}
	free(cand);
	if (!best_n) {
		snprintf(why, whysz, "%s: no base where %u of its fields fall", shortname(fs->fn),
			 fs->need);
		return 0;
	}
	if (nbest != 1) {
		snprintf(why, whysz, "%s: several bases fit its fields", shortname(fs->fn));
		return -1;
	}
	*base = best;
	return 1;
}

/*
 * A struct global from its discovery rule (disc) and confirming rules
 * (conf: any one agreeing confirms it; one that finds another base is a
 * contradiction).
 */
static void struct_global(struct ctx *c, struct gs_rtg_addr *g, enum gs_rt_field sizeof_f,
			  const struct fieldset *disc, unsigned ndisc, const struct fieldset *conf,
			  unsigned nconf)
{
	uint64_t size = 0, base = 0, b2;
	char why[GS_RTG_WHY] = "", w2[GS_RTG_WHY];
	const char *by = NULL, *from = NULL;
	int rc = 0;

	if (c->o && sizeof_f < GS_RT_NFIELDS && c->o->f[sizeof_f].known)
		size = c->o->f[sizeof_f].size;
	for (unsigned k = 0; k < ndisc && rc != 1; k++) {
		rc = base_by_fields(c, &disc[k], size, &base, w2, sizeof(w2));
		if (rc == 1)
			from = disc[k].fn;
		else if (!why[0] || rc < 0)
			snprintf(why, sizeof(why), "%s", w2);
	}
	if (rc != 1) {
		unknown(g, "%s", why);
		return;
	}
	for (unsigned k = 0; k < nconf && !by; k++) {
		if (strcmp(conf[k].fn, from) == 0)
			continue;
		if (base_by_fields(c, &conf[k], size, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			unknown(g, "%s and %s disagree", shortname(from), shortname(conf[k].fn));
			return;
		}
		by = conf[k].fn;
	}
	if (by)
		found(g, base, size, true, "%s, %s", shortname(from), shortname(by));
	else
		found(g, base, size, false, "%s", shortname(from));
}

static void rule_sched(struct ctx *c, struct gs_rt_globals *out)
{
	/* checkmcount: count := mcount() - ...; mcount is sched.mnext - sched.nmfreed. */
	static const struct fieldset disc[] = {
		{ "runtime.checkmcount", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED }, 2, 2 },
		{ "runtime.checkdead", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED, GS_RT_SCHED_NMIDLE,
					 GS_RT_SCHED_NMSYS }, 4, 3 },
	};
	/* checkdead: run := mcount() - sched.nmidle - sched.nmidlelocked - sched.nmsys */
	static const struct fieldset conf[] = {
		{ "runtime.checkdead", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED, GS_RT_SCHED_NMIDLE,
					 GS_RT_SCHED_NMSYS }, 4, 3 },
		{ "runtime.checkmcount", { GS_RT_SCHED_MNEXT, GS_RT_SCHED_NMFREED }, 2, 2 },
	};

	struct_global(c, &out->g[GS_RTG_SCHED], GS_RT_SIZEOF_SCHEDT, disc, 2, conf, 2);
}

static void rule_memstats(struct ctx *c, struct gs_rt_globals *out)
{
	/*
	 * gcMarkTermination records the cycle: last_gc_unix, pause_ns[numgc%256],
	 * pause_end[numgc%256], pause_total_ns, numgc++.
	 */
	static const struct fieldset disc[] = {
		{ "runtime.gcMarkTermination",
		  { GS_RT_MSTATS_NUMGC, GS_RT_MSTATS_PAUSE_NS, GS_RT_MSTATS_PAUSE_END,
		    GS_RT_MSTATS_PAUSE_TOTAL_NS, GS_RT_MSTATS_LAST_GC_UNIX }, 5, 4 },
	};
	/* readmemstats_m copies them out; gcenable sets enablegc. */
	static const struct fieldset conf[] = {
		{ "runtime.readmemstats_m",
		  { GS_RT_MSTATS_NUMGC, GS_RT_MSTATS_PAUSE_TOTAL_NS, GS_RT_MSTATS_LAST_GC_UNIX,
		    GS_RT_MSTATS_NUMFORCEDGC }, 4, 3 },
		{ "runtime.gcenable", { GS_RT_MSTATS_ENABLEGC }, 1, 1 },
		{ "runtime.gcTrigger.test", { GS_RT_MSTATS_ENABLEGC }, 1, 1 },
	};

	struct_global(c, &out->g[GS_RTG_MEMSTATS], GS_RT_SIZEOF_MSTATS, disc, 1, conf, 3);
}

/*
 * The address passed to method callee by function fn: the last data
 * address computed (ADDR) before a call to callee, with no call between
 * (Go evaluates a method's other arguments first when they are calls;
 * plain ones may come after, and then two rules disagree). Every call must
 * pass the same one. 1 found, 0 not, -1 contradictory.
 */
static int receiver_of(struct ctx *c, const char *fn, const char *callee, uint64_t *addr,
		       char *why, size_t whysz)
{
	const struct fn *f = fn_get(c, fn);
	uint64_t to = entry_of(c, callee), got = 0;
	unsigned ncalls = 0;

	if (!f->present) {
		snprintf(why, whysz, "%s", f->why);
		return 0;
	}
	if (!to) {
		snprintf(why, whysz, "%s not in pclntab", callee);
		return 0;
	}
	for (unsigned k = 0; k < f->n; k++) {
		uint64_t a = 0;

		if (f->r[k].kind != GS_CREF_CALL || f->r[k].addr != to)
			continue;
		for (unsigned j = k; j-- > 0 && f->r[j].kind != GS_CREF_CALL && !a;)
			if (f->r[j].kind == GS_CREF_ADDR && in_data(c->e, f->r[j].addr, 8))
				a = f->r[j].addr;
		if (!a) {
			snprintf(why, whysz, "%s: no address passed to %s", shortname(fn),
				 shortname(callee));
			return 0;
		}
		if (ncalls++ && a != got) {
			snprintf(why, whysz, "%s: calls %s on several addresses", shortname(fn),
				 shortname(callee));
			return -1;
		}
		got = a;
	}
	if (!ncalls) {
		snprintf(why, whysz, "%s does not call %s", shortname(fn), shortname(callee));
		return 0;
	}
	*addr = got;
	return 1;
}

/* A struct global passed as the receiver of its methods: two calls that agree. */
struct recv_rule {
	const char *fn, *callee;
};

static void receiver_global(struct ctx *c, struct gs_rtg_addr *g, enum gs_rt_field sizeof_f,
			    const struct recv_rule *r, unsigned nr, const struct fieldset *fconf,
			    unsigned nfconf)
{
	uint64_t size = 0, base = 0, b2;
	char why[GS_RTG_WHY] = "", w2[GS_RTG_WHY];
	const struct recv_rule *from = NULL;
	const char *by = NULL;

	if (c->o && sizeof_f < GS_RT_NFIELDS && c->o->f[sizeof_f].known)
		size = c->o->f[sizeof_f].size;
	for (unsigned k = 0; k < nr && !from; k++) {
		int rc = receiver_of(c, r[k].fn, r[k].callee, &base, w2, sizeof(w2));

		if (rc == 1 && (!size || in_data(c->e, base, size)))
			from = &r[k];
		else if (!why[0] || rc < 0)
			snprintf(why, sizeof(why), "%s", w2);
	}
	if (!from) {
		unknown(g, "%s", why);
		return;
	}
	for (unsigned k = 0; k < nr && !by; k++) {
		if (&r[k] == from || receiver_of(c, r[k].fn, r[k].callee, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			unknown(g, "%s and %s disagree", shortname(from->fn), shortname(r[k].fn));
			return;
		}
		by = r[k].fn;
	}
	for (unsigned k = 0; k < nfconf && !by; k++) {
		if (base_by_fields(c, &fconf[k], size, &b2, w2, sizeof(w2)) != 1)
			continue;
		if (b2 != base) {
			unknown(g, "%s and %s disagree", shortname(from->fn), shortname(fconf[k].fn));
			return;
		}
		by = fconf[k].fn;
	}
	if (by && strcmp(by, from->fn) != 0)
		found(g, base, size, true, "%s, %s", shortname(from->fn), shortname(by));
	else if (by)
		found(g, base, size, true, "%s", shortname(from->fn));
	else
		found(g, base, size, false, "%s", shortname(from->fn));
}

static void rule_gccontroller(struct ctx *c, struct gs_rt_globals *out)
{
	/* gcStart: gcController.startCycle(...); gcinit: gcController.init(...) */
	static const struct recv_rule r[] = {
		{ "runtime.gcStart", "runtime.(*gcControllerState).startCycle" },
		{ "runtime.gcinit", "runtime.(*gcControllerState).init" },
		{ "runtime.gcMarkTermination", "runtime.(*gcControllerState).endCycle" },
		{ "runtime.gcMarkDone", "runtime.(*gcControllerState).endCycle" },
	};
	/* gcStart: work.heap0 = gcController.heapLive.Load() (Go 1.18+) */
	static const struct fieldset f[] = {
		{ "runtime.gcStart", { GS_RT_GCC_HEAPLIVE }, 1, 1 },
	};

	receiver_global(c, &out->g[GS_RTG_GCCONTROLLER], GS_RT_SIZEOF_GCCONTROLLER, r, 4, f, 1);
}

static void rule_mheap(struct ctx *c, struct gs_rt_globals *out)
{
	/* mallocinit: mheap_.init(); mcentral.grow: mheap_.alloc(...); stackpoolalloc:
	 * mheap_.allocManual(...) */
	static const struct recv_rule r[] = {
		{ "runtime.mallocinit", "runtime.(*mheap).init" },
		{ "runtime.(*mcentral).grow", "runtime.(*mheap).alloc" },
		{ "runtime.stackpoolalloc", "runtime.(*mheap).allocManual" },
	};

	receiver_global(c, &out->g[GS_RTG_MHEAP], GS_RT_NFIELDS, r, 3, NULL, 0);
}

/* ---- ncpu and gomaxprocs ---- */

/* The first 4-byte data load of f that f also stores, or 0. */
static uint64_t first_load32(const struct ctx *c, const struct fn *f, bool also_stored)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind != GS_CREF_LOAD || r->size != 4 || r->indexed ||
		    !in_data(c->e, r->addr, 4))
			continue;
		return !also_stored || stores(f, r->addr, 4) ? r->addr : 0;
	}
	return 0;
}

/*
 * procresize opens with `old := gomaxprocs` and later stores
 * `gomaxprocs = nprocs`; gcStart and stopTheWorldWithSema read it.
 */
static void rule_gomaxprocs(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const readers[] = { "runtime.gcStart", "runtime.stopTheWorldWithSema" };
	struct gs_rtg_addr *g = &out->g[GS_RTG_GOMAXPROCS];
	const struct fn *f = fn_get(c, "runtime.procresize");
	uint64_t a;

	if (!f->present) {
		unknown(g, "%s", f->why);
		return;
	}
	a = first_load32(c, f, true);
	if (!a) {
		unknown(g, "procresize: no `old := gomaxprocs` load stored back");
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		const struct fn *r = fn_get(c, readers[k]);

		if (r->present && loads(r, a, 4)) {
			found(g, a, 4, true, "procresize, %s", shortname(r->name));
			return;
		}
	}
	found(g, a, 4, false, "procresize");
}

/*
 * osinit: `ncpu = getproccount()` (numCPUStartup = getCPUCount() since Go
 * 1.25) is the first 4-byte store after that call; gcStart reads it
 * (`if work.stwprocs > ncpu`), and schedinit until Go 1.25 (`procs := ncpu`).
 */
static void rule_ncpu(struct ctx *c, struct gs_rt_globals *out)
{
	static const char *const readers[] = { "runtime.gcStart", "runtime.schedinit" };
	struct gs_rtg_addr *g = &out->g[GS_RTG_NCPU];
	const struct fn *f = fn_get(c, "runtime.osinit");
	uint64_t gpc = entry_of(c, "runtime.getproccount"), a = 0;
	bool after = false;

	if (!gpc)
		gpc = entry_of(c, "runtime.getCPUCount");
	if (!f->present) {
		unknown(g, "%s", f->why);
		return;
	}
	if (!gpc) {
		unknown(g, "neither runtime.getproccount nor getCPUCount in pclntab");
		return;
	}
	for (unsigned k = 0; k < f->n && !a; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind == GS_CREF_CALL) {
			after = r->addr == gpc;
			continue;
		}
		if (after && r->kind == GS_CREF_STORE && r->size == 4 && !r->indexed &&
		    in_data(c->e, r->addr, 4))
			a = r->addr;
	}
	if (!a) {
		unknown(g, "osinit: no store of getproccount's result");
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		const struct fn *r = fn_get(c, readers[k]);

		if (r->present && loads(r, a, 4)) {
			found(g, a, 4, true, "osinit, %s", shortname(r->name));
			return;
		}
	}
	found(g, a, 4, false, "osinit");
}

/* ---- gcount's counters without a layout ---- */

/* The one size-byte address (absolute or, rel, an offset) f stores, under conditions. */
static int one_store(const struct fn *f, bool rel, unsigned size, bool atomic, bool need_load,
		     uint64_t *out)
{
	const struct gs_cref *v = rel ? f->rel : f->r;
	unsigned nv = rel ? f->nrel : f->n, n = 0;
	uint64_t got = 0;

	for (unsigned k = 0; k < nv; k++) {
		const struct gs_cref *r = &v[k];
		bool loaded = false;

		if ((r->kind != GS_CREF_STORE && r->kind != GS_CREF_RMW) || r->size != size ||
		    r->indexed || r->atomic != atomic || (n && r->addr == got))
			continue;
		for (unsigned j = 0; j < nv && need_load && !loaded; j++)
			loaded = (v[j].kind == GS_CREF_LOAD || v[j].kind == GS_CREF_RMW) &&
				 v[j].addr == r->addr && v[j].size == size && !v[j].indexed;
		if (r->kind == GS_CREF_RMW)
			loaded = true;
		if (need_load && !loaded)
			continue;
		got = r->addr;
		n++;
	}
	if (n == 1)
		*out = got;
	return (int)n;
}

static void rule_gcount(struct ctx *c, struct gs_rtg_gcount *gc)
{
	const struct fn *put = fn_get(c, "runtime.gfput"), *get = fn_get(c, "runtime.gfget");
	const struct fn *np = fn_get(c, "runtime.newproc1"), *em = fn_get(c, "runtime.oneNewExtraM");
	uint64_t sn = 0, pn = 0, sn2 = 0, pn2 = 0, ng = 0, ng2 = 0;

	memset(gc, 0, sizeof(*gc));
	if (!put->present || !get->present || !np->present) {
		snprintf(gc->how, sizeof(gc->how), "%s", !put->present ? put->why :
			 !get->present ? get->why : np->why);
		return;
	}
	/* gfput: pp.gFree.n++ (through pp), sched.gFree.n++ (a global) */
	if (one_store(put, true, 4, false, true, &pn) != 1 ||
	    one_store(put, false, 4, false, false, &sn) != 1 || !in_data(c->e, sn, 4)) {
		snprintf(gc->how, sizeof(gc->how), "gfput: not one count per free list");
		return;
	}
	/* gfget: pp.gFree.n--, sched.gFree.n-- */
	if (one_store(get, true, 4, false, true, &pn2) != 1 || pn2 != pn ||
	    one_store(get, false, 4, false, false, &sn2) != 1 || sn2 != sn) {
		snprintf(gc->how, sizeof(gc->how), "gfget does not update gfput's counts");
		return;
	}
	/* newproc1 and oneNewExtraM: sched.ngsys.Add(1), the one int32 they add to atomically */
	if (one_store(np, false, 4, true, false, &ng) != 1 || !in_data(c->e, ng, 4) ||
	    !em->present || one_store(em, false, 4, true, false, &ng2) != 1 || ng2 != ng) {
		snprintf(gc->how, sizeof(gc->how), "newproc1 and oneNewExtraM: no common atomic count");
		return;
	}
	if (pn > UINT32_MAX - 4) {
		snprintf(gc->how, sizeof(gc->how), "gfput: implausible offset in runtime.p");
		return;
	}
	gc->known = true;
	gc->ngsys = ng;
	gc->gfree_n = sn;
	gc->p_gfree_n = (uint32_t)pn;
	snprintf(gc->how, sizeof(gc->how), "gfput, gfget, newproc1, oneNewExtraM");
}

void gs_rt_gcount_code(const struct gs_elf *e, const struct gs_pclntab *t,
		       struct gs_rtg_gcount *out)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.t = t;
	if (!t || (e->machine != EM_X86_64 && e->machine != EM_AARCH64) || !e->is64 || e->be) {
		snprintf(out->how, sizeof(out->how), "%s", !t ? "no pclntab" :
			 "runtime code is read on x86-64 and arm64 only");
		return;
	}
	rule_gcount(&c, out);
	ctx_free(&c);
}

/* ---- entry points ---- */

void gs_rt_globals_code(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out)
{
	struct ctx c;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.t = t;
	c.o = o;
	if (!t || (e->machine != EM_X86_64 && e->machine != EM_AARCH64) || !e->is64 || e->be) {
		for (int k = 0; k < GS_RTG_COUNT; k++)
			unknown(&out->g[k], "%s", !t ? "no pclntab: runtime code cannot be read"
						     : "runtime code is read on x86-64 and arm64 only");
		return;
	}
	rule_allg(&c, out);
	rule_allp(&c, out);
	rule_sched(&c, out);
	rule_memstats(&c, out);
	rule_gccontroller(&c, out);
	rule_mheap(&c, out);
	rule_ncpu(&c, out);
	rule_gomaxprocs(&c, out);
	ctx_free(&c);
}

void gs_rt_globals_find(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out)
{
	struct gs_sym_query q[GS_RTG_COUNT + 1];
	struct gs_rt_globals code;
	bool any = false, code_done = false;

	memset(out, 0, sizeof(*out));
	memset(q, 0, sizeof(q));
	for (int k = 0; k < GS_RTG_COUNT; k++)
		q[k].name = names[k];
	q[GS_RTG_COUNT].name = "runtime.numCPUStartup";	/* ncpu's name since Go 1.25 */
	if (gs_symtab_lookup(e, q, GS_RTG_COUNT + 1) == 0)
		for (int k = 0; k <= GS_RTG_COUNT; k++)
			any |= q[k].found;
	if (!q[GS_RTG_NCPU].found && q[GS_RTG_COUNT].found)
		q[GS_RTG_NCPU] = q[GS_RTG_COUNT];
	out->symtab = any;
	for (int k = 0; k < GS_RTG_COUNT; k++) {
		struct gs_rtg_addr *g = &out->g[k];

		if (any && q[k].found && q[k].value) {
			g->src = GS_RTG_SRC_SYMTAB;
			g->addr = q[k].value;
			g->size = q[k].size;
			g->confirmed = true;
			snprintf(g->how, sizeof(g->how), ".symtab");
			continue;
		}
		if (any && k == GS_RTG_ALLGPTR) {
			/* Only Go 1.17 and later have it. */
			unknown(g, "no runtime.allgptr in .symtab (before Go 1.17)");
			continue;
		}
		/* Missing from .symtab (or no .symtab): the code still says. */
		if (!code_done) {
			gs_rt_globals_code(e, t, o, &code);
			code_done = true;
		}
		*g = code.g[k];
	}
}
