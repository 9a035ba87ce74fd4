/* SPDX-License-Identifier: MIT */
/* gops' memstats value formats (gopsfmt.h). */
#include "gopsfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gs_fmt_gops_bytes(uint64_t v, char *buf, size_t sz)
{
	static const char *const units[] = { "bytes", "KB", "MB", "GB", "TB", "PB" };
	unsigned i;

	/* gops: the first unit whose next power of 1024 exceeds v (PB at most) */
	for (i = 0; i < 5 && v >= 1ull << (10 * (i + 1)); i++)
		;
	if (i == 0) {
		snprintf(buf, sz, "%llu bytes", (unsigned long long)v);
		return;
	}
	snprintf(buf, sz, "%0.2f%s (%llu bytes)", (double)v / (double)(1ull << (10 * i)), units[i],
		 (unsigned long long)v);
}

void gs_fmt_go_float(double v, char *buf, size_t sz)
{
	char tmp[64], mant[40];
	int prec, exp10;
	char *e;

	if (v != v) {
		snprintf(buf, sz, "NaN");
		return;
	}
	if (v - v != 0) {	/* infinite: inf - inf is NaN */
		snprintf(buf, sz, "%cInf", v < 0 ? '-' : '+');
		return;
	}
	if (v == 0) {
		snprintf(tmp, sizeof(tmp), "%g", v);	/* "0" or "-0" */
		snprintf(buf, sz, "%s", tmp);
		return;
	}
	/* The shortest round-tripping digits, in %e form. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	e = strchr(tmp, 'e');
	if (!e) {
		snprintf(buf, sz, "%s", tmp);
		return;
	}
	exp10 = (int)strtol(e + 1, NULL, 10);
	*e = '\0';
	if (exp10 < -4 || exp10 >= 6) {
		/* Go: at least two exponent digits, a sign always */
		snprintf(buf, sz, "%se%c%02d", tmp, exp10 < 0 ? '-' : '+', abs(exp10));
		return;
	}
	/* fixed notation with exactly the digits the shortest form needs */
	{
		int digits = 0;
		const char *p;

		for (p = tmp; *p; p++)
			if (*p >= '0' && *p <= '9')
				digits++;
		snprintf(mant, sizeof(mant), "%.*f", digits - 1 - exp10 > 0 ? digits - 1 - exp10 : 0, v);
		snprintf(buf, sz, "%s", mant);
	}
}

void gs_fmt_go_time(int64_t ns, char *buf, size_t sz)
{
	time_t secs = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	char date[64], zone[32], fr[16] = "";
	struct tm tm;

	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	if (!localtime_r(&secs, &tm)) {
		snprintf(buf, sz, "%lld", (long long)ns);
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z %Z", &tm);
	if (frac) {
		int n;

		snprintf(fr, sizeof(fr), ".%09ld", frac);
		for (n = (int)strlen(fr); n > 1 && fr[n - 1] == '0'; n--)
			fr[n - 1] = '\0';
	}
	snprintf(buf, sz, "%s%s %s", date, fr, zone);
}
