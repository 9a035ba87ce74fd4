/* SPDX-License-Identifier: MIT */
/*
 * Agentless CPU profiles (`goscope pprof-cpu` without an agent, and the
 * `profile` command): sample Go processes with BPF perf events, symbolize
 * with pclntab, write pprof files. See docs/cpu-profile.md.
 */
#ifndef GOSCOPE_PROFILE_H
#define GOSCOPE_PROFILE_H

#include <stdbool.h>
#include <stdint.h>

#define GS_PROFILE_DEFAULT_NS	(30LL * 1000000000LL)	/* gops' 30 s */

struct gs_profile_req {
	int pid;		/* the process (0 with all) */
	bool all;		/* every Go process on the host; out is a directory */
	int64_t duration_ns;	/* > 0 */
	const char *out;	/* -o: a file (a directory with all); NULL: a temporary file */
	bool no_launch;		/* do not run `go tool pprof` afterwards */
	const char *cmd;	/* the command's name, for messages ("pprof-cpu") */
};

/*
 * Sample, write the profile(s), then (one process, no --json, no
 * no_launch, `go` on PATH) run `go tool pprof FILE`. Prints its messages
 * and errors itself (text or --json); returns the exit code: 1 for a
 * process that is gone or not Go, 3 when BPF or perf events are missing.
 */
int gs_profile_cpu(const struct gs_profile_req *r);

/*
 * The agentless answer of `goscope pprof-cpu PID` (agentcmd.h's
 * agentless_fn; pid 0 with --all): the profile sampled from outside. -1
 * with err and nothing printed when no agent answered first and pid is
 * gone or not a Go program: the agent's error is the answer then.
 */
struct agent_opts;
struct gs_err;
int gs_pprof_cpu_agentless(int pid, const struct agent_opts *o, const char *agent_err,
			   struct gs_err *err);

#endif
