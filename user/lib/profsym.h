/* SPDX-License-Identifier: MIT */
/*
 * What a CPU profile needs from a Go binary's pclntab, behind one small
 * interface: the logical frames (inlined calls included) at an address,
 * and the SP-delta table the BPF program uses to find a frameless leaf's
 * caller. Addresses are static (link-time) ones.
 */
#ifndef GOSCOPE_PROFSYM_H
#define GOSCOPE_PROFSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuprofile.h"
#include "elfview.h"
#include "gserr.h"

#define GS_PSYM_MAX_FRAMES 64

struct gs_psym;

struct gs_pframe {
	const char *func;		/* as Go prints it (generic shapes as "[...]") */
	const char *file;		/* NULL when unknown */
	int64_t line;			/* 0 when unknown */
	int64_t start_line;		/* the func keyword's line, 0 when unknown */
	bool top;			/* a stack's outermost function (goexit, mstart, ...):
					 * what a frame-pointer walk finds above it is not a frame */
	bool wrapper;			/* compiler-generated wrapper: Go's tracebacks hide it */
	bool panics;			/* gopanic, sigpanic, panicwrap: a wrapper calling it shows */
};

/*
 * Open e's symbols (e's bytes must outlive the handle). go_minor is the
 * binary's Go minor version for name printing (0: unknown). NULL with err
 * when the binary has no usable pclntab.
 */
struct gs_psym *gs_psym_open(const struct gs_elf *e, unsigned go_minor, struct gs_err *err);
void gs_psym_close(struct gs_psym *s);

/*
 * The frames at addr, innermost inlined call first and the physical
 * function last; is_ret: addr is a return address (the call before it is
 * looked up). Returns the count, 0 when no Go function holds addr.
 * Strings stay valid until the next call or gs_psym_close.
 */
int gs_psym_frames(struct gs_psym *s, uint64_t addr, bool is_ret, struct gs_pframe *out,
		   unsigned max);

/*
 * The binary's SP-delta table (cpuprofile.h): entries by increasing off
 * from *text_lo over *text_len bytes, malloc'd into *out. 0, or -1 with err
 * (then no table: the profile keeps the frame-pointer chain as it is).
 */
int gs_psym_sptab(struct gs_psym *s, struct gs_cp_spent **out, size_t *n, uint64_t *text_lo,
		  uint64_t *text_len, struct gs_err *err);

#endif
