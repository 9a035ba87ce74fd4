// SPDX-License-Identifier: MIT
/*
 * goscope watch's clocks: CLOCK_BOOTTIME, the clock of the exec tracer's
 * event times, and the clock ticks /proc counts a process's start time in.
 */
#include "watch.h"

#include <time.h>

uint64_t watch_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t watch_tick(const struct watch *w, uint64_t ns)
{
	return ns / w->ns_per_tick;
}
