/* SPDX-License-Identifier: MIT */
/*
 * Reading a mapped file that its owner truncates under us raises SIGBUS.
 * goscope maps files that other users control, so every parse of a mapping
 * runs inside this guard: the fault becomes an error return instead of the
 * death of the process. Thread-safe; guards do not nest.
 */
#ifndef GOSCOPE_MAPGUARD_H
#define GOSCOPE_MAPGUARD_H

/*
 * Run fn(arg). Returns what fn returned, or -1 when a SIGBUS interrupted it
 * (fn's own clean-up did not run: keep what it allocates reachable from arg).
 */
int gs_map_guarded(int (*fn)(void *arg), void *arg);

#endif
