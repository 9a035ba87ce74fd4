/* SPDX-License-Identifier: MIT */
/*
 * The descriptor limit: services start with a soft RLIMIT_NOFILE of 1024
 * whatever their hard limit, and goscope's walkers and the exporter's
 * uprobes (two descriptors each) need more.
 */
#ifndef GOSCOPE_NOFILE_H
#define GOSCOPE_NOFILE_H

#include <sys/resource.h>

/*
 * Raise the soft RLIMIT_NOFILE to want (RLIM_INFINITY: as far as the hard
 * limit, or fs.nr_open when that is unlimited), never lowering it. Returns
 * the soft limit in force afterwards (0 when it cannot be read).
 */
rlim_t gs_raise_nofile(rlim_t want);

#endif
