/* SPDX-License-Identifier: MIT */
#include "bytesize.h"

#include <errno.h>
#include <stdio.h>

static const char units[] = "KMGT";

int gs_parse_size(const char *s, uint64_t max, uint64_t *out, struct gs_err *err)
{
	const char *p = s;
	unsigned shift = 0;
	uint64_t v = 0;

	if (!s || !*s)
		return gs_errf(err, EINVAL, "missing size");
	if (*p < '0' || *p > '9')
		goto bad;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			goto range;
		v = v * 10 + d;
	}
	for (unsigned i = 0; units[i]; i++) {
		if (*p == units[i] || *p == units[i] + ('a' - 'A')) {
			shift = 10 * (i + 1);
			p++;
			if (*p == 'i')
				p++;
			break;
		}
	}
	if (*p == 'B' || (shift && *p == 'b'))
		p++;
	if (*p)
		goto bad;
	if (v == 0)
		return gs_errf(err, EINVAL, "size \"%.40s\": want at least one byte", s);
	if (shift && v > UINT64_MAX >> shift)
		goto range;
	v <<= shift;
	if (v > max)
		goto range;
	*out = v;
	return 0;
bad:
	return gs_errf(err, EINVAL,
		       "invalid size \"%.40s\": want bytes, or a number with K, M, G or T (256M, 1GiB)",
		       s);
range:
	{
		char m[32];

		gs_fmt_size(max, m, sizeof(m));
		return gs_errf(err, ERANGE, "size \"%.40s\" is larger than %s", s, m);
	}
}

void gs_fmt_size(uint64_t v, char *buf, size_t sz)
{
	static const char *const names[] = { "KiB", "MiB", "GiB", "TiB" };
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t unit = UINT64_C(1) << (10 * (i + 1));

		if (v && v % unit == 0) {
			snprintf(buf, sz, "%llu%s", (unsigned long long)(v / unit), names[i]);
			return;
		}
	}
	snprintf(buf, sz, "%llu byte%s", (unsigned long long)v, v == 1 ? "" : "s");
}
