/* SPDX-License-Identifier: MIT */
/* Private state of the agentless CPU profile (user/profile_*.c). */
#ifndef GOSCOPE_PROFILE_INT_H
#define GOSCOPE_PROFILE_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "classify.h"
#include "cpuprofile.h"
#include "elfview.h"
#include "outfile.h"
#include "profile.h"
#include "profile_bpf.h"
#include "proc.h"

struct gs_psym;
struct gs_pprof;

/* One executable (dev, inode), shared by its processes. */
struct gs_pbin {
	dev_t dev;
	ino_t ino;
	int fd;				/* the process's /proc/PID/exe, kept open */
	char path[PATH_MAX];		/* its name for the mapping */
	struct gs_class *cls;		/* classifier's reference */
	const void *map;		/* the image, mapped for symbols */
	size_t map_len;
	struct gs_elf elf;
	struct gs_psym *sym;		/* NULL: addresses only */
	char sym_note[300];		/* why there are no symbols, or "" */
	/* the SP-delta table in the BPF map */
	uint64_t text_lo, text_len;	/* static */
	uint32_t sp_first, sp_count;	/* sp_count 0: none */
	struct gs_cp_spent *sptab;	/* until loaded */
	size_t sptab_n;
	char sp_note[300];		/* why there is no table, or "" */
	/* the executable PT_LOAD, for the pprof mapping */
	uint64_t exec_vaddr, exec_memsz, exec_off;
};

/* One profiled process. */
struct gs_pproc {
	int pid;
	uint32_t slot;			/* index in the session's procs */
	unsigned long long starttime;	/* /proc/PID/stat ticks: identity */
	char name[GS_COMM_MAX];
	struct gs_pbin *bin;
	uint64_t bias;			/* load bias (PIE) */
	bool exited;			/* before the end of sampling */
	unsigned long long cpu_ticks0, cpu_ticks1;	/* utime+stime at start and end */
	bool cpu_known;
	/* results */
	uint64_t samples;		/* counted (also the leaf-only ones) */
	struct gs_pprof *prof;
	char file[PATH_MAX];
	uint64_t file_bytes;
	bool written;
	struct gs_top *top;		/* by flat count, descending */
	size_t ntop;
};

/* A function's share of one process's samples. */
struct gs_top {
	const char *func;		/* owned */
	uint64_t flat, cum;
};

struct gs_psession {
	const struct gs_profile_req *req;
	bool to_stdout;				/* -o -: messages go to stderr */
	struct gs_cpuprof *bpf;
	struct gs_pbin **bins;
	size_t nbins, capbins;
	struct gs_pproc **procs;
	size_t nprocs, capprocs;
	int64_t t0_real_ns, t0_ns, t1_ns;	/* sampling began (realtime, monotonic), ended */
	uint64_t stats[GS_CPS_COUNT];
	uint64_t unattributed;			/* counts whose slot is unknown */
	size_t keys;				/* distinct (process, stack, caller) counted */
	unsigned ncpus;
	/* for benchmarks: wall and own CPU time of each phase */
	int64_t tstart_ns, twritten_ns;		/* command start, files written (monotonic) */
	int64_t cpu_ns[4];			/* own CPU at start, sampling began, ended, written */
};

/* profile_target.c: processes and binaries. */
/*
 * Register pid: its binary (symbols, SP table) and its record. Errors:
 * ESRCH gone, ENOEXEC not a Go program, others. With must_be_go false,
 * a non-Go process is skipped the same way (ENOEXEC).
 */
int gs_ptarget_add(struct gs_psession *s, int pid, struct gs_pproc **out, struct gs_err *err);
/* Put a registered process into the BPF maps (its binary's table first). */
int gs_ptarget_track(struct gs_psession *s, struct gs_pproc *p, struct gs_err *err);
/* SP-table entries the registered binaries need. */
size_t gs_ptarget_sptab_total(const struct gs_psession *s);
/* Read utime+stime now into *ticks; false when the process is gone. */
bool gs_ptarget_cpu(const struct gs_pproc *p, unsigned long long *ticks);
/* Still the same process (running or sleeping, not a zombie)? */
bool gs_ptarget_alive(const struct gs_pproc *p);
void gs_ptarget_free_all(struct gs_psession *s);

/* profile_build.c: the counted stacks into one pprof profile per process. */
int gs_pbuild(struct gs_psession *s, struct gs_err *err);

/* profile_out.c: files (opened by outfile.c's rule) and summaries. */
/* --all -o DIR: exists (or is created) and can be written; before sampling. */
int gs_pout_dir(const char *dir, struct gs_err *err);
/* Write p's profile into DIR/NAME; records the file in p. */
int gs_pout_write_in_dir(const char *dir, struct gs_pproc *p, struct gs_err *err);
/* Write p's profile to an open file and finish it (closed; removed on failure). */
int gs_pout_write(struct gs_outfile *f, struct gs_pproc *p, struct gs_err *err);
/* The --json summary, or the text summary, of the session. */
int gs_pout_summary(const struct gs_psession *s);

#endif
