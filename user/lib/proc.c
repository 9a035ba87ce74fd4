/* SPDX-License-Identifier: MIT */
/*
 * Readers for /proc. Each maps a vanished process to ESRCH and keeps
 * EACCES/EPERM, so callers can tell "skip silently" from "count it".
 */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *proc_root = "/proc";

void gs_proc_set_root(const char *root)
{
	proc_root = root ? root : "/proc";
}

const char *gs_proc_root(void)
{
	return proc_root;
}

bool gs_proc_gone(const struct gs_err *err)
{
	return err->code == ESRCH;
}

bool gs_proc_denied(const struct gs_err *err)
{
	return err->code == EACCES || err->code == EPERM;
}

/* Turn errno from a /proc access into the error the caller acts on. */
static int proc_errf(struct gs_err *err, int e, int pid, const char *what)
{
	if (e == ENOENT || e == ESRCH)
		return gs_errf(err, ESRCH, "process %d has exited", pid);
	return gs_errf(err, e, "%s/%d/%s: %s", proc_root, pid, what, strerror(e));
}

/* A scan builds two of these per process: no printf for them. */
int gs_proc_path(char *buf, size_t sz, int pid, const char *name, struct gs_err *err)
{
	size_t rl = strlen(proc_root), nl = strlen(name), nd = 0;
	char digits[16];
	unsigned v = pid < 0 ? 0u - (unsigned)pid : (unsigned)pid;
	char *p = buf;

	do
		digits[nd++] = (char)('0' + v % 10);
	while ((v /= 10));
	if (pid < 0)
		digits[nd++] = '-';
	if (rl + 1 + nd + 1 + nl >= sz)
		return gs_errf(err, ENAMETOOLONG, "%s/%d/%s: path too long", proc_root, pid, name);
	p = stpcpy(p, proc_root);
	*p++ = '/';
	while (nd)
		*p++ = digits[--nd];
	*p++ = '/';
	stpcpy(p, name);
	return 0;
}


int gs_pid_iter_open(struct gs_pid_iter *it, struct gs_err *err)
{
	DIR *d = opendir(proc_root);

	it->dir = d;
	if (!d)
		return gs_errf(err, errno, "%s: %s", proc_root, strerror(errno));
	return 0;
}

int gs_pid_iter_next(struct gs_pid_iter *it)
{
	struct dirent *de;

	if (!it->dir)
		return 0;
	while ((de = readdir(it->dir))) {
		const char *s = de->d_name;
		long v = 0;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (*s < '1' || *s > '9')
			continue;
		for (; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (*s - '0');
			if (v > INT_MAX)
				break;
		}
		if (*s == '\0' && v <= INT_MAX)
			return (int)v;
	}
	return 0;
}

void gs_pid_iter_close(struct gs_pid_iter *it)
{
	if (it->dir)
		closedir(it->dir);
	it->dir = NULL;
}

/* A stat line is ~300 bytes; 52 fields of 20 digits fit in this. */
#define STAT_CAP 2048

int gs_proc_read_stat(int pid, struct gs_proc_stat *st, struct gs_err *err)
{
	char buf[STAT_CAP];
	ssize_t n = gs_proc_read(pid, "stat", buf, sizeof(buf), NULL, err);

	if (n < 0)
		return -1;
	return gs_parse_stat(buf, (size_t)n, st, err);
}

ssize_t gs_proc_read(int pid, const char *name, char *buf, size_t cap, bool *truncated,
		     struct gs_err *err)
{
	char path[PATH_MAX];
	size_t len = 0;
	int fd, e = 0;

	if (truncated)
		*truncated = false;
	if (cap == 0)
		return gs_errf(err, EINVAL, "no buffer");
	buf[0] = '\0';
	if (gs_proc_path(path, sizeof(path), pid, name, err))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return proc_errf(err, errno, pid, name);
	/*
	 * Read until EOF or the cap. The files this is for (stat, status,
	 * cgroup) are generated whole on the first read, so a short read that
	 * ends a line is the end: that saves the EOF read() per process.
	 */
	while (len < cap - 1) {
		size_t want = cap - 1 - len;
		ssize_t r = read(fd, buf + len, want);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			break;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if ((size_t)r < want && buf[len - 1] == '\n')
			break;
	}
	if (!e && len == cap - 1 && truncated) {
		char c;

		*truncated = read(fd, &c, 1) > 0;
	}
	close(fd);
	buf[len] = '\0';
	if (e)
		return proc_errf(err, e, pid, name);
	return (ssize_t)len;
}

int gs_proc_open_exe(int pid, struct gs_err *err)
{
	char path[PATH_MAX];
	int fd;

	if (gs_proc_path(path, sizeof(path), pid, "exe", err))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return proc_errf(err, errno, pid, "exe");
	return fd;
}

int gs_proc_open_exe_stat(int pid, struct stat *st, struct gs_err *err)
{
	int fd = gs_proc_open_exe(pid, err);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		int e = errno;

		close(fd);
		return proc_errf(err, e, pid, "exe");
	}
	return fd;
}

int gs_proc_exe_path(int pid, char *buf, size_t sz, struct gs_err *err)
{
	char path[PATH_MAX];
	ssize_t n;

	if (sz == 0)
		return gs_errf(err, EINVAL, "no buffer");
	if (gs_proc_path(path, sizeof(path), pid, "exe", err))
		return -1;
	n = readlink(path, buf, sz);
	if (n < 0)
		return proc_errf(err, errno, pid, "exe");
	if ((size_t)n >= sz) {
		buf[sz - 1] = '\0';
		return gs_errf(err, ENAMETOOLONG, "%s: link target too long", path);
	}
	buf[n] = '\0';
	return 0;
}

/* Enough for argv[0]; a longer one is cut here, as by the kernel's PATH_MAX. */
#define NAME_CMDLINE_CAP 4096

void gs_proc_read_name(int pid, const char *comm, const char *argv0, char *out, size_t outsz)
{
	char buf[NAME_CMDLINE_CAP];
	ssize_t n = -1;

	/* Only a 15-byte comm may have been cut: then argv[0] decides. */
	if (strlen(comm) == 15 && pid > 0)
		n = gs_proc_read(pid, "cmdline", buf, sizeof(buf), NULL, NULL);
	if (n > 0)
		gs_proc_name(comm, buf, (size_t)n, out, outsz);
	else if (argv0)
		gs_proc_name(comm, argv0, strlen(argv0) + 1, out, outsz);
	else
		gs_proc_name(comm, NULL, 0, out, outsz);
}

bool gs_path_deleted_suffix(const char *path)
{
	static const char sfx[] = " (deleted)";
	size_t n = strlen(path), k = sizeof(sfx) - 1;

	return n >= k && memcmp(path + n - k, sfx, k) == 0;
}

int gs_proc_ns(int pid, const char *ns, uint64_t *ino, struct gs_err *err)
{
	char path[PATH_MAX], name[64];
	struct stat sb;
	int n = snprintf(name, sizeof(name), "ns/%s", ns);

	if (n < 0 || (size_t)n >= sizeof(name))
		return gs_errf(err, EINVAL, "namespace name too long");
	if (gs_proc_path(path, sizeof(path), pid, name, err))
		return -1;
	if (stat(path, &sb) < 0)
		return proc_errf(err, errno, pid, name);
	*ino = (uint64_t)sb.st_ino;
	return 0;
}
