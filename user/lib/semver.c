/* SPDX-License-Identifier: MIT */
/*
 * Semantic versions as OSV and Go modules use them (semver.org 2.0.0,
 * "v" optional, "1.2" meaning 1.2.0), and Go versions mapped onto them;
 * see osv.h.
 */
#include "osv.h"
#include "osv_int.h"

#include <stdio.h>
#include <string.h>

#include "goreleases.h"

#define NUM_DIGITS_MAX 18	/* fits uint64 without overflow checks */

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

bool gs_sv_parse(const char *s, struct semver *sv)
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

/* semver.org 2.0.0 §11: identifiers in turn; numeric < alphanumeric; shorter set first. */
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

int gs_sv_cmp(const struct semver *a, const struct semver *b)
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

	*ok = gs_sv_parse(a, &x) && gs_sv_parse(b, &y);
	return *ok ? gs_sv_cmp(&x, &y) : 0;
}

bool gs_semver_valid(const char *s)
{
	struct semver x;

	return gs_sv_parse(s, &x);
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
