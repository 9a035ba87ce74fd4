/* SPDX-License-Identifier: MIT */
/*
 * Loading a shared library when it is first needed instead of at start-up.
 * goscope links capstone and libmicrohttpd this way (capstone_load.c,
 * user/exporter_mhd.c): the dynamic loader would otherwise relocate them,
 * and libmicrohttpd's GnuTLS and its dependencies, before main() on every
 * run -- 4 ms and 7 MB of resident memory for a process list that uses
 * neither (docs/benchmarks.md).
 */
#ifndef GOSCOPE_DLLOAD_H
#define GOSCOPE_DLLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "gserr.h"

/*
 * dlopen the first of names (NULL-terminated) that loads, and resolve the n
 * symbols syms[] into fns[]. False with err (dlerror's words) when no name
 * loads or a symbol is missing; then fns[] is all NULL.
 */
bool gs_dl_load(const char *const *names, const char *const *syms, void **fns, size_t n,
		struct gs_err *err);

#endif
