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

struct gs_elf;
struct gs_err;

/*
 * Map the open file fd (shared, read-only: see gs_map_fd), parse it as ELF
 * and run fn on it inside the guard. Returns fn's result, or -1 with err:
 * EIO when the file was truncated under us.
 */
int gs_elf_guarded(int fd, int (*fn)(const struct gs_elf *e, void *ctx, struct gs_err *err),
		   void *ctx, struct gs_err *err);

#endif
