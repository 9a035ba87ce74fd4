/* SPDX-License-Identifier: MIT */
/*
 * freeze: stop every thread of a process for a consistent read, and let
 * them go (docs/stackdump.md §4).
 *
 *	struct gs_freeze fz;
 *	gs_freeze(pid, &fz, &err);	every thread stopped, registers taken
 *	... read memory ...
 *	gs_thaw(&fz);			every thread running again
 *	fz.stopped_ns			how long the first thread was stopped
 *
 * Threads are attached with PTRACE_SEIZE and stopped with PTRACE_INTERRUPT:
 * no signal the program can see, and if goscope dies (even SIGKILL) the
 * kernel detaches its tracees and they run on. Never SIGSTOP, which would
 * leave the process stopped. A signal that arrives while a thread is held
 * is handed back to it when it is let go. Threads created while the others
 * are being stopped are found by listing /proc/PID/task again until a
 * listing finds no new one.
 */
#ifndef GOSCOPE_FREEZE_H
#define GOSCOPE_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gserr.h"
#include "stackdump.h"

#define GS_FREEZE_MAX_THREADS 65536
#define GS_FREEZE_STOP_MS 1000	/* a thread that does not stop in this time fails the freeze */

struct gs_fthread {
	pid_t tid;
	bool attached, stopped, gone;
	int sig;			/* a signal to hand back on detach, 0 none */
};

struct gs_freeze {
	pid_t pid;
	struct gs_fthread *t;
	size_t n, cap;
	struct gs_thread_regs *regs;	/* one per stopped thread whose registers were read */
	size_t nregs;
	uint64_t t_stop, t_thaw;	/* CLOCK_MONOTONIC ns: first interrupt, last detach */
	uint64_t t_stopped;		/* every thread stopped (registers read) */
	uint64_t stopped_ns;		/* t_thaw - t_stop, set by gs_thaw */
};

/*
 * Stop every thread of pid and read their registers (the machine goscope
 * runs on: x86-64 or arm64). 0, or -1 with err (EPERM: not allowed to
 * trace it, or already traced; ESRCH: gone; ETIMEDOUT: a thread did not
 * stop); on failure every thread already stopped has been let go.
 */
int gs_freeze(pid_t pid, struct gs_freeze *f, struct gs_err *err);

/* Let every thread go (safe to call twice); frees the thread list. */
void gs_thaw(struct gs_freeze *f);

#endif
