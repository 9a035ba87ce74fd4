/* SPDX-License-Identifier: MIT */
/*
 * The /proc scan behind list and tree. Per process it reads only
 * /proc/PID/stat and opens /proc/PID/exe for the classifier, whose cache
 * answers from the file's identity after the first sighting of a binary;
 * everything else (readlink, cmdline, port file, --json details) is read
 * for Go processes only.
 */
#include "golist.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "discover.h"

#define ARENA_CHUNK (32u << 10)
#define CMDLINE_CAP 4096	/* enough for argv[0] */
#define STATUS_CAP 8192		/* NSpid follows Groups, which can be long */
#define CGROUP_CAP 8192

/* ---- arena: records and strings live until gs_golist_free() ---- */

struct gs_arena {
	struct gs_arena *next;
	size_t used, cap;
	max_align_t data[];
};

static void *arena_alloc(struct gs_arena **a, size_t n)
{
	struct gs_arena *c = *a;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = *a;
		c->used = 0;
		c->cap = cap;
		*a = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static const char *arena_str(struct gs_arena **a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- scan ---- */

/*
 * Sort out why a process could not be looked at. Returns -1 when the scan
 * must stop (out of memory: a list with silent holes is worse than none).
 */
static int note_error(struct gs_golist *l, int pid, const struct gs_err *err)
{
	if (err->code == ENOMEM)
		return -1;
	if (gs_proc_gone(err))
		return 0;
	if (gs_proc_denied(err)) {
		l->denied++;
		if (gs_opts.verbose > 1)
			gs_warn("pid %d: %s", pid, err->msg);
		return 0;
	}
	l->failed++;
	if (gs_opts.verbose)
		gs_warn("pid %d: %s", pid, err->msg);
	return 0;
}

/*
 * The kernel appends " (deleted)" to the link of an unlinked file, but a
 * file can also really be named so. It is deleted when it has no links, or
 * when the name with the suffix does not lead back to the same file.
 */
static bool exe_deleted(int fd, const char *path)
{
	struct stat fs, ps;

	if (fstat(fd, &fs) < 0)
		return gs_path_deleted_suffix(path);
	if (fs.st_nlink == 0)
		return true;
	if (!gs_path_deleted_suffix(path))
		return false;
	return stat(path, &ps) < 0 || ps.st_dev != fs.st_dev || ps.st_ino != fs.st_ino;
}

static int read_detail(struct gs_goproc *p)
{
	char *buf = malloc(STATUS_CAP > CGROUP_CAP ? STATUS_CAP : CGROUP_CAP);
	struct gs_proc_status ps;
	struct gs_err err = { 0 };
	ssize_t n;

	p->detail = true;
	if (!buf)
		return -1;
	n = gs_proc_read(p->pid, "status", buf, STATUS_CAP, NULL, &err);
	if (n >= 0 && gs_parse_status(buf, (size_t)n, &ps, &err) == 0) {
		p->has_uid = ps.has_uid;
		p->uid = ps.uid[0];
		p->has_ns_pid = ps.has_nspid;
		p->ns_pid = ps.nspid;
	}
	p->has_mnt_ns = gs_proc_ns(p->pid, "mnt", &p->mnt_ns, &err) == 0;
	p->has_pid_ns = gs_proc_ns(p->pid, "pid", &p->pid_ns, &err) == 0;
	n = gs_proc_read(p->pid, "cgroup", buf, CGROUP_CAP, NULL, &err);
	if (n >= 0)
		p->has_cid = gs_parse_cgroup_id(buf, (size_t)n, p->container_id);
	free(buf);
	return 0;
}

static int push(struct gs_golist *l, struct gs_goproc *p)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct gs_goproc **np = realloc(l->procs, cap * sizeof(*np));

		if (!np)
			return -1;
		l->procs = np;
		l->cap = cap;
	}
	l->procs[l->n++] = p;
	return 0;
}

/* The Go-only part: everything a line of output needs beyond stat. */
static int keep_go(struct gs_golist *l, const struct gs_proc_stat *st, int fd,
		   struct gs_class *c, unsigned flags)
{
	struct gs_err err = { 0 };
	char path[PATH_MAX + 16], name[PATH_MAX];
	struct gs_goproc *p;

	if (gs_proc_exe_path(st->pid, path, sizeof(path), &err))
		return note_error(l, st->pid, &err);
	p = arena_alloc(&l->arena, sizeof(*p));
	if (!p)
		return -1;
	memset(p, 0, sizeof(*p));
	p->pid = st->pid;
	p->ppid = st->ppid;
	memcpy(p->comm, st->comm, sizeof(p->comm));
	p->deleted = exe_deleted(fd, path);
	p->cls = c;

	/* Only a 15-byte comm may have been truncated: then argv[0] helps. */
	if (strlen(st->comm) == 15) {
		char *cmd = malloc(CMDLINE_CAP);
		ssize_t n;

		if (!cmd)
			return -1;
		n = gs_proc_read(st->pid, "cmdline", cmd, CMDLINE_CAP, NULL, &err);
		gs_proc_name(st->comm, cmd, n > 0 ? (size_t)n : 0, name, sizeof(name));
		free(cmd);
	} else {
		gs_proc_name(st->comm, NULL, 0, name, sizeof(name));
	}
	p->name = arena_str(&l->arena, name);
	p->exe = arena_str(&l->arena, path);
	if (!p->name || !p->exe)
		return -1;
	p->agent = gs_agent_live_cls(st->pid, c);
	if ((flags & GS_SCAN_DETAIL) && read_detail(p))
		return -1;
	if (push(l, p))
		return -1;
	return 1;
}

/* Returns -1 only on memory exhaustion. */
static int scan_one(struct gs_golist *l, int pid, unsigned flags)
{
	struct gs_err err = { 0 };
	struct gs_proc_stat st;
	struct gs_class *c;
	int fd, r;

	if (gs_proc_read_stat(pid, &st, &err))
		return note_error(l, pid, &err);
	/* Kernel threads have no executable: not even worth an open(). */
	if (st.flags & GS_PF_KTHREAD)
		return 0;
	fd = gs_proc_open_exe(pid, &err);
	if (fd < 0)
		return note_error(l, pid, &err);
	c = gs_classify_fd(fd, &err);
	if (!c) {
		close(fd);
		return note_error(l, pid, &err);
	}
	if (c->verdict == GS_NOT_GO) {
		gs_class_put(c);
		close(fd);
		return 0;
	}
	r = keep_go(l, &st, fd, c, flags);
	close(fd);
	if (r <= 0)
		gs_class_put(c);
	return r < 0 ? -1 : 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct gs_goproc *x = *(const struct gs_goproc *const *)a;
	const struct gs_goproc *y = *(const struct gs_goproc *const *)b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

int gs_golist_scan(struct gs_golist *l, unsigned flags, struct gs_err *err)
{
	struct gs_pid_iter it;
	int pid;

	memset(l, 0, sizeof(*l));
	if (gs_pid_iter_open(&it, err))
		return -1;
	while ((pid = gs_pid_iter_next(&it)) > 0) {
		if (scan_one(l, pid, flags)) {
			gs_pid_iter_close(&it);
			return gs_errf(err, ENOMEM, "out of memory");
		}
	}
	gs_pid_iter_close(&it);
	if (l->n > 1)
		qsort(l->procs, l->n, sizeof(*l->procs), cmp_pid);
	return 0;
}

void gs_golist_free(struct gs_golist *l)
{
	struct gs_arena *a = l->arena, *next;

	for (size_t i = 0; i < l->n; i++)
		gs_class_put(l->procs[i]->cls);
	free(l->procs);
	for (; a; a = next) {
		next = a->next;
		free(a);
	}
	memset(l, 0, sizeof(*l));
}

struct gs_goproc *gs_golist_find(const struct gs_golist *l, int pid)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->procs[mid]->pid == pid)
			return l->procs[mid];
		if (l->procs[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int gs_golist_report(const struct gs_golist *l)
{
	/* Root can still be refused (another user namespace, LSM): no hint then. */
	if (l->denied)
		gs_warn("%lu process%s could not be inspected (permission denied)%s",
			l->denied, l->denied == 1 ? "" : "es",
			geteuid() ? "; run as root to see all" : "");
	if (l->failed && !gs_opts.verbose)
		gs_warn("%lu process%s skipped after errors; use -v for details",
			l->failed, l->failed == 1 ? " was" : "es were");
	return l->failed ? GS_EXIT_ERROR : GS_EXIT_OK;
}
