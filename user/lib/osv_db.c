/* SPDX-License-Identifier: MIT */
/*
 * The OSV database: every *.json record of a directory read into flat
 * arrays (ids, affected packages sorted by path, ranges, events sorted by
 * version) and one string pool; see osv.h. A malformed record is rolled
 * back whole and reported; nothing is allocated from a size in a record
 * beyond the caps below.
 */
#include "osv.h"
#include "osv_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAX (4u << 20)	/* the largest vuln.go.dev record is ~100 KiB */
#define FILES_MAX (1u << 20)
#define EVENTS_MAX 1024		/* per range */

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

		while (j > 0 && gs_sv_cmp(&ev[j - 1].v, &t.v) > 0) {
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
	if (!gs_osv_grow((void **)&db->ranges, &db->capranges, db->nranges, sizeof(*db->ranges)))
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
		if (!gs_osv_grow((void **)&db->events, &db->capevents, db->nevents, sizeof(*db->events)))
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
			if (!gs_sv_parse(stored, &e->v))
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
	if (!gs_osv_grow((void **)&db->aff, &db->capaff, db->naff, sizeof(*db->aff)))
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
	if (!gs_osv_grow((void **)&db->ids, &db->capids, db->nids, sizeof(*db->ids)))
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
		if (!gs_osv_grow((void **)&names, &cap, n, sizeof(*names)) ||
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
