/* SPDX-License-Identifier: MIT */
/*
 * goroutines: every g of a live Go program, read from outside and decoded
 * (docs/stackdump.md §1-§2).
 *
 *	struct gs_gview v;			per binary: where g's and m's fields are
 *	gs_gview_init(&v, &layout->off, minor, EM_X86_64, &err);
 *	gs_allg_read(&mem, &src, &gps, &n, &err);	the g pointers (allgs)
 *	gs_g_read(&mem, &v, gps, n, gs, &err);		the records, batched
 *
 * Memory comes only through a struct gs_rmem (a batch reader: the live one
 * is process_vm_readv, gs_rmem_pid; fuzzers and tests serve bytes of their
 * own). Everything read is hostile: counts are capped before anything is
 * allocated from them, records are decoded field by field inside their
 * buffer, and a g that does not look like one is flagged, never trusted.
 */
#ifndef GOSCOPE_GOROUTINES_H
#define GOSCOPE_GOROUTINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gserr.h"
#include "memread.h"
#include "rtoffsets.h"

#define GS_ALLG_MAX (1u << 22)		/* allglen above this is refused */
#define GS_G_REC_MAX 4096u		/* bytes of a g (or m) record read */
#define GS_STACK_MAX_SPAN (1ull << 30)	/* a goroutine stack is at most 1 GiB */

/* A batch reader of the target's memory: fills r[i].got; see gs_pvm_read_batch. */
struct gs_rmem {
	int (*batch)(void *ctx, struct gs_memrange *r, size_t n);
	void *ctx;
};

/* The live reader: process_vm_readv of pid (ctx points at a pid_t). */
int gs_rmem_pid_batch(void *ctx, struct gs_memrange *r, size_t n);
static inline struct gs_rmem gs_rmem_pid(pid_t *pid)
{
	return (struct gs_rmem){ gs_rmem_pid_batch, pid };
}

/* Read len bytes at addr through m (one range); 0, or -1 with err (ESRCH: gone). */
int gs_rmem_read(const struct gs_rmem *m, uint64_t addr, void *buf, size_t len,
		 struct gs_err *err);

/* One scalar field of a record: offset and width (0: not in this layout). */
struct gs_gfield {
	uint32_t off;
	uint8_t size;
};

enum gs_gf {
	GS_GF_STACK_LO, GS_GF_STACK_HI, GS_GF_SCHED_SP, GS_GF_SCHED_PC, GS_GF_SCHED_LR,
	GS_GF_SCHED_BP, GS_GF_SYSCALLSP, GS_GF_SYSCALLPC, GS_GF_STATUS, GS_GF_GOID,
	GS_GF_WAITSINCE, GS_GF_WAITREASON, GS_GF_LOCKEDM, GS_GF_PARENTGOID, GS_GF_GOPC,
	GS_GF_STARTPC, GS_GF_M, GS_GF_COUNT
};

enum gs_mf { GS_MF_PROCID, GS_MF_ID, GS_MF_CURG, GS_MF_G0, GS_MF_COUNT };

/* g status values (runtime2.go: identical in every release 1.15-1.27). */
enum gs_gstatus {
	GS_G_IDLE = 0, GS_G_RUNNABLE = 1, GS_G_RUNNING = 2, GS_G_SYSCALL = 3,
	GS_G_WAITING = 4, GS_G_DEAD = 6, GS_G_COPYSTACK = 8, GS_G_PREEMPTED = 9,
	GS_G_LEAKED = 10, GS_G_DEADEXTRA = 11,	/* Go 1.26+ */
	GS_G_SCAN = 0x1000,
};

/* Where a binary's g and m fields are (from a struct gs_rt_offsets). Plain data. */
struct gs_gview {
	struct gs_gfield g[GS_GF_COUNT];
	struct gs_gfield m[GS_MF_COUNT];
	uint32_t g_len, m_len;		/* bytes read per record: up to the last field used */
	uint32_t scan;			/* the scan bit */
	unsigned minor;			/* Go 1.minor; 0 unknown */
	uint16_t machine;
	const char *const *wait;	/* wait-reason names by value, NULL if unknown */
	unsigned nwait;
};

/*
 * From a runtime layout: every field a dump needs must be known (g's
 * stack, sched.sp/pc, syscallsp/pc, atomicstatus, goid, gopc, startpc, m;
 * sched.lr on arm64) or this fails with the name of the first missing one.
 * waitreason, waitsince, lockedm, parentGoid (1.21+) and m's fields are
 * optional: what needs them says "unknown". Status values the layout
 * states must be the ones above (they are in every release goscope knows).
 */
int gs_gview_init(struct gs_gview *v, const struct gs_rt_offsets *o, unsigned minor,
		  uint16_t machine, struct gs_err *err);

/* One g as read. */
struct gs_g {
	uint64_t addr;			/* the g's own address */
	uint64_t goid, parent_goid;
	uint32_t status;		/* atomicstatus as read (scan bit included) */
	uint32_t waitreason;
	int64_t waitsince;
	uint64_t stack_lo, stack_hi;
	uint64_t sched_sp, sched_pc, sched_lr, sched_bp;
	uint64_t syscallsp, syscallpc;
	uint64_t gopc, startpc;
	uint64_t m, lockedm;
	bool has_waitreason, has_waitsince, has_lockedm, has_parent;
};

/* Decode a record of v->g_len bytes at rec (pure: the fuzzers' entry). */
void gs_g_decode(const struct gs_gview *v, uint64_t addr, const uint8_t *rec, struct gs_g *g);

/* Status without the scan bit (enum gs_gstatus values). */
static inline uint32_t gs_g_base_status(const struct gs_gview *v, uint32_t st)
{
	return st & ~v->scan;
}

/*
 * Whether two reads of one g show the same goroutine in the same place:
 * goid, status (the scan bit aside), wait reason, stack bounds, saved
 * sp/pc/lr and syscall sp/pc all equal.
 */
bool gs_g_same(const struct gs_g *a, const struct gs_g *b, uint32_t scan);

/* An m as read (the thread a goroutine runs on). */
struct gs_m {
	uint64_t addr, procid, id, curg, g0;
	bool has_procid, has_id, has_g0;
};
void gs_m_decode(const struct gs_gview *v, uint64_t addr, const uint8_t *rec, struct gs_m *m);

/* Where allgs is (runtime addresses: static + load bias; 0 unknown). */
struct gs_allg_src {
	uint64_t allglen;		/* uintptr */
	uint64_t allgptr;		/* **g (Go 1.17+), preferred with allglen */
	uint64_t allgs;			/* []*g */
};

/*
 * Where the g pointers are, as the runtime's lock-free readers take them:
 * allglen, then the array at allgptr (or allgs' array when there is no
 * allgptr; allglen is then checked against allgs' len and cap). *arr is the
 * array's address, *n its length; read the pointers with gs_allg_ptrs, a
 * chunk at a time. 0 or -1 with err (ESRCH gone, EPERM, E2BIG over
 * GS_ALLG_MAX, EPROTO implausible).
 */
int gs_allg_locate(const struct gs_rmem *m, const struct gs_allg_src *src, uint64_t *arr,
		   uint64_t *n, struct gs_err *err);

/* Pointers [from, from + n) of the array at arr into out. 0, or -1 with err. */
int gs_allg_ptrs(const struct gs_rmem *m, uint64_t arr, uint64_t from, size_t n, uint64_t *out,
		 struct gs_err *err);

/*
 * Read and decode the g records at gps[0..n) in one batch. ok[i] false:
 * that record could not be read (its page is gone). 0, or -1 with err when
 * nothing could be read (ESRCH: the process is gone).
 */
int gs_g_read(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *gps, size_t n,
	      struct gs_g *out, bool *ok, struct gs_err *err);

/*
 * The same with buffers kept across calls (s zeroed at first, released
 * with gs_gscratch_free): a dump reads records in many batches.
 */
struct gs_gscratch {
	uint8_t *buf;
	struct gs_memrange *r;
	size_t cap;			/* bytes of buf */
	size_t rcap;			/* entries of r */
};
int gs_g_read_s(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *gps,
		size_t n, struct gs_g *out, bool *ok, struct gs_gscratch *s, struct gs_err *err);
int gs_m_read_s(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *ms,
		size_t n, struct gs_m *out, bool *ok, struct gs_gscratch *s, struct gs_err *err);
void gs_gscratch_free(struct gs_gscratch *s);

/* The same for m records. */
int gs_m_read(const struct gs_rmem *m, const struct gs_gview *v, const uint64_t *ms, size_t n,
	      struct gs_m *out, bool *ok, struct gs_err *err);

/* The status word as the runtime prints it (gStatusStrings): "" for unused values, "???" beyond. */
const char *gs_gstatus_name(const struct gs_gview *v, uint32_t base_status);

#endif
