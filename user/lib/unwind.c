/* SPDX-License-Identifier: MIT */
/*
 * The unwinder (see unwind.h). It follows the runtime's unwinder
 * (traceback.go, Go 1.21+; the older gentraceback has the same rules)
 * step by step, as docs/unwinding.md §6 sets out:
 *
 *	fp = sp + spdelta(pc)  (+ ptrsize on x86: the CALL pushed the return pc)
 *	top frame             -> stop, complete
 *	SPWRITE function      -> stop, incomplete (we print, not scan for GC)
 *	return pc:  x86   *(fp - ptrsize)
 *	            arm64 LR for the innermost frame until its prologue has
 *	                  moved SP (then, and for every caller, *(sp))
 *	caller: pc = return pc, sp = fp; after an injected call (sigpanic,
 *	asyncPreempt, debugCall) its pc is not a return address, and on arm64
 *	the signal handler's saved LR sits at 0(sp), 16 bytes that are skipped.
 */
#include "unwind.h"

#include <elf.h>
#include <string.h>

struct walk {
	struct gs_sym *s;
	const struct gs_mem *mem;
	uint64_t lo, hi, bias;
	unsigned ptrsize, max_reads;
	bool lr_machine;
	unsigned min_frame, stack_align;
	struct gs_unwind_result *res;
};

static const char *const stop_names[] = {
	[GS_UNW_TOP] = "top of stack",
	[GS_UNW_END] = "zero return address",
	[GS_UNW_SPWRITE] = "function writes SP",
	[GS_UNW_NO_FUNC] = "pc outside every function",
	[GS_UNW_NO_PCSP] = "function without frame information",
	[GS_UNW_BAD_SPDELTA] = "bad SP delta",
	[GS_UNW_BOUNDS] = "frame outside the stack",
	[GS_UNW_READ] = "stack memory unreadable",
	[GS_UNW_STUCK] = "no progress",
	[GS_UNW_MAX_FRAMES] = "frame limit",
	[GS_UNW_MAX_READS] = "read limit",
	[GS_UNW_BAD_ARGS] = "unsupported architecture or arguments",
};

const char *gs_unwind_stop_str(enum gs_unwind_stop stop)
{
	return (unsigned)stop < sizeof(stop_names) / sizeof(stop_names[0]) && stop_names[stop]
		       ? stop_names[stop]
		       : "?";
}

/* One pointer-sized word at addr, inside the stack; false sets res->stop. */
static bool rd_word(struct walk *w, uint64_t addr, uint64_t *val)
{
	uint8_t b[8];

	if (addr < w->lo || addr >= w->hi || w->hi - addr < w->ptrsize) {
		w->res->stop = GS_UNW_BOUNDS;
		return false;
	}
	if (w->res->reads >= w->max_reads) {
		w->res->stop = GS_UNW_MAX_READS;
		return false;
	}
	w->res->reads++;
	w->res->bytes += w->ptrsize;
	if (!w->mem || !w->mem->read || w->mem->read(w->mem->ctx, addr, b, w->ptrsize) != 0) {
		w->res->stop = GS_UNW_READ;
		return false;
	}
	/* Little-endian targets only (amd64, arm64). */
	*val = 0;
	for (unsigned i = w->ptrsize; i-- > 0;)
		*val = *val << 8 | b[i];
	return true;
}

/* Top of stack: _func.flag from Go 1.17, the funcIDs of topofstack() before. */
static bool is_top(const struct gs_sym_info *in, const struct gs_funcinfo *fi)
{
	if (in->flags_valid)
		return fi->flag & GS_FUNCFLAG_TOPFRAME;
	switch (fi->kind) {
	case GS_FK_GOEXIT:
	case GS_FK_MSTART:
	case GS_FK_MCALL:
	case GS_FK_MORESTACK:
	case GS_FK_RT0_GO:
	case GS_FK_EXTERNALTHREADHANDLER:
		return true;
	default:
		return false;
	}
}

static bool is_injected(enum gs_fkind k)
{
	return k == GS_FK_SIGPANIC || k == GS_FK_ASYNCPREEMPT || k == GS_FK_DEBUGCALL;
}

static bool setup(struct walk *w, struct gs_sym *s, const struct gs_mem *mem,
		  const struct gs_unwind_regs *regs, const struct gs_unwind_opts *o,
		  struct gs_unwind_result *res, struct gs_sym_info *in)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	w->mem = mem;
	w->res = res;
	gs_sym_get_info(s, in);
	w->ptrsize = in->ptrsize;
	switch (in->machine) {
	case EM_X86_64:
	case EM_386:
		break;
	case EM_AARCH64:
		w->lr_machine = true;
		w->min_frame = 8;
		w->stack_align = 16;
		break;
	default:
		return false;
	}
	if (w->ptrsize != 4 && w->ptrsize != 8)
		return false;
	w->bias = o->bias;
	w->lo = o->stack_lo ? o->stack_lo : regs->sp;
	w->hi = o->stack_hi;
	if (!w->hi)
		w->hi = regs->sp > UINT64_MAX - GS_UNWIND_MAX_SPAN ? UINT64_MAX : regs->sp + GS_UNWIND_MAX_SPAN;
	w->max_reads = o->max_reads ? o->max_reads : GS_UNWIND_DEFAULT_READS;
	return w->lo <= w->hi;
}

/* Runtime address -> static, false when below the bias (not ours). */
static bool to_static(const struct walk *w, uint64_t pc, uint64_t *spc)
{
	if (pc < w->bias)
		return false;
	*spc = pc - w->bias;
	return true;
}

unsigned gs_unwind(struct gs_sym *s, const struct gs_mem *mem, const struct gs_unwind_regs *regs,
		   const struct gs_unwind_opts *opts, struct gs_uframe *out, unsigned cap,
		   struct gs_unwind_result *res)
{
	static const struct gs_unwind_opts no_opts;
	const struct gs_unwind_opts *o = opts ? opts : &no_opts;
	unsigned max = o->max_frames ? o->max_frames : GS_UNWIND_DEFAULT_FRAMES;
	uint64_t pc, sp, lr, spc, prev_sp;
	bool innermost = true, trap = o->trap;
	struct gs_sym_info in;
	struct walk w;

	memset(res, 0, sizeof(*res));
	if (!s || !regs || !out || !setup(&w, s, mem, regs, o, res, &in)) {
		res->stop = GS_UNW_BAD_ARGS;
		return 0;
	}
	if (max > cap)
		max = cap;
	pc = regs->pc;
	sp = regs->sp;
	lr = w.lr_machine && regs->lr_valid ? regs->lr : 0;
	if (sp < w.lo || sp >= w.hi) {
		res->stop = GS_UNW_BOUNDS;
		return 0;
	}
	/* A nil function call: start in the caller's frame. */
	if (pc == 0) {
		if (!rd_word(&w, sp, &pc))
			return 0;
		if (!w.lr_machine)
			sp += w.ptrsize;
		lr = 0;
		trap = false;
	}
	prev_sp = sp;
	for (;;) {
		struct gs_funcinfo fi;
		struct gs_uframe *f;
		uint64_t fp;
		int32_t delta;
		uint8_t flag;

		if (res->n >= max) {
			res->stop = GS_UNW_MAX_FRAMES;
			break;
		}
		if (!to_static(&w, pc, &spc) || gs_sym_func(s, spc, &fi) < 0) {
			res->stop = GS_UNW_NO_FUNC;
			break;
		}
		f = &out[res->n++];
		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->sp = sp;
		f->entry = fi.entry;
		f->func_index = fi.index;
		f->kind = fi.kind;
		f->flag = fi.flag;
		f->trap = trap;
		/* The call instruction's pc, unless pc is not a return address. */
		f->sym_pc = !trap && spc > fi.entry ? spc - 1 : spc;
		if (!fi.pcsp) {
			res->stop = GS_UNW_NO_PCSP;
			break;
		}
		flag = in.flags_valid ? fi.flag : 0;
		if (fi.kind == GS_FK_CGOCALLBACK || (innermost && o->syscall))
			flag &= (uint8_t)~GS_FUNCFLAG_SPWRITE;
		/* SP delta at pc itself: the runtime uses the frame's pc, not pc-1. */
		if (!gs_sym_spdelta(s, &fi, spc, &delta) || delta < 0 ||
		    (uint64_t)delta > w.hi - sp) {
			res->stop = GS_UNW_BAD_SPDELTA;
			break;
		}
		f->spdelta = delta;
		fp = sp + (uint64_t)delta + (w.lr_machine ? 0 : w.ptrsize);
		f->fp = fp;
		if (fp > w.hi) {
			res->stop = GS_UNW_BOUNDS;
			break;
		}
		if (is_top(&in, &fi)) {
			res->stop = GS_UNW_TOP;
			res->complete = true;
			break;
		}
		if (flag & GS_FUNCFLAG_SPWRITE) {
			res->stop = GS_UNW_SPWRITE;
			break;
		}
		/* The return address. */
		if (w.lr_machine) {
			if ((innermost && sp < fp) || !lr)
				if (!rd_word(&w, sp, &lr))
					break;
		} else if (!rd_word(&w, fp - w.ptrsize, &lr)) {
			break;
		}
		if (!lr) {
			res->stop = GS_UNW_END;
			break;
		}
		if (lr == pc && fp == sp) {
			res->stop = GS_UNW_STUCK;
			break;
		}
		/* The caller. */
		trap = is_injected(fi.kind);
		pc = lr;
		lr = 0;
		sp = fp;
		if (w.lr_machine && trap) {
			struct gs_funcinfo cf;
			uint64_t x, cspc;
			int32_t cd;

			/* sighandler saved LR at 0(sp) before faking the call. */
			if (!rd_word(&w, sp, &x))
				break;
			sp += (w.min_frame + w.stack_align - 1) & ~(uint64_t)(w.stack_align - 1);
			if (!to_static(&w, pc, &cspc) || gs_sym_func(s, cspc, &cf) < 0)
				pc = x;
			else if (gs_sym_spdelta(s, &cf, cspc, &cd) && cd == 0)
				lr = x;
		}
		/* Callers' frames sit strictly above their callees'. */
		if (sp < prev_sp || (sp == prev_sp && !innermost)) {
			res->stop = GS_UNW_STUCK;
			break;
		}
		prev_sp = sp;
		innermost = false;
	}
	return res->n;
}

unsigned gs_unwind_fp_check(const struct gs_mem *mem, const struct gs_unwind_regs *regs,
			    const struct gs_unwind_opts *opts, unsigned ptrsize,
			    const struct gs_uframe *fr, unsigned n, unsigned *first)
{
	static const struct gs_unwind_opts no_opts;
	const struct gs_unwind_opts *o = opts ? opts : &no_opts;
	struct gs_unwind_result res = { 0 };
	struct walk w = { .mem = mem, .ptrsize = ptrsize, .res = &res };
	uint64_t fp, ret;
	unsigned k = 0, agree = 0;

	*first = 0;
	if (!regs || !regs->fp_valid || (ptrsize != 4 && ptrsize != 8) || !n)
		return 0;
	w.lo = o->stack_lo ? o->stack_lo : regs->sp;
	w.hi = o->stack_hi ? o->stack_hi : regs->sp + GS_UNWIND_MAX_SPAN;
	w.max_reads = o->max_reads ? o->max_reads : GS_UNWIND_DEFAULT_READS;
	fp = regs->fp;
	/* Each link: [fp] the caller's fp, [fp + ptrsize] the return address. */
	while (agree + 1 < n && k < n + 1) {
		uint64_t next;

		if (!rd_word(&w, fp + ptrsize, &ret) || !rd_word(&w, fp, &next))
			break;
		if (!agree) {
			/* Meet the pcs walk at the frame this return address enters. */
			unsigned m = 1;

			while (m < n && fr[m].pc != ret)
				m++;
			if (m == n)
				break;
			*first = m;
			agree = 1;
		} else if (*first + agree < n && fr[*first + agree].pc == ret) {
			agree++;
		} else {
			break;
		}
		if (next <= fp)
			break;
		fp = next;
		k++;
	}
	return agree;
}
