/* SPDX-License-Identifier: MIT */
/*
 * unwind: a goroutine's physical stack frames from its registers, with the
 * Go runtime's own rules (traceback.go's unwinder) on pclntab alone: frame
 * sizes from pcsp, return addresses from the stack (amd64) or LR and the
 * frame's 0(SP) slot (arm64), stack tops by funcID/flag. The rules are
 * written down in docs/unwinding.md §6.
 *
 *	struct gs_uframe fr[256];
 *	struct gs_unwind_result res;
 *	gs_unwind(sym, &mem, &regs, &opts, fr, 256, &res);
 *	for each frame: gs_sym_frames(sym, fr[i].sym_pc, ...) for names and lines
 *
 * Memory is read only through mem (see memread.h: a snapshot of the stack,
 * read once, is the intended reader), only inside [stack_lo, stack_hi), a
 * word at a time, within the caps. Hostile memory (loops, absurd frame
 * sizes, pcs outside text, sp going backwards) ends the walk with a reason.
 * A frame-pointer walk (gs_unwind_fp_check) can cross-check the result; it
 * never replaces it, since a frameless leaf hides its caller from it.
 */
#ifndef GOSCOPE_UNWIND_H
#define GOSCOPE_UNWIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gosym.h"
#include "memread.h"

#define GS_UNWIND_DEFAULT_FRAMES 1024
#define GS_UNWIND_DEFAULT_READS 8192
#define GS_UNWIND_MAX_SPAN (1ull << 30)	/* a Go stack is at most 1 GiB */

struct gs_unwind_regs {
	uint64_t pc, sp;
	uint64_t lr;			/* arm64: the link register (innermost frame) */
	uint64_t fp;			/* frame pointer (rbp / x29), for the cross-check */
	bool lr_valid, fp_valid;
};

struct gs_unwind_opts {
	uint64_t stack_lo, stack_hi;	/* the goroutine's stack; hi 0: unknown, capped */
	uint64_t bias;			/* runtime address - static address (PIE) */
	bool trap;			/* regs of a thread stopped anywhere (signal, ptrace):
					 * pc is the next instruction, not a return address */
	bool syscall;			/* regs are a goroutine's syscallpc/syscallsp */
	unsigned max_frames;		/* 0: GS_UNWIND_DEFAULT_FRAMES */
	unsigned max_reads;		/* 0: GS_UNWIND_DEFAULT_READS */
};

struct gs_uframe {
	uint64_t pc;			/* runtime address: a return address, except for the
					 * innermost frame and a frame interrupted by a trap */
	uint64_t sym_pc;		/* static address to symbolize (pc-1 after a call) */
	uint64_t sp, fp;		/* this frame's SP and its caller's SP */
	uint64_t entry;			/* static entry of the function */
	uint64_t func_index;
	int32_t spdelta;
	enum gs_fkind kind;
	uint8_t flag;
	bool trap;
};

enum gs_unwind_stop {
	GS_UNW_TOP = 0,		/* a top frame (goexit, mstart, rt0_go, ...): complete */
	GS_UNW_END,		/* a zero return address, as the runtime's lr == 0 */
	GS_UNW_SPWRITE,		/* a function that writes SP (systemstack, mcall, gogo, ...) */
	GS_UNW_NO_FUNC,		/* a pc no function holds */
	GS_UNW_NO_PCSP,		/* a function without frame information */
	GS_UNW_BAD_SPDELTA,	/* no or an absurd SP delta at pc */
	GS_UNW_BOUNDS,		/* a frame leaves [stack_lo, stack_hi) */
	GS_UNW_READ,		/* memory could not be read */
	GS_UNW_STUCK,		/* no progress: the same frame again, or SP going back */
	GS_UNW_MAX_FRAMES,
	GS_UNW_MAX_READS,
	GS_UNW_BAD_ARGS,
};

struct gs_unwind_result {
	unsigned n;			/* frames in out */
	enum gs_unwind_stop stop;
	bool complete;			/* stop == GS_UNW_TOP */
	unsigned reads;			/* memory reads made */
	uint64_t bytes;
};

/*
 * Unwind from regs. Fills out[0..res->n) innermost first, at most cap
 * (and opts->max_frames) frames. Returns res->n; the reason it stopped is
 * res->stop (a walk that ends anywhere but a top frame is incomplete).
 */
unsigned gs_unwind(struct gs_sym *s, const struct gs_mem *mem, const struct gs_unwind_regs *regs,
		   const struct gs_unwind_opts *opts, struct gs_uframe *out, unsigned cap,
		   struct gs_unwind_result *res);

const char *gs_unwind_stop_str(enum gs_unwind_stop stop);

/*
 * Cross-check fr[0..n) with the frame-pointer chain from regs->fp: the
 * return addresses the chain gives must be the frames' pcs, in order, from
 * the frame where they first meet (a frameless leaf is skipped). Returns
 * the number of frames both agree on, and in *first the index of the
 * first; 0 when the chain meets none of them.
 */
unsigned gs_unwind_fp_check(const struct gs_mem *mem, const struct gs_unwind_regs *regs,
			    const struct gs_unwind_opts *opts, unsigned ptrsize,
			    const struct gs_uframe *fr, unsigned n, unsigned *first);

#endif
