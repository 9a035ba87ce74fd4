/* SPDX-License-Identifier: MIT */
/* SIGBUS guard for parsing mapped files; see mapguard.h. */
#include "mapguard.h"

#include <errno.h>
#include <stdlib.h>

#include "classify.h"	/* gs_map_fd */
#include "elfview.h"
#include "gserr.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

static __thread sigjmp_buf *guard_jb;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction prev_bus;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	if (guard_jb)
		siglongjmp(*guard_jb, 1);
	/* Not ours: behave as before we were installed. */
	sigaction(SIGBUS, &prev_bus, NULL);
	raise(sig);
	(void)si;
	(void)uc;
}

/*
 * (Re)install the handler when someone else's is in place: a test harness
 * or a library may set its own SIGBUS handler after ours. The one we
 * replace is kept for faults that are not ours.
 */
static void guard_install(void)
{
	struct sigaction sa, cur;

	if (sigaction(SIGBUS, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == on_sigbus)
		return;
	pthread_mutex_lock(&install_lock);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, NULL, &cur) == 0 &&
	    !((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus))
		sigaction(SIGBUS, &sa, &prev_bus);
	pthread_mutex_unlock(&install_lock);
}

int gs_map_guarded(int (*fn)(void *arg), void *arg)
{
	sigjmp_buf jb;
	volatile int rc = -1;

	guard_install();
	if (sigsetjmp(jb, 1) == 0) {
		guard_jb = &jb;
		rc = fn(arg);
	}
	guard_jb = NULL;
	return rc;
}

struct elf_job {
	const void *data;
	size_t size;
	struct gs_elf e;
	int (*fn)(const struct gs_elf *e, void *ctx, struct gs_err *err);
	void *ctx;
	struct gs_err *err;
};

static int elf_job(void *arg)
{
	struct elf_job *j = arg;
	const char *why;

	if (gs_elf_parse(&j->e, j->data, j->size, &why) < 0)
		return gs_errf(j->err, EINVAL, "%s", why) - 1;
	return j->fn(&j->e, j->ctx, j->err) < 0 ? -2 : 0;
}

int gs_elf_guarded(int fd, int (*fn)(const struct gs_elf *e, void *ctx, struct gs_err *err),
		   void *ctx, struct gs_err *err)
{
	struct elf_job *j = calloc(1, sizeof(*j));	/* struct gs_elf is large */
	int rc;

	if (!j)
		return gs_errf(err, ENOMEM, "out of memory");
	j->fn = fn;
	j->ctx = ctx;
	j->err = err;
	if (gs_map_fd(fd, &j->data, &j->size, err) < 0) {
		free(j);
		return -1;
	}
	if (!j->size) {
		free(j);
		return gs_errf(err, EINVAL, "empty file");
	}
	rc = gs_map_guarded(elf_job, j);
	gs_unmap(j->data, j->size);
	free(j);
	if (rc == -1)
		return gs_errf(err, EIO, "file changed while reading (truncated)");
	return rc < 0 ? -1 : 0;
}
