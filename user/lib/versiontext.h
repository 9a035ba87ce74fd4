/* SPDX-License-Identifier: MIT */
/*
 * Go version text as people read it in goscope's tables: a classification's
 * version, and gops' shortening of development versions. No I/O.
 */
#ifndef GOSCOPE_VERSIONTEXT_H
#define GOSCOPE_VERSIONTEXT_H

#include <stddef.h>

#include "classify.h"

/* gops' shortening of "devel +<hash> <date>" versions, into out. */
void gs_short_version(const char *v, char *out, size_t outsz);
/* Version text for people: exact, a range, or "unknown". */
const char *gs_class_version(const struct gs_class *c);

#endif
