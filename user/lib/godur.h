/* SPDX-License-Identifier: MIT */
/*
 * Durations as Go writes and reads them (time.ParseDuration and
 * Duration.String), so that goscope takes and prints the same text as gops:
 * "1.5s", "500ms", "1m30s", "1h0m0s". Every duration option of every command
 * is read here (gs_parse_period, gs_parse_duration). Also ps' elapsed-time
 * format, which gops prints for a process.
 */
#ifndef GOSCOPE_GODUR_H
#define GOSCOPE_GODUR_H

#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

#define GS_NS_PER_SEC 1000000000LL

/*
 * Go's time.ParseDuration: an optional sign, then one or more decimal
 * numbers, each with an optional fraction and a unit (ns, us, µs, ms, s, m,
 * h), e.g. "300ms", "-1.5h", "2h45m"; "0" alone needs no unit. Fails with
 * EINVAL (bad text) or ERANGE (beyond about 292 years).
 */
int gs_parse_go_duration(const char *s, int64_t *ns, struct gs_err *err);

/*
 * The one reading of a duration given on goscope's command line (periods,
 * timeouts, -d, --interval, --rescan, --duration): a Go duration as above,
 * or a plain number of seconds with an optional fraction ("5", "0.5"), as
 * gops reads a period. Signed; the same EINVAL/ERANGE errors, in Go's words.
 */
int gs_parse_period(const char *s, int64_t *ns, struct gs_err *err);

/* The same for options that cannot be negative: "-1s" fails (EINVAL). */
int gs_parse_duration(const char *s, uint64_t *ns, struct gs_err *err);

/* Go's Duration.String(): "0s", "1.5µs", "500ms", "1m30s", "1h0m0s". */
void gs_fmt_go_duration(int64_t ns, char *buf, size_t sz);

/* ps' elapsed time, [[DD-]hh:]mm:ss: "00:00", "02:42:12", "01-00:00:00". */
void gs_fmt_etime(uint64_t secs, char *buf, size_t sz);

#endif
