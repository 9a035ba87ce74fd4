/* SPDX-License-Identifier: MIT */
/*
 * Go versions and the built-in table of Go releases: parsing and ordering of
 * the version strings binaries carry, and whether a release is still
 * supported. Shared by audit and the exporter; no I/O, no allocation.
 *
 * Support rule: a Go major release (go1.X) is supported until two newer
 * major releases exist, judged against the newest release in the table, so
 * the answer depends only on this build of goscope, never on the clock.
 */
#ifndef GOSCOPE_GORELEASES_H
#define GOSCOPE_GORELEASES_H

#include <stdbool.h>
#include <stddef.h>

enum gs_gover_kind {
	GS_GOVER_DEVEL = 0,	/* a development build: "devel go1.X-...", "go1.X-..." */
	GS_GOVER_BETA,		/* go1.XbetaN */
	GS_GOVER_RC,		/* go1.XrcN */
	GS_GOVER_RELEASE,	/* go1.X, go1.X.Y */
};

/* A parsed Go version. Only Go 1 exists; "go1" is go1.0. */
struct gs_gover {
	unsigned minor, patch;		/* go1.MINOR.PATCH; "go1.21" has patch 0 */
	enum gs_gover_kind kind;
	unsigned pre;			/* N of betaN / rcN */
	bool has_patch;			/* the string named a patch ("go1.21.0") */
};

/*
 * Parse a version as binaries carry it (runtime.Version()): "go1.21.3",
 * "go1.20", "go1.9beta2", "go1.21rc1", with anything after a space kept out
 * ("go1.21.0 X:loopvar", "go1.23.1 X:nocoverageredesign"); "go1.22-<...>"
 * (toolchains built from a branch) and "devel go1.22-<hash> <date>" as a
 * development build of go1.22. Returns false when there is no Go 1 version
 * to be had, e.g. "devel +abc123 Tue ...", "go2", "".
 */
bool gs_gover_parse(const char *s, struct gs_gover *v);

/*
 * Strict form for command lines (--min-go): "go1.X", "go1.X.Y", "go1.XrcN",
 * "go1.XbetaN", also without the "go" prefix; nothing after it.
 */
bool gs_gover_parse_strict(const char *s, struct gs_gover *v);

/*
 * Order: go1.21-devel < go1.21beta1 < go1.21rc2 < go1.21 == go1.21.0 <
 * go1.21.1 < go1.22-devel. Returns <0, 0, >0.
 */
int gs_gover_cmp(const struct gs_gover *a, const struct gs_gover *b);

/* Canonical text: "go1.21.3", "go1.21rc1", "go1.21-devel"; go1.X.0 keeps its ".0". */
void gs_gover_format(const struct gs_gover *v, char *buf, size_t bufsz);

/* ---- the release table ---- */

struct gs_gorelease {
	unsigned char minor, patch;
	char date[11];			/* YYYY-MM-DD */
};

/* Every release, oldest first (go1, go1.0.1, ..., the newest). */
const struct gs_gorelease *gs_goreleases(size_t *n);
/* The newest release in the table. */
const struct gs_gorelease *gs_gorelease_newest(void);
/* The release v names exactly (a release, not rc/beta/devel), or NULL. */
const struct gs_gorelease *gs_gorelease_find(const struct gs_gover *v);
/* The newest patch release of go1.MINOR, or NULL when the table has none. */
const struct gs_gorelease *gs_gorelease_latest(unsigned minor);
/* Text of a table entry: "go1.21.3", "go1.20" (as Go named it), "go1". */
void gs_gorelease_name(const struct gs_gorelease *r, char *buf, size_t bufsz);

enum gs_support {
	GS_SUPPORT_UNKNOWN = 0,	/* no Go 1 version, bare devel build, newer than table */
	GS_SUPPORTED,
	GS_UNSUPPORTED,
};

/*
 * Support status of a version string (lenient parse):
 *  - newer than the table's newest release (a later major, a later patch of
 *    the newest major, or a prerelease/devel build of a later major): unknown;
 *  - a release of one of the two newest majors: supported;
 *  - a prerelease or devel build of a major the table has released:
 *    unsupported (only releases get security fixes);
 *  - anything older: unsupported.
 */
enum gs_support gs_go_support(const char *version);
enum gs_support gs_gover_support(const struct gs_gover *v);
/* "supported", "unsupported", "unknown". */
const char *gs_support_str(enum gs_support s);

/*
 * The date support of go1.MINOR ended (the release date of go1.(MINOR+2)),
 * or NULL when it is still supported or MINOR is not in the table.
 */
const char *gs_gorelease_end_of_support(unsigned minor);

#endif
