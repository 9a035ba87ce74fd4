/* SPDX-License-Identifier: MIT */
/*
 * gops' memstats reply from an agentless reading (livememstats.h), for
 * `goscope memstats PID` when no agent answers: gs_memstats_live() reads
 * the process, gs_memstats_live_print() prints the lines in gops' order
 * and formats, "unavailable (why)" for those that cannot be read, or with
 * --json one object per line with its value, source and why.
 */
#ifndef GOSCOPE_MEMSTATS_LIVE_H
#define GOSCOPE_MEMSTATS_LIVE_H

#include "gserr.h"
#include "livememstats.h"

/* Read every line of pid's memstats. -1 with err like gs_live_memstats (and ENOEXEC: not Go). */
int gs_memstats_live(int pid, struct gs_live_memstats *ms, struct gs_err *err);

/*
 * Print them: text (gops' memstats lines) or, under --json, one document.
 * agent_err: why no agent answered (JSON "agent_error"), or NULL. Returns
 * the exit code to end with.
 */
int gs_memstats_live_print(int pid, const struct gs_live_memstats *ms, const char *agent_err);

/*
 * The agentless answer of `goscope memstats PID` (agentcmd.h's agentless_fn):
 * read and print; -1 with err, nothing printed, when pid is gone or not Go.
 */
struct agent_opts;
int gs_memstats_agentless(int pid, const struct agent_opts *o, const char *agent_err,
			  struct gs_err *err);

#endif
