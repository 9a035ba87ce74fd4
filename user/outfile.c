/* SPDX-License-Identifier: MIT */
/* Output files opened, written and removed by one rule; see outfile.h. */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Close what was opened and refuse it: the open file said it is not ours to write. */
static int refuse(struct gs_outfile *f, struct gs_err *err, const char *named, uintmax_t links)
{
	close(f->fd);
	f->fd = -1;
	if (links)
		return gs_errf(err, EPERM, "%s: refusing to write: it has %ju hard links, so it may "
			       "be another file under a planted name", named, links);
	return gs_errf(err, EPERM, "%s: refusing to write: not a regular file owned by you",
		       named);
}

static int open_named(const char *named, struct gs_outfile *f, struct gs_err *err)
{
	const int base = O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	struct stat st;
	int e;

	f->fd = open(named, base | O_CREAT | O_EXCL, 0600);
	if (f->fd < 0) {
		if (errno != EEXIST)
			goto fail;
		/* O_NONBLOCK: a FIFO planted at the name must not hang the open. */
		f->fd = open(named, base | O_NONBLOCK);
		if (f->fd < 0)
			goto fail;
	}
	if (fstat(f->fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return refuse(f, err, named, 0);
	/* Checked on the open file: the name cannot be swapped under the check. */
	if (st.st_nlink != 1)
		return refuse(f, err, named, (uintmax_t)st.st_nlink);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	if (fcntl(f->fd, F_SETFL, 0) < 0 || ftruncate(f->fd, 0) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (e == ELOOP)
		return gs_errf(err, ELOOP, "%s: refusing to follow a symbolic link", named);
	return gs_errf(err, e, "%s: %s", named, strerror(e));
}

int gs_outfile_open(const char *named, const char *prefix, struct gs_outfile *f,
		    struct gs_err *err)
{
	const char *dir = getenv("TMPDIR");
	struct stat st;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (named && strcmp(named, "-") == 0) {
		snprintf(f->path, sizeof(f->path), "-");
		f->fd = dup(STDOUT_FILENO);
		if (f->fd < 0)
			return gs_errf(err, errno, "stdout: %s", strerror(errno));
		f->is_stdout = true;
		return 0;
	}
	if (named) {
		if (strlen(named) >= sizeof(f->path))
			return gs_errf(err, ENAMETOOLONG, "%s: name too long", named);
		strcpy(f->path, named);
		return open_named(named, f, err);
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (snprintf(f->path, sizeof(f->path), "%s/%sXXXXXX", dir, prefix) >= (int)sizeof(f->path))
		return gs_errf(err, ENAMETOOLONG, "TMPDIR too long");
	/* mkostemp: O_CREAT | O_EXCL, mode 0600. */
	f->fd = mkostemp(f->path, O_CLOEXEC);
	if (f->fd < 0)
		return gs_errf(err, errno, "%s: %s", f->path, strerror(errno));
	f->temp = true;
	if (fstat(f->fd, &st) == 0) {
		f->dev = st.st_dev;
		f->ino = st.st_ino;
	}
	return 0;
}

int gs_outfile_write(struct gs_outfile *f, const void *buf, size_t len, struct gs_err *err)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(f->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return gs_errf(err, w < 0 ? errno : EIO, "%s: %s", f->path,
				       strerror(w < 0 ? errno : EIO));
		p += w;
		len -= (size_t)w;
		f->bytes += (uint64_t)w;
	}
	return 0;
}

void gs_outfile_close(struct gs_outfile *f, bool failed)
{
	struct stat st;

	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (failed && !f->is_stdout && f->path[0] && lstat(f->path, &st) == 0 &&
	    st.st_dev == f->dev && st.st_ino == f->ino)
		unlink(f->path);
}

int gs_outfile_finish(struct gs_outfile *f, struct gs_err *err)
{
	struct stat st;

	/* EINVAL: stdout may be a pipe or terminal, which has nothing to sync. */
	if (!f->is_stdout && fsync(f->fd) < 0 && errno != EINVAL) {
		int e = errno;

		gs_outfile_close(f, true);
		return gs_errf(err, e, "%s: %s", f->path, strerror(e));
	}
	/* Data written by others (a profile writer given f->fd) is counted too. */
	if (!f->is_stdout && fstat(f->fd, &st) == 0 && (uint64_t)st.st_size > f->bytes)
		f->bytes = (uint64_t)st.st_size;
	gs_outfile_close(f, false);
	return 0;
}

const char *gs_outfile_removed_note(const struct gs_outfile *f, char *buf, size_t sz)
{
	if (f->is_stdout || !f->bytes)
		return "";
	snprintf(buf, sz, "; partial file %s removed", f->path);
	return buf;
}
