/* SPDX-License-Identifier: MIT */
/*
 * Multi-uprobe links (BPF_TRACE_UPROBE_MULTI, Linux 6.6): one BPF link puts
 * one program on many offsets of one file, each with its own cookie.
 * Detaching it waits for the kernel's uprobe grace period once, where
 * perf-event uprobes wait once per probe (about 150 ms each on this
 * project's VM), and it holds one descriptor instead of two per probe.
 *
 * Debian bookworm's libbpf (1.1) predates them, so the link is made with
 * the bpf(2) command directly.
 */
#ifndef GOSCOPE_UPROBE_MULTI_H
#define GOSCOPE_UPROBE_MULTI_H

#include <stdint.h>

/* The attach type's number in the kernel's uapi (enum bpf_attach_type). */
#define GS_BPF_TRACE_UPROBE_MULTI 48

/*
 * Attach prog_fd (a uprobe program loaded with expected attach type
 * GS_BPF_TRACE_UPROBE_MULTI) at cnt file offsets of path, for every process
 * (pid 0). The link's descriptor, or -1 with errno: EINVAL or EOPNOTSUPP
 * when the kernel has no such links.
 */
int gs_uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			   const uint64_t *cookies, unsigned cnt);

/*
 * Close n link descriptors (fds[i] < 0 skipped) from up to 16 threads at
 * once: each close waits for a grace period, and concurrent waits share
 * one. Falls back to closing in turn when no thread starts.
 */
void gs_uprobe_multi_close_all(const int *fds, unsigned n);

#endif
