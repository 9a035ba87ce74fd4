/* SPDX-License-Identifier: MIT */
/* Internal to liveread.c and livesample.c. */
#ifndef GOSCOPE_LIVEREAD_INT_H
#define GOSCOPE_LIVEREAD_INT_H

#include <stdint.h>

#include "liveread.h"

/* The static address of the struct global named global (runtime.sched, ...); 0: unknown. */
uint64_t gs_live_global_addr(const struct gs_rt_layout *lay, const char *global);

#endif
