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

#include "modinfo.h"
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

/* ---- text helpers ---- */

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

void gs_short_version(const char *v, char *out, size_t outsz)
{
	size_t n = strlen(v);

	if (outsz == 0)
		return;
	/* gops: the first match of `devel\s+\+\w+`, if v starts with "devel". */
	if (strncmp(v, "devel", 5) == 0) {
		for (const char *s = strstr(v, "devel"); s; s = strstr(s + 1, "devel")) {
			const char *q = s + 5, *w;

			if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\f' &&
			    *q != '\v')
				continue;
			while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\f' ||
			       *q == '\v')
				q++;
			if (*q != '+' || !is_word(q[1]))
				continue;
			for (w = q + 1; is_word(*w); w++)
				;
			v = s;
			n = (size_t)(w - s);
			break;
		}
	}
	if (n > outsz - 1)
		n = outsz - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

const char *gs_class_version(const struct gs_class *c)
{
	return c && c->version[0] ? c->version : "unknown";
}

void gs_fwrite_safe(const char *s, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
	}
}

void gs_fputs_safe(const char *s, FILE *f)
{
	gs_fwrite_safe(s, strlen(s), f);
}

/* ---- JSON ---- */

json_t *gs_json_strn(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *t;

	if (j)
		return j;
	/* Not UTF-8 (or an embedded NUL): keep ASCII, '?' for the rest. */
	t = malloc(n + 1);
	if (!t)
		return json_null();
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		t[i] = ch == 0 || ch >= 0x80 ? '?' : (char)ch;
	}
	t[n] = '\0';
	j = json_stringn(t, n);
	free(t);
	return j ? j : json_null();
}

json_t *gs_json_str(const char *s)
{
	return gs_json_strn(s, strlen(s));
}

static json_t *span_json(struct gs_span s)
{
	return gs_json_strn(s.p, s.n);
}

static json_t *module_json(const struct gs_mi_line *ln)
{
	json_t *m = json_object();
	struct gs_span empty = { "", 0 };

	json_object_set_new(m, "path", span_json(ln->nf > 0 ? ln->f[0] : empty));
	json_object_set_new(m, "version", span_json(ln->nf > 1 ? ln->f[1] : empty));
	json_object_set_new(m, "sum", span_json(ln->nf > 2 ? ln->f[2] : empty));
	return m;
}

/*
 * Build keys and values may be Go-quoted. Unquote into buf (sized for the
 * whole modinfo, which an unquoted string never outgrows); keep the raw text
 * when the quoting is bad. The key is returned as a C string for the object.
 */
static const char *build_str(struct gs_span s, char *buf, size_t bufsz)
{
	json_t *j;

	if (!buf)
		return "";
	if (!gs_unquote(s, buf, bufsz)) {
		size_t n = s.n < bufsz - 1 ? s.n : bufsz - 1;

		memcpy(buf, s.p, n);
		buf[n] = '\0';
	}
	/* Object keys must be UTF-8 too. */
	j = json_string(buf);
	if (!j) {
		for (char *q = buf; *q; q++)
			if ((unsigned char)*q >= 0x80)
				*q = '?';
	}
	json_decref(j);
	return buf;
}

static json_t *build_val(struct gs_span s, char *buf, size_t bufsz)
{
	if (buf && gs_unquote(s, buf, bufsz))
		return gs_json_str(buf);
	return span_json(s);
}

static void modinfo_json(json_t *go, const char *text, size_t len)
{
	json_t *deps = json_array(), *build = json_object(), *last = NULL;
	json_t *path = json_null(), *mod = json_null();
	struct gs_mi_iter it;
	struct gs_mi_line ln;
	char *kbuf = malloc(len + 1), *vbuf = malloc(len + 1);

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &ln)) {
		switch (ln.kind) {
		case GS_MI_PATH:
			if (ln.nf > 0) {
				json_decref(path);
				path = span_json(ln.f[0]);
			}
			break;
		case GS_MI_MOD:
			json_decref(mod);
			mod = module_json(&ln);
			json_object_set_new(mod, "replace", json_null());
			last = mod;
			break;
		case GS_MI_DEP:
			last = module_json(&ln);
			json_object_set_new(last, "replace", json_null());
			json_array_append_new(deps, last);
			break;
		case GS_MI_REPL:
			/* "=>" amends the mod/dep line just before it. */
			if (json_is_object(last))
				json_object_set_new(last, "replace", module_json(&ln));
			last = NULL;
			break;
		case GS_MI_BUILD:
			if (ln.nf > 0)
				json_object_set_new(build, build_str(ln.f[0], kbuf, len + 1),
						    ln.nf > 1 ? build_val(ln.f[1], vbuf, len + 1) :
								json_string(""));
			break;
		default:
			break;
		}
	}
	free(kbuf);
	free(vbuf);
	json_object_set_new(go, "path", path);
	json_object_set_new(go, "module", mod);
	json_object_set_new(go, "deps", deps);
	json_object_set_new(go, "build", build);
}

json_t *gs_class_json(const struct gs_class *c)
{
	json_t *go = json_object(), *ev = json_array(), *fl = json_object();

	json_object_set_new(go, "verdict", json_string(gs_verdict_str(c->verdict)));
	json_object_set_new(go, "reason", c->reason[0] ? gs_json_str(c->reason) : json_null());
	json_object_set_new(go, "version", c->version[0] ? gs_json_str(c->version) : json_null());
	json_object_set_new(go, "version_source", json_string(gs_vsrc_str(c->vsrc)));
	if (c->modinfo && c->modinfo_len) {
		modinfo_json(go, c->modinfo, c->modinfo_len);
	} else {
		json_object_set_new(go, "path", json_null());
		json_object_set_new(go, "module", json_null());
		json_object_set_new(go, "deps", json_array());
		json_object_set_new(go, "build", json_object());
	}
	for (unsigned i = 0; i < 32; i++) {
		unsigned bit = 1u << i;
		const char *name;

		if (!(c->evidence & bit))
			continue;
		name = gs_evidence_name(bit);
		if (name)
			json_array_append_new(ev, json_string(name));
		else
			json_array_append_new(ev, json_sprintf("bit%u", i));
	}
	json_object_set_new(go, "evidence", ev);
	for (unsigned bit = GS_FL_STRIPPED; bit && bit <= GS_FL_SHARED; bit <<= 1) {
		const char *name = gs_flag_name(bit);

		if (name)
			json_object_set_new(fl, name, json_boolean(c->flags & bit));
	}
	json_object_set_new(go, "flags", fl);
	json_object_set_new(go, "buildid", c->buildid[0] ? gs_json_str(c->buildid) : json_null());
	return go;
}

json_t *gs_goproc_json(const struct gs_goproc *p, json_t *go)
{
	json_t *o = json_object(), *ns;
	size_t n = strlen(p->exe);

	json_object_set_new(o, "pid", json_integer(p->pid));
	json_object_set_new(o, "ppid", json_integer(p->ppid));
	json_object_set_new(o, "name", gs_json_str(p->name));
	json_object_set_new(o, "comm", gs_json_str(p->comm));
	/* The marker is a property of the link, not part of the file's name. */
	if (p->deleted && gs_path_deleted_suffix(p->exe))
		n -= strlen(" (deleted)");
	json_object_set_new(o, "exe", gs_json_strn(p->exe, n));
	json_object_set_new(o, "deleted", json_boolean(p->deleted));
	json_object_set_new(o, "agent", json_boolean(p->agent));
	json_object_set_new(o, "uid", p->has_uid ? json_integer(p->uid) : json_null());
	json_object_set_new(o, "go", go ? json_incref(go) : gs_class_json(p->cls));
	ns = json_object();
	json_object_set_new(ns, "mnt", p->has_mnt_ns ? json_integer((json_int_t)p->mnt_ns) : json_null());
	json_object_set_new(ns, "pid", p->has_pid_ns ? json_integer((json_int_t)p->pid_ns) : json_null());
	json_object_set_new(ns, "in_ns_pid", p->has_ns_pid ? json_integer(p->ns_pid) : json_null());
	json_object_set_new(o, "namespaces", ns);
	json_object_set_new(o, "container_id",
			    p->has_cid ? json_string(p->container_id) : json_null());
	return o;
}

struct go_memo {
	const struct gs_class *cls;
	json_t *go;
};

static int cmp_memo(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct go_memo *)a)->cls;
	uintptr_t y = (uintptr_t)((const struct go_memo *)b)->cls;

	return (x > y) - (x < y);
}

/*
 * Processes running the same binary share one cached classification, so
 * they share one "go" object too: memory then grows with the number of
 * binaries, not of processes (a host running 1,000 copies of one server).
 */
json_t *gs_golist_json(const struct gs_golist *l)
{
	json_t *doc = json_object(), *arr = json_array();
	struct go_memo *memo = calloc(l->n + 1, sizeof(*memo));
	size_t nm = 0;

	for (size_t i = 0; i < l->n && memo; i++)
		memo[nm++].cls = l->procs[i]->cls;
	if (memo && nm > 1) {
		size_t k = 1;

		qsort(memo, nm, sizeof(*memo), cmp_memo);
		for (size_t i = 1; i < nm; i++)
			if (memo[i].cls != memo[k - 1].cls)
				memo[k++] = memo[i];
		nm = k;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct go_memo key = { .cls = l->procs[i]->cls }, *m = NULL;

		if (memo)
			m = bsearch(&key, memo, nm, sizeof(*memo), cmp_memo);
		if (m && !m->go)
			m->go = gs_class_json(m->cls);
		json_array_append_new(arr, gs_goproc_json(l->procs[i], m ? m->go : NULL));
	}
	for (size_t i = 0; i < nm && memo; i++)
		json_decref(memo[i].go);
	free(memo);
	json_object_set_new(doc, "processes", arr);
	json_object_set_new(doc, "uninspectable", json_integer((json_int_t)l->denied));
	return doc;
}
