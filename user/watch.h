/* SPDX-License-Identifier: MIT */
/*
 * goscope watch, internals shared by its files:
 *   cmd_watch.c       options, set-up, the main loop, signals, summary
 *   watch_core.c      event handling: per-PID ordering, the classification
 *                     worker, the table of processes shown, start-up dedupe
 *   watch_memo.c      the classifications by file identity
 *   watch_lost.c      lost events, and exit lines for what they hid
 *   watch_resolve.c   finding an event's executable and the details of a line
 *   watch_snapshot.c  the /proc snapshot taken after attaching (present lines)
 *   watch_poll.c      the BPF-free fallback: /proc polling
 *   watch_out.c       text and JSON writers
 *   watch_map.c       a small hash map with 64-bit keys
 *   watch_clock.c     the boot-time clock and /proc's clock ticks
 *
 * Threads: the main thread reads the ring buffer (watch_on_event); one
 * worker classifies binaries the cache has not seen. Everything below is
 * guarded by watch.lock, except what a comment says otherwise.
 */
#ifndef GOSCOPE_WATCH_H
#define GOSCOPE_WATCH_H

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "classify.h"
#include "exec.h"
#include "proc.h"

/* ---- hash map: 64-bit key to pointer (watch_map.c) ---- */

struct wmap {
	uint64_t *keys;
	void **vals;		/* NULL: free slot */
	size_t cap, n;		/* cap: a power of two, or 0 */
};

void *wmap_get(const struct wmap *m, uint64_t key);
/* Insert or replace; -1 when out of memory. */
int wmap_put(struct wmap *m, uint64_t key, void *val);
/* Remove and return the value (NULL when absent). */
void *wmap_del(struct wmap *m, uint64_t key);
/* The values, for a sweep: a malloc'd array of m->n pointers (NULL if empty or no memory). */
void **wmap_values(const struct wmap *m, size_t *n);
void wmap_free(struct wmap *m);

/* ---- what lines say ---- */

enum watch_src {
	WSRC_BPF,		/* an exec/exit event from the kernel */
	WSRC_SNAPSHOT,		/* the /proc snapshot at start-up */
	WSRC_POLL,		/* --fallback: /proc polling */
};

/* How the executable of an exec event was found. */
enum watch_how {
	WHOW_NONE,		/* not found: unclassified */
	WHOW_EXE,		/* /proc/PID/exe, (dev, inode) checked */
	WHOW_ROOT,		/* the exec'd file name under /proc/PID/root, checked */
	WHOW_FILENAME,		/* the exec'd file name in our namespace, checked */
	WHOW_CACHE,		/* the event's (dev, inode, size, mtime) was classified before */
};

/* One classification per file identity (dev, inode, size, mtime): see watch_memo_*. */
struct watch_memo {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	struct gs_class *cls;	/* a reference the memo owns until the end */
	json_t *json;		/* the "go" object, built on first use */
	char *json_text;	/* ',"go":' and that object, compact */
	size_t json_text_len;
	char module[256];	/* main module path (else main package path), or "" */
	struct watch_memo *retired;	/* replaced entries, freed at the end */
};

#define WATCH_NAME_MAX	256

struct watch_start {
	enum watch_src src;
	bool present;			/* a snapshot line, not an exec */
	int pid, ppid;
	bool has_uid;
	uid_t uid;
	char comm[GS_COMM_MAX];
	char name[WATCH_NAME_MAX];
	char exe[PATH_MAX];
	bool deleted;
	struct watch_memo *memo;	/* NULL: unclassified (why says why) */
	enum watch_how how;
	char why[320];
	bool has_cid;
	char cid[GS_CONTAINER_ID_LEN + 1];
	bool has_cgroup, has_mnt, has_pidns, has_nspid;
	uint64_t cgroup_id, mnt_ns, pid_ns;
	int ns_pid;
	uint64_t start_ns;		/* process start, CLOCK_BOOTTIME */
	uint64_t ts_ns;			/* exec (or first sighting), CLOCK_BOOTTIME */
	bool has_latency;
	uint64_t latency_ns;		/* from the exec to this line */
};

struct watch_exit {
	enum watch_src src;
	int pid, ppid;
	bool has_uid;
	uid_t uid;
	char name[WATCH_NAME_MAX];
	bool code_known;		/* false: polling, or the exit event was lost */
	int status, signal;
	bool core;
	bool missed;			/* found gone by a /proc check, not by an event */
	uint64_t ts_ns, start_ns;	/* CLOCK_BOOTTIME */
};

/* ---- the watcher ---- */

struct watch_opts {
	bool all;			/* non-Go execs too */
	bool new_only;			/* no present lines */
	bool json;
	bool has_pid_ns;
	uint64_t pid_ns;		/* --pid-ns */
	const char *container;		/* --container: id prefix */
	unsigned int classify_delay_ms;	/* test knob: GOSCOPE_WATCH_CLASSIFY_DELAY_MS */
};

/* A process we printed a start or present line for (or, polling, saw). */
struct watch_live {
	int pid;
	uint64_t start_tick;		/* start time in clock ticks: the key with pid */
	uint64_t start_ns;
	int ppid;
	bool has_uid;
	uid_t uid;
	bool shown;			/* a line was printed: its exit will be too */
	enum watch_src src;
	uint64_t snap_t0, snap_t1;	/* snapshot: when its exe was read */
	dev_t dev;
	ino_t ino;
	unsigned long gen;		/* polling: last round that saw it */
	char name[WATCH_NAME_MAX];
};

struct witem;

struct watch {
	struct watch_opts o;
	pthread_mutex_t lock;
	pthread_cond_t cv;
	pthread_t worker;
	bool worker_running;
	bool stopping;			/* the worker finishes its queue and ends */

	struct witem *q_head, *q_tail;	/* exec events waiting for the worker */
	size_t q_len;			/* and all items held in chains */
	struct wmap chains;		/* pid -> struct wchain: events waiting behind a classification */
	struct wmap live;		/* pid -> struct watch_live */
	struct wmap memo;		/* hash(dev, ino) -> struct watch_memo */
	struct watch_memo *retired;
	struct wmap cgroups;		/* cgroup id -> struct watch_cgroup */

	/* Set before any thread starts, read-only afterwards. */
	bool init_pid_ns;		/* goscope sees the host's PIDs */
	uint64_t self_pid_ns;
	uint64_t ns_per_tick;
	int64_t real_off_ns;		/* CLOCK_REALTIME - CLOCK_BOOTTIME (main thread updates it) */
	const char *attach;		/* "tp_btf", "tracepoint", "proc-poll" */

	FILE *out;
	bool out_failed;		/* stdout gone (EPIPE): stop */
	char *out_buf;			/* a JSON line being written */
	size_t out_cap;

	/* counts for the summary */
	unsigned long long n_exec, n_exit, n_dedup, n_go_start, n_other_start, n_unclassified;
	unsigned long long n_present, n_exit_shown, n_missed_exit, n_parsed;
	unsigned long long lost_ring, lost_queue, lost_queue_shown;
};

/* Largest number of queued and chained events before user space drops them. */
#define WATCH_QUEUE_MAX		(256u * 1024)

/* watch_clock.c */
uint64_t watch_now_ns(void);	/* CLOCK_BOOTTIME */
uint64_t watch_tick(const struct watch *w, uint64_t ns);

/* watch_core.c */
int watch_init(struct watch *w, const struct watch_opts *o);
int watch_start_worker(struct watch *w);
/* gs_exec_event_fn for the tracer; ctx is the struct watch. */
int watch_on_event(void *ctx, const struct gs_exec_event *ev);
/* Let the worker finish the queue (at most timeout_ms), then end it. */
void watch_stop_worker(struct watch *w, int timeout_ms);
void watch_fini(struct watch *w);
/* Filters (--pid-ns, --container) for a line about to be printed. */
bool watch_filter_ok(const struct watch *w, const struct watch_start *s);
/* Remember a shown process (lock held); -1 when out of memory. */
int watch_live_add(struct watch *w, const struct watch_start *s, bool shown);
/* The exit line of a shown process l, as seen by src at ts_ns. */
void watch_exit_of(const struct watch_live *l, enum watch_src src, uint64_t ts_ns,
		   struct watch_exit *e);

/* watch_lost.c. Lost events (the kernel's count, and ours when the queue
 * overflowed): print a line for each increase since the last call. */
void watch_note_lost(struct watch *w, unsigned long long ring_total);
/* After lost events: exit lines for shown processes that are gone. */
void watch_prune(struct watch *w);

/* watch_memo.c. Is this Go (or probably Go)? */
bool watch_is_go(const struct watch_memo *m);
/* The memo (lock held): the entry for exactly this file identity, or NULL. */
struct watch_memo *watch_memo_find(struct watch *w, dev_t dev, ino_t ino, off_t size,
				   int64_t mtime_ns);
/* Take over a reference from gs_classify_fd (lock held). Never fails: NULL only
 * when out of memory, and then cls has been released. */
struct watch_memo *watch_memo_add(struct watch *w, struct gs_class *cls);
/* Free the memo and the retired entries (watch_fini). */
void watch_memo_fini(struct watch *w);

/* watch_resolve.c */
struct watch_pin {
	int fd;				/* -1: nothing open */
	enum watch_how how;
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns;
	bool deleted;			/* no links left */
	bool has_nlink;			/* deleted is known (a file was opened) */
};
/* The PID to use under /proc for an event's process, or 0 when it is not in our PID namespace. */
int watch_proc_pid(const struct watch *w, const struct gs_exec_event *ev);
/* The PID lines show: ours when the process is visible to us, else the host's. */
int watch_shown_pid(const struct watch *w, const struct gs_exec_event *ev);
/* Open the event's executable by the first route that leads to its (dev, inode). */
void watch_pin(const struct watch *w, const struct gs_exec_event *ev, struct watch_pin *p);
void watch_unpin(struct watch_pin *p);
/* The details of a start line (name, path, container, namespaces), from the event and what is left in /proc. */
void watch_fill_start(struct watch *w, const struct gs_exec_event *ev, const struct watch_pin *p,
		      struct watch_start *s);
/* Container id of a cgroup, from /proc/PID/cgroup (pid may be 0), memoised per cgroup id. */
bool watch_container_id(struct watch *w, uint64_t cgroup_id, int pid,
			char out[GS_CONTAINER_ID_LEN + 1]);

/* watch_snapshot.c: present lines; the loop must not run yet. */
int watch_snapshot(struct watch *w, struct gs_err *err);
/* The details of a line for a process found in /proc, its executable open as fd. */
void watch_fill_present(struct watch *w, const struct gs_proc_stat *st, int fd,
			struct watch_start *s);

/* watch_poll.c: poll /proc until *stop; returns an exit code. */
int watch_poll_run(struct watch *w, unsigned int interval_ms, double duration_s,
		   volatile sig_atomic_t *stop);

/* watch_out.c: each call writes one line (lock held). */
void watch_out_header(struct watch *w);
void watch_out_start(struct watch *w, const struct watch_start *s);
void watch_out_exit(struct watch *w, const struct watch_exit *e);
void watch_out_lost(struct watch *w, unsigned long long n, unsigned long long total,
		    const char *where);
void watch_out_flush(struct watch *w);

#endif
