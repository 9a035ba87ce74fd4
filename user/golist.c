/* SPDX-License-Identifier: MIT */
/*
 * The Go processes of the host, for list, tree and audit, found by the
 * library's /proc scan (proc.h). Per process it reads only /proc/PID/stat
 * and stats /proc/PID/exe: the classifier's cache answers from the file's
 * identity, so only the first process of a binary opens it. Everything else
 * (readlink, cmdline, port file, --json details) is read for Go processes
 * only.
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

/* The -v lines for processes the scan could not look at (it counts them). */
static void warn_error(void *ctx, int pid, const struct gs_err *err)
{
	(void)ctx;
	if (gs_opts.verbose > (gs_proc_denied(err) ? 1 : 0))
		gs_warn("pid %d: %s", pid, err->msg);
}

/*
 * The kernel appends " (deleted)" to the link of an unlinked file, but a
 * file can also really be named so. It is deleted when it has no links, or
 * when the name with the suffix does not lead back to the same file.
 */
static bool exe_deleted(const struct stat *fs, const char *path)
{
	struct stat ps;

	if (fs->st_nlink == 0)
		return true;
	if (!gs_path_deleted_suffix(path))
		return false;
	return stat(path, &ps) < 0 || ps.st_dev != fs->st_dev || ps.st_ino != fs->st_ino;
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
static int keep_go(struct gs_golist *l, struct gs_proc_scan *s, struct gs_agent_scan *agents,
		   const struct gs_proc_stat *st, const struct stat *sb, struct gs_class *c,
		   unsigned flags)
{
	struct gs_err err = { 0 };
	char path[PATH_MAX + 16], name[PATH_MAX];
	struct gs_goproc *p;

	if (gs_proc_exe_path(st->pid, path, sizeof(path), &err))
		return gs_proc_scan_note(s, st->pid, &err);
	p = arena_alloc(&l->arena, sizeof(*p));
	if (!p)
		return -1;
	memset(p, 0, sizeof(*p));
	p->pid = st->pid;
	p->ppid = st->ppid;
	memcpy(p->comm, st->comm, sizeof(p->comm));
	p->deleted = exe_deleted(sb, path);
	p->cls = c;

	gs_proc_read_name(st->pid, st->comm, NULL, name, sizeof(name));
	p->name = arena_str(&l->arena, name);
	p->exe = arena_str(&l->arena, path);
	if (!p->name || !p->exe)
		return -1;
	p->agent = gs_agent_scan_live(agents, st->pid, c);
	if ((flags & GS_SCAN_DETAIL) && read_detail(p))
		return -1;
	if (push(l, p))
		return -1;
	return 1;
}

/* Returns -1 only on memory exhaustion. */
static int scan_one(struct gs_golist *l, struct gs_proc_scan *s, struct gs_agent_scan *agents,
		    const struct gs_proc_stat *st, unsigned flags)
{
	struct gs_err err = { 0 };
	struct gs_class *c;
	struct stat sb;
	int r;

	c = gs_proc_classify_exe(st->pid, &sb, &err);
	if (!c)
		return gs_proc_scan_note(s, st->pid, &err);
	if (c->verdict == GS_NOT_GO) {
		gs_class_put(c);
		return 0;
	}
	r = keep_go(l, s, agents, st, &sb, c, flags);
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
	struct gs_proc_scan s = { .on_error = warn_error };
	struct gs_agent_scan agents = { 0 };
	struct gs_proc_stat st;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	if (gs_proc_scan_open(&s, err))
		return -1;
	while (gs_proc_scan_next(&s, &st) > 0) {
		if (scan_one(l, &s, &agents, &st, flags)) {
			rc = gs_errf(err, ENOMEM, "out of memory");
			break;
		}
	}
	gs_proc_scan_close(&s);
	gs_agent_scan_fini(&agents);
	l->denied = s.denied;
	l->failed = s.failed;
	if (rc)
		return rc;
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
