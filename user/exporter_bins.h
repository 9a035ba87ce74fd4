/* SPDX-License-Identifier: MIT */
/*
 * The exporter's table of binaries (user/exporter_bins.c): per (dev,
 * inode), its uprobes and live-read layout, shared by its processes, kept
 * BIN_LINGER_NS after the last one, evicted oldest-unused first when the
 * table is full; and the accounting of descriptor exhaustion. The
 * registry (exporter_registry.c) holds the processes that use them.
 */
#ifndef GOSCOPE_EXPORTER_BINS_H
#define GOSCOPE_EXPORTER_BINS_H

#include "exporter.h"

#define BIN_LINGER_NS	(60 * 1000000000ull)

bool exporter_fd_error(const struct gs_err *err);
void exporter_note_fd_error(struct exporter *x, int pid, const struct gs_err *err);
struct xbin *exporter_bin_get(struct exporter *x, dev_t dev, ino_t ino);
/*
 * What the worker must find for a process of (dev, ino) whose class is
 * cached (XW_WANT_*; 0: nothing): its binary has no entry (evicted, or
 * its processes left long ago) or one not set up yet.
 */
unsigned exporter_bin_wants(const struct exporter *x, dev_t dev, ino_t ino);
void exporter_bin_put(struct xbin *b);
void exporter_bins_release(struct exporter *x, uint64_t now, bool all);
void exporter_bin_setup(struct exporter *x, struct xproc *p);

#endif
