/* SPDX-License-Identifier: MIT */
/*
 * audit's rows: Go processes grouped by the binary they run (no --path), or
 * attached to the files found on disk by inode (--path); then the facts each
 * row shows, derived from the classification alone.
 */
#include "audit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "modinfo.h"

struct audit_entry *audit_add(struct audit_run *r, const char *path, struct gs_class *cls,
			      dev_t dev, ino_t ino)
{
	struct audit_entry *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct audit_entry *n = realloc(r->e, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->e = n;
		r->cap = cap;
	}
	e = &r->e[r->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return NULL;
	e->cls = cls;
	e->dev = dev;
	e->ino = ino;
	r->n++;
	return e;
}

static bool add_proc(struct audit_entry *e, struct gs_goproc *p)
{
	if (e->nprocs == e->capprocs) {
		size_t cap = e->capprocs ? e->capprocs * 2 : 4;
		struct gs_goproc **n = realloc(e->procs, cap * sizeof(*n));

		if (!n)
			return false;
		e->procs = n;
		e->capprocs = cap;
	}
	e->procs[e->nprocs++] = p;
	return true;
}

static void entry_fini(struct audit_entry *e)
{
	free(e->path);
	free(e->procs);
	free(e->module);
	free(e->module_version);
	free(e->vcs);
	free(e->vcs_revision);
	free(e->vcs_time);
	free(e->vcs_modified);
	free(e->goamd64);
	free(e->goexperiment);
	gs_osv_hits_free(&e->vulns);
}

void audit_free(struct audit_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		entry_fini(&r->e[i]);
	free(r->e);
	r->e = NULL;
	r->n = r->cap = 0;
	if (r->have_procs)
		gs_golist_free(&r->procs);
	r->have_procs = false;
	audit_walker_free(r->walker);
	r->walker = NULL;
	for (size_t i = 0; i < r->n_unreadable_list; i++)
		free(r->unreadable_list[i]);
	free(r->unreadable_list);
	r->unreadable_list = NULL;
	gs_osv_free(r->osv);
	r->osv = NULL;
}

/* ---- processes ---- */

static const char *cid_of(const struct gs_goproc *p)
{
	return p->has_cid ? p->container_id : "";
}

/* The exe without the kernel's " (deleted)" marker, into buf. */
static void exe_name(const struct gs_goproc *p, char *buf, size_t bufsz)
{
	size_t n = strlen(p->exe);

	if (p->deleted && gs_path_deleted_suffix(p->exe))
		n -= strlen(" (deleted)");
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, p->exe, n);
	buf[n] = '\0';
}

/*
 * Without --path, one row per binary and container: processes share a row
 * when they run the same classified file under the same name in the same
 * container (or none).
 */
static int group_procs(struct audit_run *r)
{
	char exe[4096 + 16];

	for (size_t i = 0; i < r->procs.n; i++) {
		struct gs_goproc *p = r->procs.procs[i];
		struct audit_entry *e = NULL;

		exe_name(p, exe, sizeof(exe));
		for (size_t k = 0; k < r->n; k++) {
			struct audit_entry *c = &r->e[k];

			if (c->cls == p->cls && c->deleted == p->deleted && !strcmp(c->path, exe) &&
			    !strcmp(cid_of(c->procs[0]), cid_of(p))) {
				e = c;
				break;
			}
		}
		if (!e) {
			e = audit_add(r, exe, p->cls, p->cls->dev, p->cls->ino);
			if (!e)
				return -1;
			e->deleted = p->deleted;
		}
		if (!add_proc(e, p))
			return -1;
	}
	return 0;
}

/* With --path: the processes whose executable is one of the files found. */
static int attach_procs(struct audit_run *r)
{
	for (size_t i = 0; i < r->procs.n; i++) {
		struct gs_goproc *p = r->procs.procs[i];

		for (size_t k = 0; k < r->n; k++) {
			struct audit_entry *e = &r->e[k];

			if (e->dev == p->cls->dev && e->ino == p->cls->ino && !add_proc(e, p))
				return -1;
		}
	}
	return 0;
}

int audit_procs(struct audit_run *r, struct gs_err *err)
{
	if (gs_golist_scan(&r->procs, GS_SCAN_DETAIL, err))
		return -1;
	r->have_procs = true;
	if (!r->path_mode && group_procs(r) < 0)
		return gs_errf(err, ENOMEM, "out of memory");
	return 0;
}

int audit_attach(struct audit_run *r)
{
	return r->have_procs ? attach_procs(r) : 0;
}

/* ---- facts ---- */

static char *span_dup(struct gs_span s)
{
	char *p = malloc(s.n + 1);

	if (p) {
		memcpy(p, s.p, s.n);
		p[s.n] = '\0';
	}
	return p;
}

static char *setting(const struct gs_class *c, const char *key)
{
	char buf[1024];

	if (!c->modinfo || !gs_mi_setting(c->modinfo, c->modinfo_len, key, buf, sizeof(buf)))
		return NULL;
	return strdup(buf);
}

static enum audit_policy policy(const struct audit_run *r, const struct gs_class *c)
{
	struct gs_gover v;

	if (!r->have_min)
		return AUDIT_POLICY_NONE;
	if (c->vsrc == GS_VSRC_RANGE || !gs_gover_parse(c->version, &v))
		return AUDIT_POLICY_UNKNOWN;
	/* A devel build lies between releases: only its major can be judged. */
	if (v.kind == GS_GOVER_DEVEL)
		return v.minor < r->min.minor ? AUDIT_POLICY_VIOLATION : AUDIT_POLICY_UNKNOWN;
	return gs_gover_cmp(&v, &r->min) < 0 ? AUDIT_POLICY_VIOLATION : AUDIT_POLICY_OK;
}

static void entry_facts(const struct audit_run *r, struct audit_entry *e)
{
	const struct gs_class *c = e->cls;
	struct gs_span mp, mv;
	char *tp;

	e->version = c->version[0] ? c->version : NULL;
	e->support = c->vsrc == GS_VSRC_RANGE ? GS_SUPPORT_UNKNOWN : gs_go_support(c->version);
	e->policy = policy(r, c);
	if (c->modinfo && gs_mi_main(c->modinfo, c->modinfo_len, &mp, &mv)) {
		e->module = span_dup(mp);
		e->module_version = mv.n ? span_dup(mv) : NULL;
	}
	e->vcs = setting(c, "vcs");
	e->vcs_revision = setting(c, "vcs.revision");
	e->vcs_time = setting(c, "vcs.time");
	e->vcs_modified = setting(c, "vcs.modified");
	e->goamd64 = setting(c, "GOAMD64");
	e->goexperiment = setting(c, "GOEXPERIMENT");
	if (!e->goexperiment && e->version) {
		/* Before build settings existed, experiments rode on the version. */
		const char *x = strstr(e->version, " X:");

		if (x && x[3])
			e->goexperiment = strdup(x + 3);
	}
	tp = setting(c, "-trimpath");
	e->trimpath = tp && !strcmp(tp, "true");
	free(tp);
	e->cgo = c->flags & GS_FL_CGO;
	e->pie = c->flags & GS_FL_PIE;
	e->stripped = c->flags & GS_FL_STRIPPED;
	if (r->osv) {
		e->vulns_checked = true;
		if (c->vsrc != GS_VSRC_RANGE && e->version)
			gs_osv_match_go(r->osv, e->version, &e->vulns);
		gs_osv_match_modinfo(r->osv, c->modinfo, c->modinfo_len, &e->vulns);
		gs_osv_hits_finish(&e->vulns);
	}
}

/*
 * Entries sharing a classification share every fact but the path: work
 * them out once and copy.
 */
static void copy_facts(struct audit_entry *to, const struct audit_entry *from)
{
	to->version = from->version;
	to->support = from->support;
	to->policy = from->policy;
#define DUP(f) (to->f = from->f ? strdup(from->f) : NULL)
	DUP(module);
	DUP(module_version);
	DUP(vcs);
	DUP(vcs_revision);
	DUP(vcs_time);
	DUP(vcs_modified);
	DUP(goamd64);
	DUP(goexperiment);
#undef DUP
	to->trimpath = from->trimpath;
	to->cgo = from->cgo;
	to->pie = from->pie;
	to->stripped = from->stripped;
	to->vulns_checked = from->vulns_checked;
	if (from->vulns.n) {
		to->vulns.ids = malloc(from->vulns.n * sizeof(*to->vulns.ids));
		if (to->vulns.ids) {
			memcpy(to->vulns.ids, from->vulns.ids,
			       from->vulns.n * sizeof(*to->vulns.ids));
			to->vulns.n = to->vulns.cap = from->vulns.n;
		}
	}
}

static int cmp_cls(const void *a, const void *b)
{
	const struct audit_entry *x = *(const struct audit_entry *const *)a;
	const struct audit_entry *y = *(const struct audit_entry *const *)b;
	uintptr_t p = (uintptr_t)x->cls, q = (uintptr_t)y->cls;

	return (p > q) - (p < q);
}

void audit_facts(struct audit_run *r)
{
	struct audit_entry **by = malloc((r->n + 1) * sizeof(*by));

	r->violations = 0;
	if (!by) {
		for (size_t i = 0; i < r->n; i++)
			entry_facts(r, &r->e[i]);
	} else {
		for (size_t i = 0; i < r->n; i++)
			by[i] = &r->e[i];
		qsort(by, r->n, sizeof(*by), cmp_cls);
		for (size_t i = 0; i < r->n; i++) {
			if (i && by[i]->cls == by[i - 1]->cls)
				copy_facts(by[i], by[i - 1]);
			else
				entry_facts(r, by[i]);
		}
		free(by);
	}
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].policy == AUDIT_POLICY_VIOLATION)
			r->violations++;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct audit_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	if (x->nprocs && y->nprocs) {
		int p = x->procs[0]->pid, q = y->procs[0]->pid;

		return (p > q) - (p < q);
	}
	return (x->nprocs > 0) - (y->nprocs > 0);
}

void audit_sort(struct audit_run *r)
{
	if (r->n > 1)
		qsort(r->e, r->n, sizeof(*r->e), cmp_entry);
}

size_t audit_container_ids(const struct audit_entry *e, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < e->nprocs && n < max; i++) {
		const char *id = cid_of(e->procs[i]);
		bool seen = !*id;

		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(out[k], id);
		if (!seen)
			out[n++] = id;
	}
	return n;
}

const char *audit_policy_str(enum audit_policy p)
{
	switch (p) {
	case AUDIT_POLICY_OK: return "ok";
	case AUDIT_POLICY_VIOLATION: return "violation";
	case AUDIT_POLICY_UNKNOWN: return "unknown";
	default: return "";
	}
}
