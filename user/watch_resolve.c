// SPDX-License-Identifier: MIT
/*
 * goscope watch: from an exec event to the file it ran, and the details of
 * its start line.
 *
 * The event names the executable by (dev, inode) and by the path given to
 * execve. A file is only ever used when its (dev, inode) is the event's, so
 * a PID reused, a second exec or a file replaced under the same name can
 * never lend its classification to the wrong program. The routes, in order:
 *  1. /proc/PID/exe while the process lives (its own mount namespace, deleted
 *     files included);
 *  2. the exec'd path under /proc/PID/root (the process exec'd again since);
 *  3. the exec'd path in goscope's own namespace (the process has exited);
 *  4. when that path is a script, its "#!" interpreter there: the kernel ran
 *     the interpreter, so that is the file the event names;
 * Before any of these, the memo of classifications is asked for the event's
 * file identity (watch_core.c), which answers most execs with no file
 * opened at all. Otherwise the line says unclassified.
 */
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpfload.h"

#define CGROUP_CAP	8192

struct watch_cgroup {
	bool has;
	char id[GS_CONTAINER_ID_LEN + 1];
};

int watch_proc_pid(const struct watch *w, const struct gs_exec_event *ev)
{
	if (w->init_pid_ns)
		return (int)ev->tgid;
	if (ev->pid_ns && ev->pid_ns == w->self_pid_ns)
		return (int)ev->ns_pid;
	return 0;
}

int watch_shown_pid(const struct watch *w, const struct gs_exec_event *ev)
{
	int pid = watch_proc_pid(w, ev);

	return pid > 0 ? pid : (int)ev->tgid;
}

/*
 * Keep fd when it is a regular file with the event's identity: (dev, inode)
 * and, when the kernel gave them, size and mtime too, so that a file
 * rewritten in place, or a new file that got a freed inode number, is never
 * taken for the one that ran.
 */
static bool take(int fd, const struct gs_exec_event *ev, dev_t dev, ino_t ino, enum watch_how how,
		 struct watch_pin *p)
{
	struct stat st;
	int64_t mtime;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_dev != dev || st.st_ino != ino)
		goto no;
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (ev && !(ev->flags & GS_EVF_NO_MTIME) &&
	    ((uint64_t)st.st_size != ev->exe_size || (uint64_t)mtime != ev->exe_mtime_ns))
		goto no;
	p->fd = fd;
	p->how = how;
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->size = st.st_size;
	p->mtime_ns = mtime;
	p->deleted = st.st_nlink == 0;
	p->has_nlink = true;
	return true;
no:
	close(fd);
	return false;
}

static int open_ro(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

static bool same_file(int a, int b)
{
	struct stat x, y;

	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev &&
	       x.st_ino == y.st_ino;
}

/* Route 4: the "#!" line of the exec'd file names the program that ran. */
static void take_interpreter(const struct gs_exec_event *ev, dev_t dev, ino_t ino,
			     struct watch_pin *p)
{
	char line[256], *end;
	ssize_t n;
	int fd = open_ro(ev->filename);

	if (fd < 0)
		return;
	n = pread(fd, line, sizeof(line) - 1, 0);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return;
	line[n] = '\0';
	end = line + 2;
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end != '/')
		return;
	memmove(line, end, strlen(end) + 1);
	line[strcspn(line, " \t\n")] = '\0';
	take(open_ro(line), ev, dev, ino, WHOW_FILENAME, p);
}

void watch_pin(const struct watch *w, const struct gs_exec_event *ev, struct watch_pin *p)
{
	dev_t dev = gs_kdev_to_dev(ev->exe_dev);
	ino_t ino = (ino_t)ev->exe_ino;
	int pid = watch_proc_pid(w, ev), fd, rfd;
	bool abs = ev->filename[0] == '/', root_tried = false;
	char path[PATH_MAX + 64];

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if ((ev->flags & GS_EVF_NO_EXE) || ((ev->flags & GS_EVF_FILENAME_TRUNC) && pid <= 0))
		return;
	if (pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		fd = open_ro(path);
		if (fd >= 0) {
			struct stat st;

			if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
				take(fd, ev, dev, ino, WHOW_EXE, p);
				return;
			}
			/*
			 * Some file systems (overlayfs) show stat() another
			 * identity than the kernel's exe_file. The executable is
			 * still this exec's when the exec'd path leads to it.
			 */
			if (abs && !(ev->flags & GS_EVF_FILENAME_TRUNC)) {
				snprintf(path, sizeof(path), "/proc/%d/root%s", pid, ev->filename);
				rfd = open_ro(path);
				root_tried = true;
				if (rfd >= 0 && same_file(fd, rfd) && fstat(fd, &st) == 0 &&
				    S_ISREG(st.st_mode)) {
					close(rfd);
					take(fd, NULL, st.st_dev, st.st_ino, WHOW_EXE, p);
					return;
				}
				if (take(rfd, ev, dev, ino, WHOW_ROOT, p)) {
					close(fd);
					return;
				}
			}
			close(fd);
		}
	}
	if (ev->flags & GS_EVF_FILENAME_TRUNC)
		return;
	/* A relative path was relative to the process's directory: unknown now. */
	if (!abs)
		return;
	if (pid > 0 && !root_tried) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, ev->filename);
		if (take(open_ro(path), ev, dev, ino, WHOW_ROOT, p))
			return;
	}
	if (take(open_ro(ev->filename), ev, dev, ino, WHOW_FILENAME, p))
		return;
	take_interpreter(ev, dev, ino, p);
}

void watch_unpin(struct watch_pin *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

bool watch_container_id(struct watch *w, uint64_t cgroup_id, int pid,
			char out[GS_CONTAINER_ID_LEN + 1])
{
	struct watch_cgroup *cg = NULL, *known;
	struct gs_err err;
	char *buf;
	ssize_t n = -1;
	bool has;

	if (cgroup_id) {
		pthread_mutex_lock(&w->lock);
		known = wmap_get(&w->cgroups, cgroup_id);
		if (known) {
			has = known->has;
			memcpy(out, known->id, sizeof(known->id));
		}
		pthread_mutex_unlock(&w->lock);
		if (known)
			return has;
	}
	if (pid <= 0)
		return false;
	buf = malloc(CGROUP_CAP);
	if (buf)
		n = gs_proc_read(pid, "cgroup", buf, CGROUP_CAP, NULL, &err);
	if (n < 0) {
		free(buf);
		return false;	/* gone: maybe another process of the cgroup tells */
	}
	has = gs_parse_cgroup_id(buf, (size_t)n, out);
	free(buf);
	if (!has)
		out[0] = '\0';
	if (cgroup_id && (cg = calloc(1, sizeof(*cg)))) {
		cg->has = has;
		memcpy(cg->id, out, sizeof(cg->id));
		pthread_mutex_lock(&w->lock);
		known = wmap_get(&w->cgroups, cgroup_id);
		if (known || wmap_put(&w->cgroups, cgroup_id, cg) != 0)
			free(cg);	/* another thread was first, or no memory */
		pthread_mutex_unlock(&w->lock);
	}
	return has;
}

/* readlink /proc/PID/exe, if it still names the pinned file; " (deleted)" dropped. */
static bool exe_link(int pid, const struct watch_pin *p, char *out, size_t outsz, bool *deleted)
{
	char path[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, out, outsz - 1);
	if (n <= 0)
		return false;
	out[n] = '\0';
	if (stat(path, &st) != 0 || st.st_dev != p->dev || st.st_ino != p->ino)
		return false;
	*deleted = st.st_nlink == 0;
	if (*deleted && gs_path_deleted_suffix(out))
		out[n - strlen(" (deleted)")] = '\0';
	return true;
}

void watch_fill_start(struct watch *w, const struct gs_exec_event *ev, const struct watch_pin *p,
		      struct watch_start *s)
{
	int pid = watch_proc_pid(w, ev);

	memset(s, 0, sizeof(*s));
	s->src = WSRC_BPF;
	s->pid = watch_shown_pid(w, ev);
	s->ppid = (int)ev->ppid;
	s->has_uid = true;
	s->uid = ev->uid;
	snprintf(s->comm, sizeof(s->comm), "%s", ev->comm);
	gs_proc_read_name(pid, ev->comm, ev->filename[0] ? ev->filename : NULL, s->name,
			  sizeof(s->name));
	s->how = p->how;
	s->deleted = p->deleted;
	if (!(pid > 0 && (p->how == WHOW_EXE || p->how == WHOW_CACHE) &&
	      exe_link(pid, p, s->exe, sizeof(s->exe), &s->deleted)))
		snprintf(s->exe, sizeof(s->exe), "%s", ev->filename);
	s->has_cgroup = ev->cgroup_id != 0;
	s->cgroup_id = ev->cgroup_id;
	s->has_cid = watch_container_id(w, ev->cgroup_id, pid, s->cid);
	s->has_mnt = ev->mnt_ns != 0;
	s->mnt_ns = ev->mnt_ns;
	s->has_pidns = ev->pid_ns != 0;
	s->pid_ns = ev->pid_ns;
	s->has_nspid = ev->ns_pid != 0;
	s->ns_pid = (int)ev->ns_pid;
	s->start_ns = ev->start_ns;
	s->ts_ns = ev->ts_ns;
}
