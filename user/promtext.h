/* SPDX-License-Identifier: MIT */
/*
 * The Prometheus text exposition format (version 0.0.4): the small pieces
 * every writer of it needs (audit's --format prom, the exporter).
 */
#ifndef GOSCOPE_PROMTEXT_H
#define GOSCOPE_PROMTEXT_H

#include <stdint.h>
#include <stdio.h>

/* The content type of the format, for an HTTP response. */
#define GS_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * A label value, escaped as the format requires (\\, \", \n) and forced to
 * valid UTF-8 ('?' for each byte that is not part of a valid sequence),
 * since names and paths come from other users' processes. NULL is "".
 */
void gs_prom_label(FILE *f, const char *s);

/* `# HELP name help` and `# TYPE name type`; help is escaped (\\, \n). */
void gs_prom_family(FILE *f, const char *name, const char *type, const char *help);

/* ns nanoseconds as exact decimal seconds: 1500 -> "0.0000015", 2e9 -> "2". */
void gs_prom_seconds(FILE *f, uint64_t ns);

#endif
