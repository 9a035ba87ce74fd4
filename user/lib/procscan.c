/* SPDX-License-Identifier: MIT */
/*
 * The /proc scan shared by every command that looks at all processes, and
 * the per-process classification of an executable (see proc.h).
 */
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"

int gs_proc_scan_open(struct gs_proc_scan *s, struct gs_err *err)
{
	s->denied = 0;
	s->failed = 0;
	return gs_pid_iter_open(&s->it, err);
}

int gs_proc_scan_note(struct gs_proc_scan *s, int pid, const struct gs_err *err)
{
	if (err->code == ENOMEM)
		return -1;
	if (gs_proc_gone(err))
		return 0;
	if (gs_proc_denied(err))
		s->denied++;
	else
		s->failed++;
	if (s->on_error)
		s->on_error(s->ctx, pid, err);
	return 0;
}

int gs_proc_scan_next(struct gs_proc_scan *s, struct gs_proc_stat *st)
{
	struct gs_err err = { 0 };
	int pid;

	while ((pid = gs_pid_iter_next(&s->it)) > 0) {
		if (gs_proc_read_stat(pid, st, &err)) {
			gs_proc_scan_note(s, pid, &err);
			continue;
		}
		/* No executable to look at: not even worth an open(). */
		if ((st->flags & GS_PF_KTHREAD) || st->state == 'Z' || st->state == 'X')
			continue;
		return 1;
	}
	return 0;
}

void gs_proc_scan_close(struct gs_proc_scan *s)
{
	gs_pid_iter_close(&s->it);
}

struct gs_class *gs_proc_classify_exe(int pid, struct stat *sb, struct gs_err *err)
{
	struct gs_class *c;
	struct stat st;
	char path[PATH_MAX];
	int fd;

	if (gs_proc_path(path, sizeof(path), pid, "exe", err))
		return NULL;
	/*
	 * stat() follows the magic link to the running file and is refused
	 * where open() would be (the ptrace access check), so its answer and
	 * its errors are the process's, at the price of no open file.
	 */
	if (stat(path, &st) < 0) {
		int e = errno;

		if (e == ENOENT || e == ESRCH)
			gs_errf(err, ESRCH, "process %d has exited", pid);
		else
			gs_errf(err, e, "%s: %s", path, strerror(e));
		return NULL;
	}
	c = gs_class_lookup(&st);
	if (c) {
		if (sb)
			*sb = st;
		return c;
	}
	fd = gs_proc_open_exe_stat(pid, &st, err);
	if (fd < 0)
		return NULL;
	c = gs_classify_fd(fd, err);
	close(fd);
	if (c && sb)
		*sb = st;
	return c;
}
