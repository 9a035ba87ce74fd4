/* SPDX-License-Identifier: MIT */
/*
 * Sizes as people write them on a command line ("256M", "1GiB", "65536")
 * and as goscope prints them back in messages ("256MiB"). Units are powers
 * of 1024, with or without "i" and "B": K, M, G, T.
 */
#ifndef GOSCOPE_BYTESIZE_H
#define GOSCOPE_BYTESIZE_H

#include <stddef.h>
#include <stdint.h>

#include "gserr.h"

/*
 * A whole number of bytes, optionally followed by K, M, G or T (any case),
 * then optionally "i", then optionally "B": "4096", "4K", "4KiB", "4kb".
 * Nothing else may follow; no sign, no blanks, no fraction. Fails with
 * EINVAL (bad text, or 0) or ERANGE (more than max).
 */
int gs_parse_size(const char *s, uint64_t max, uint64_t *out, struct gs_err *err);

/* "256MiB", "1GiB", "1500 bytes": the largest unit that divides v exactly. */
void gs_fmt_size(uint64_t v, char *buf, size_t sz);

#endif
