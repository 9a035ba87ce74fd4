/* SPDX-License-Identifier: MIT */
/*
 * coderef: what one function's machine code does with fixed addresses --
 * the data it loads, stores, updates or takes the address of, and the
 * functions it calls -- in decoding order. The x86-64 (x86scan.h) and arm64
 * (arm64scan.h) decoders both produce it, so the rules that name runtime
 * globals from it (rtglobals_*.c) do not depend on the machine.
 *
 * Only absolute addresses are reported: x86-64 RIP-relative operands, and
 * on both machines memory operands whose base register was loaded with a
 * fixed address just before (x86-64 `lea r, [rip+X]`; arm64 `adrp` alone or
 * `adrp` + `add`). Such a register is forgotten when it is overwritten, at
 * a call, and at every branch target inside the function (where another
 * path may bring another value), so a reference is only reported when the
 * straight-line code in front of it computed the address.
 *
 * Accesses through any other register (a pointer the code loaded, e.g. a
 * *p in a loop) are reported as relative: addr is then the displacement
 * from that register (reg names it, per machine), which is how a struct
 * field's offset shows in code. Stack and frame-pointer accesses are left
 * out.
 */
#ifndef GOSCOPE_CODEREF_H
#define GOSCOPE_CODEREF_H

#include <stdbool.h>
#include <stdint.h>

enum gs_cref_kind {
	GS_CREF_CALL = 1,	/* a direct call; addr is the target */
	GS_CREF_ADDR,		/* the address was computed into a register (lea, adrp+add) */
	GS_CREF_LOAD,		/* read */
	GS_CREF_STORE,		/* written */
	GS_CREF_RMW,		/* read and written by one instruction (inc, add to memory,
				 * xchg, lock xadd, ldadd, swp, cas) */
};

struct gs_cref {
	uint64_t pc;		/* the instruction */
	uint64_t addr;		/* the data address, or the call target */
	uint8_t kind;		/* enum gs_cref_kind */
	uint8_t size;		/* bytes accessed (0 for CALL and ADDR) */
	bool atomic;		/* lock prefix, xchg, or an acquire/release/atomic arm64 op */
	bool rel;		/* addr is a displacement from register reg, not an address */
	uint8_t reg;		/* rel: the base register (x86-64 0-15, arm64 x0-x30) */
	bool indexed;		/* X plus an index register: an element of an array at X */
	bool has_imm;		/* a constant was stored (x86-64 `mov [X], imm`) */
	int64_t imm;
};

/* Decoding limits: runtime functions are far smaller. */
#define GS_CREF_MAX_CODE	(256u << 10)	/* bytes of one function decoded */
#define GS_CREF_MAX		4096u		/* references kept per function */

#endif
