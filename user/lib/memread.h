/* SPDX-License-Identifier: MIT */
/*
 * memread: bounded reads of another process's memory for the unwinder and
 * the stack reader (docs/unwinding.md §8).
 *
 * The unwinder reads through a struct gs_mem callback, never directly. The
 * intended use for goroutine stacks is one snapshot per stack: read the used
 * part [sp, stack.hi) once (gs_stack_snapshot, a few process_vm_readv
 * calls), then unwind from the buffer (gs_memsnap as the callback), so that
 * a stack costs one system call, not one per frame. Many stacks are read
 * in one call with gs_pvm_read_batch.
 */
#ifndef GOSCOPE_MEMREAD_H
#define GOSCOPE_MEMREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GS_STACK_SNAP_MAX (1u << 20)	/* default cap on one stack snapshot */
#define GS_PVM_IOV_MAX 1024		/* iovecs per process_vm_readv (IOV_MAX) */

/* A memory reader: 0 when all len bytes at addr were read, -1 otherwise. */
struct gs_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/*
 * A copy of [base, base + len) of the target. Reads inside it are served
 * from the buffer; others go to fallback (NULL: they fail).
 */
struct gs_memsnap {
	uint64_t base;
	const uint8_t *data;
	size_t len;
	const struct gs_mem *fallback;
};
int gs_memsnap_read(void *ctx, uint64_t addr, void *buf, size_t len);
static inline struct gs_mem gs_memsnap_mem(struct gs_memsnap *snap)
{
	return (struct gs_mem){ gs_memsnap_read, snap };
}

/* Direct reads of a live process (one process_vm_readv per read). */
struct gs_mempid {
	pid_t pid;
	unsigned long calls;		/* system calls made */
};
int gs_mempid_read(void *ctx, uint64_t addr, void *buf, size_t len);
static inline struct gs_mem gs_mempid_mem(struct gs_mempid *mp)
{
	return (struct gs_mem){ gs_mempid_read, mp };
}

/* One range of a batch: in addr, len, buf; out got (bytes read from addr on). */
struct gs_memrange {
	uint64_t addr;
	size_t len;
	void *buf;
	size_t got;
};

/*
 * Read every range of r[0..n) from pid with as few process_vm_readv calls as
 * the kernel allows (GS_PVM_IOV_MAX ranges per call); a range that faults
 * part-way keeps the prefix read (got < len) and the others still get read.
 * Returns the number of system calls made, or -1 with errno (ESRCH: gone;
 * EPERM: not allowed) when nothing could be read.
 */
int gs_pvm_read_batch(pid_t pid, struct gs_memrange *r, size_t n);

/*
 * Snapshot of the used stack [sp, hi) of pid, at most cap bytes (0: the
 * default GS_STACK_SNAP_MAX) into buf (size >= that). Fills snap (base sp,
 * len = the bytes actually read) and returns 0, or -1 with errno when not
 * even the first word could be read.
 */
int gs_stack_snapshot(pid_t pid, uint64_t sp, uint64_t hi, size_t cap, uint8_t *buf,
		      struct gs_memsnap *snap);

#endif
