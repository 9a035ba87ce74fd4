// SPDX-License-Identifier: MIT
/* Raising the soft descriptor limit (nofile.h). */
#include "nofile.h"

#include <stdio.h>
#include <stdlib.h>

/* The kernel's ceiling for any RLIMIT_NOFILE, for an unlimited hard limit. */
static rlim_t nr_open(void)
{
	unsigned long long v = 0;
	char buf[32];
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoull(buf, NULL, 10);
		fclose(f);
	}
	return v ? (rlim_t)v : 1048576;
}

rlim_t gs_raise_nofile(rlim_t want)
{
	struct rlimit rl;
	rlim_t top;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	top = rl.rlim_max == RLIM_INFINITY ? nr_open() : rl.rlim_max;
	if (want == RLIM_INFINITY || want > top)
		want = top;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return 0;
	}
	return rl.rlim_cur;
}
