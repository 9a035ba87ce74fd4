/* SPDX-License-Identifier: MIT */
/* Offline OSV matching; see osv.h. */
#include "osv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "goreleases.h"
#include "modinfo.h"

#define RECORD_MAX (4u << 20)	/* the largest vuln.go.dev record is ~100 KiB */
#define FILES_MAX (1u << 20)
#define EVENTS_MAX 1024		/* per range */
#define NUM_DIGITS_MAX 18	/* fits uint64 without overflow checks */

/* ---- semver ---- */

struct semver {
	uint64_t v[3];
	const char *pre;	/* prerelease identifiers, not NUL-terminated; NULL if none */
	size_t prelen;
	bool zero;		/* OSV's "0": before every version */
};

static bool sv_num(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	unsigned n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > NUM_DIGITS_MAX)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (!n)
		return false;
	*out = v;
	*pp = p;
	return true;
}

static bool ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-';
}

/* Dot-separated non-empty identifiers up to the end or stop; *pp moves past them. */
static bool sv_idents(const char **pp, char stop)
{
	const char *p = *pp;
	size_t len = 0;

	for (;; p++) {
		if (ident_char(*p)) {
			len++;
			continue;
		}
		if (!len)
			return false;
		if (*p == '.') {
			len = 0;
			continue;
		}
		if (*p == '\0' || *p == stop)
			break;
		return false;
	}
	*pp = p;
	return true;
}

static bool sv_parse(const char *s, struct semver *sv)
{
	const char *p = s;

	memset(sv, 0, sizeof(*sv));
	if (*p == 'v')
		p++;
	if (!sv_num(&p, &sv->v[0]))
		return false;
	for (int i = 1; i < 3 && *p == '.'; i++) {
		p++;
		if (!sv_num(&p, &sv->v[i]))
			return false;
	}
	if (*p == '-') {
		const char *q = ++p;

		if (!sv_idents(&p, '+'))
			return false;
		sv->pre = q;
		sv->prelen = (size_t)(p - q);
	}
	if (*p == '+') {
		p++;
		if (!sv_idents(&p, '\0'))
			return false;
	}
	return *p == '\0';
}

static bool all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n > 0;
}

/* Semver §11: identifiers in turn; numeric < alphanumeric; shorter set first. */
static int pre_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		const char *ea = memchr(a + i, '.', an - i), *eb = memchr(b + j, '.', bn - j);
		size_t la = (ea ? (size_t)(ea - a) : an) - i, lb = (eb ? (size_t)(eb - b) : bn) - j;
		bool na = all_digits(a + i, la), nb = all_digits(b + j, lb);
		int c;

		if (na && nb) {
			/* No leading zeros in valid semver, but be kind to them. */
			size_t za = 0, zb = 0;

			while (za + 1 < la && a[i + za] == '0')
				za++;
			while (zb + 1 < lb && b[j + zb] == '0')
				zb++;
			if (la - za != lb - zb)
				return la - za < lb - zb ? -1 : 1;
			c = memcmp(a + i + za, b + j + zb, la - za);
		} else if (na != nb) {
			return na ? -1 : 1;
		} else {
			c = memcmp(a + i, b + j, la < lb ? la : lb);
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		i += la + 1;
		j += lb + 1;
	}
	if (i < an)
		return 1;
	if (j < bn)
		return -1;
	return 0;
}

static int sv_cmp(const struct semver *a, const struct semver *b)
{
	if (a->zero || b->zero)
		return (int)b->zero - (int)a->zero;
	for (int i = 0; i < 3; i++)
		if (a->v[i] != b->v[i])
			return a->v[i] < b->v[i] ? -1 : 1;
	if (!a->pre || !b->pre)
		return (a->pre == NULL) - (b->pre == NULL);
	return pre_cmp(a->pre, a->prelen, b->pre, b->prelen);
}

int gs_semver_cmp(const char *a, const char *b, bool *ok)
{
	struct semver x, y;

	*ok = sv_parse(a, &x) && sv_parse(b, &y);
	return *ok ? sv_cmp(&x, &y) : 0;
}

bool gs_semver_valid(const char *s)
{
	struct semver x;

	return sv_parse(s, &x);
}

bool gs_go_semver(const char *goversion, char *buf, size_t bufsz)
{
	struct gs_gover v;
	int n;

	if (!gs_gover_parse(goversion, &v))
		return false;
	switch (v.kind) {
	case GS_GOVER_RELEASE:
		n = snprintf(buf, bufsz, "1.%u.%u", v.minor, v.patch);
		break;
	case GS_GOVER_RC:
		n = snprintf(buf, bufsz, "1.%u.0-rc.%u", v.minor, v.pre);
		break;
	case GS_GOVER_BETA:
		n = snprintf(buf, bufsz, "1.%u.0-beta.%u", v.minor, v.pre);
		break;
	default:
		return false;	/* a devel build sits between releases: no answer */
	}
	return n > 0 && (size_t)n < bufsz;
}

/* ---- the database ---- */

enum ev_kind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

struct event {
	enum ev_kind kind;
	struct semver v;
};

struct range {
	size_t first, n;	/* into db->events */
};

struct affected {
	const char *pkg;
	size_t rec;		/* index into db->ids */
	size_t first, n;	/* into db->ranges */
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct gs_osv_db {
	const char **ids;
	size_t nids, capids;
	struct affected *aff;	/* sorted by pkg after loading */
	size_t naff, capaff;
	struct range *ranges;
	size_t nranges, capranges;
	struct event *events;
	size_t nevents, capevents;
	struct chunk *strings;
	struct gs_osv_stats st;
};

static const char *pool_str(struct gs_osv_db *db, const char *s)
{
	size_t n = strlen(s) + 1;
	struct chunk *c = db->strings;

	if (!c || c->cap - c->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->next = db->strings;
		c->used = 0;
		c->cap = cap;
		db->strings = c;
	}
	memcpy(c->data + c->used, s, n);
	c->used += n;
	return c->data + c->used - n;
}

/* Grow *arr to hold one more element of size sz. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / sz)
		return false;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

/* A record under construction: rolled back as a whole when it is malformed. */
struct mark {
	size_t nids, naff, nranges, nevents;
};

static void rollback(struct gs_osv_db *db, const struct mark *m)
{
	db->nids = m->nids;
	db->naff = m->naff;
	db->nranges = m->nranges;
	db->nevents = m->nevents;
}

/* Sort one range's events by version, stable (insertion sort: ranges are short). */
static void sort_events(struct event *ev, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct event t = ev[i];
		size_t j = i;

		while (j > 0 && sv_cmp(&ev[j - 1].v, &t.v) > 0) {
			ev[j] = ev[j - 1];
			j--;
		}
		ev[j] = t;
	}
}

#define BAD(...) (snprintf(why, whysz, __VA_ARGS__), -1)
#define NOMEM (snprintf(why, whysz, "out of memory"), -2)

static int add_range(struct gs_osv_db *db, json_t *jr, size_t ai, size_t ri, char *why,
		     size_t whysz)
{
	json_t *type, *evs, *je;
	struct range *r;
	size_t idx;

	if (!json_is_object(jr))
		return BAD("affected[%zu].ranges[%zu] is not an object", ai, ri);
	type = json_object_get(jr, "type");
	if (!json_is_string(type))
		return BAD("affected[%zu].ranges[%zu].type is missing", ai, ri);
	if (strcmp(json_string_value(type), "SEMVER"))
		return 0;	/* GIT, ECOSYSTEM: not comparable with module versions */
	evs = json_object_get(jr, "events");
	if (!json_is_array(evs) || json_array_size(evs) == 0)
		return BAD("affected[%zu].ranges[%zu].events is not a non-empty array", ai, ri);
	if (json_array_size(evs) > EVENTS_MAX)
		return BAD("affected[%zu].ranges[%zu] has too many events", ai, ri);
	if (!grow((void **)&db->ranges, &db->capranges, db->nranges, sizeof(*db->ranges)))
		return NOMEM;
	r = &db->ranges[db->nranges];
	r->first = db->nevents;
	r->n = 0;
	json_array_foreach(evs, idx, je) {
		static const char *const keys[] = {
			"introduced", "fixed", "last_affected", "limit",
		};
		struct event *e;
		const char *val = NULL, *stored;
		int kind = -1;

		if (!json_is_object(je) || json_object_size(je) != 1)
			return BAD("affected[%zu].ranges[%zu].events[%zu] is not an object "
				   "with one key", ai, ri, idx);
		for (int k = 0; k < 4; k++) {
			json_t *jv = json_object_get(je, keys[k]);

			if (!jv)
				continue;
			if (!json_is_string(jv))
				return BAD("affected[%zu].ranges[%zu].events[%zu].%s is not "
					   "a string", ai, ri, idx, keys[k]);
			kind = k;
			val = json_string_value(jv);
		}
		if (kind < 0)
			return BAD("affected[%zu].ranges[%zu].events[%zu]: unknown event", ai, ri,
				   idx);
		if (!grow((void **)&db->events, &db->capevents, db->nevents, sizeof(*db->events)))
			return NOMEM;
		e = &db->events[db->nevents];
		e->kind = (enum ev_kind)kind;
		if (kind == EV_INTRODUCED && !strcmp(val, "0")) {
			memset(&e->v, 0, sizeof(e->v));
			e->v.zero = true;
		} else {
			stored = pool_str(db, val);
			if (!stored)
				return NOMEM;
			if (!sv_parse(stored, &e->v))
				return BAD("affected[%zu].ranges[%zu].events[%zu]: \"%.64s\" "
					   "is not a semantic version", ai, ri, idx, val);
		}
		db->nevents++;
		r->n++;
	}
	sort_events(db->events + r->first, r->n);
	db->nranges++;
	return 0;
}

static int add_affected(struct gs_osv_db *db, json_t *ja, size_t ai, size_t rec, char *why,
			size_t whysz)
{
	json_t *pkg, *name, *eco, *ranges, *jr;
	struct affected *a;
	size_t first = db->nranges, ri;
	const char *n;
	int rc;

	if (!json_is_object(ja))
		return BAD("affected[%zu] is not an object", ai);
	pkg = json_object_get(ja, "package");
	name = json_object_get(pkg, "name");
	if (!json_is_object(pkg) || !json_is_string(name) || !*json_string_value(name))
		return BAD("affected[%zu].package.name is missing", ai);
	eco = json_object_get(pkg, "ecosystem");
	if (eco && !json_is_string(eco))
		return BAD("affected[%zu].package.ecosystem is not a string", ai);
	ranges = json_object_get(ja, "ranges");
	if (ranges && !json_is_array(ranges))
		return BAD("affected[%zu].ranges is not an array", ai);
	json_array_foreach(ranges, ri, jr) {
		rc = add_range(db, jr, ai, ri, why, whysz);
		if (rc)
			return rc;
	}
	n = json_string_value(name);
	/* Other ecosystems and the go command itself never match a binary. */
	if ((eco && strcmp(json_string_value(eco), "Go")) || !strcmp(n, "toolchain") ||
	    db->nranges == first)
		return 0;
	if (!grow((void **)&db->aff, &db->capaff, db->naff, sizeof(*db->aff)))
		return NOMEM;
	a = &db->aff[db->naff];
	a->pkg = pool_str(db, n);
	if (!a->pkg)
		return NOMEM;
	a->rec = rec;
	a->first = first;
	a->n = db->nranges - first;
	db->naff++;
	return 0;
}

/* 0: added or withdrawn; -1: malformed (why says how); -2: out of memory. */
static int add_record(struct gs_osv_db *db, json_t *root, char *why, size_t whysz)
{
	struct mark m = { db->nids, db->naff, db->nranges, db->nevents };
	json_t *id, *aff, *ja;
	size_t ai, rec;
	int rc;

	if (!json_is_object(root))
		return BAD("not a JSON object");
	id = json_object_get(root, "id");
	if (!json_is_string(id) || !*json_string_value(id))
		return BAD("\"id\" is missing or not a string");
	if (json_object_get(root, "withdrawn")) {
		db->st.withdrawn++;
		return 0;
	}
	aff = json_object_get(root, "affected");
	if (aff && !json_is_array(aff))
		return BAD("\"affected\" is not an array");
	if (!grow((void **)&db->ids, &db->capids, db->nids, sizeof(*db->ids)))
		return NOMEM;
	rec = db->nids;
	db->ids[rec] = pool_str(db, json_string_value(id));
	if (!db->ids[rec])
		return NOMEM;
	db->nids++;
	json_array_foreach(aff, ai, ja) {
		rc = add_affected(db, ja, ai, rec, why, whysz);
		if (rc) {
			rollback(db, &m);
			return rc;
		}
	}
	db->st.records++;
	return 0;
}

/* Read a whole record file; -1 with why set when it cannot be used. */
static int read_record(int dfd, const char *name, char **buf, size_t *len, char *why,
		       size_t whysz)
{
	struct stat st;
	size_t got = 0;
	char *b;
	int fd;

	/* O_NONBLOCK: a FIFO named *.json must not stall the load. */
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return BAD("%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return BAD("not a regular file");
	}
	if (st.st_size > (off_t)RECORD_MAX) {
		close(fd);
		return BAD("larger than %u bytes", RECORD_MAX);
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return BAD("out of memory");
	}
	/* The file may grow while we read: never past what we allocated. */
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, b + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(b);
			close(fd);
			return BAD("%s", strerror(e));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_aff(const void *a, const void *b)
{
	const struct affected *x = a, *y = b;
	int c = strcmp(x->pkg, y->pkg);

	if (c)
		return c;
	return (x->rec > y->rec) - (x->rec < y->rec);
}

static bool json_name(const char *n)
{
	size_t l = strlen(n);

	return l > 5 && !strcmp(n + l - 5, ".json") && n[0] != '.';
}

/* The sorted *.json names of dir; NULL with err set on failure. */
static char **list_dir(DIR *d, size_t *count, struct gs_err *err)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!json_name(de->d_name))
			continue;
		if (n >= FILES_MAX)
			break;
		if (!grow((void **)&names, &cap, n, sizeof(*names)) ||
		    !(names[n] = strdup(de->d_name))) {
			for (size_t i = 0; i < n; i++)
				free(names[i]);
			free(names);
			gs_errf(err, ENOMEM, "out of memory");
			return NULL;
		}
		n++;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	*count = n;
	if (!names)
		names = calloc(1, sizeof(*names));
	if (!names)
		gs_errf(err, ENOMEM, "out of memory");
	return names;
}

int gs_osv_load(const char *dir, gs_osv_skip_fn skip, void *arg, struct gs_osv_db **out,
		struct gs_err *err)
{
	struct gs_osv_db *db;
	char **names, why[256], path[PATH_MAX];
	size_t n = 0;
	int rc = 0;
	DIR *d;

	*out = NULL;
	d = opendir(dir);
	if (!d)
		return gs_errf(err, errno, "%s: %s", dir, strerror(errno));
	names = list_dir(d, &n, err);
	if (!names) {
		closedir(d);
		return -1;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		rc = gs_errf(err, ENOMEM, "out of memory");
		goto out;
	}
	db->st.files = n;
	for (size_t i = 0; i < n; i++) {
		json_error_t jerr;
		json_t *root;
		char *buf = NULL;
		size_t len = 0;
		int r;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (read_record(dirfd(d), names[i], &buf, &len, why, sizeof(why))) {
			db->st.skipped++;
			if (skip)
				skip(arg, path, why);
			continue;
		}
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
		free(buf);
		if (!root) {
			db->st.skipped++;
			snprintf(why, sizeof(why), "invalid JSON at line %d, column %d: %s",
				 jerr.line, jerr.column, jerr.text);
			if (skip)
				skip(arg, path, why);
			continue;
		}
		r = add_record(db, root, why, sizeof(why));
		json_decref(root);
		if (r == -2) {
			rc = gs_errf(err, ENOMEM, "out of memory");
			gs_osv_free(db);
			db = NULL;
			goto out;
		}
		if (r < 0) {
			db->st.skipped++;
			if (skip)
				skip(arg, path, why);
		}
	}
	if (db->naff > 1)
		qsort(db->aff, db->naff, sizeof(*db->aff), cmp_aff);
	*out = db;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

void gs_osv_free(struct gs_osv_db *db)
{
	struct chunk *c, *next;

	if (!db)
		return;
	for (c = db->strings; c; c = next) {
		next = c->next;
		free(c);
	}
	free(db->ids);
	free(db->aff);
	free(db->ranges);
	free(db->events);
	free(db);
}

void gs_osv_stats(const struct gs_osv_db *db, struct gs_osv_stats *st)
{
	if (db)
		*st = db->st;
	else
		memset(st, 0, sizeof(*st));
}

/* ---- matching ---- */

/* OSV's evaluation of one SEMVER range, on events sorted by version. */
static bool in_range(const struct gs_osv_db *db, const struct range *r, const struct semver *v)
{
	bool affected = false;

	for (size_t i = 0; i < r->n; i++) {
		const struct event *e = &db->events[r->first + i];
		int c = sv_cmp(v, &e->v);

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
	if (!grow((void **)&h->ids, &h->cap, h->n, sizeof(*h->ids))) {
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

	if (path && version && sv_parse(version, &v))
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
