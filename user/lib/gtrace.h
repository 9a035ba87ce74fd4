/* SPDX-License-Identifier: MIT */
/*
 * gtrace: a goroutine's traceback as its own runtime would print it, per Go
 * release (docs/stackdump.md §5): which frames show (runtime frames and
 * wrappers hidden, runtime.Stack's rules, or everything at the "system"
 * level), the elision of long stacks (100 frames up to Go 1.20; the first
 * and last 50 since 1.21), the goroutine header and "created by".
 *
 *	struct gs_trace t;
 *	gs_trace_init(&t);
 *	gs_trace_build(&ctx, dump, i, &t);	the printed frames of goroutine i
 *	gs_trace_text(&ctx, &t, &buf);		the text, byte for byte as the runtime
 *	gs_trace_free(&t);
 *
 * Arguments print as "(...)" (the runtime prints the argument words; tools
 * compare the rest). Goroutine labels (1.26+ with GODEBUG, 1.27 by default)
 * and synctest bubbles (1.24+) are not printed: goscope does not read them.
 */
#ifndef GOSCOPE_GTRACE_H
#define GOSCOPE_GTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "goroutines.h"
#include "gosym.h"
#include "stackdump.h"
#include "tbuf.h"

enum gs_tb_level {
	GS_TB_USER = 1,		/* runtime.Stack, GOTRACEBACK=single/all: runtime frames hidden */
	GS_TB_SYSTEM = 2,	/* GOTRACEBACK=system: every frame, fp/sp/pc, system goroutines */
};

struct gs_trace_ctx {
	struct gs_sym *sym;
	const struct gs_gview *v;	/* v->minor picks the release's rules */
	uint64_t bias;
	enum gs_tb_level level;
	int64_t now;			/* the target's nanotime(); 0: no "N minutes" */
	unsigned quantum;		/* pc quantum: 1 (x86), 4 (arm64) */
};

/* One printed frame. */
struct gs_tframe {
	const char *func;		/* raw pclntab name ("?" unknown) */
	const char *file;
	int32_t line;
	uint64_t pc;			/* the physical frame's pc (runtime address) */
	uint64_t entry;			/* its function's entry (runtime address) */
	uint64_t sp, fp;
	bool inlined;
	bool phys_pc_gt_entry;		/* physical and pc > entry: " +0x<pc-entry>" printed */
};

struct gs_trace {
	/* header */
	uint64_t goid;
	const char *status;		/* as printed: status word or wait reason */
	bool wait_known;		/* the wait reason's name is known */
	bool scan, leaked, locked;
	int64_t minutes;		/* -1: none printed */
	/* frames, as printed: [0, split), then the elision line, then [split, n) */
	struct gs_tframe *fr;
	size_t n, cap, split;
	int64_t elided;			/* > 0: "...N frames elided..."; -1: "...additional frames
					 * elided..." after the frames; 0: none */
	bool alloc_failed;
	const char *inl_unknown;	/* a function whose inlined frames are unknown (its
					 * frame prints at "?:0"), NULL when none */
	/* created by */
	bool has_creator;
	const char *creator;		/* raw name */
	const char *creator_file;
	int32_t creator_line;
	uint64_t creator_off;		/* printed when creator_has_off */
	bool creator_has_off;
	uint64_t parent_goid;		/* printed when nonzero (1.21+) */
};

void gs_trace_init(struct gs_trace *t);
void gs_trace_free(struct gs_trace *t);

/* Goroutine i of d, as the runtime prints it at ctx->level. 0, or -1 (out of memory). */
int gs_trace_build(const struct gs_trace_ctx *ctx, const struct gs_dump *d, size_t i,
		   struct gs_trace *t);

/*
 * The text of goroutine i (header, frames, created by; no blank line
 * before it) appended to b. States without frames print one tab-indented
 * line in place of them: "frames unavailable: running on thread TID",
 * "frames unavailable: <why>"; an incomplete walk adds
 * "frames incomplete: <why>" after its frames.
 */
void gs_trace_text(const struct gs_trace_ctx *ctx, const struct gs_dump *d, size_t i,
		   const struct gs_trace *t, struct gs_tbuf *b);

/* A frame's or the creator's name as printed (printFuncName of the release). */
const char *gs_trace_name(const struct gs_trace_ctx *ctx, const char *raw, bool physical,
			  char *buf, size_t sz);

/*
 * isSystemGoroutine: started at a runtime.* function other than
 * runtime.main (and corostart); the finalizer and cleanup goroutines only
 * while they run no user code (judged from their frames).
 */
bool gs_gtrace_is_system(struct gs_sym *s, const struct gs_gview *v, uint64_t bias,
			 const struct gs_gstack *gs, const struct gs_pframe *fr);

/* Whether goroutine gs is listed at level (system goroutines only at GS_TB_SYSTEM). */
static inline bool gs_trace_listed(const struct gs_gstack *gs, enum gs_tb_level level)
{
	return !gs->system || level >= GS_TB_SYSTEM;
}

/* showfuncinfo's name test: not a runtime function, or an exported one. */
bool gs_trace_name_shown(const char *name, unsigned minor);

#endif
