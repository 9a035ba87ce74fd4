/* SPDX-License-Identifier: MIT */
/*
 * pprof: build a CPU profile in memory and write it as the gzipped
 * profile.proto that `go tool pprof` reads (format: docs/cpu-profile.md).
 *
 * The builder interns every string once (string table entry 0 is ""), and
 * gives mappings, functions and locations nonzero IDs in the order they are
 * added. Functions are de-duplicated by (name, file, start line), locations
 * by (mapping, address). An allocation failure is remembered and reported
 * by gs_pprof_write()/gs_pprof_encode(); the adders then return 0, which
 * every adder also accepts as "none", so callers need not check each call.
 */
#ifndef GOSCOPE_PPROF_H
#define GOSCOPE_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

/* Go's CPU profiler and goscope: one sample per 10 ms of CPU time. */
#define GS_PPROF_CPU_PERIOD_NS 10000000LL

struct gs_pprof;

/*
 * A CPU profile: sample types samples/count and cpu/nanoseconds, period
 * type cpu/nanoseconds, period period_ns. Each sample's values are
 * (n, n * period_ns).
 */
struct gs_pprof *gs_pprof_new_cpu(int64_t period_ns);
void gs_pprof_free(struct gs_pprof *p);

/* When the profile began (ns since 1970) and how long it covers. */
void gs_pprof_set_time(struct gs_pprof *p, int64_t time_nanos, int64_t duration_nanos);
/* A free-text comment for people (go tool pprof -comments). */
void gs_pprof_comment(struct gs_pprof *p, const char *text);

struct gs_pprof_mapping {
	uint64_t start, limit;		/* run-time address range */
	uint64_t offset;		/* file offset mapped at start */
	const char *file;		/* NULL: none */
	const char *build_id;		/* NULL: none */
	bool has_functions, has_filenames, has_lines, has_inline;
};
/* Add a mapping; its ID. The first one added is the main binary. */
uint64_t gs_pprof_mapping(struct gs_pprof *p, const struct gs_pprof_mapping *m);

/* A function (name, source file, first line; file may be NULL); its ID. */
uint64_t gs_pprof_function(struct gs_pprof *p, const char *name, const char *file,
			   int64_t start_line);

struct gs_pprof_line {
	uint64_t function;		/* a function ID */
	int64_t line;			/* 0: unknown */
};
/*
 * The location of address in mapping (0: none), with its lines innermost
 * inlined call first and the physical function last; its ID. An address
 * already added returns the first location's ID, whatever lines are given.
 */
uint64_t gs_pprof_location(struct gs_pprof *p, uint64_t mapping, uint64_t address,
			   const struct gs_pprof_line *lines, size_t nlines);
/* The ID of address's location in mapping, or 0 when it was never added. */
uint64_t gs_pprof_find_location(const struct gs_pprof *p, uint64_t mapping, uint64_t address);

/* A sample: its stack (location IDs, leaf first) seen n times. */
void gs_pprof_sample(struct gs_pprof *p, const uint64_t *locs, size_t nlocs, int64_t n);

/* The encoded profile.proto (not compressed), malloc'd; for tests. */
int gs_pprof_encode(struct gs_pprof *p, uint8_t **buf, size_t *len, struct gs_err *err);
/* Encode, gzip and write to fd (whole, retrying short writes). */
int gs_pprof_write(struct gs_pprof *p, int fd, struct gs_err *err);

/* Counts so far (summaries, tests). */
struct gs_pprof_counts {
	size_t samples, locations, functions, mappings, strings;
	int64_t total;			/* Σ n over samples */
};
void gs_pprof_counts(const struct gs_pprof *p, struct gs_pprof_counts *c);

#endif
