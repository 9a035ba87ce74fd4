/* SPDX-License-Identifier: MIT */
/*
 * livememstats: gops' memstats lines of a running Go program, read from its
 * memory without an agent (docs/runtime-globals.md, "memstats").
 *
 * Which runtime fields make each line, per Go release, is rtmemstats.h's
 * recipe. A line whose value the runtime only computes with the world
 * stopped (ReadMemStats flushes every per-P cache first: the allocation
 * counts) is unavailable with that reason; the others are sums of fields the
 * runtime keeps current, read twice and taken only when both reads agree.
 * Fields of memstats.heapStats are summed over its three slots, as the
 * runtime's own reader does, and only while no P is writing one (every P's
 * statsSeq even and unchanged around the read).
 */
#ifndef GOSCOPE_LIVEMEMSTATS_H
#define GOSCOPE_LIVEMEMSTATS_H

#include <stdbool.h>
#include <stdint.h>

#include "liveread.h"
#include "rtmemstats.h"

#define GS_LMS_WHY 256

struct gs_lms_val {
	bool ok;
	uint64_t u;		/* the value; for gc-cpu-fraction see f */
	double f;		/* gc-cpu-fraction */
	bool constant;		/* the release always reports this value */
	enum gs_live_src src;	/* where the runtime's globals and offsets came from */
	char why[GS_LMS_WHY];	/* !ok: why not; ok: the recipe's note, if any */
};

struct gs_live_memstats {
	char version[GS_VERSION_MAX];	/* the recipes' Go version ("" when unknown) */
	struct gs_lms_val v[GS_MS_NLINES];
};

/*
 * Every line for the attached process (gs_live_attach). 0 (lines may be
 * unavailable, each with its reason), or -1 with err when the process is
 * gone (ESRCH) or its memory may not be read (EPERM, EACCES).
 */
int gs_live_memstats(const struct gs_live *lv, struct gs_live_memstats *ms, struct gs_err *err);

#endif
