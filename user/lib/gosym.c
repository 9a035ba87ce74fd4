/* SPDX-License-Identifier: MIT */
/*
 * gosym: the per-binary symbolizer (see gosym.h, docs/unwinding.md).
 * Built once per binary: the pclntab and moduledata, this binary's funcID
 * numbers learnt from the names of the runtime's special functions, and the
 * funcdata base checked against real inline trees. Lookups are cached: a
 * binary search over the functab per new pc, pc-value tables decoded only
 * when asked and their answers kept.
 */
#include "gosym_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BSEARCH_MAX 64		/* a binary search over < 2^64 entries */
#define CALIB_SAMPLES 32	/* inline trees checked to accept a funcdata base */
#define CALIB_TRIES 8192	/* functions looked at to find them */

static const struct {
	const char *name;
	enum gs_fkind kind;
} special_names[] = {
	{ "runtime.goexit", GS_FK_GOEXIT },
	{ "runtime.mstart", GS_FK_MSTART },
	{ "runtime.rt0_go", GS_FK_RT0_GO },
	{ "runtime.mcall", GS_FK_MCALL },
	{ "runtime.morestack", GS_FK_MORESTACK },
	{ "runtime.systemstack", GS_FK_SYSTEMSTACK },
	{ "runtime.systemstack_switch", GS_FK_SYSTEMSTACK_SWITCH },
	{ "runtime.asyncPreempt", GS_FK_ASYNCPREEMPT },
	{ "runtime.sigpanic", GS_FK_SIGPANIC },
	{ "runtime.debugCallV1", GS_FK_DEBUGCALL },
	{ "runtime.debugCallV2", GS_FK_DEBUGCALL },
	{ "runtime.gogo", GS_FK_GOGO },
	{ "runtime.gopanic", GS_FK_GOPANIC },
	{ "runtime.panicwrap", GS_FK_PANICWRAP },
	{ "runtime.asmcgocall", GS_FK_ASMCGOCALL },
	{ "runtime.cgocallback", GS_FK_CGOCALLBACK },
	{ "runtime.cgocallback_gofunc", GS_FK_CGOCALLBACK },
	{ "runtime.main", GS_FK_RUNTIME_MAIN },
	{ "runtime.gcBgMarkWorker", GS_FK_GCBGMARKWORKER },
	{ "runtime.runfinq", GS_FK_RUNFINQ },
	{ "runtime.runFinalizers", GS_FK_RUNFINQ },
	{ "runtime.runCleanups", GS_FK_RUNFINQ },
	{ "runtime.abort", GS_FK_ABORT },
	{ "runtime.corostart", GS_FK_COROSTART },
	{ "runtime.externalthreadhandler", GS_FK_EXTERNALTHREADHANDLER },
	{ "runtime.handleAsyncEvent", GS_FK_HANDLEASYNCEVENT },
};

static const char *const fkind_names[GS_FK_COUNT] = {
	[GS_FK_NORMAL] = "normal",
	[GS_FK_GOEXIT] = "goexit",
	[GS_FK_MSTART] = "mstart",
	[GS_FK_RT0_GO] = "rt0_go",
	[GS_FK_MCALL] = "mcall",
	[GS_FK_MORESTACK] = "morestack",
	[GS_FK_SYSTEMSTACK] = "systemstack",
	[GS_FK_SYSTEMSTACK_SWITCH] = "systemstack_switch",
	[GS_FK_ASYNCPREEMPT] = "asyncPreempt",
	[GS_FK_SIGPANIC] = "sigpanic",
	[GS_FK_DEBUGCALL] = "debugCall",
	[GS_FK_GOGO] = "gogo",
	[GS_FK_GOPANIC] = "gopanic",
	[GS_FK_PANICWRAP] = "panicwrap",
	[GS_FK_ASMCGOCALL] = "asmcgocall",
	[GS_FK_CGOCALLBACK] = "cgocallback",
	[GS_FK_RUNTIME_MAIN] = "runtime_main",
	[GS_FK_GCBGMARKWORKER] = "gcBgMarkWorker",
	[GS_FK_RUNFINQ] = "runfinq",
	[GS_FK_ABORT] = "abort",
	[GS_FK_COROSTART] = "corostart",
	[GS_FK_EXTERNALTHREADHANDLER] = "externalthreadhandler",
	[GS_FK_HANDLEASYNCEVENT] = "handleAsyncEvent",
	[GS_FK_WRAPPER] = "wrapper",
};

const char *gs_fkind_name(enum gs_fkind k)
{
	return (unsigned)k < GS_FK_COUNT ? fkind_names[k] : "?";
}

enum gs_fkind gs_sym_kind_of_funcid(const struct gs_sym *s, uint8_t funcid)
{
	return funcid ? s->id_kind[funcid] : GS_FK_NORMAL;
}

/* The toolchain marks special functions with a funcID; 0 is every other one. */
enum gs_fkind sym_kind(const struct gs_sym *s, uint64_t index, uint8_t funcid)
{
	(void)index;
	return s->id_kind[funcid];
}

static enum gs_fkind special_kind(const char *name)
{
	if (strncmp(name, "runtime.", 8) != 0)
		return GS_FK_NORMAL;
	for (unsigned k = 0; k < sizeof(special_names) / sizeof(special_names[0]); k++)
		if (!strcmp(name, special_names[k].name))
			return special_names[k].kind;
	return GS_FK_NORMAL;
}

/*
 * One pass over every function learns this binary's funcID numbers
 * (unwinding.md §5): a number held by one name only is that function's (a
 * body and its ABI0 twin share the name), and the one number held by many
 * different names is the wrapper number (ABI wrappers of runtime.asmcgocall
 * and friends carry it under the special function's own name). Also whether
 * _func.flag is written (Go 1.17+: goexit has TOPFRAME).
 */
static void calibrate_funcids(struct gs_sym *s)
{
	uint64_t first[256];
	bool seen[256] = { false }, multi[256] = { false };
	int nmulti = 0, wrapper = -1;

	s->wrapper_id = -1;
	for (uint64_t i = 0; i < s->t.nfunc; i++) {
		const char *name, *prev;
		uint8_t id, flag;

		if (!sym_funcid_at(s, i, &id, &flag) || !id || multi[id])
			continue;
		name = gs_pcln_name(&s->t, i);
		if (!name)
			continue;
		if (!seen[id]) {
			seen[id] = true;
			first[id] = i;
			if ((flag & GS_FUNCFLAG_TOPFRAME) && !strcmp(name, "runtime.goexit"))
				s->flags_valid = true;
			continue;
		}
		prev = gs_pcln_name(&s->t, first[id]);
		if (prev && strcmp(prev, name) != 0) {
			multi[id] = true;
			nmulti++;
			wrapper = id;
		}
	}
	for (unsigned id = 1; id < 256; id++) {
		const char *name;

		if (!seen[id] || multi[id])
			continue;
		name = gs_pcln_name(&s->t, first[id]);
		s->id_kind[id] = name ? special_kind(name) : GS_FK_NORMAL;
	}
	if (nmulti == 1) {
		s->wrapper_id = wrapper;
		s->id_kind[wrapper] = GS_FK_WRAPPER;
	}
	if (s->t.ver >= GS_PCLN_118)
		s->flags_valid = true;
}

/* Is record r of function fi a plausible inline tree record? */
static bool inl_plausible(const struct gs_sym *s, const struct gs_funcinfo *fi, const struct sym_inl *r)
{
	const char *name;

	if (!r->pad_ok || r->parent_pc < 0 || (uint64_t)r->parent_pc >= fi->end - fi->entry)
		return false;
	name = sym_name_at(s, r->nameoff);
	/* A name starts right after the previous one's NUL. */
	return name && *name && (r->nameoff == 0 || name[-1] == '\0');
}

/*
 * Check a funcdata base against the inline trees of a sample of functions:
 * the first record of each tree must look like one. Returns the number of
 * trees checked (0: none found), or -1 when one failed.
 */
static int inl_check(struct gs_sym *s)
{
	uint64_t n = s->t.nfunc, step = n / CALIB_TRIES + 1;
	int checked = 0;

	for (uint64_t i = 0; i < n && checked < CALIB_SAMPLES; i += step) {
		struct gs_funcinfo fi;
		struct sym_inl r;
		uint64_t tree;

		if (!sym_decode(s, i, &fi) || !gs_sym_funcdata(s, &fi, s->inl_fd, &tree))
			continue;
		if (!sym_inl_record(s, tree, 0, &r) || !inl_plausible(s, &fi, &r))
			return -1;
		checked++;
	}
	return checked;
}

/*
 * moduledata.gofunc (1.18+): word 38 in 1.18-1.19, 40 in 1.20-1.26, 43 in
 * 1.27 (unwinding.md §4.1). The word before it is rodata, which it follows;
 * the candidate that makes real inline trees readable wins.
 */
static void find_gofunc(struct gs_sym *s)
{
	static const unsigned w118[] = { 38 }, w120[] = { 40, 43 };
	const unsigned *w = s->t.ver == GS_PCLN_118 ? w118 : w120;
	unsigned nw = s->t.ver == GS_PCLN_118 ? 1 : 2;

	for (unsigned k = 0; k < nw; k++) {
		uint64_t rodata, gofunc;

		if (!gs_moduledata_word(&s->e, &s->md, w[k] - 1, &rodata) ||
		    !gs_moduledata_word(&s->e, &s->md, w[k], &gofunc))
			continue;
		if (!gofunc || rodata > gofunc || !gs_elf_load_for(&s->e, gofunc))
			continue;
		s->gofunc = gofunc;
		if (inl_check(s) >= 0) {
			s->inline_ok = true;
			return;
		}
		s->gofunc = 0;
	}
}

int gs_sym_open(struct gs_sym **out, const struct gs_elf *e, struct gs_err *err)
{
	struct gs_sym *s;
	uint64_t first, last;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return gs_errf(err, ENOMEM, "out of memory");
	s->e = *e;
	s->inl_fd = GS_FUNCDATA_INLTREE;
	if (gs_pcln_find(&s->e, &s->t) < 0) {
		free(s);
		return gs_errf(err, ENOENT, "no pclntab: not a Go binary, or its function table is damaged");
	}
	s->have_md = gs_moduledata_find(&s->e, &s->t, &s->md) == 0;
	if (s->t.ver >= GS_PCLN_118 && !s->t.text_known) {
		free(s);
		return gs_errf(err, ENOENT, "no text base: moduledata not found");
	}
	s->text = s->t.text;
	if (s->t.ver >= GS_PCLN_116) {
		s->pctab_base = s->t.pctab_off;
		s->pctab_end = s->t.pcln_off;
		s->names_start = s->t.funcname_off;
		s->names_end = s->t.cu_off;
	} else {
		s->pctab_base = 0;
		s->pctab_end = s->t.len;
		s->names_start = 0;
		s->names_end = s->t.len;
	}
	if (!gs_pcln_ftab(&s->t, 0, &first, NULL) || !gs_pcln_ftab(&s->t, s->t.nfunc, &last, NULL) ||
	    last < first) {
		free(s);
		return gs_errf(err, EINVAL, "pclntab function table is damaged");
	}
	s->minpc = sym_entry_pc(s, first);
	s->maxpc = sym_entry_pc(s, last);
	calibrate_funcids(s);
	if (s->t.ver >= GS_PCLN_118) {
		if (s->have_md)
			find_gofunc(s);
	} else {
		/*
		 * FUNCDATA_InlTree is 3 from Go 1.16, 4 in 1.14-1.15 (after
		 * RegPointerMaps), 3 before: the index whose trees read right.
		 */
		static const unsigned cand[] = { 3, 4 };

		for (unsigned k = 0; k < 2 && !s->inline_ok; k++) {
			s->inl_fd = cand[s->t.ver == GS_PCLN_12 ? 1 - k : k];
			s->inline_ok = inl_check(s) > 0;
		}
		if (!s->inline_ok)
			s->inl_fd = GS_FUNCDATA_INLTREE;
	}
	*out = s;
	return 0;
}

void gs_sym_close(struct gs_sym *s)
{
	free(s);
}

void gs_sym_get_info(const struct gs_sym *s, struct gs_sym_info *info)
{
	memset(info, 0, sizeof(*info));
	info->ver = s->t.ver;
	info->machine = s->e.machine;
	info->ptrsize = s->t.ptrsize;
	info->quantum = s->t.quantum;
	info->nfunc = s->t.nfunc;
	info->minpc = s->minpc;
	info->maxpc = s->maxpc;
	info->gofunc = s->gofunc;
	info->flags_valid = s->flags_valid;
	info->inline_ok = s->inline_ok;
	info->wrapper_funcid = s->wrapper_id;
}

void gs_sym_get_stats(const struct gs_sym *s, struct gs_sym_stats *st)
{
	*st = s->st;
}

int gs_sym_func_at(struct gs_sym *s, uint64_t index, struct gs_funcinfo *fi)
{
	return sym_decode(s, index, fi) ? 0 : -1;
}

static inline uint64_t mix(uint64_t x)
{
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 32;
	return x;
}

int gs_sym_func(struct gs_sym *s, uint64_t pc, struct gs_funcinfo *fi)
{
	struct sym_fslot *slot;
	uint64_t off, lo = 0, hi, e;

	s->st.func_lookups++;
	if (pc < s->minpc || pc >= s->maxpc)
		return -1;
	slot = &s->fcache[mix(pc) & (SYM_FUNC_CACHE - 1)];
	if (slot->used && slot->pc == pc) {
		s->st.func_hits++;
		*fi = slot->fi;
		return 0;
	}
	off = s->t.ver >= GS_PCLN_118 ? pc - s->text : pc;
	/* The largest i with entry(i) <= off; the table is sorted by entry. */
	hi = s->t.nfunc;
	for (unsigned k = 0; k < BSEARCH_MAX && hi - lo > 1; k++) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (!gs_pcln_ftab(&s->t, mid, &e, NULL))
			return -1;
		if (e <= off)
			lo = mid;
		else
			hi = mid;
	}
	if (!sym_decode(s, lo, fi) || pc < fi->entry || pc >= fi->end)
		return -1;
	slot->pc = pc;
	slot->fi = *fi;
	slot->used = true;
	return 0;
}

bool gs_sym_pcvalue(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t off, uint64_t pc,
		    int32_t *val, uint64_t *start)
{
	struct sym_pcv *set;
	uint64_t st;

	*val = -1;
	if (!off)
		return false;
	s->st.pcvalue_lookups++;
	set = s->pcv[mix(pc ^ ((uint64_t)off << 32) ^ fi->rec) & (SYM_PCV_SETS - 1)];
	for (unsigned w = 0; w < SYM_PCV_WAYS; w++) {
		if (set[w].used && set[w].pc == pc && set[w].off == off && set[w].rec == fi->rec) {
			s->st.pcvalue_hits++;
			*val = set[w].val;
			if (start)
				*start = set[w].start;
			return true;
		}
	}
	if (!sym_pcvalue_decode(s, fi, off, pc, val, &st)) {
		*val = -1;
		return false;
	}
	/* Newest first; the other way keeps the older entry. */
	set[1] = set[0];
	set[0] = (struct sym_pcv){ .pc = pc, .start = st, .rec = fi->rec, .off = off, .val = *val,
				   .used = true };
	if (start)
		*start = st;
	return true;
}

bool gs_sym_spdelta(struct gs_sym *s, const struct gs_funcinfo *fi, uint64_t pc, int32_t *delta)
{
	return gs_sym_pcvalue(s, fi, fi->pcsp, pc, delta, NULL);
}

bool gs_sym_pcdata(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t table, uint64_t pc,
		   int32_t *val)
{
	uint32_t off;

	*val = -1;
	if (!sym_pcdata_off(s, fi, table, &off))
		return false;
	return gs_sym_pcvalue(s, fi, off, pc, val, NULL);
}

int gs_sym_frames(struct gs_sym *s, uint64_t pc, struct gs_symframe *out, unsigned max)
{
	struct gs_funcinfo fi;
	uint64_t tree = 0, cur = pc;
	bool have_tree;
	int32_t ix = -1;
	unsigned n = 0;

	if (gs_sym_func(s, pc, &fi) < 0)
		return 0;
	if (max > GS_SYM_MAX_DEPTH)
		max = GS_SYM_MAX_DEPTH;
	have_tree = gs_sym_funcdata(s, &fi, s->inl_fd, &tree);
	if (have_tree) {
		if (!s->inline_ok)
			return -1;	/* the name at pc would be the wrong function's */
		gs_sym_pcdata(s, &fi, GS_PCDATA_INLTREEINDEX, cur, &ix);
	}
	/*
	 * Innermost first: the tree index at pc names the inlined function whose
	 * code pc is in; its call site is entry + parentPc, where the index names
	 * the next one out, until -1, the physical function (unwinding.md §4.2).
	 */
	while (n < max) {
		struct gs_symframe *f = &out[n++];
		struct sym_inl r;

		memset(f, 0, sizeof(*f));
		f->pc = cur;
		f->entry = fi.entry;
		f->func_index = fi.index;
		gs_sym_fileline(s, &fi, cur, &f->file, &f->line);
		if (ix >= 0 && n < GS_SYM_MAX_DEPTH && sym_inl_record(s, tree, ix, &r) &&
		    r.parent_pc >= 0 && (uint64_t)r.parent_pc < fi.end - fi.entry) {
			const char *name = sym_name_at(s, r.nameoff);

			f->func = name ? name : "?";
			f->funcid = r.funcid;
			f->kind = gs_sym_kind_of_funcid(s, r.funcid);
			f->start_line = r.start_line;
			f->inlined = true;
			cur = fi.entry + (uint64_t)r.parent_pc;
			if (!gs_sym_pcdata(s, &fi, GS_PCDATA_INLTREEINDEX, cur, &ix))
				ix = -1;
			continue;
		}
		f->func = fi.name;
		f->funcid = fi.funcid;
		f->kind = fi.kind;
		f->start_line = fi.start_line;
		break;
	}
	return (int)n;
}

int gs_sym_frames_ret(struct gs_sym *s, uint64_t ret, struct gs_symframe *out, unsigned max)
{
	struct gs_funcinfo fi;

	if (gs_sym_func(s, ret, &fi) < 0)
		return 0;
	return gs_sym_frames(s, ret > fi.entry ? ret - 1 : ret, out, max);
}

/* ---- names as the runtime prints them ---- */

static const char *put3(const char *a, size_t na, const char *b, const char *c, size_t nc,
			const char *d, size_t nd, const char *name, char *buf, size_t bufsz)
{
	size_t nb = strlen(b);

	if (na + nb + nc + nd + 1 > bufsz)
		return name;
	memcpy(buf, a, na);
	memcpy(buf + na, b, nb);
	memcpy(buf + na + nb, c, nc);
	memcpy(buf + na + nb + nc, d, nd);
	buf[na + nb + nc + nd] = '\0';
	return buf;
}

const char *gs_sym_print_name(const char *name, unsigned go_minor, char *buf, size_t bufsz)
{
	const char *i = strchr(name, '['), *j, *in, *rbr = NULL, *lbr = NULL;
	size_t len = strlen(name);
	int depth = 1;

	/* Before 1.21 the linker already wrote "[...]" into the table. */
	if (go_minor < 21 || !i)
		return name;
	j = name + len - 1;
	while (j > i && *j != ']')
		j--;
	if (j <= i)
		return name;
	in = i + 1;
	if (go_minor < 27 || !memchr(in, '[', (size_t)(j - in)))
		return put3(name, (size_t)(i - name), "[...]", j + 1, len - (size_t)(j + 1 - name), "",
			    0, name, buf, bufsz);
	/* 1.27: a generic method of a generic type keeps its method name. */
	for (const char *k = in; k < j; k++) {
		if (*k == '[') {
			if (++depth != 1)
				continue;
			lbr = k;
			break;
		}
		if (*k == ']') {
			if (--depth < 0)
				break;
			if (depth == 0)
				rbr = k;
		}
	}
	if (depth == 1 && rbr && lbr && lbr > rbr) {
		size_t nmid = (size_t)(lbr - rbr - 1), ntail = len - (size_t)(j + 1 - name);
		size_t na = (size_t)(i - name);

		if (na + 5 + nmid + 5 + ntail + 1 > bufsz)
			return name;
		memcpy(buf, name, na);
		memcpy(buf + na, "[...]", 5);
		memcpy(buf + na + 5, rbr + 1, nmid);
		memcpy(buf + na + 5 + nmid, "[...]", 5);
		memcpy(buf + na + 10 + nmid, j + 1, ntail);
		buf[na + 10 + nmid + ntail] = '\0';
		return buf;
	}
	if (depth == 1 && !rbr && !lbr)
		return put3(name, (size_t)(i - name), "[...]", j + 1, len - (size_t)(j + 1 - name), "",
			    0, name, buf, bufsz);
	return name;
}
