/* SPDX-License-Identifier: MIT */
/*
 * Inside the tree walker of `goscope audit --path` (audit.h has its entry
 * points), shared by its three files; calls go one way only (the walk uses
 * files and sets, files use sets):
 *	audit_walk.c	directories: the shared stack, the threads, begin/end
 *	audit_files.c	one file: open, ELF magic, triage, classification once
 *			per inode; the walk's records (Go files found,
 *			unreadable paths)
 *	audit_iset.c	the (dev, inode) sets both use
 */
#ifndef GOSCOPE_AUDIT_WALK_H
#define GOSCOPE_AUDIT_WALK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "audit.h"

#define UNREADABLE_LIST_MAX 10000

/* ---- (dev, inode) sets (audit_iset.c) ---- */

struct islot {
	dev_t dev;
	ino_t ino;
	struct gs_class *cls;	/* files: a Go classification (a reference), or NULL */
	bool used;
};

struct iset {
	struct islot *slot;
	size_t cap, n;		/* cap: a power of two */
};

struct islot *audit_iset_find(const struct iset *s, dev_t dev, ino_t ino);
/* Insert; *fresh tells whether it was new. NULL on memory exhaustion. */
struct islot *audit_iset_add(struct iset *s, dev_t dev, ino_t ino, bool *fresh);

/* ---- the walker's state ---- */

struct dirjob {
	struct dirjob *next;
	int fd;
	unsigned depth;
	dev_t dev;
	char *path;
};

struct found {
	char *path;
	dev_t dev;
	ino_t ino;
};

struct audit_walker;

struct worker {
	struct audit_walker *w;
	struct audit_walk_stats st;	/* merged into w->ws at the end */
	pthread_t tid;
};

struct audit_walker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dirjob *stack;
	size_t nstack;
	unsigned busy;
	bool oom;
	bool xdev;
	int noatime;		/* O_NOATIME while it works (root, or the owner) */
	struct iset dirs, files;
	struct found *found;	/* Go files and repeats of an inode, resolved at the end */
	size_t nfound, capfound;
	struct audit_walk_stats ws;
	char **unread;
	size_t nunread, capunread;
	struct worker *wk;	/* wk[0] is the calling thread */
	unsigned nthreads, started;
};

/* ---- files and records (audit_files.c) ---- */

/* dir/name, or NULL on memory exhaustion. */
char *audit_join(const char *dir, const char *name);
/* Count a file or directory we could not read; keep the first (and all with -v). */
void audit_unreadable(struct audit_walker *w, const char *dir, const char *name,
		      const char *why);
/* An open regular file (or so we believe): the magic, then maybe the classifier. */
void audit_scan_fd(struct worker *wk, int fd, const char *dir, const char *name);
/* A file readdir called regular, opened relative to dfd. */
void audit_scan_file(struct worker *wk, int dfd, const char *dir, const char *name);

#endif
