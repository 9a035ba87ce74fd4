/* SPDX-License-Identifier: MIT */
/*
 * The BPF side of agentless CPU profiles: the bpf/cpuprofile.bpf.c
 * skeleton, one cpu-clock perf event per CPU, the tracked processes and
 * their binaries' SP-delta tables, and reading the counted stacks back.
 */
#ifndef GOSCOPE_PROFILE_BPF_H
#define GOSCOPE_PROFILE_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuprofile.h"
#include "gserr.h"

struct gs_cpuprof;

struct gs_cpuprof_opts {
	unsigned targ_tgid;		/* one process: the cheapest filter (0: the map only) */
	unsigned max_stacks;		/* distinct stacks (0: 8192) */
	unsigned max_keys;		/* distinct (process, stack, caller) keys (0: 16384) */
	size_t sptab_entries;		/* room for SP-delta entries (0: none) */
	bool no_leaf_fix;		/* take the frame-pointer chain as it is (benchmarks) */
	uint64_t period_ns;		/* CPU time per sample (0: 10 ms) */
};

/*
 * Check privileges, size the maps and load the program (nothing samples
 * yet). NULL with err on failure; *nocap then says whether a privilege or
 * kernel feature is missing (exit 3).
 */
struct gs_cpuprof *gs_cpuprof_open(const struct gs_cpuprof_opts *o, bool *nocap,
				   struct gs_err *err);
void gs_cpuprof_close(struct gs_cpuprof *p);

/* Append one binary's SP-delta table; *first is where it starts. ENOSPC when full. */
int gs_cpuprof_add_sptab(struct gs_cpuprof *p, const struct gs_cp_spent *e, size_t n,
			 uint32_t *first, struct gs_err *err);
/* Start (or update) counting tgid's samples under rec. */
int gs_cpuprof_track(struct gs_cpuprof *p, int tgid, const struct gs_cp_proc *rec,
		     struct gs_err *err);
/* Stop counting tgid (its counts so far stay). */
void gs_cpuprof_untrack(struct gs_cpuprof *p, int tgid);

/* Open and attach the perf events, one per CPU: sampling begins. */
int gs_cpuprof_start(struct gs_cpuprof *p, bool *nocap, struct gs_err *err);
/* Close the perf events: sampling ends. The counts stay readable. */
void gs_cpuprof_stop(struct gs_cpuprof *p);
/* CPUs sampled. */
unsigned gs_cpuprof_ncpus(const struct gs_cpuprof *p);
/* Frames a stack holds at most. */
unsigned gs_cpuprof_depth(const struct gs_cpuprof *p);

/*
 * Every counted key with its stack (ips, leaf first; nips 0 when the stack
 * was not recorded: then k->pc is the leaf), those of the spill map too
 * (k->stack_id -2). A nonzero return from fn stops the walk and is returned.
 */
typedef int (*gs_cpuprof_fn)(void *ctx, const struct gs_cp_key *k, uint64_t count,
			     const uint64_t *ips, unsigned nips);
int gs_cpuprof_drain(struct gs_cpuprof *p, gs_cpuprof_fn fn, void *ctx, struct gs_err *err);

/* Global counters (enum gs_cp_stat), summed over CPUs. */
void gs_cpuprof_stats(struct gs_cpuprof *p, uint64_t out[GS_CPS_COUNT]);
/* Stacks whose key could not be read back at drain time (map races). */
uint64_t gs_cpuprof_drain_missing(const struct gs_cpuprof *p);

#endif
