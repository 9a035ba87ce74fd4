/* SPDX-License-Identifier: MIT */
/*
 * rtglobals: where the Go runtime's global variables sit in one executable
 * (static addresses; add the load bias for a live process). From .symtab
 * when the binary kept it; otherwise from the runtime's own machine code:
 * functions pclntab still names (stripped binaries keep it) are decoded
 * (coderef.h: x86scan.h on amd64, arm64scan.h on arm64) and each global is
 * taken from the references a rule names, e.g. "the 8-byte store in
 * runtime.allgadd to a word it never loads" for allglen.
 * docs/runtime-globals.md lists every rule and why it holds.
 *
 * A global found in code needs a second source: another function that
 * touches the same address (or the same struct at other fields' offsets),
 * or, when the code gives only one, a plausibility check on the live values
 * (livesample.c) -- .confirmed says which. Disagreement, ambiguity or a rule
 * that does not match leaves the global unknown with the reason: an address
 * is never guessed.
 *
 * Struct globals (sched, memstats, gcController, mheap_) are found through
 * fields whose offsets come from the runtime layout (rtoffsets.h): a rule
 * names the fields a function touches, and the base is the one address at
 * which they all fall.
 */
#ifndef GOSCOPE_RTGLOBALS_H
#define GOSCOPE_RTGLOBALS_H

#include <stdbool.h>
#include <stdint.h>

#include "elfview.h"
#include "goelf.h"
#include "gserr.h"
#include "rtoffsets.h"

enum gs_rtg {
	GS_RTG_ALLGLEN,		/* runtime.allglen: uintptr, len(allgs) for lock-free readers */
	GS_RTG_ALLGPTR,		/* runtime.allgptr: **g, &allgs[0] (Go 1.17+) */
	GS_RTG_ALLGS,		/* runtime.allgs: []*g */
	GS_RTG_ALLP,		/* runtime.allp: []*p */
	GS_RTG_SCHED,		/* runtime.sched: schedt */
	GS_RTG_MEMSTATS,	/* runtime.memstats: mstats */
	GS_RTG_GCCONTROLLER,	/* runtime.gcController: gcControllerState */
	GS_RTG_MHEAP,		/* runtime.mheap_: mheap */
	GS_RTG_NCPU,		/* runtime.ncpu (numCPUStartup since Go 1.25): int32 */
	GS_RTG_GOMAXPROCS,	/* runtime.gomaxprocs: int32 */
	GS_RTG_COUNT
};

enum gs_rtg_src { GS_RTG_SRC_NONE = 0, GS_RTG_SRC_SYMTAB, GS_RTG_SRC_CODE };

#define GS_RTG_WHY 128

struct gs_rtg_addr {
	enum gs_rtg_src src;	/* NONE: unknown, see how */
	uint64_t addr;		/* static address */
	uint64_t size;		/* from .symtab; from code: the layout's struct size, or 0 */
	bool confirmed;		/* code: a second function agreed (else: check the values) */
	char how[GS_RTG_WHY];	/* code: the rule's functions; unknown: why */
};

/*
 * runtime.gcount's counters, straight from code, for binaries whose
 * runtime layout is not known (Go releases without a toolchain here):
 * gfput and gfget move a dead G between a P's free list and the global
 * one, counting both (sched.gFree.n, p.gFree.n: Go 1.24 and earlier, one
 * int32 per list), and newproc1 counts system goroutines (sched.ngsys).
 * Runtimes with two global lists (Go 1.25+) do not match: they need the
 * layout.
 */
struct gs_rtg_gcount {
	bool known;
	uint64_t ngsys;		/* address of sched.ngsys (int32) */
	uint64_t gfree_n;	/* address of sched.gFree.n (int32) */
	uint32_t p_gfree_n;	/* offset of gFree.n in runtime.p (int32) */
	char how[GS_RTG_WHY];	/* !known: why */
};

struct gs_rt_globals {
	bool symtab;		/* .symtab was there (and named runtime globals) */
	struct gs_rtg_addr g[GS_RTG_COUNT];
};

/*
 * Every global of e: from .symtab where it names them, else from code
 * (needs t, a pclntab whose text base is known; o may be NULL or partial:
 * the struct globals then stay unknown with the reason). Never fails:
 * unknown globals carry their reason.
 */
void gs_rt_globals_find(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out);

/* The same from code only, ignoring .symtab (tests compare the two). */
void gs_rt_globals_code(const struct gs_elf *e, const struct gs_pclntab *t,
			const struct gs_rt_offsets *o, struct gs_rt_globals *out);

/* gcount's counters from e's code (struct gs_rtg_gcount); t as above. */
void gs_rt_gcount_code(const struct gs_elf *e, const struct gs_pclntab *t,
		       struct gs_rtg_gcount *out);

/* "runtime.allglen", ...; "symtab", "code", "none". */
const char *gs_rtg_name(enum gs_rtg g);
const char *gs_rtg_src_name(enum gs_rtg_src s);

#endif
