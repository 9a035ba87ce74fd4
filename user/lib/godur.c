/* SPDX-License-Identifier: MIT */
#include "godur.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_MAG (UINT64_C(1) << 63)	/* |Duration| limit, as in Go */

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "ns", 1 },
	{ "us", 1000 },
	{ "\xc2\xb5s", 1000 },		/* U+00B5 micro sign */
	{ "\xce\xbcs", 1000 },		/* U+03BC Greek mu */
	{ "ms", 1000000 },
	{ "s", 1000000000 },
	{ "m", 60 * UINT64_C(1000000000) },
	{ "h", 3600 * UINT64_C(1000000000) },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Go's time.ParseDuration; with bare_secs, a single number without a unit
 * ("5", "0.5") is taken as seconds, so both forms share every check.
 */
static int parse_dur(const char *s, bool bare_secs, int64_t *out, struct gs_err *err)
{
	const char *orig = s;
	uint64_t d = 0;
	bool neg = false;

	if (!s)
		return gs_errf(err, EINVAL, "missing duration");
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!*s)
		goto bad;
	for (bool first = true; *s; first = false) {
		uint64_t v = 0, f = 0, unit = 0;
		double scale = 1;
		bool pre = false, post = false, over = false;
		size_t ulen = 0;

		if (*s != '.' && !is_digit(*s))
			goto bad;
		for (; is_digit(*s); s++) {
			if (v > (MAX_MAG - (uint64_t)(*s - '0')) / 10)
				goto range;
			v = v * 10 + (uint64_t)(*s - '0');
			pre = true;
		}
		if (*s == '.') {
			for (s++; is_digit(*s); s++) {
				post = true;
				if (over)
					continue;
				if (f > (UINT64_MAX / 2 - 9) / 10) {
					over = true;	/* further digits cannot matter */
					continue;
				}
				f = f * 10 + (uint64_t)(*s - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			goto bad;
		while (s[ulen] && s[ulen] != '.' && !is_digit(s[ulen]))
			ulen++;
		if (ulen == 0 && bare_secs && first && !s[0])
			unit = GS_NS_PER_SEC;
		else if (ulen == 0)
			return gs_errf(err, EINVAL, "time: missing unit in duration \"%.60s\"", orig);
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen && memcmp(units[i].name, s, ulen) == 0)
				unit = units[i].ns;
		if (!unit)
			return gs_errf(err, EINVAL, "time: unknown unit \"%.*s\" in duration \"%.60s\"",
				       (int)(ulen > 20 ? 20 : ulen), s, orig);
		s += ulen;
		if (v > MAX_MAG / unit)
			goto range;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > MAX_MAG)
				goto range;
		}
		d += v;
		if (d > MAX_MAG)
			goto range;
	}
	if (neg) {
		*out = d == MAX_MAG ? INT64_MIN : -(int64_t)d;
		return 0;
	}
	if (d > MAX_MAG - 1)
		goto range;
	*out = (int64_t)d;
	return 0;
bad:
	return gs_errf(err, EINVAL, "time: invalid duration \"%.60s\"", orig);
range:
	return gs_errf(err, ERANGE, "time: invalid duration \"%.60s\" (out of range)", orig);
}

int gs_parse_go_duration(const char *s, int64_t *ns, struct gs_err *err)
{
	return parse_dur(s, false, ns, err);
}

int gs_parse_period(const char *s, int64_t *ns, struct gs_err *err)
{
	return parse_dur(s, true, ns, err);
}

int gs_parse_duration(const char *s, uint64_t *ns, struct gs_err *err)
{
	int64_t v = 0;

	if (parse_dur(s, true, &v, err))
		return -1;
	if (v < 0)
		return gs_errf(err, EINVAL, "negative duration \"%.60s\"", s);
	*ns = (uint64_t)v;
	return 0;
}

/* Digits of v / 10^prec, then the fraction without trailing zeros. */
static int put_frac(char *buf, size_t sz, uint64_t v, int prec)
{
	uint64_t div = 1;
	char frac[24];
	int n;

	for (int i = 0; i < prec; i++)
		div *= 10;
	n = snprintf(frac, sizeof(frac), "%0*llu", prec, (unsigned long long)(v % div));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n > 0)
		return snprintf(buf, sz, "%llu.%s", (unsigned long long)(v / div), frac);
	return snprintf(buf, sz, "%llu", (unsigned long long)(v / div));
}

void gs_fmt_go_duration(int64_t ns, char *buf, size_t sz)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	const char *sign = ns < 0 ? "-" : "";
	char num[48];

	if (sz == 0)
		return;
	if (u == 0) {
		snprintf(buf, sz, "0s");
		return;
	}
	if (u < 1000) {
		snprintf(buf, sz, "%s%lluns", sign, (unsigned long long)u);
	} else if (u < 1000000) {
		put_frac(num, sizeof(num), u, 3);
		snprintf(buf, sz, "%s%s\xc2\xb5s", sign, num);
	} else if (u < 1000000000) {
		put_frac(num, sizeof(num), u, 6);
		snprintf(buf, sz, "%s%sms", sign, num);
	} else {
		uint64_t secs = u / 1000000000, mins = secs / 60, hours = mins / 60;

		put_frac(num, sizeof(num), (secs % 60) * 1000000000 + u % 1000000000, 9);
		if (hours)
			snprintf(buf, sz, "%s%lluh%llum%ss", sign, (unsigned long long)hours,
				 (unsigned long long)(mins % 60), num);
		else if (mins)
			snprintf(buf, sz, "%s%llum%ss", sign, (unsigned long long)mins, num);
		else
			snprintf(buf, sz, "%s%ss", sign, num);
	}
}

void gs_fmt_etime(uint64_t secs, char *buf, size_t sz)
{
	uint64_t days = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60, s = secs % 60;

	if (days)
		snprintf(buf, sz, "%02llu-%02llu:%02llu:%02llu", (unsigned long long)days,
			 (unsigned long long)h, (unsigned long long)m, (unsigned long long)s);
	else if (h)
		snprintf(buf, sz, "%02llu:%02llu:%02llu", (unsigned long long)h,
			 (unsigned long long)m, (unsigned long long)s);
	else
		snprintf(buf, sz, "%02llu:%02llu", (unsigned long long)m, (unsigned long long)s);
}
