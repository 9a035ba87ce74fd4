/* SPDX-License-Identifier: MIT */
/* Stop every thread of a process with ptrace, and let them go (freeze.h). */
#include "freeze.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define MAX_ROUNDS 64		/* listings of /proc/PID/task */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct gs_fthread *find(struct gs_freeze *f, pid_t tid)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].tid == tid)
			return &f->t[i];
	return NULL;
}

static struct gs_fthread *add(struct gs_freeze *f, pid_t tid)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct gs_fthread *p;

		if (cap > GS_FREEZE_MAX_THREADS)
			return NULL;
		p = realloc(f->t, cap * sizeof(*p));
		if (!p)
			return NULL;
		f->t = p;
		f->cap = cap;
	}
	f->t[f->n] = (struct gs_fthread){ .tid = tid };
	return &f->t[f->n++];
}

/* Seize and interrupt every listed thread not seen yet. Returns how many were new, -1 on error. */
static int round_(struct gs_freeze *f, struct gs_err *err)
{
	char path[64];
	struct dirent *de;
	int fresh = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/task", gs_proc_root(), f->pid);
	d = opendir(path);
	if (!d)
		return gs_errf(err, errno == ENOENT ? ESRCH : errno, "%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		struct gs_fthread *t;
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0 || find(f, (pid_t)tid))
			continue;
		t = add(f, (pid_t)tid);
		if (!t) {
			closedir(d);
			return gs_errf(err, E2BIG, "too many threads");
		}
		fresh++;
		if (ptrace(PTRACE_SEIZE, (pid_t)tid, NULL, NULL) < 0) {
			int e = errno;

			if (e == ESRCH) {	/* it exited meanwhile */
				t->gone = true;
				continue;
			}
			closedir(d);
			return gs_errf(err, e, "ptrace(PTRACE_SEIZE) of thread %ld: %s%s", tid,
				       strerror(e), e == EPERM ? " (not allowed, or already traced)" : "");
		}
		t->attached = true;
		if (!f->t_stop)
			f->t_stop = now_ns();
		if (ptrace(PTRACE_INTERRUPT, (pid_t)tid, NULL, NULL) < 0) {
			if (errno == ESRCH) {
				t->gone = true;
				continue;
			}
			closedir(d);
			return gs_errf(err, errno, "ptrace(PTRACE_INTERRUPT) of thread %ld: %s", tid,
				       strerror(errno));
		}
	}
	closedir(d);
	return fresh;
}

static void on_alarm(int sig)
{
	(void)sig;	/* only to interrupt waitpid */
}

/*
 * Wait for every attached thread to stop, at most GS_FREEZE_STOP_MS in all:
 * blocking waits (a stop wakes us at once), bounded by a one-shot timer
 * whose signal interrupts the wait. The caller's SIGALRM handler and timer
 * are put back.
 */
static int wait_stops(struct gs_freeze *f, struct gs_err *err)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old_sa;
	struct itimerval it = { .it_value = { GS_FREEZE_STOP_MS / 1000,
					      (GS_FREEZE_STOP_MS % 1000) * 1000 } }, old_it;
	int rc = 0;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: the timer's signal ends a blocked waitpid */
	if (sigaction(SIGALRM, &sa, &old_sa) < 0)
		return gs_errf(err, errno, "sigaction: %s", strerror(errno));
	setitimer(ITIMER_REAL, &it, &old_it);
	for (size_t i = 0; i < f->n && rc == 0; i++) {
		struct gs_fthread *t = &f->t[i];

		while (t->attached && !t->stopped && !t->gone) {
			int status;
			pid_t w = waitpid(t->tid, &status, __WALL);

			if (w < 0) {
				if (errno == ECHILD) {	/* gone */
					t->gone = true;
				} else if (errno == EINTR) {
					rc = gs_errf(err, ETIMEDOUT, "thread %d did not stop within %d ms",
						     t->tid, GS_FREEZE_STOP_MS);
				} else {
					rc = gs_errf(err, errno, "waitpid(%d): %s", t->tid,
						     strerror(errno));
				}
				break;
			}
			if (WIFEXITED(status) || WIFSIGNALED(status)) {
				t->gone = true;
				t->attached = false;
			} else if (WIFSTOPPED(status)) {
				t->stopped = true;
				/* A signal-delivery stop: hand the signal back when letting go. */
				if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP)
					t->sig = WSTOPSIG(status);
			}
		}
	}
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	if (old_it.it_value.tv_sec || old_it.it_value.tv_usec)
		setitimer(ITIMER_REAL, &old_it, NULL);
	return rc;
}

static bool get_regs(pid_t tid, struct gs_unwind_regs *r)
{
#if defined(__x86_64__)
	struct user_regs_struct u;
	struct iovec iov = { &u, sizeof(u) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &iov) < 0)
		return false;
	*r = (struct gs_unwind_regs){ .pc = u.rip, .sp = u.rsp, .fp = u.rbp, .fp_valid = true };
	return true;
#elif defined(__aarch64__)
	struct user_regs_struct u;	/* glibc: regs[31], sp, pc, pstate */
	struct iovec iov = { &u, sizeof(u) };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(uintptr_t)NT_PRSTATUS, &iov) < 0)
		return false;
	*r = (struct gs_unwind_regs){ .pc = u.pc, .sp = u.sp, .lr = u.regs[30], .lr_valid = true,
				      .fp = u.regs[29], .fp_valid = true };
	return true;
#else
	(void)tid;
	(void)r;
	return false;
#endif
}

int gs_freeze(pid_t pid, struct gs_freeze *f, struct gs_err *err)
{
	int rounds = 0, fresh;

	memset(f, 0, sizeof(*f));
	f->pid = pid;
	/* List, seize and interrupt until a listing finds nothing new. */
	do {
		fresh = round_(f, err);
		if (fresh < 0)
			goto fail;
		if (wait_stops(f, err) < 0)
			goto fail;
	} while (fresh > 0 && ++rounds < MAX_ROUNDS);
	if (fresh > 0) {
		gs_errf(err, EAGAIN, "threads kept appearing while stopping them");
		goto fail;
	}
	if (!f->n || !find(f, pid) || find(f, pid)->gone) {
		gs_errf(err, ESRCH, "the process is gone");
		goto fail;
	}
	f->regs = calloc(f->n, sizeof(*f->regs));
	if (!f->regs) {
		gs_errf(err, ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < f->n; i++) {
		struct gs_thread_regs *tr = &f->regs[f->nregs];

		if (!f->t[i].stopped)
			continue;
		tr->tid = f->t[i].tid;
		if (get_regs(f->t[i].tid, &tr->r))
			f->nregs++;
	}
	f->t_stopped = now_ns();
	return 0;
fail:
	gs_thaw(f);
	return -1;
}

void gs_thaw(struct gs_freeze *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct gs_fthread *t = &f->t[i];

		if (!t->attached || t->gone)
			continue;
		/* A thread not yet in a stop cannot be detached; wait for it briefly. */
		if (!t->stopped) {
			int status;

			for (int k = 0; k < 1000; k++) {
				pid_t w = waitpid(t->tid, &status, __WALL | WNOHANG);

				if (w == t->tid || w < 0)
					break;
				usleep(100);
			}
		}
		ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(uintptr_t)t->sig);
		t->attached = false;
	}
	if (f->t_stop && !f->t_thaw) {
		f->t_thaw = now_ns();
		f->stopped_ns = f->t_thaw - f->t_stop;
	}
	free(f->t);
	free(f->regs);
	f->t = NULL;
	f->regs = NULL;
	f->n = f->cap = f->nregs = 0;
}
