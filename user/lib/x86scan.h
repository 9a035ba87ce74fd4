/* SPDX-License-Identifier: MIT */
/*
 * x86scan: finding runtime globals in stripped Go binaries (linux/amd64) by
 * decoding the machine code of runtime functions that pclntab still names
 * (docs/go-binary-format.md §9.4, docs/runtime-globals.md). Each finder accepts an address only when the
 * whole instruction pattern around it matches; anything else is "not found",
 * never a guess. Callers still check the value they then read for
 * plausibility.
 *
 * Decoding goes through capstone; raw bytes are never searched for opcodes.
 */
#ifndef GOSCOPE_X86SCAN_H
#define GOSCOPE_X86SCAN_H

#include <stdint.h>

#include "coderef.h"
#include "goelf.h"
#include "gserr.h"

/*
 * runtime.ncpu: in runtime.osinit, `ncpu = getproccount()` is a call to
 * runtime.getproccount (getCPUCount since Go 1.25) followed (Go 1.16: after `mov eax, [rsp]`) by the
 * first `mov dword ptr [rip+X], eax`. The call target must be the pclntab
 * entry of runtime.getproccount. *addr gets X (a static address).
 */
int gs_x86_find_ncpu(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t *addr,
		     struct gs_err *err);

/*
 * runtime.gomaxprocs: procresize(nprocs) opens with
 *	old := gomaxprocs; if old < 0 || nprocs <= 0 { throw(...) }
 * i.e. `mov r32, [rip+X]; test r32, r32; jl T` and, a few instructions on,
 * `test n, n; jle T` to the same T. The same X must be referenced again
 * later in the function (where gomaxprocs = nprocs is stored).
 */
int gs_x86_find_gomaxprocs(const struct gs_elf *e, const struct gs_pclntab *t, uint64_t *addr,
			   struct gs_err *err);

/*
 * A Go function's stack-check prologue:
 *	[mov rcx, fs:[-8]] [lea r, [rsp-N]] cmp rsp|r, [r14|rcx + 0x10|0x18]; jbe L
 * whose L block calls runtime.morestack (or _noctxt, or morestackc, maybe
 * through an ABI0 wrapper) and jumps back to the entry. An entry uprobe
 * fires again on that jump whenever the stack must grow or the goroutine is
 * asked to yield (Go's preemption request goes through the same check), so
 * it would count such calls twice. branch is the jbe (where a uprobe is
 * cheap, being emulated, and can tell the two cases apart by the flags),
 * body the instruction after it (reached once per call).
 * A function with no stack check at all gets branch 0 and body = entry
 * (nosplit code cannot re-enter). -1 when a prologue is there but not
 * recognised.
 */
struct gs_x86_prologue {
	uint64_t branch;
	uint64_t body;
};
int gs_x86_prologue(const struct gs_elf *e, const struct gs_pclntab *t, const struct gs_func *f,
		    struct gs_x86_prologue *out, struct gs_err *err);

/*
 * Addresses of the RET instructions of the code at [code, code+len), which
 * starts at vaddr; at most max. Returns the count found, or -1 when the
 * code does not decode to its end. (For return-side uprobes: never a
 * uretprobe on Go code.)
 */
int gs_x86_rets(const uint8_t *code, size_t len, uint64_t vaddr, uint64_t *out, unsigned max,
		struct gs_err *err);

/*
 * Every absolute data reference and direct call in the code at [code,
 * code+len), which starts at vaddr (coderef.h), in order; at most max
 * (more are dropped and counted as an error: E2BIG). Returns the count, or
 * -1 when the code does not decode to its end.
 */
int gs_x86_refs(const uint8_t *code, size_t len, uint64_t vaddr, struct gs_cref *out,
		unsigned max, struct gs_err *err);

#endif
