/* SPDX-License-Identifier: MIT */
/*
 * The runtime-layout table (rtlayout_int.h): one row per Go release line
 * and GOARCH, from the DWARF of a program built with that toolchain.
 */
#include "rtlayout_int.h"

static const struct gs_rt_cell go1_19_amd64[GS_RT_NFIELDS] = {
	[GS_RT_SCHED_NGSYS] = { 72, 4, 0, 0 },
	[GS_RT_SCHED_GFREE_N] = { 176, 4, 0, 0 },
	[GS_RT_SCHED_MNEXT] = { 48, 8, 0, 0 },
	[GS_RT_SCHED_NMFREED] = { 64, 8, 0, 0 },
	[GS_RT_P_GFREE_N] = { 2472, 4, 0, 0 },
	[GS_RT_MSTATS_NUMGC] = { 7704, 4, 0, 0 },
	[GS_RT_HEAP_INUSE] = { 304, 8, 0, 0 },
	[GS_RT_HEAP_LIVE] = { 136, 8, 0, 0 },
};

static const struct gs_rt_cval no_consts[GS_RT_NCONSTS];

const struct gs_rt_row gs_rt_rows[] = {
	{ "go1.19", 0, UINT16_MAX, EM_X86_64, "go1.19.8", go1_19_amd64, no_consts, NULL, 0 },
};

const size_t gs_rt_nrows = sizeof(gs_rt_rows) / sizeof(gs_rt_rows[0]);
