/* SPDX-License-Identifier: MIT */
/*
 * Shared BPF loading for commands: libbpf's log, the privilege and kernel
 * feature check with a one-line reason, and the exec/exit tracer
 * (bpf/exec.bpf.c) that selftest and watch both run.
 *
 * Environment, for kernels without built-in BTF and for troubleshooting:
 *   GOSCOPE_BTF=FILE           kernel BTF from a file (e.g. a BTFHub archive
 *                              entry) when /sys/kernel/btf/vmlinux is absent;
 *                              implies classic tracepoints.
 *   GOSCOPE_BPF_ATTACH=tracepoint|tp_btf
 *                              force the attach mode (default: tp_btf when
 *                              the kernel has BTF, else tracepoint).
 */
#ifndef GOSCOPE_BPFLOAD_H
#define GOSCOPE_BPFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exec.h"
#include "gserr.h"

/* Route libbpf's messages through gs_opts.verbose (silent by default) and
 * raise RLIMIT_MEMLOCK for kernels that still charge BPF memory to it
 * (before 5.11). Idempotent. */
void gs_bpf_init(void);

/*
 * Can this process load and attach tracing BPF programs here? 0 if so, else
 * -1 with a one-line reason in err (e.g. "not root: needs CAP_BPF and
 * CAP_PERFMON", "kernel has no BTF (/sys/kernel/btf/vmlinux)"). Every
 * failure is a missing privilege or kernel feature: GS_EXIT_NOCAP.
 */
int gs_bpf_check(struct gs_err *err);

/* True when a load/attach errno means "not allowed or not supported"
 * (GS_EXIT_NOCAP) rather than a goscope bug (GS_EXIT_ERROR). */
bool gs_bpf_errno_is_nocap(int code);

/* The kernel's dev_t encoding (as in gs_exec_event.exe_dev) as a user-space dev_t. */
dev_t gs_kdev_to_dev(gs_u32 kdev);

/* ---- exec/exit tracer ---------------------------------------------------- */

struct gs_exec_tracer;

/* Called for each event; return a negative errno to stop the current poll. */
typedef int (*gs_exec_event_fn)(void *ctx, const struct gs_exec_event *ev);

struct gs_exec_tracer_opts {
	gs_exec_event_fn on_event;
	void *ctx;
	size_t ringbuf_bytes;		/* 0: 256 KiB; rounded up to a power of two */
	unsigned int targ_tgid;		/* only this process (0: all) */
	unsigned int targ_ppid;		/* only children of this process (0: all) */
	unsigned int wakeup_bytes;	/* 0: wake per event; else batch (see exec.bpf.c) */
	bool no_exit;			/* do not trace exits */
};

/* Open, load and attach. NULL with err set on failure (see gs_bpf_errno_is_nocap). */
struct gs_exec_tracer *gs_exec_tracer_open(const struct gs_exec_tracer_opts *opts,
					   struct gs_err *err);
/* Wait up to timeout_ms (-1: forever) and deliver events. Returns the number
 * delivered (0 on timeout or EINTR), or -1 with err set. */
int gs_exec_tracer_poll(struct gs_exec_tracer *t, int timeout_ms, struct gs_err *err);
/* Events the kernel side dropped because the ring buffer was full. */
unsigned long long gs_exec_tracer_lost(const struct gs_exec_tracer *t);
/* "tp_btf" or "tracepoint". */
const char *gs_exec_tracer_mode(const struct gs_exec_tracer *t);
size_t gs_exec_tracer_ringbuf_bytes(const struct gs_exec_tracer *t);
void gs_exec_tracer_close(struct gs_exec_tracer *t);

#endif
