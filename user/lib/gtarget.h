/* SPDX-License-Identifier: MIT */
/*
 * gtarget: a live Go process made ready for stack reads: its executable
 * classified and mapped, the runtime layout and globals found (liveread's
 * gs_rt_layout_load: .symtab or machine code for the addresses, DWARF or
 * the generated table for the offsets), a symbolizer, the load bias, and
 * the release whose traceback rules apply.
 *
 *	struct gs_gtarget *t;
 *	gs_gtarget_open(pid, &t, &err);
 *	struct gs_dump_src src = gs_gtarget_src(t, &pidvar);
 *	...
 *	gs_gtarget_close(t);
 */
#ifndef GOSCOPE_GTARGET_H
#define GOSCOPE_GTARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "elfview.h"
#include "goroutines.h"
#include "gosym.h"
#include "gserr.h"
#include "liveread.h"
#include "stackdump.h"

struct gs_gtarget {
	pid_t pid;
	struct gs_rt_layout *lay;	/* addresses, offsets, version */
	const void *map;		/* the executable, mapped for the symbolizer */
	size_t size;
	struct gs_elf e;
	struct gs_sym *sym;
	struct gs_gview view;
	uint64_t bias;
	unsigned minor;			/* Go 1.minor whose rules apply */
	bool minor_inferred;		/* no exact version: the lowest release the binary fits */
	unsigned quantum;
	struct gs_allg_src allg;	/* runtime addresses */
	const char *allg_how;		/* "allgptr" or "allgs" */
};

/*
 * Open pid's executable (/proc/PID/exe) and everything a dump needs. -1
 * with err: ESRCH gone, ENOEXEC not Go, ENOENT no runtime layout or a
 * global not found (the message says which), EPERM/EACCES not allowed.
 */
int gs_gtarget_open(pid_t pid, struct gs_gtarget **out, struct gs_err *err);
void gs_gtarget_close(struct gs_gtarget *t);

/* The dump's source: memory read through process_vm_readv of *pid. */
struct gs_dump_src gs_gtarget_src(const struct gs_gtarget *t, pid_t *pid);

/*
 * The target's nanotime() now: CLOCK_MONOTONIC in its time namespace
 * (goscope's clock shifted by the difference of the two namespaces'
 * offsets in /proc/PID/timens_offsets). 0 when unknown.
 */
int64_t gs_target_nanotime(pid_t pid);

/* "go1.22.12" -> 22; 0 when not a go1.N version. */
unsigned gs_go_minor(const char *version);

#endif
