/* SPDX-License-Identifier: MIT */
#include "inroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_LINKS 40		/* the kernel's own limit on symlinks in a lookup */
#define MAX_DEPTH 256		/* directory levels below the root we keep open */
#define OPENAT2_RETRIES 8	/* EAGAIN: a rename or mount raced the lookup */

static bool force_walk;
static __thread bool walked;

void gs_inroot_force_walk(bool on)
{
	force_walk = on;
}

bool gs_inroot_walked(void)
{
	return walked;
}

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
#ifdef SYS_openat2
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
#else
	errno = ENOSYS;
	return -1;
#endif
}

static int fail(struct gs_err *err, int e, const char *path)
{
	return gs_errf(err, e, "%.200s: %s", path, strerror(e));
}

/*
 * The fallback: one component at a time. dirs[0..depth] are the open
 * directories from the root down; ".." pops one (never the root itself),
 * and a symlink's text is spliced in front of the rest of the path, an
 * absolute one restarting from the root.
 */
static int walk(int rootfd, const char *path, struct gs_err *err)
{
	char rest[2 * PATH_MAX], tmp[2 * PATH_MAX], link[PATH_MAX];
	int dirs[MAX_DEPTH + 1], depth = 0, links = 0, fd = -1, e = 0;
	size_t pos = 0;

	if (strlen(path) >= sizeof(rest))
		return fail(err, ENAMETOOLONG, path);
	strcpy(rest, path);
	dirs[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
	if (dirs[0] < 0)
		return fail(err, errno, path);

	for (;;) {
		char comp[NAME_MAX + 1];
		size_t start, len;
		struct stat st;
		bool last;

		while (rest[pos] == '/')
			pos++;
		if (!rest[pos]) {
			/* Nothing left: the directory we stand in ("/", "a/.."). */
			fd = openat(dirs[depth], ".", O_PATH | O_CLOEXEC);
			if (fd < 0)
				e = errno;
			break;
		}
		start = pos;
		while (rest[pos] && rest[pos] != '/')
			pos++;
		len = pos - start;
		if (len > NAME_MAX) {
			e = ENAMETOOLONG;
			break;
		}
		memcpy(comp, rest + start, len);
		comp[len] = '\0';
		{
			size_t q = pos;

			while (rest[q] == '/')
				q++;
			last = !rest[q];
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (depth > 0)
				close(dirs[depth--]);
			continue;
		}
		fd = openat(dirs[depth], comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			e = errno;
			if (fd >= 0)
				close(fd);
			fd = -1;
			break;
		}
		if (S_ISLNK(st.st_mode)) {
			struct statfs sf;
			ssize_t n;
			int k;

			if (last)
				break;	/* the caller sees the link itself */
			/* procfs links may be magic: refuse them, as RESOLVE_NO_MAGICLINKS does. */
			if (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC) {
				e = ELOOP;
			} else if (++links > MAX_LINKS) {
				e = ELOOP;
			} else {
				n = readlinkat(fd, "", link, sizeof(link));
				if (n < 0)
					e = errno;
				else if (n == 0 || (size_t)n >= sizeof(link))
					e = n ? ENAMETOOLONG : ENOENT;
				else
					link[n] = '\0';
			}
			close(fd);
			fd = -1;
			if (e)
				break;
			k = snprintf(tmp, sizeof(tmp), "%s/%s", link, rest + pos);
			if (k < 0 || (size_t)k >= sizeof(tmp)) {
				e = ENAMETOOLONG;
				break;
			}
			memcpy(rest, tmp, (size_t)k + 1);
			pos = 0;
			if (link[0] == '/')
				while (depth > 0)
					close(dirs[depth--]);
			continue;
		}
		if (last)
			break;
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			fd = -1;
			e = ENOTDIR;
			break;
		}
		if (depth == MAX_DEPTH) {
			close(fd);
			fd = -1;
			e = ENAMETOOLONG;
			break;
		}
		dirs[++depth] = fd;
		fd = -1;
	}
	while (depth >= 0)
		close(dirs[depth--]);
	if (fd < 0)
		return fail(err, e ? e : ENOENT, path);
	return fd;
}

int gs_inroot_open(int rootfd, const char *path, struct gs_err *err)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = -1;

	walked = force_walk;
	if (!path || !*path)
		return fail(err, ENOENT, "");
	if (!force_walk) {
		for (int i = 0; i < OPENAT2_RETRIES; i++) {
			fd = sys_openat2(rootfd, path, &how);
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		if (fd >= 0)
			return fd;
		/* Missing, or filtered by seccomp: walk instead. Anything else is the answer. */
		if (errno != ENOSYS && errno != EPERM)
			return fail(err, errno, path);
	}
	walked = true;
	return walk(rootfd, path, err);
}
