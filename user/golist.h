/* SPDX-License-Identifier: MIT */
/*
 * golist: one pass over /proc that keeps the Go processes (list, tree,
 * audit, probe). Their JSON shapes are in gojson.h.
 */
#ifndef GOSCOPE_GOLIST_H
#define GOSCOPE_GOLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "classify.h"
#include "proc.h"

struct gs_goproc {
	int pid, ppid;
	const char *name;		/* gops' NAME: comm, or argv[0]'s basename */
	char comm[GS_COMM_MAX];
	const char *exe;		/* readlink of /proc/PID/exe, " (deleted)" kept */
	bool deleted;			/* the executable's file was unlinked */
	bool agent;			/* a gops port file exists for this PID */
	struct gs_class *cls;		/* reference into the classifier's cache */

	/* Filled only with GS_SCAN_DETAIL (the JSON output). */
	bool detail;
	bool has_uid, has_ns_pid, has_mnt_ns, has_pid_ns, has_cid;
	uid_t uid;			/* real uid */
	int ns_pid;			/* PID inside its own PID namespace */
	uint64_t mnt_ns, pid_ns;	/* namespace inode numbers */
	char container_id[GS_CONTAINER_ID_LEN + 1];
};

enum {
	GS_SCAN_DETAIL = 1u << 0,	/* also read status, namespaces and cgroup */
};

struct gs_arena;

struct gs_golist {
	struct gs_goproc **procs;	/* sorted by PID after gs_golist_scan() */
	size_t n, cap;
	unsigned long denied;		/* EACCES/EPERM: could not inspect */
	unsigned long failed;		/* other errors (shown with -v) */
	struct gs_arena *arena;
};

/* Scan /proc. Fails only when /proc itself cannot be listed. */
int gs_golist_scan(struct gs_golist *l, unsigned flags, struct gs_err *err);
void gs_golist_free(struct gs_golist *l);
/* Binary search in the sorted list. */
struct gs_goproc *gs_golist_find(const struct gs_golist *l, int pid);
/*
 * The once-per-run stderr notes about processes we could not inspect.
 * Returns the exit code they imply: an error when processes were skipped
 * after unexpected errors (permission denied alone is not an error).
 */
int gs_golist_report(const struct gs_golist *l);

#endif
