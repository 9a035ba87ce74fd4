/* SPDX-License-Identifier: MIT */
/*
 * The value formats of gops' memstats reply, as its agent writes them with
 * Go's fmt and time packages, so that an agentless reading prints the same
 * text: byte sizes, floats as %v, instants as time.Time.String.
 */
#ifndef GOSCOPE_GOPSFMT_H
#define GOSCOPE_GOPSFMT_H

#include <stddef.h>
#include <stdint.h>

/* "1023 bytes", "1.00KB (1024 bytes)", "1.50MB (1572864 bytes)" (base 1024, up to PB). */
void gs_fmt_gops_bytes(uint64_t v, char *buf, size_t sz);

/*
 * A float64 as Go's %v prints it (strconv's 'g' with the shortest
 * precision): the shortest decimal that reads back as the same value, in
 * %e form when the exponent is below -4 or at least 6 ("0", "0.5",
 * "0.000123", "1.2345e-05", "123456", "1.234567e+06", "NaN", "+Inf").
 */
void gs_fmt_go_float(double v, char *buf, size_t sz);

/*
 * Go's time.Unix(0, ns).String() in the local time zone:
 * "2026-12-02 01:23:45.123456789 +0000 UTC" (trailing zeros of the
 * fraction dropped, no fraction when it is zero).
 */
void gs_fmt_go_time(int64_t ns, char *buf, size_t sz);

#endif
