/* SPDX-License-Identifier: MIT */
/*
 * The tree walker of `goscope audit --path`: every Go binary under the given
 * paths, fast enough to sit within a small factor of find(1).
 *
 * Rules:
 *  - no symbolic link is followed inside a tree: directories are opened with
 *    openat(O_NOFOLLOW | O_DIRECTORY) relative to their parent's descriptor
 *    and files with openat(O_NOFOLLOW), so a link (or a directory swapped
 *    for one while we walk) never leads out; the paths named on the command
 *    line are followed, as `find -H` does;
 *  - only regular files are opened (d_type, or fstatat(AT_SYMLINK_NOFOLLOW)
 *    where the file system gives none), and with O_NONBLOCK, so a FIFO put
 *    in place between readdir and open still cannot block us;
 *  - each file costs open + a 4-byte read + close unless it starts with the
 *    ELF magic, and a triage before it is mapped and classified, once per
 *    inode (audit_files.c);
 *  - each directory is read once per (dev, inode), so bind mounts cannot
 *    make a loop; proc/sys-like file systems are not entered.
 *
 * Directories are shared out through a small stack among a few threads;
 * when the stack is full a thread walks the directory itself, depth first,
 * which bounds the number of open descriptors. audit_walk.h names the
 * walker's parts.
 */
#include "audit_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "nofile.h"
#include "output.h"

#define MAX_DEPTH 128
#define STACK_MAX 256		/* queued directories (each holds a descriptor) */
#define THREADS_MAX 16
#define DENTS_BUF (32u << 10)

static void set_oom(struct audit_walker *w)
{
	pthread_mutex_lock(&w->lock);
	w->oom = true;
	pthread_mutex_unlock(&w->lock);
}

static bool pseudo_fs(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case DEVPTS_SUPER_MAGIC:
	case BPF_FS_MAGIC:
	case PSTOREFS_MAGIC:
	case EFIVARFS_MAGIC:
	case SELINUX_MAGIC:
	case SMACK_MAGIC:
	case 0x62656570:	/* configfs */
	case 0x65735543:	/* fusectl */
		return true;
	default:
		return false;
	}
}

/*
 * May the open directory fd be walked? Once per (dev, inode); on another
 * file system only without --xdev, and never into proc, sys and the like.
 */
static bool accept_dir(struct worker *wk, int fd, dev_t parent, bool root, dev_t *dev)
{
	struct audit_walker *w = wk->w;
	struct stat st;
	struct islot *s;
	bool fresh;

	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	*dev = st.st_dev;
	if (root || st.st_dev != parent) {
		if (!root && w->xdev) {
			wk->st.other_fs++;
			return false;
		}
		if (pseudo_fs(fd)) {
			wk->st.pseudo++;
			return false;
		}
	}
	pthread_mutex_lock(&w->lock);
	s = audit_iset_add(&w->dirs, st.st_dev, st.st_ino, &fresh);
	if (!s)
		w->oom = true;
	pthread_mutex_unlock(&w->lock);
	return s && fresh;
}

static void walk_dir(struct worker *wk, struct dirjob *job);

static void enter_dir(struct worker *wk, int dfd, const struct dirjob *parent, const char *name)
{
	struct audit_walker *w = wk->w;
	struct dirjob *job;
	bool queued = false;
	dev_t dev;
	int fd;

	if (parent->depth + 1 > MAX_DEPTH) {
		wk->st.too_deep++;
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return;
		if (errno == ELOOP || errno == ENOTDIR) {
			wk->st.symlinks++;	/* swapped for a link or file meanwhile */
			return;
		}
		audit_unreadable(w, parent->path, name, strerror(errno));
		return;
	}
	if (!accept_dir(wk, fd, parent->dev, false, &dev)) {
		close(fd);
		return;
	}
	job = malloc(sizeof(*job));
	if (job)
		job->path = audit_join(parent->path, name);
	if (!job || !job->path) {
		free(job);
		close(fd);
		set_oom(w);
		return;
	}
	job->fd = fd;
	job->depth = parent->depth + 1;
	job->dev = dev;
	pthread_mutex_lock(&w->lock);
	if (w->nstack < STACK_MAX) {
		job->next = w->stack;
		w->stack = job;
		w->nstack++;
		queued = true;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (!queued)
		walk_dir(wk, job);	/* frees job */
}

/* Read one directory; consumes job (its descriptor, path and itself). */
static void walk_dir(struct worker *wk, struct dirjob *job)
{
	/*
	 * getdents64 straight into a buffer: fdopendir would cost two fcntl
	 * and an fstat per directory, a tenth of the walk. Heap, not stack:
	 * walks nest when the shared stack is full.
	 */
	char *buf = malloc(DENTS_BUF);
	ssize_t n;

	if (!buf) {
		set_oom(wk->w);
		goto out;
	}
	wk->st.dirs++;
	while ((n = getdents64(job->fd, buf, DENTS_BUF)) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			unsigned char type = de->d_type;
			const char *name = de->d_name;

			if (de->d_reclen == 0 || de->d_reclen > n - off)
				break;	/* never from a sane kernel; do not loop on it */
			off += de->d_reclen;
			if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
				continue;
			if (type == DT_UNKNOWN) {
				struct stat st;

				if (fstatat(job->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				type = IFTODT(st.st_mode);
			}
			switch (type) {
			case DT_REG:
				audit_scan_file(wk, job->fd, job->path, name);
				break;
			case DT_DIR:
				enter_dir(wk, job->fd, job, name);
				break;
			case DT_LNK:
				wk->st.symlinks++;
				break;
			default:
				wk->st.special++;	/* FIFO, device, socket: never opened */
				break;
			}
		}
	}
	if (n < 0)
		audit_unreadable(wk->w, job->path, NULL, strerror(errno));
out:
	free(buf);
	close(job->fd);
	free(job->path);
	free(job);
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct audit_walker *w = wk->w;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct dirjob *job = w->stack;

		if (job) {
			w->stack = job->next;
			w->nstack--;
			w->busy++;
			pthread_mutex_unlock(&w->lock);
			walk_dir(wk, job);
			pthread_mutex_lock(&w->lock);
			w->busy--;
			continue;
		}
		/* Nothing queued and nobody left to queue more: done. */
		if (!w->busy) {
			pthread_cond_broadcast(&w->cond);
			break;
		}
		pthread_cond_wait(&w->cond, &w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void add_stats(struct audit_walk_stats *to, const struct audit_walk_stats *from)
{
	to->dirs += from->dirs;
	to->files += from->files;
	to->elf += from->elf;
	to->classified += from->classified;
	to->links += from->links;
	to->symlinks += from->symlinks;
	to->special += from->special;
	to->pseudo += from->pseudo;
	to->other_fs += from->other_fs;
	to->too_deep += from->too_deep;
}

/* A command-line path: followed if it is a link; a directory is queued. */
static void start_path(struct worker *wk, const char *arg, struct audit_run *r)
{
	struct audit_walker *w = wk->w;
	struct dirjob *job;
	struct stat st;
	dev_t dev;
	int fd;

	fd = open(arg, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		gs_warn("%s: %s", arg, strerror(errno));
		r->arg_errors++;
		if (fd >= 0)
			close(fd);
		return;
	}
	if (S_ISREG(st.st_mode)) {
		audit_scan_fd(wk, fd, arg, NULL);
		close(fd);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		gs_warn("%s: not a regular file or directory; skipped", arg);
		wk->st.special++;
		close(fd);
		return;
	}
	if (!accept_dir(wk, fd, st.st_dev, true, &dev)) {
		if (pseudo_fs(fd))
			gs_warn("%s: on a pseudo file system (proc, sys, ...); skipped", arg);
		close(fd);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (job)
		job->path = strdup(arg);
	if (!job || !job->path) {
		free(job);
		close(fd);
		w->oom = true;
		return;
	}
	job->fd = fd;
	job->dev = dev;
	job->next = w->stack;
	w->stack = job;
	w->nstack++;
}

/* Enough descriptors for the stack plus a depth-first walk per thread. */
static void raise_nofile(unsigned threads)
{
	gs_raise_nofile(STACK_MAX + (rlim_t)threads * (MAX_DEPTH + 4) + 64);
}

int audit_walk_begin(struct audit_run *r, char *const *paths, size_t npaths)
{
	struct audit_walker *w = calloc(1, sizeof(*w));
	unsigned nthreads = r->threads ? r->threads : 1;

	if (!w)
		return -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	r->walker = w;
	if (nthreads > THREADS_MAX)
		nthreads = THREADS_MAX;
	w->wk = calloc(nthreads, sizeof(*w->wk));
	if (!w->wk)
		return -1;
	w->nthreads = nthreads;
	w->xdev = r->xdev;
	w->noatime = geteuid() == 0 ? O_NOATIME : 0;
	raise_nofile(nthreads);
	for (unsigned i = 0; i < nthreads; i++)
		w->wk[i].w = w;

	/* The command-line paths, in this thread: files are classified right away. */
	for (size_t i = 0; i < npaths; i++)
		start_path(&w->wk[0], paths[i], r);

	/* This thread joins in audit_walk_end(), after its other errands. */
	for (unsigned i = 1; i < nthreads; i++) {
		if (pthread_create(&w->wk[i].tid, NULL, worker_main, &w->wk[i]))
			break;
		w->started++;
	}
	return 0;
}

int audit_walk_end(struct audit_run *r)
{
	struct audit_walker *w = r->walker;

	if (!w || !w->wk)
		return -1;
	worker_main(&w->wk[0]);
	for (unsigned i = 1; i <= w->started; i++)
		pthread_join(w->wk[i].tid, NULL);

	/* audit_unreadable() counted into w->ws directly; the rest is per thread. */
	for (unsigned i = 0; i < w->nthreads; i++)
		add_stats(&w->ws, &w->wk[i].st);
	free(w->wk);
	w->wk = NULL;
	r->ws = w->ws;
	r->unreadable_list = w->unread;
	r->n_unreadable_list = w->nunread;
	w->unread = NULL;
	w->nunread = w->capunread = 0;

	/* Every Go file and every repeat of an inode, now that all parses are done. */
	for (size_t i = 0; i < w->nfound; i++) {
		struct found *f = &w->found[i];
		struct islot *s = audit_iset_find(&w->files, f->dev, f->ino);

		if (s && s->cls && !audit_add(r, f->path, s->cls, f->dev, f->ino))
			w->oom = true;
		free(f->path);
	}
	free(w->found);
	w->found = NULL;
	w->nfound = 0;
	return w->oom ? -1 : 0;
}

void audit_walker_free(struct audit_walker *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->files.cap; i++)
		if (w->files.slot[i].used)
			gs_class_put(w->files.slot[i].cls);
	free(w->files.slot);
	free(w->dirs.slot);
	for (size_t i = 0; i < w->nfound; i++)
		free(w->found[i].path);
	free(w->found);
	for (size_t i = 0; i < w->nunread; i++)
		free(w->unread[i]);
	free(w->unread);
	if (w->wk) {
		/* audit_walk_end() was not called: let the workers finish first. */
		worker_main(&w->wk[0]);
		for (unsigned i = 1; i <= w->started; i++)
			pthread_join(w->wk[i].tid, NULL);
		free(w->wk);
	}
	while (w->stack) {
		struct dirjob *j = w->stack;

		w->stack = j->next;
		close(j->fd);
		free(j->path);
		free(j);
	}
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}
