/* SPDX-License-Identifier: MIT */
/*
 * Matching against the loaded OSV database: a module path and version, the
 * standard library of a Go version, every module of a binary's modinfo;
 * see osv.h. Read-only on the database, so safe from several threads.
 */
#include "osv.h"
#include "osv_int.h"

#include <string.h>

#include "modinfo.h"

/* OSV's evaluation of one SEMVER range, on events sorted by version. */
static bool in_range(const struct gs_osv_db *db, const struct range *r, const struct semver *v)
{
	bool affected = false;

	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &db->events[r->first + i];
		int c = gs_sv_cmp(v, &e->v);

		switch (e->kind) {
		case EV_INTRODUCED:
			if (c >= 0)
				affected = true;
			break;
		case EV_FIXED:
		case EV_LIMIT:
			if (c >= 0)
				affected = false;
			break;
		case EV_LAST_AFFECTED:
			if (c > 0)
				affected = false;
			break;
		}
	}
	return affected;
}

static void hit(struct gs_osv_hits *h, const char *id)
{
	if (!gs_osv_grow((void **)&h->ids, &h->cap, h->n, sizeof(*h->ids))) {
		h->oom = true;
		return;
	}
	h->ids[h->n++] = id;
}

static void match_sv(const struct gs_osv_db *db, const char *path, const struct semver *v,
		     struct gs_osv_hits *h)
{
	size_t lo = 0, hi;

	if (!db || !db->naff)
		return;
	/* The first entry for path, then every one after it with the same path. */
	hi = db->naff;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(db->aff[mid].pkg, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < db->naff && !strcmp(db->aff[i].pkg, path); i++) {
		const struct affected *a = &db->aff[i];

		for (size_t k = 0; k < a->n; k++) {
			if (in_range(db, &db->ranges[a->first + k], v)) {
				hit(h, db->ids[a->rec]);
				break;
			}
		}
	}
}

void gs_osv_match(const struct gs_osv_db *db, const char *path, const char *version,
		  struct gs_osv_hits *h)
{
	struct semver v;

	if (path && version && gs_sv_parse(version, &v))
		match_sv(db, path, &v, h);
}

bool gs_osv_match_go(const struct gs_osv_db *db, const char *goversion, struct gs_osv_hits *h)
{
	char buf[64];

	if (!gs_go_semver(goversion, buf, sizeof(buf)))
		return false;
	gs_osv_match(db, "stdlib", buf, h);
	return true;
}

/* Module path and version from spans; skipped when either does not fit. */
static void match_spans(const struct gs_osv_db *db, struct gs_span p, struct gs_span v,
			struct gs_osv_hits *h)
{
	char path[1024], ver[256];

	if (!p.n || !v.n || p.n >= sizeof(path) || v.n >= sizeof(ver))
		return;
	memcpy(path, p.p, p.n);
	path[p.n] = '\0';
	memcpy(ver, v.p, v.n);
	ver[v.n] = '\0';
	gs_osv_match(db, path, ver, h);
}

void gs_osv_match_modinfo(const struct gs_osv_db *db, const char *modinfo, size_t len,
			  struct gs_osv_hits *h)
{
	struct gs_span empty = { "", 0 }, pp = empty, pv = empty;
	struct gs_mi_iter it;
	struct gs_mi_line ln;
	bool pending = false;

	if (!db || !modinfo)
		return;
	gs_mi_init(&it, modinfo, len);
	while (gs_mi_next(&it, &ln)) {
		if (ln.kind == GS_MI_REPL) {
			/* "=>" amends the mod/dep line just before it. */
			if (pending)
				match_spans(db, ln.nf > 0 ? ln.f[0] : empty,
					    ln.nf > 1 ? ln.f[1] : empty, h);
			pending = false;
			continue;
		}
		if (pending)
			match_spans(db, pp, pv, h);
		pending = false;
		if (ln.kind == GS_MI_MOD || ln.kind == GS_MI_DEP) {
			pp = ln.nf > 0 ? ln.f[0] : empty;
			pv = ln.nf > 1 ? ln.f[1] : empty;
			pending = true;
		}
	}
	if (pending)
		match_spans(db, pp, pv, h);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void gs_osv_hits_finish(struct gs_osv_hits *h)
{
	size_t k = 0;

	if (h->n < 2)
		return;
	qsort(h->ids, h->n, sizeof(*h->ids), cmp_id);
	for (size_t i = 0; i < h->n; i++)
		if (!k || strcmp(h->ids[i], h->ids[k - 1]))
			h->ids[k++] = h->ids[i];
	h->n = k;
}

void gs_osv_hits_free(struct gs_osv_hits *h)
{
	free(h->ids);
	memset(h, 0, sizeof(*h));
}
