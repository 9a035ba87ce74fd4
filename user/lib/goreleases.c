/* SPDX-License-Identifier: MIT */
/* Go versions and the release table; see goreleases.h. */
#include "goreleases.h"

#include <stdio.h>
#include <string.h>

#define R(mi, pa, d) { mi, pa, d }

/*
 * Every Go 1 release with its date, oldest first. Dates are those of
 * go.dev/doc/devel/release (for recent releases, the tag dates the module
 * proxy lists for std, which agree with the announcements to a day).
 *
 * Confidence: releases through go1.25.3 / go1.24.9 (October 2025) are from
 * the project's release history as known to the author. Later ones
 * (go1.25.4 onward, go1.26.x, go1.27.x) come from public listings of std
 * versions seen while writing this table, not from memory; go1.26.11 was not
 * seen itself and is assumed to have shipped beside go1.27.4, as minor
 * releases of the two supported majors always do. When Go ships newer
 * releases, append them here: a release newer than this table is reported
 * as support status "unknown", never guessed.
 */
static const struct gs_gorelease table[] = {
	R(0, 0, "2012-03-28"), R(0, 1, "2012-04-25"), R(0, 2, "2012-06-13"),
	R(0, 3, "2012-09-21"),

	R(1, 0, "2013-05-13"), R(1, 1, "2013-06-13"), R(1, 2, "2013-08-13"),

	R(2, 0, "2013-12-01"), R(2, 1, "2014-03-02"), R(2, 2, "2014-05-05"),

	R(3, 0, "2014-06-18"), R(3, 1, "2014-08-13"), R(3, 2, "2014-09-25"),
	R(3, 3, "2014-09-30"),

	R(4, 0, "2014-12-10"), R(4, 1, "2015-01-15"), R(4, 2, "2015-02-17"),
	R(4, 3, "2015-09-22"),

	R(5, 0, "2015-08-19"), R(5, 1, "2015-09-08"), R(5, 2, "2015-12-02"),
	R(5, 3, "2016-01-13"), R(5, 4, "2016-04-12"),

	R(6, 0, "2016-02-17"), R(6, 1, "2016-04-12"), R(6, 2, "2016-04-20"),
	R(6, 3, "2016-07-17"), R(6, 4, "2016-12-01"),

	/* go1.7.2 was tagged but never fully released; binaries may still say so. */
	R(7, 0, "2016-08-15"), R(7, 1, "2016-09-07"), R(7, 2, "2016-10-17"),
	R(7, 3, "2016-10-19"), R(7, 4, "2016-12-01"), R(7, 5, "2017-01-26"),
	R(7, 6, "2017-05-23"),

	R(8, 0, "2017-02-16"), R(8, 1, "2017-04-07"), R(8, 2, "2017-05-23"),
	R(8, 3, "2017-05-24"), R(8, 4, "2017-10-04"), R(8, 5, "2017-10-25"),
	R(8, 6, "2018-01-22"), R(8, 7, "2018-02-07"),

	R(9, 0, "2017-08-24"), R(9, 1, "2017-10-04"), R(9, 2, "2017-10-25"),
	R(9, 3, "2018-01-22"), R(9, 4, "2018-02-07"), R(9, 5, "2018-03-28"),
	R(9, 6, "2018-05-01"), R(9, 7, "2018-06-05"),

	R(10, 0, "2018-02-16"), R(10, 1, "2018-03-28"), R(10, 2, "2018-05-01"),
	R(10, 3, "2018-06-05"), R(10, 4, "2018-08-24"), R(10, 5, "2018-11-02"),
	R(10, 6, "2018-12-12"), R(10, 7, "2018-12-14"), R(10, 8, "2019-01-23"),

	R(11, 0, "2018-08-24"), R(11, 1, "2018-10-01"), R(11, 2, "2018-11-02"),
	R(11, 3, "2018-12-12"), R(11, 4, "2018-12-14"), R(11, 5, "2019-01-23"),
	R(11, 6, "2019-03-14"), R(11, 7, "2019-04-05"), R(11, 8, "2019-04-08"),
	R(11, 9, "2019-04-11"), R(11, 10, "2019-05-06"), R(11, 11, "2019-06-11"),
	R(11, 12, "2019-07-08"), R(11, 13, "2019-08-13"),

	R(12, 0, "2019-02-25"), R(12, 1, "2019-03-14"), R(12, 2, "2019-04-05"),
	R(12, 3, "2019-04-08"), R(12, 4, "2019-04-11"), R(12, 5, "2019-05-06"),
	R(12, 6, "2019-06-11"), R(12, 7, "2019-07-08"), R(12, 8, "2019-08-13"),
	R(12, 9, "2019-08-15"), R(12, 10, "2019-09-25"), R(12, 11, "2019-10-17"),
	R(12, 12, "2019-10-17"), R(12, 13, "2019-10-31"), R(12, 14, "2019-12-04"),
	R(12, 15, "2020-01-09"), R(12, 16, "2020-01-28"), R(12, 17, "2020-02-12"),

	R(13, 0, "2019-09-03"), R(13, 1, "2019-09-25"), R(13, 2, "2019-10-17"),
	R(13, 3, "2019-10-17"), R(13, 4, "2019-10-31"), R(13, 5, "2019-12-04"),
	R(13, 6, "2020-01-09"), R(13, 7, "2020-01-28"), R(13, 8, "2020-02-12"),
	R(13, 9, "2020-03-19"), R(13, 10, "2020-04-08"), R(13, 11, "2020-05-14"),
	R(13, 12, "2020-06-01"), R(13, 13, "2020-07-14"), R(13, 14, "2020-07-16"),
	R(13, 15, "2020-08-06"),

	R(14, 0, "2020-02-25"), R(14, 1, "2020-03-19"), R(14, 2, "2020-04-08"),
	R(14, 3, "2020-05-14"), R(14, 4, "2020-06-01"), R(14, 5, "2020-07-14"),
	R(14, 6, "2020-07-16"), R(14, 7, "2020-08-06"), R(14, 8, "2020-09-01"),
	R(14, 9, "2020-09-09"), R(14, 10, "2020-10-14"), R(14, 11, "2020-11-05"),
	R(14, 12, "2020-11-12"), R(14, 13, "2020-12-03"), R(14, 14, "2021-01-19"),
	R(14, 15, "2021-02-04"),

	R(15, 0, "2020-08-11"), R(15, 1, "2020-09-01"), R(15, 2, "2020-09-09"),
	R(15, 3, "2020-10-14"), R(15, 4, "2020-11-05"), R(15, 5, "2020-11-12"),
	R(15, 6, "2020-12-03"), R(15, 7, "2021-01-19"), R(15, 8, "2021-02-04"),
	R(15, 9, "2021-03-10"), R(15, 10, "2021-03-11"), R(15, 11, "2021-04-01"),
	R(15, 12, "2021-05-06"), R(15, 13, "2021-06-03"), R(15, 14, "2021-07-12"),
	R(15, 15, "2021-08-04"),

	R(16, 0, "2021-02-16"), R(16, 1, "2021-03-10"), R(16, 2, "2021-03-11"),
	R(16, 3, "2021-04-01"), R(16, 4, "2021-05-06"), R(16, 5, "2021-06-03"),
	R(16, 6, "2021-07-12"), R(16, 7, "2021-08-05"), R(16, 8, "2021-09-09"),
	R(16, 9, "2021-10-07"), R(16, 10, "2021-11-04"), R(16, 11, "2021-12-02"),
	R(16, 12, "2021-12-09"), R(16, 13, "2022-01-06"), R(16, 14, "2022-02-10"),
	R(16, 15, "2022-03-03"),

	R(17, 0, "2021-08-16"), R(17, 1, "2021-09-09"), R(17, 2, "2021-10-07"),
	R(17, 3, "2021-11-04"), R(17, 4, "2021-12-02"), R(17, 5, "2021-12-09"),
	R(17, 6, "2022-01-06"), R(17, 7, "2022-02-10"), R(17, 8, "2022-03-03"),
	R(17, 9, "2022-04-12"), R(17, 10, "2022-05-10"), R(17, 11, "2022-06-01"),
	R(17, 12, "2022-07-12"), R(17, 13, "2022-08-01"),

	R(18, 0, "2022-03-15"), R(18, 1, "2022-04-12"), R(18, 2, "2022-05-10"),
	R(18, 3, "2022-06-01"), R(18, 4, "2022-07-12"), R(18, 5, "2022-08-01"),
	R(18, 6, "2022-09-06"), R(18, 7, "2022-10-04"), R(18, 8, "2022-11-01"),
	R(18, 9, "2022-12-06"), R(18, 10, "2023-01-10"),

	R(19, 0, "2022-08-02"), R(19, 1, "2022-09-06"), R(19, 2, "2022-10-04"),
	R(19, 3, "2022-11-01"), R(19, 4, "2022-12-06"), R(19, 5, "2023-01-10"),
	R(19, 6, "2023-02-14"), R(19, 7, "2023-03-07"), R(19, 8, "2023-04-04"),
	R(19, 9, "2023-05-02"), R(19, 10, "2023-06-06"), R(19, 11, "2023-07-11"),
	R(19, 12, "2023-08-01"), R(19, 13, "2023-09-06"),

	R(20, 0, "2023-02-01"), R(20, 1, "2023-02-14"), R(20, 2, "2023-03-07"),
	R(20, 3, "2023-04-04"), R(20, 4, "2023-05-02"), R(20, 5, "2023-06-06"),
	R(20, 6, "2023-07-11"), R(20, 7, "2023-08-01"), R(20, 8, "2023-09-06"),
	R(20, 9, "2023-10-05"), R(20, 10, "2023-10-10"), R(20, 11, "2023-11-07"),
	R(20, 12, "2023-12-05"), R(20, 13, "2024-01-09"), R(20, 14, "2024-02-06"),

	/* From go1.21 on, the first release of a major is named go1.X.0. */
	R(21, 0, "2023-08-08"), R(21, 1, "2023-09-06"), R(21, 2, "2023-10-05"),
	R(21, 3, "2023-10-10"), R(21, 4, "2023-11-07"), R(21, 5, "2023-12-05"),
	R(21, 6, "2024-01-09"), R(21, 7, "2024-02-06"), R(21, 8, "2024-03-05"),
	R(21, 9, "2024-04-03"), R(21, 10, "2024-05-07"), R(21, 11, "2024-06-04"),
	R(21, 12, "2024-07-02"), R(21, 13, "2024-08-06"),

	R(22, 0, "2024-02-06"), R(22, 1, "2024-03-05"), R(22, 2, "2024-04-03"),
	R(22, 3, "2024-05-07"), R(22, 4, "2024-06-04"), R(22, 5, "2024-07-02"),
	R(22, 6, "2024-08-06"), R(22, 7, "2024-09-05"), R(22, 8, "2024-10-01"),
	R(22, 9, "2024-11-06"), R(22, 10, "2024-12-03"), R(22, 11, "2025-01-16"),
	R(22, 12, "2025-02-04"),

	R(23, 0, "2024-08-13"), R(23, 1, "2024-09-05"), R(23, 2, "2024-10-01"),
	R(23, 3, "2024-11-06"), R(23, 4, "2024-12-03"), R(23, 5, "2025-01-16"),
	R(23, 6, "2025-02-04"), R(23, 7, "2025-03-04"), R(23, 8, "2025-04-01"),
	R(23, 9, "2025-05-06"), R(23, 10, "2025-06-05"), R(23, 11, "2025-07-08"),
	R(23, 12, "2025-08-06"),

	R(24, 0, "2025-02-11"), R(24, 1, "2025-03-04"), R(24, 2, "2025-04-01"),
	R(24, 3, "2025-05-06"), R(24, 4, "2025-06-05"), R(24, 5, "2025-07-08"),
	R(24, 6, "2025-08-06"), R(24, 7, "2025-09-03"), R(24, 8, "2025-10-07"),
	R(24, 9, "2025-10-13"),
	/* from here on: from std version listings, see above */
	R(24, 10, "2025-11-05"), R(24, 11, "2025-12-02"), R(24, 12, "2026-01-15"),
	R(24, 13, "2026-02-04"),

	R(25, 0, "2025-08-12"), R(25, 1, "2025-09-03"), R(25, 2, "2025-10-07"),
	R(25, 3, "2025-10-13"),
	/* from here on: from std version listings */
	R(25, 4, "2025-11-05"), R(25, 5, "2025-12-02"), R(25, 6, "2026-01-15"),
	R(25, 7, "2026-02-04"), R(25, 8, "2026-03-06"), R(25, 9, "2026-04-07"),
	R(25, 10, "2026-05-07"), R(25, 11, "2026-06-02"), R(25, 12, "2026-07-07"),
	R(25, 13, "2026-08-13"), R(25, 14, "2026-08-19"),

	/* go1.26 and go1.27: from std version listings */
	R(26, 0, "2026-02-10"), R(26, 1, "2026-03-06"), R(26, 2, "2026-04-07"),
	R(26, 3, "2026-05-07"), R(26, 4, "2026-06-02"), R(26, 5, "2026-07-07"),
	R(26, 6, "2026-08-13"), R(26, 7, "2026-08-19"), R(26, 8, "2026-09-01"),
	R(26, 9, "2026-10-08"), R(26, 10, "2026-10-20"),
	R(26, 11, "2026-11-10"),	/* assumed: ships beside go1.27.4 */

	R(27, 0, "2026-08-19"), R(27, 1, "2026-09-01"), R(27, 2, "2026-10-08"),
	R(27, 3, "2026-10-20"), R(27, 4, "2026-11-10"),
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

/* ---- parsing ---- */

/* Up to 4 digits (no Go component ever had more); false when there are none. */
static bool num(const char **pp, unsigned *out)
{
	const char *p = *pp;
	unsigned v = 0, n = 0;

	while (*p >= '0' && *p <= '9') {
		if (++n > 4)
			return false;
		v = v * 10 + (unsigned)(*p - '0');
		p++;
	}
	if (!n)
		return false;
	*out = v;
	*pp = p;
	return true;
}

/*
 * The core "1[.MINOR[.PATCH]][betaN|rcN]" after "go"; *pp is left on what
 * follows.
 */
static bool parse_core(const char **pp, struct gs_gover *v)
{
	const char *p = *pp;

	memset(v, 0, sizeof(*v));
	v->kind = GS_GOVER_RELEASE;
	if (*p != '1' || (p[1] >= '0' && p[1] <= '9'))
		return false;
	p++;
	if (*p == '.') {
		p++;
		if (!num(&p, &v->minor))
			return false;
		if (*p == '.') {
			p++;
			if (!num(&p, &v->patch))
				return false;
			v->has_patch = true;
		}
	}
	if (!v->has_patch) {
		if (!strncmp(p, "beta", 4)) {
			p += 4;
			v->kind = GS_GOVER_BETA;
		} else if (!strncmp(p, "rc", 2)) {
			p += 2;
			v->kind = GS_GOVER_RC;
		}
		if (v->kind != GS_GOVER_RELEASE && !num(&p, &v->pre))
			return false;
	}
	*pp = p;
	return true;
}

bool gs_gover_parse(const char *s, struct gs_gover *v)
{
	const char *p = s;
	bool devel = false;

	if (!s)
		return false;
	if (!strncmp(p, "devel ", 6)) {
		devel = true;
		p += 6;
	}
	if (strncmp(p, "go", 2))
		return false;
	p += 2;
	if (!parse_core(&p, v))
		return false;
	switch (*p) {
	case '\0':
	case ' ':
		break;
	case '-':
		/* "go1.21.0-X:foo" is only an experiment list; anything else,
		 * like go1.25-20250209-RC00, is a toolchain cut from a branch. */
		if (strncmp(p, "-X:", 3))
			devel = true;
		break;
	case 'b': {
		/* go1.16.15b7: the old boringcrypto releases, same as go1.16.15 */
		const char *q = p + 1;
		unsigned n;

		if (!v->has_patch || !num(&q, &n) || (*q && *q != ' '))
			return false;
		break;
	}
	default:
		return false;
	}
	if (devel) {
		v->kind = GS_GOVER_DEVEL;
		v->pre = 0;
		v->patch = 0;
		v->has_patch = false;
	}
	return true;
}

bool gs_gover_parse_strict(const char *s, struct gs_gover *v)
{
	const char *p = s;

	if (!s)
		return false;
	if (!strncmp(p, "go", 2))
		p += 2;
	return parse_core(&p, v) && *p == '\0';
}

int gs_gover_cmp(const struct gs_gover *a, const struct gs_gover *b)
{
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case GS_GOVER_RELEASE:
		return (a->patch > b->patch) - (a->patch < b->patch);
	case GS_GOVER_BETA:
	case GS_GOVER_RC:
		return (a->pre > b->pre) - (a->pre < b->pre);
	default:
		return 0;
	}
}

void gs_gover_format(const struct gs_gover *v, char *buf, size_t bufsz)
{
	switch (v->kind) {
	case GS_GOVER_RELEASE:
		if (v->has_patch || v->patch)
			snprintf(buf, bufsz, "go1.%u.%u", v->minor, v->patch);
		else
			snprintf(buf, bufsz, "go1.%u", v->minor);
		break;
	case GS_GOVER_BETA:
		snprintf(buf, bufsz, "go1.%ubeta%u", v->minor, v->pre);
		break;
	case GS_GOVER_RC:
		snprintf(buf, bufsz, "go1.%urc%u", v->minor, v->pre);
		break;
	default:
		snprintf(buf, bufsz, "go1.%u-devel", v->minor);
		break;
	}
}

/* ---- table ---- */

const struct gs_gorelease *gs_goreleases(size_t *n)
{
	*n = NTABLE;
	return table;
}

const struct gs_gorelease *gs_gorelease_newest(void)
{
	return &table[NTABLE - 1];
}

static const struct gs_gorelease *lookup(unsigned minor, unsigned patch)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].minor == minor && table[i].patch == patch)
			return &table[i];
	return NULL;
}

const struct gs_gorelease *gs_gorelease_find(const struct gs_gover *v)
{
	if (v->kind != GS_GOVER_RELEASE)
		return NULL;
	return lookup(v->minor, v->patch);
}

const struct gs_gorelease *gs_gorelease_latest(unsigned minor)
{
	const struct gs_gorelease *best = NULL;

	for (size_t i = 0; i < NTABLE; i++)
		if (table[i].minor == minor && (!best || table[i].patch > best->patch))
			best = &table[i];
	return best;
}

void gs_gorelease_name(const struct gs_gorelease *r, char *buf, size_t bufsz)
{
	if (r->minor == 0 && r->patch == 0)
		snprintf(buf, bufsz, "go1");
	else if (r->patch == 0 && r->minor < 21)
		snprintf(buf, bufsz, "go1.%u", r->minor);
	else
		snprintf(buf, bufsz, "go1.%u.%u", r->minor, r->patch);
}

/* ---- support ---- */

enum gs_support gs_gover_support(const struct gs_gover *v)
{
	const struct gs_gorelease *n = gs_gorelease_newest();

	if (v->minor > n->minor)
		return GS_SUPPORT_UNKNOWN;
	if (v->kind != GS_GOVER_RELEASE)
		return GS_UNSUPPORTED;
	if (v->minor == n->minor && v->patch > n->patch)
		return GS_SUPPORT_UNKNOWN;
	return v->minor + 1 >= n->minor ? GS_SUPPORTED : GS_UNSUPPORTED;
}

enum gs_support gs_go_support(const char *version)
{
	struct gs_gover v;

	if (!gs_gover_parse(version, &v))
		return GS_SUPPORT_UNKNOWN;
	return gs_gover_support(&v);
}

const char *gs_support_str(enum gs_support s)
{
	switch (s) {
	case GS_SUPPORTED: return "supported";
	case GS_UNSUPPORTED: return "unsupported";
	default: return "unknown";
	}
}

const char *gs_gorelease_end_of_support(unsigned minor)
{
	const struct gs_gorelease *r;

	if (!gs_gorelease_latest(minor))
		return NULL;
	r = lookup(minor + 2, 0);
	return r ? r->date : NULL;
}
