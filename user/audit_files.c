/* SPDX-License-Identifier: MIT */
/*
 * The files of `goscope audit --path`: each regular file the walker meets
 * costs open + a 4-byte read + close unless it starts with the ELF magic;
 * an ELF file then costs the library's triage (gotriage.h: a few small
 * reads), and only those it lets through are mapped and classified, once
 * per inode. Hard links and repeats are recorded and resolved at the end,
 * when every parse is done; so are the paths that could not be read.
 */
#include "audit_walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gotriage.h"
#include "output.h"

char *audit_join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	char *p = malloc(a + b + 2);

	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (a && dir[a - 1] != '/')
		p[a++] = '/';
	memcpy(p + a, name, b);
	p[a + b] = 0;
	return p;
}

void audit_unreadable(struct audit_walker *w, const char *dir, const char *name,
		      const char *why)
{
	char *path = name ? audit_join(dir, name) : NULL;
	const char *p = path ? path : dir;

	pthread_mutex_lock(&w->lock);
	if (!w->ws.unreadable++)
		snprintf(w->ws.first_unreadable, sizeof(w->ws.first_unreadable), "%s: %s", p, why);
	if (gs_opts.verbose && w->nunread < UNREADABLE_LIST_MAX) {
		size_t n = strlen(p) + strlen(why) + 3;
		char *s = malloc(n);

		if (w->nunread == w->capunread) {
			size_t cap = w->capunread ? w->capunread * 2 : 64;
			char **nl = realloc(w->unread, cap * sizeof(*nl));

			if (nl) {
				w->unread = nl;
				w->capunread = cap;
			}
		}
		if (s && w->nunread < w->capunread) {
			snprintf(s, n, "%s: %s", p, why);
			w->unread[w->nunread++] = s;
		} else {
			free(s);
		}
	}
	pthread_mutex_unlock(&w->lock);
	free(path);
}

/* Record a file for the end (called with the lock held); takes path. */
static void add_found(struct audit_walker *w, char *path, dev_t dev, ino_t ino)
{
	if (!path) {
		w->oom = true;
		return;
	}
	if (w->nfound == w->capfound) {
		size_t cap = w->capfound ? w->capfound * 2 : 64;
		struct found *n = realloc(w->found, cap * sizeof(*n));

		if (!n) {
			w->oom = true;
			free(path);
			return;
		}
		w->found = n;
		w->capfound = cap;
	}
	w->found[w->nfound++] = (struct found){ path, dev, ino };
}

/* An open ELF file: classify it unless its inode was seen already. */
static void elf_file(struct worker *wk, int fd, const struct stat *st, const char *dir,
		     const char *name)
{
	struct audit_walker *w = wk->w;
	struct gs_err err = { 0 };
	struct gs_class *c;
	struct islot *s;
	bool fresh;

	pthread_mutex_lock(&w->lock);
	s = audit_iset_add(&w->files, st->st_dev, st->st_ino, &fresh);
	if (!s) {
		w->oom = true;
	} else if (!fresh) {
		/* Resolved at the end: the first sighting may still be parsing. */
		wk->st.links++;
		add_found(w, name ? audit_join(dir, name) : strdup(dir), st->st_dev, st->st_ino);
	}
	pthread_mutex_unlock(&w->lock);
	if (!s || !fresh)
		return;

	if (!gs_maybe_go_fd(fd, (uint64_t)st->st_size))
		return;
	wk->st.classified++;
	c = gs_classify_fd(fd, &err);
	if (!c) {
		audit_unreadable(w, dir, name, err.msg);
		return;
	}
	if (c->verdict == GS_NOT_GO) {
		gs_class_put(c);
		return;
	}
	pthread_mutex_lock(&w->lock);
	s = audit_iset_find(&w->files, st->st_dev, st->st_ino);
	s->cls = c;
	add_found(w, name ? audit_join(dir, name) : strdup(dir), st->st_dev, st->st_ino);
	pthread_mutex_unlock(&w->lock);
}

void audit_scan_fd(struct worker *wk, int fd, const char *dir, const char *name)
{
	unsigned char magic[4];
	struct stat st;
	ssize_t n;

	wk->st.files++;
	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN || errno == ESPIPE || errno == EISDIR)
			wk->st.special++;
		else
			audit_unreadable(wk->w, dir, name, strerror(errno));
		return;
	}
	if (n != 4 || memcmp(magic, "\177ELF", 4) != 0)
		return;
	if (fstat(fd, &st) < 0) {
		audit_unreadable(wk->w, dir, name, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		wk->st.special++;
		return;
	}
	wk->st.elf++;
	elf_file(wk, fd, &st, dir, name);
}

/*
 * Only entries readdir called regular files get here. One swapped for a
 * FIFO meanwhile cannot block us (O_NONBLOCK) and fails the read; one
 * swapped for a device would be opened, but making or hard-linking a
 * device node in the tree takes privileges an attacker then does not need.
 */
void audit_scan_file(struct worker *wk, int dfd, const char *dir, const char *name)
{
	struct audit_walker *w = wk->w;
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
	int fd, noatime = __atomic_load_n(&w->noatime, __ATOMIC_RELAXED);

	fd = openat(dfd, name, flags | noatime);
	if (fd < 0 && errno == EPERM && noatime) {
		/* Not the owner and no CAP_FOWNER after all. */
		__atomic_store_n(&w->noatime, 0, __ATOMIC_RELAXED);
		fd = openat(dfd, name, flags);
	}
	if (fd < 0) {
		switch (errno) {
		case ENOENT:
			return;		/* removed meanwhile */
		case ELOOP:
			wk->st.symlinks++;	/* replaced by a link meanwhile */
			return;
		case ENXIO:
		case ENODEV:
			wk->st.special++;	/* replaced by a socket or device */
			return;
		default:
			audit_unreadable(w, dir, name, strerror(errno));
			return;
		}
	}
	audit_scan_fd(wk, fd, dir, name);
	close(fd);
}
