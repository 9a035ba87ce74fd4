/* SPDX-License-Identifier: MIT */
/*
 * probepoint: where a uprobe goes on a Go function — the one place that
 * turns function names into addresses and file offsets, per binary
 * (docs/go-binary-format.md §4.5).
 *
 * pclntab gives each function's entry (the ABIInternal body, not a
 * same-named ABI0 wrapper), with moduledata for the text base when the
 * header lacks it. On x86-64 the stack-check prologue is decoded
 * (x86scan.h): the uprobe goes on its conditional branch, passed once per
 * call, and not on the entry, which runs again each time the stack grows or
 * a preemption request is taken and would count such calls twice. The
 * address becomes a file offset through the PT_LOADs.
 */
#ifndef GOSCOPE_PROBEPOINT_H
#define GOSCOPE_PROBEPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "goelf.h"
#include "gserr.h"

struct gs_probe_point {
	const char *func;	/* in: the name pclntab gives it, e.g. "runtime.gcStart" */
	bool found;		/* out: at and off are valid */
	struct gs_func f;	/* entry (static address), size, the entry's file offset */
	uint64_t branch;	/* the stack check's conditional branch, or 0 when none is known */
	uint64_t body;		/* the first instruction past the stack check (entry when none) */
	uint64_t at;		/* where the uprobe goes: branch if any, else body */
	uint64_t off;		/* at's file offset: what a uprobe is attached with */
	char why[150];		/* not found: why; found: a caveat ("" when none) */
};

/*
 * Place every point in pts[0..n) on the image e: pclntab is found once.
 * -1 with err (ENOENT "no pclntab") when there is no function table at all;
 * otherwise 0, and each point says whether it was found.
 */
int gs_probe_points(const struct gs_elf *e, struct gs_probe_point *pts, unsigned n,
		    struct gs_err *err);

/*
 * The same on the ELF file open at fd: mapped once, parsed under the SIGBUS
 * guard (EIO when it was truncated under us).
 */
int gs_probe_points_fd(int fd, struct gs_probe_point *pts, unsigned n, struct gs_err *err);

#endif
