/* SPDX-License-Identifier: MIT */
/*
 * gosym: pc -> function, file:line and inlined frames, from a Go binary's
 * pclntab alone (stripped binaries too), for every pclntab generation the
 * classifier reads (Go 1.12-1.15 "1.2" tables, 1.16, 1.18, 1.20+).
 * The facts used are written down in docs/unwinding.md (sections cited as
 * "unwinding.md §N").
 *
 *	struct gs_sym *s;
 *	gs_sym_open(&s, &elf, &err);		once per binary
 *	n = gs_sym_frames(s, pc, frames, 16);	innermost inlined frame first,
 *						the physical function last
 *	gs_sym_close(s);
 *
 * Addresses are static (link-time) addresses of the image; a caller that
 * holds a PIE process's addresses subtracts the load bias first.
 *
 * A gs_sym points into the image it was opened on (names and file names are
 * NUL-terminated strings inside it): keep the image mapped until
 * gs_sym_close. When the image is a shared mapping of a file other users
 * control, run lookups under gs_map_guarded() (one guard around a batch).
 * A gs_sym caches lookups, so it is used by one thread at a time.
 */
#ifndef GOSCOPE_GOSYM_H
#define GOSCOPE_GOSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfview.h"
#include "goelf.h"
#include "gserr.h"

#define GS_SYM_MAX_DEPTH 64	/* logical (inlined) frames expanded per pc */

/* _func.flag bits (Go 1.17+; 0 before). */
#define GS_FUNCFLAG_TOPFRAME 0x1
#define GS_FUNCFLAG_SPWRITE 0x2
#define GS_FUNCFLAG_ASM 0x4

/* FUNCDATA / PCDATA table indices (stable since Go 1.12). */
#define GS_PCDATA_UNSAFEPOINT 0
#define GS_PCDATA_INLTREEINDEX 2
#define GS_FUNCDATA_INLTREE 3

/*
 * What a function is to the unwinder and the stack printer. The runtime's
 * funcID numbers changed between releases (unwinding.md §5), so goscope
 * names the special functions by their names and learns each binary's
 * numbers from them; wrappers by the calibrated wrapper number.
 */
enum gs_fkind {
	GS_FK_NORMAL = 0,
	GS_FK_GOEXIT,
	GS_FK_MSTART,
	GS_FK_RT0_GO,
	GS_FK_MCALL,
	GS_FK_MORESTACK,
	GS_FK_SYSTEMSTACK,
	GS_FK_SYSTEMSTACK_SWITCH,
	GS_FK_ASYNCPREEMPT,
	GS_FK_SIGPANIC,
	GS_FK_DEBUGCALL,
	GS_FK_GOGO,
	GS_FK_GOPANIC,
	GS_FK_PANICWRAP,
	GS_FK_ASMCGOCALL,
	GS_FK_CGOCALLBACK,
	GS_FK_RUNTIME_MAIN,
	GS_FK_GCBGMARKWORKER,
	GS_FK_RUNFINQ,			/* runfinq, runFinalizers, runCleanups */
	GS_FK_ABORT,
	GS_FK_COROSTART,
	GS_FK_EXTERNALTHREADHANDLER,	/* Go <= 1.15 */
	GS_FK_HANDLEASYNCEVENT,
	GS_FK_WRAPPER,			/* compiler-generated wrapper */
	GS_FK_COUNT
};

/* One _func record, decoded (unwinding.md §2). */
struct gs_funcinfo {
	uint64_t index;			/* in the functab */
	uint64_t entry, end;		/* [entry, end): up to the next function */
	const char *name;		/* raw pclntab name, "?" when unreadable */
	int32_t args;
	uint32_t deferreturn;
	uint32_t pcsp, pcfile, pcln;	/* pc-value table offsets, 0 = none */
	uint32_t npcdata, cu_offset;
	int32_t start_line;		/* Go 1.20+, else 0 */
	uint8_t funcid, flag, nfuncdata;
	enum gs_fkind kind;
	uint64_t rec;			/* table offset of the record */
};

/* One logical frame at a pc. */
struct gs_symframe {
	const char *func;		/* raw name (generic shapes as the table has them) */
	const char *file;		/* "?" when unknown */
	int32_t line;			/* 0 when unknown */
	int32_t start_line;		/* line of the func keyword (1.20+), else 0 */
	uint64_t pc;			/* the pc whose file:line this is (for outer
					 * inlined frames: entry + parentPc) */
	uint64_t entry;			/* entry of the physical function */
	uint64_t func_index;		/* physical function's functab index */
	uint8_t funcid;
	enum gs_fkind kind;
	bool inlined;			/* false only for the last, physical frame */
};

struct gs_sym;

struct gs_sym_info {
	enum gs_pcln_ver ver;
	uint16_t machine;
	unsigned ptrsize, quantum;
	uint64_t nfunc;
	uint64_t minpc, maxpc;		/* static text range covered by functions */
	uint64_t gofunc;		/* funcdata base (Go 1.18+), 0 if unknown */
	bool flags_valid;		/* _func.flag is written (Go 1.17+) */
	bool inline_ok;			/* inline trees can be read */
	int wrapper_funcid;		/* calibrated FuncIDWrapper, -1 if unknown */
};

/*
 * Parse e's pclntab (and moduledata, for the text base and funcdata base)
 * and build the per-binary state: calibration of funcIDs by name, caches.
 * e is copied; its bytes must outlive the gs_sym. 0, or -1 with err.
 */
int gs_sym_open(struct gs_sym **out, const struct gs_elf *e, struct gs_err *err);
void gs_sym_close(struct gs_sym *s);
void gs_sym_get_info(const struct gs_sym *s, struct gs_sym_info *info);

/* The function holding pc (static address). 0, or -1 when none does. */
int gs_sym_func(struct gs_sym *s, uint64_t pc, struct gs_funcinfo *fi);
/* Function by functab index. */
int gs_sym_func_at(struct gs_sym *s, uint64_t index, struct gs_funcinfo *fi);

/*
 * Value of the pc-value table at table offset off for pc (unwinding.md §3).
 * False when there is no table (off 0), pc is not covered, or the table is
 * malformed. With start set, *start is the first pc the value holds for.
 */
bool gs_sym_pcvalue(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t off, uint64_t pc,
		    int32_t *val, uint64_t *start);
/* SP delta at pc (bytes the function moved SP since entry). */
bool gs_sym_spdelta(struct gs_sym *s, const struct gs_funcinfo *fi, uint64_t pc, int32_t *delta);
/* PCDATA table number table at pc; false (and -1) when absent. */
bool gs_sym_pcdata(struct gs_sym *s, const struct gs_funcinfo *fi, uint32_t table, uint64_t pc,
		   int32_t *val);
/* FUNCDATA i as a static address; false when absent or unknown. */
bool gs_sym_funcdata(struct gs_sym *s, const struct gs_funcinfo *fi, unsigned i, uint64_t *addr);
/* File and line at pc in fi ("?" and 0 when unknown, as the runtime). */
void gs_sym_fileline(struct gs_sym *s, const struct gs_funcinfo *fi, uint64_t pc,
		     const char **file, int32_t *line);

/*
 * Every logical frame at pc, innermost inlined frame first, the physical
 * function last, at most max (frames beyond are cut; at most
 * GS_SYM_MAX_DEPTH). pc is the pc to look up: for a return address the
 * caller passes ret-1 (see gs_sym_frames_ret). Returns the number of frames,
 * 0 when no function holds pc, -1 when the function's inline tree cannot be
 * read (its frames would be wrong, so none are given).
 */
int gs_sym_frames(struct gs_sym *s, uint64_t pc, struct gs_symframe *out, unsigned max);
/* The same for a return address: looks up ret-1 unless ret is an entry. */
int gs_sym_frames_ret(struct gs_sym *s, uint64_t ret, struct gs_symframe *out, unsigned max);

/* Kind of a physical function, or of an inlined frame's funcid. */
enum gs_fkind gs_sym_kind_of_funcid(const struct gs_sym *s, uint8_t funcid);
const char *gs_fkind_name(enum gs_fkind k);

/*
 * A name as the runtime prints it (funcNameForPrint, unwinding.md §7):
 * generic shapes become "[...]"; go_minor selects the release's rule
 * (1.27 also keeps the method name of a generic type's generic method).
 * Returns buf, or name itself when it needs no change.
 */
const char *gs_sym_print_name(const char *name, unsigned go_minor, char *buf, size_t bufsz);

/* Lookup statistics (benchmarks). */
struct gs_sym_stats {
	unsigned long func_lookups, func_hits, pcvalue_lookups, pcvalue_hits, pcvalue_steps;
};
void gs_sym_get_stats(const struct gs_sym *s, struct gs_sym_stats *st);

#endif
