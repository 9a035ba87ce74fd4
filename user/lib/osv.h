/* SPDX-License-Identifier: MIT */
/*
 * Offline matching against OSV records in the format of Go's vulnerability
 * database (vuln.go.dev): one JSON object per file, with
 *	id, affected[].package.name, affected[].ranges[] {type SEMVER, events[]}
 * where package.name is a module path, or "stdlib" for the standard library
 * ("toolchain", the go command, is ignored: it is not inside a binary).
 * Go versions map to semver as go1.X.Y -> 1.X.Y, go1.X -> 1.X.0,
 * go1.XrcN -> 1.X.0-rc.N, go1.XbetaN -> 1.X.0-beta.N.
 *
 * The database is read once and only read afterwards, so matching is safe
 * from several threads at once.
 */
#ifndef GOSCOPE_OSV_H
#define GOSCOPE_OSV_H

#include <stdbool.h>
#include <stddef.h>

#include "gserr.h"

struct gs_osv_db;

/* Told about each record file that is skipped, with its path and why. */
typedef void (*gs_osv_skip_fn)(void *arg, const char *file, const char *why);

/*
 * Read every *.json file in dir (not recursive), in name order. A malformed
 * or unreadable record is passed to skip (may be NULL) and left out; a
 * record with "withdrawn" set is left out silently. Fails only when dir
 * cannot be listed or memory runs out.
 */
int gs_osv_load(const char *dir, gs_osv_skip_fn skip, void *arg, struct gs_osv_db **out,
		struct gs_err *err);
void gs_osv_free(struct gs_osv_db *db);

struct gs_osv_stats {
	size_t files;		/* *.json files seen */
	size_t records;		/* loaded */
	size_t skipped;		/* malformed or unreadable */
	size_t withdrawn;
};
void gs_osv_stats(const struct gs_osv_db *db, struct gs_osv_stats *st);

/* IDs found for one binary: pointers into the database, valid until gs_osv_free. */
struct gs_osv_hits {
	const char **ids;
	size_t n, cap;
	bool oom;		/* an ID could not be recorded */
};

/* Add the IDs of records affecting module path at version (semver, "v" optional). */
void gs_osv_match(const struct gs_osv_db *db, const char *path, const char *version,
		  struct gs_osv_hits *h);
/* The standard library of a Go version (as binaries carry it). False if it has no semver. */
bool gs_osv_match_go(const struct gs_osv_db *db, const char *goversion, struct gs_osv_hits *h);
/*
 * Every module of a binary's modinfo text: the main module and each dep;
 * a module followed by a "=>" line is matched as the replacement it names
 * (path and version as `go version -m` prints them), and not at all when
 * the replacement has no version (a local directory).
 */
void gs_osv_match_modinfo(const struct gs_osv_db *db, const char *modinfo, size_t len,
			  struct gs_osv_hits *h);
/* Sort the IDs and drop duplicates. */
void gs_osv_hits_finish(struct gs_osv_hits *h);
void gs_osv_hits_free(struct gs_osv_hits *h);

/* ---- semver, as OSV and Go modules use it ---- */

/* Compare two versions ("v" optional; "1.2" means 1.2.0). Invalid versions: *ok = false. */
int gs_semver_cmp(const char *a, const char *b, bool *ok);
bool gs_semver_valid(const char *s);
/* Go version to semver without "v" ("1.21.3"); false for devel builds and non-versions. */
bool gs_go_semver(const char *goversion, char *buf, size_t bufsz);

#endif
