/* SPDX-License-Identifier: MIT */
/*
 * proc: reading /proc.
 *
 * Two halves. The parsers (procparse.c) take a text buffer and its length and
 * never touch the file system, so unit tests and fuzzers can feed them
 * anything. The readers (proc.c) open, read and stat files under /proc.
 *
 * A process can exit at any moment while we look at it. Every reader maps
 * "it is gone" (ENOENT, ESRCH) to err->code == ESRCH so callers can skip it
 * silently (gs_proc_gone), and keeps EACCES/EPERM (gs_proc_denied) so they
 * can be counted and reported once.
 */
#ifndef GOSCOPE_PROC_H
#define GOSCOPE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "gserr.h"

/* The kernel's comm is 16 bytes, but /proc shows kworker names up to 63. */
#define GS_COMM_MAX 64
#define GS_CONTAINER_ID_LEN 64
#define GS_PF_KTHREAD 0x00200000u	/* task flag: kernel thread */

/* ---- parsers (procparse.c) ---- */

/* /proc/PID/stat, the fields we use. Times are in clock ticks. */
struct gs_proc_stat {
	int pid;
	char comm[GS_COMM_MAX];		/* raw bytes; truncated if longer */
	char state;
	int ppid;
	unsigned long flags;		/* PF_* task flags */
	unsigned long long utime, stime;
	unsigned long long starttime;	/* ticks since boot */
	long num_threads;
	long rss;			/* pages */
};

/*
 * The comm sits in parentheses and may itself contain ')', ' ' and '(',
 * so the fields start after the LAST ')'. Fails with EINVAL when the buffer
 * is cut before the rss field or a field is not a number.
 */
int gs_parse_stat(const char *buf, size_t len, struct gs_proc_stat *st, struct gs_err *err);

/* /proc/PID/status, the fields we use. */
struct gs_proc_status {
	bool has_uid, has_tgid, has_nspid;
	uid_t uid[4];			/* real, effective, saved, filesystem */
	int tgid;
	int nspid;			/* last NSpid value: the PID in its own namespace */
	unsigned nspid_levels;		/* how many namespace levels NSpid listed */
};
/* Fails (EINVAL) only when none of the wanted lines is present. */
int gs_parse_status(const char *buf, size_t len, struct gs_proc_status *st, struct gs_err *err);

/*
 * Container id from /proc/PID/cgroup: the innermost run of exactly 64
 * lowercase hex digits bounded by non-alphanumerics in a cgroup path
 * (docker-<id>.scope, /docker/<id>, cri-containerd-<id>.scope, crio-<id>,
 * libpod-<id>, kubepods/.../<id>). out gets 64 chars + NUL.
 */
bool gs_parse_cgroup_id(const char *buf, size_t len, char out[GS_CONTAINER_ID_LEN + 1]);

/* /proc/PID/cmdline: NUL-separated arguments, possibly cut short by the caller's cap. */
/* argv[i] as a span (not NUL-terminated); false when there is no such argument. */
bool gs_cmdline_arg(const char *buf, size_t len, unsigned idx, const char **arg, size_t *n);
/* Arguments joined by single spaces into out (always NUL-terminated). Returns the length. */
size_t gs_cmdline_join(const char *buf, size_t len, char *out, size_t outsz);

/*
 * The name gops shows: comm, except that a 15-character comm (the kernel
 * truncated it) becomes the basename of argv[0] when that starts with comm.
 */
void gs_proc_name(const char *comm, const char *cmdline, size_t cmdline_len,
		  char *out, size_t outsz);

/*
 * /proc/PID/environ: NUL-separated NAME=value entries. The value of name
 * as a span (not NUL-terminated); the first entry wins, as in Go's
 * os.Getenv. False when the variable is absent.
 */
bool gs_environ_get(const char *buf, size_t len, const char *name, const char **val,
		    size_t *n);

/* A PID argument: a positive decimal that fits an int (strtol's syntax). */
bool gs_parse_pid(const char *s, int *pid);

/* /proc/meminfo: MemTotal in bytes. False when missing or malformed. */
bool gs_parse_meminfo_total(const char *buf, size_t len, uint64_t *bytes);

/* ---- readers (proc.c) ---- */

/* Where /proc is ("/proc" unless a test points it elsewhere). */
void gs_proc_set_root(const char *root);
const char *gs_proc_root(void);

/* The process exited while we looked (reported as ESRCH): skip it silently. */
bool gs_proc_gone(const struct gs_err *err);
/* We may not look (EACCES, EPERM): count it. */
bool gs_proc_denied(const struct gs_err *err);

struct gs_pid_iter {
	void *dir;			/* DIR * */
};
int gs_pid_iter_open(struct gs_pid_iter *it, struct gs_err *err);
/* Next numeric entry, or 0 at the end. */
int gs_pid_iter_next(struct gs_pid_iter *it);
void gs_pid_iter_close(struct gs_pid_iter *it);

/*
 * Read the small file /proc/PID/<name> ("stat", "status", "cgroup", "cmdline")
 * into buf, at most cap-1 bytes, NUL-terminated. Returns the length or -1.
 * *truncated (may be NULL) tells whether the file had more. A short read
 * ending in '\n' is taken as the end: right for files the kernel generates
 * in one piece (those above), not for record-by-record ones like mountinfo.
 */
ssize_t gs_proc_read(int pid, const char *name, char *buf, size_t cap, bool *truncated,
		     struct gs_err *err);

/* /proc/PID/stat read and parsed: 0, or -1 with err (gs_proc_gone() when it exited). */
int gs_proc_read_stat(int pid, struct gs_proc_stat *st, struct gs_err *err);

/* "/proc/PID/<name>" (under gs_proc_root()) into buf; ENAMETOOLONG when it does not fit. */
int gs_proc_path(char *buf, size_t sz, int pid, const char *name, struct gs_err *err);

/* Open the process's executable: O_RDONLY|O_CLOEXEC on /proc/PID/exe. */
int gs_proc_open_exe(int pid, struct gs_err *err);
/*
 * The same, and *st its identity (dev, inode, size, mtime: what caches per
 * binary key on), taken from the open file, so both name one executable.
 */
int gs_proc_open_exe_stat(int pid, struct stat *st, struct gs_err *err);

/*
 * The name gops shows for a running process (gs_proc_name's rule): comm,
 * and /proc/PID/cmdline read only when comm is 15 bytes long and may have
 * been cut. argv0 (may be NULL) stands in for a cmdline that cannot be read
 * (the process exited: watch knows the exec's file name). Never fails: the
 * worst answer is comm itself.
 */
void gs_proc_read_name(int pid, const char *comm, const char *argv0, char *out, size_t outsz);

/* readlink /proc/PID/exe, keeping the kernel's " (deleted)" suffix. */
int gs_proc_exe_path(int pid, char *buf, size_t sz, struct gs_err *err);

/* True when path ends with the kernel's " (deleted)" marker. */
bool gs_path_deleted_suffix(const char *path);

/* Namespace inode of /proc/PID/ns/<ns> ("mnt", "pid", ...). */
int gs_proc_ns(int pid, const char *ns, uint64_t *ino, struct gs_err *err);

/* ---- the scan (procscan.c) ---- */

/*
 * The one loop over /proc behind list, tree, audit, exporter, watch and
 * probe. It yields the processes that run in user space, each with its stat
 * read, and applies the rules they share: kernel threads and zombies are
 * skipped, a process that exits meanwhile is skipped silently (the host
 * changes under any scan), one we may not look at is counted as denied,
 * any other error as failed. Errors met later on the same process (its
 * executable, its files) go through gs_proc_scan_note() to be counted alike.
 *
 *	struct gs_proc_scan s = { 0 };
 *	struct gs_proc_stat st;
 *
 *	if (gs_proc_scan_open(&s, &err)) ...
 *	while (gs_proc_scan_next(&s, &st) > 0) ...
 *	gs_proc_scan_close(&s);
 */
struct gs_proc_scan {
	struct gs_pid_iter it;
	unsigned long denied;		/* EACCES/EPERM: could not inspect */
	unsigned long failed;		/* other errors */
	/* Optional, set before open: told of each counted error (-v lines). */
	void (*on_error)(void *ctx, int pid, const struct gs_err *err);
	void *ctx;
};

/* Fails only when /proc itself cannot be listed. Keeps on_error and ctx. */
int gs_proc_scan_open(struct gs_proc_scan *s, struct gs_err *err);
/* The next process, its stat in *st: 1, or 0 at the end. */
int gs_proc_scan_next(struct gs_proc_scan *s, struct gs_proc_stat *st);
/*
 * Count err, met on process pid of this scan, by the rules above. Returns
 * -1 when the scan must stop (ENOMEM: a list with silent holes is worse
 * than none), else 0.
 */
int gs_proc_scan_note(struct gs_proc_scan *s, int pid, const struct gs_err *err);
void gs_proc_scan_close(struct gs_proc_scan *s);

/*
 * pid's executable classified through the cache (classify.h): a stat of
 * /proc/PID/exe names a binary classified before, so only the first process
 * of a binary costs an open and a parse. Returns a reference (gs_class_put)
 * or NULL with err (gs_proc_gone, gs_proc_denied as for the other readers);
 * sb (may be NULL) gets the executable's stat.
 */
struct gs_class;
struct stat;
struct gs_class *gs_proc_classify_exe(int pid, struct stat *sb, struct gs_err *err);

#endif
