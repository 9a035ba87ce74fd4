/* SPDX-License-Identifier: MIT */
/*
 * Inside the OSV matcher, shared by its files: the parsed semver, the
 * database's layout, and the array growth both the loader and the matcher
 * use. Not for callers outside osv_*.c and semver.c: they use osv.h.
 *	semver.c	semantic versions: parsing, precedence, Go versions
 *	osv_db.c	reading record files into the database
 *	osv_match.c	matching modules and Go versions against it
 */
#ifndef GOSCOPE_OSV_INT_H
#define GOSCOPE_OSV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "osv.h"

struct semver {
	uint64_t v[3];
	const char *pre;	/* prerelease identifiers, not NUL-terminated; NULL if none */
	size_t prelen;
	bool zero;		/* OSV's "0": before every version */
};

/* Parse s ("v" optional); false when it is no semantic version. */
bool gs_sv_parse(const char *s, struct semver *sv);
/* Precedence: <0, 0, >0; OSV's "0" comes before every version. */
int gs_sv_cmp(const struct semver *a, const struct semver *b);

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

/* Grow *arr to hold one more element of size sz. */
static inline bool gs_osv_grow(void **arr, size_t *cap, size_t n, size_t sz)
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

#endif
