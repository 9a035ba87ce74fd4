/* SPDX-License-Identifier: MIT */
/* The runtime functions the globals rules decode, and what each does with an address (rtglobals_int.h). */
#include "rtglobals_int.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arm64scan.h"
#include "pclntab_int.h"	/* gs_pcln_func_span: one pass over the table for every name */
#include "x86scan.h"

/* ---- decoded functions ---- */


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
_Static_assert(NWANTED == RTG_NWANTED, "rtglobals_int.h: RTG_NWANTED");


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
		uint64_t entry, size;
		struct gs_func *f;

		if (!name || strncmp(name, "runtime.", 8) != 0)
			continue;
		w = bsearch(name, wanted, NWANTED, sizeof(wanted[0]), cmp_name);
		if (!w || !gs_pcln_func_span(t, i, &entry, &size))
			continue;
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

const struct fn *rtg_fn(struct ctx *c, const char *name)
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

void rtg_ctx_free(struct ctx *c)
{
	for (unsigned k = 0; k < c->nfn; k++) {
		free(c->fn[k].r);
		free(c->fn[k].rel);
	}
	free(c->scratch);
}

/* The entry of a function (0 when pclntab lacks it), for matching calls. */
uint64_t rtg_entry_of(struct ctx *c, const char *name)
{
	struct gs_func f;

	return c->t && lookup(c, name, &f) == 0 ? f.entry : 0;
}

/* ---- what a function does with an address ---- */

bool rtg_in_data(const struct gs_elf *e, uint64_t addr, uint64_t len)
{
	for (unsigned k = 0; k < e->nphdr; k++) {
		const struct gs_phdr *ph = &e->ph[k];

		if (ph->type == PT_LOAD && (ph->flags & PF_W) && addr >= ph->vaddr &&
		    gs_fits(addr - ph->vaddr, len ? len : 1, ph->memsz))
			return true;
	}
	return false;
}

bool rtg_is_data(const struct gs_cref *r)
{
	return r->kind != GS_CREF_CALL;
}

bool rtg_touches(const struct fn *f, uint64_t a)
{
	for (unsigned k = 0; k < f->n; k++)
		if (rtg_is_data(&f->r[k]) && f->r[k].addr == a)
			return true;
	return false;
}

bool rtg_loads(const struct fn *f, uint64_t a, unsigned size)
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
bool rtg_reads_only(const struct fn *f, uint64_t a, unsigned size)
{
	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];

		if (r->kind == GS_CREF_LOAD && r->addr == a && !r->indexed &&
		    (!size || r->size == size))
			return true;
	}
	return false;
}

bool rtg_stores(const struct fn *f, uint64_t a, unsigned size)
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
unsigned rtg_accessed(const struct ctx *c, const struct fn *f, unsigned size, uint64_t *out,
		      unsigned max)
{
	unsigned n = 0;

	for (unsigned k = 0; k < f->n; k++) {
		const struct gs_cref *r = &f->r[k];
		bool dup = false;

		if (r->kind == GS_CREF_CALL || r->kind == GS_CREF_ADDR || r->indexed ||
		    r->size != size || !rtg_in_data(c->e, r->addr, size))
			continue;
		for (unsigned j = 0; j < n && !dup; j++)
			dup = out[j] == r->addr;
		if (!dup && n < max)
			out[n++] = r->addr;
	}
	return n;
}

int rtg_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

bool rtg_has(const uint64_t *v, unsigned n, uint64_t a)
{
	for (unsigned k = 0; k < n; k++)
		if (v[k] == a)
			return true;
	return false;
}

/* ---- results ---- */

void rtg_found(struct gs_rtg_addr *g, uint64_t addr, uint64_t size, bool confirmed,
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

void rtg_unknown(struct gs_rtg_addr *g, const char *fmt, ...)
{
	va_list ap;

	memset(g, 0, sizeof(*g));
	va_start(ap, fmt);
	vsnprintf(g->how, sizeof(g->how), fmt, ap);
	va_end(ap);
}

/* Short name for messages: "allgadd" for "runtime.allgadd". */
const char *rtg_shortname(const char *name)
{
	return strncmp(name, "runtime.", 8) == 0 ? name + 8 : name;
}

