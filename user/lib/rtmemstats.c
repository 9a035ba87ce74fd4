/* SPDX-License-Identifier: MIT */
/* Where each of gops' memstats lines lives, per Go release (rtmemstats.h). */
#include "rtmemstats.h"

#include <stddef.h>

static const char *const keys[GS_MS_NLINES] = {
	"alloc", "total-alloc", "sys", "lookups", "mallocs", "frees", "heap-alloc", "heap-sys",
	"heap-idle", "heap-in-use", "heap-released", "heap-objects", "stack-in-use", "stack-sys",
	"mspan-in-use", "mspan-sys", "mcache-in-use", "mcache-sys", "buck-hash-sys", "other-sys",
	"gc-sys", "next-gc", "last-gc", "gc-pause-total", "gc-pause", "gc-pause-end", "num-gc",
	"num-forced-gc", "gc-cpu-fraction", "enable-gc", "debug-gc",
};

const char *gs_ms_line_key(enum gs_ms_line l)
{
	return (unsigned)l < GS_MS_NLINES ? keys[l] : "?";
}

const struct gs_ms_recipe *gs_ms_recipe(const char *goversion, enum gs_ms_line l)
{
	static const struct gs_ms_recipe unknown = { .how = GS_MSH_UNKNOWN,
						     .note = "not described for this Go version" };

	(void)goversion;
	(void)l;
	return &unknown;
}
