// SPDX-License-Identifier: MIT
/*
 * Symbols for CPU profiles, from the library's pclntab symbolizer (gosym):
 * the logical frames at an address, with names as Go prints them, and the
 * binary's SP-delta table for the BPF program.
 *
 * The SP-delta table is every function's pcsp runs laid end to end: a run
 * [start, end) with value d says the function's return address is at
 * SP + d there. Functions that move SP in ways pcsp does not describe
 * (assembly that switches stacks: systemstack, mcall, morestack, gogo,
 * asmcgocall, ..., marked SPWRITE since Go 1.17) and the gaps between
 * functions get -1, "unknown": there the BPF program leaves the
 * frame-pointer chain as it is rather than read a wrong word.
 */
#include "profsym.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gosym.h"

#define NAME_MAX_LEN	1024
/* A frame larger than this is not believed (Go's largest are a few MB). */
#define MAX_DELTA	(64 << 20)
/*
 * Work budget of one table, in pc-value decoding steps: a hostile pclntab
 * (long pcsp tables, many functions) must not make the build unbounded.
 * Real binaries need a few per byte of pclntab (esbuild: ~2M, buf: ~10M).
 */
#define SPTAB_STEPS_MAX	(256ull << 20)

/* Runs of one function's pcsp table kept while it is walked (real ones have < 20). */
#define MAX_RUNS 4096

struct gs_psym {
	struct gs_sym *sym;
	unsigned go_minor;
	char names[GS_PSYM_MAX_FRAMES][NAME_MAX_LEN];
	uint64_t run_start[MAX_RUNS];
	int32_t run_val[MAX_RUNS];
};

struct gs_psym *gs_psym_open(const struct gs_elf *e, unsigned go_minor, struct gs_err *err)
{
	struct gs_psym *s = calloc(1, sizeof(*s));

	if (!s) {
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	if (gs_sym_open(&s->sym, e, err) < 0) {
		free(s);
		return NULL;
	}
	s->go_minor = go_minor;
	return s;
}

void gs_psym_close(struct gs_psym *s)
{
	if (!s)
		return;
	gs_sym_close(s->sym);
	free(s);
}

/* Where Go's own tracebacks stop. */
static bool top_frame(enum gs_fkind k)
{
	switch (k) {
	case GS_FK_GOEXIT:
	case GS_FK_MSTART:
	case GS_FK_RT0_GO:
	case GS_FK_MCALL:
	case GS_FK_MORESTACK:
	case GS_FK_EXTERNALTHREADHANDLER:
		return true;
	default:
		return false;
	}
}

int gs_psym_frames(struct gs_psym *s, uint64_t addr, bool is_ret, struct gs_pframe *out,
		   unsigned max)
{
	struct gs_symframe fr[GS_SYM_MAX_DEPTH];
	int n;

	if (max > GS_PSYM_MAX_FRAMES)
		max = GS_PSYM_MAX_FRAMES;
	if (max > GS_SYM_MAX_DEPTH)
		max = GS_SYM_MAX_DEPTH;
	n = is_ret ? gs_sym_frames_ret(s->sym, addr, fr, max) : gs_sym_frames(s->sym, addr, fr, max);
	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++) {
		out[i].func = gs_sym_print_name(fr[i].func, s->go_minor, s->names[i], NAME_MAX_LEN);
		out[i].file = fr[i].file && strcmp(fr[i].file, "?") != 0 ? fr[i].file : NULL;
		out[i].line = fr[i].line;
		out[i].start_line = fr[i].start_line;
		out[i].top = !fr[i].inlined && top_frame(fr[i].kind);
		out[i].wrapper = fr[i].kind == GS_FK_WRAPPER;
		out[i].panics = fr[i].kind == GS_FK_GOPANIC || fr[i].kind == GS_FK_SIGPANIC ||
				fr[i].kind == GS_FK_PANICWRAP;
	}
	return n;
}

/* ---- the SP-delta table ---- */

struct table {
	struct gs_cp_spent *e;
	size_t n, cap;
	uint64_t base;
	bool oom;
};

/* Append "from pc on, delta"; merges runs of one value. */
static void put(struct table *t, uint64_t pc, int32_t delta)
{
	if (t->n && t->e[t->n - 1].delta == delta)
		return;
	if (t->n && t->e[t->n - 1].off == pc - t->base) {
		t->e[t->n - 1].delta = delta;	/* an empty run before this one */
		if (t->n > 1 && t->e[t->n - 2].delta == delta)
			t->n--;
		return;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 4096;
		struct gs_cp_spent *ne;

		if (ncap > GS_CP_MAX_SPTAB) {
			t->oom = true;
			return;
		}
		ne = realloc(t->e, ncap * sizeof(*ne));
		if (!ne) {
			t->oom = true;
			return;
		}
		t->e = ne;
		t->cap = ncap;
	}
	t->e[t->n].off = (uint32_t)(pc - t->base);
	t->e[t->n].delta = delta;
	t->n++;
}

/* Functions whose SP is not what pcsp says at every pc. */
static bool moves_sp(const struct gs_funcinfo *fi)
{
	switch (fi->kind) {
	case GS_FK_MCALL:
	case GS_FK_MORESTACK:
	case GS_FK_SYSTEMSTACK:
	case GS_FK_SYSTEMSTACK_SWITCH:
	case GS_FK_GOGO:
	case GS_FK_ASMCGOCALL:
	case GS_FK_CGOCALLBACK:
	case GS_FK_RT0_GO:
	case GS_FK_MSTART:
	case GS_FK_ASYNCPREEMPT:
	case GS_FK_DEBUGCALL:
		return true;
	default:
		return (fi->flag & GS_FUNCFLAG_SPWRITE) != 0;
	}
}

/* fi's pcsp runs into t; anything not understood is -1. */
static void add_function(struct gs_psym *s, struct table *t, const struct gs_funcinfo *fi)
{
	uint64_t *starts = s->run_start;
	int32_t *vals = s->run_val;
	uint64_t lo, hi, covered, start;
	unsigned nruns = 0;
	int32_t v;

	if (fi->end <= fi->entry || moves_sp(fi) || !fi->pcsp)
		goto unknown;
	/* The table covers [entry, covered): padding up to the next function is not. */
	lo = fi->entry;
	hi = fi->end;
	if (!gs_sym_spdelta(s->sym, fi, lo, &v))
		goto unknown;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (gs_sym_spdelta(s->sym, fi, mid, &v))
			lo = mid;
		else
			hi = mid;
	}
	covered = lo + 1;
	/* Runs from the last one back to the entry. */
	for (uint64_t pc = covered - 1; nruns < MAX_RUNS;) {
		if (!gs_sym_pcvalue(s->sym, fi, fi->pcsp, pc, &v, &start) || start > pc ||
		    start < fi->entry)
			goto unknown;
		starts[nruns] = start;
		vals[nruns] = v >= 0 && v <= MAX_DELTA ? v : -1;
		nruns++;
		if (start <= fi->entry)
			break;
		pc = start - 1;
	}
	if (nruns == MAX_RUNS)
		goto unknown;
	while (nruns--)
		put(t, starts[nruns], vals[nruns]);
	if (covered < fi->end)
		put(t, covered, -1);
	/* Up to the next function's entry, which overwrites it. */
	put(t, fi->end, -1);
	return;
unknown:
	put(t, fi->entry, -1);
	put(t, fi->end, -1);
}

int gs_psym_sptab(struct gs_psym *s, struct gs_cp_spent **out, size_t *n, uint64_t *text_lo,
		  uint64_t *text_len, struct gs_err *err)
{
	struct gs_sym_info info;
	struct gs_funcinfo fi;
	struct table t = { 0 };

	*out = NULL;
	*n = 0;
	gs_sym_get_info(s->sym, &info);
	if (info.maxpc <= info.minpc || info.maxpc - info.minpc > UINT32_MAX)
		return gs_errf(err, EINVAL, "text of %#llx bytes: not covered by 32-bit offsets",
			       (unsigned long long)(info.maxpc - info.minpc));
	t.base = info.minpc;
	for (uint64_t i = 0; i < info.nfunc && !t.oom; i++) {
		struct gs_sym_stats st;

		gs_sym_get_stats(s->sym, &st);
		if (st.pcvalue_steps > SPTAB_STEPS_MAX) {
			free(t.e);
			return gs_errf(err, E2BIG, "pcsp tables too long to read (%llu steps at function %llu)",
				       (unsigned long long)st.pcvalue_steps, (unsigned long long)i);
		}
		if (gs_sym_func_at(s->sym, i, &fi) < 0 || fi.entry < info.minpc ||
		    fi.end > info.maxpc) {
			continue;	/* the previous function's end entry says -1 */
		}
		if (t.n && fi.entry < t.base + t.e[t.n - 1].off) {
			free(t.e);
			return gs_errf(err, EINVAL, "function table out of order at %llu",
				       (unsigned long long)i);
		}
		add_function(s, &t, &fi);
	}
	if (t.oom) {
		free(t.e);
		return gs_errf(err, ENOMEM, "out of memory building the SP-delta table");
	}
	put(&t, info.maxpc, -1);
	*out = t.e;
	*n = t.n;
	*text_lo = info.minpc;
	*text_len = info.maxpc - info.minpc;
	return 0;
}
