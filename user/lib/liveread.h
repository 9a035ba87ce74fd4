/* SPDX-License-Identifier: MIT */
/*
 * liveread: reading a running Go program's runtime state from outside,
 * without BPF and without stopping it (docs/go-binary-format.md §9): the memory
 * through process_vm_readv, addresses from the executable (.symtab, or
 * machine code for stripped binaries), struct offsets from rtoffsets, and
 * the PIE load bias from /proc/PID/maps.
 *
 * Two steps, because many processes may share one executable:
 *	gs_rt_layout_load(fd, &lay)	once per binary: where everything is
 *	gs_live_attach(&lv, pid, &lay)	once per process: the load bias
 *	gs_live_sample(&lv, &st)	as often as wanted
 *
 * Reads race with the program: each value is read in as few system calls
 * as possible, checked for plausibility, re-read when inconsistent, and
 * otherwise reported unavailable with a reason — never guessed.
 */
#ifndef GOSCOPE_LIVEREAD_H
#define GOSCOPE_LIVEREAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "elfview.h"
#include "goelf.h"
#include "gserr.h"
#include "mapguard.h"	/* gs_elf_guarded */
#include "rtglobals.h"
#include "rtoffsets.h"

enum gs_live_value {
	GS_LV_GOROUTINES,	/* live goroutines, as runtime.NumGoroutine */
	GS_LV_THREADS,		/* OS threads: Ms (as gops' threadcreate count), else /proc */
	GS_LV_GOMAXPROCS,
	GS_LV_NCPU,		/* runtime.NumCPU */
	GS_LV_NUMGC,		/* completed GC cycles */
	GS_LV_HEAP_INUSE,	/* MemStats.HeapInuse */
	GS_LV_HEAP_LIVE,	/* bytes the GC considers live (marked + allocated since) */
	GS_LV_COUNT
};

/* Where a value came from (or will come from). */
enum gs_live_src {
	GS_LSRC_NONE = 0,	/* unavailable */
	GS_LSRC_SYMTAB,		/* a scalar global found in .symtab */
	GS_LSRC_SYMTAB_DWARF,	/* a global from .symtab, a field offset from DWARF */
	GS_LSRC_SYMTAB_TABLE,	/* a global from .symtab, a field offset from the table */
	GS_LSRC_CODE,		/* a global found in machine code (stripped binaries) */
	GS_LSRC_CODE_DWARF,	/* globals from machine code, field offsets from DWARF */
	GS_LSRC_CODE_TABLE,	/* globals from machine code, field offsets from the table */
	GS_LSRC_PROC,		/* /proc (threads: every thread of the process) */
	GS_LSRC_AGENT,		/* a gops agent answered (cmd_stats) */
	GS_LSRC_CONST,		/* the Go release always reports this value (memstats) */
};

#define GS_LIVE_WHY 112
#define GS_LIVE_MAX_LOADS 16

/* Where the runtime's state is in one executable. Plain data: copy freely. */
struct gs_rt_layout {
	dev_t dev;
	ino_t ino;
	char version[GS_VERSION_MAX];	/* "" when unknown */
	uint16_t machine, etype;
	struct gs_phdr loads[GS_LIVE_MAX_LOADS];	/* PT_LOADs, for the load bias */
	unsigned nloads;
	bool symtab, dwarf;
	enum gs_live_src src[GS_LV_COUNT];		/* NONE: unavailable, see why */
	char why[GS_LV_COUNT][GS_LIVE_WHY];
	/* static addresses (0: unknown), from glob */
	uint64_t ncpu, gomaxprocs, allglen, allp, sched, memstats, gccontroller;
	uint64_t allgs, allgptr, mheap;
	uint64_t sched_size, memstats_size, gccontroller_size;
	struct gs_rt_globals glob;	/* each global's address, source and rule */
	/* runtime.gcount's counters (static addresses), from the layout or code */
	uint64_t gc_ngsys, gc_sfree[2];
	unsigned gc_nsfree;		/* global free-list counts: 1 (<= 1.24) or 2 */
	uint32_t gc_pfree;		/* offset of the count in each runtime.p */
	bool layout;			/* off holds a runtime layout (DWARF or table) */
	char layout_why[GS_LIVE_WHY];	/* !layout: "no runtime layout for go1.28" */
	struct gs_rt_offsets off;
};

/* Inspect an open executable (e.g. /proc/PID/exe). -1 only when it cannot be read or is not Go. */
int gs_rt_layout_load(int fd, struct gs_rt_layout *lay, struct gs_err *err);

struct gs_live {
	int pid;
	const struct gs_rt_layout *lay;
	uint64_t bias;
};

/* Find pid's mapping of lay's executable and its load bias. ESRCH when gone. */
int gs_live_attach(struct gs_live *lv, int pid, const struct gs_rt_layout *lay,
		   struct gs_err *err);

/*
 * Both steps for one process read once: the layout of /proc/PID/exe into a
 * new *lay (free() it after the reads; NULL on failure), then the attach.
 */
int gs_live_open_pid(struct gs_live *lv, int pid, struct gs_rt_layout **lay, struct gs_err *err);

struct gs_live_val {
	bool ok;
	int64_t v;
	enum gs_live_src src;
	char why[GS_LIVE_WHY];		/* when !ok */
};

struct gs_live_stats {
	struct gs_live_val v[GS_LV_COUNT];
	long proc_threads;		/* /proc/PID/status Threads, -1 if unread */
};

/*
 * Read every value. Returns 0 (some values may be unavailable), or -1 with
 * err: ESRCH when the process is gone, EPERM/EACCES when its memory may not
 * be read (then st still holds the /proc thread count and the reasons).
 */
int gs_live_sample(const struct gs_live *lv, struct gs_live_stats *st, struct gs_err *err);

/* "goroutines", "OS threads", "GOMAXPROCS", "num CPU", "num GC", ... */
const char *gs_live_value_name(enum gs_live_value v);
/* JSON keys: "goroutines", "threads", "gomaxprocs", "ncpu", "numgc", ... */
const char *gs_live_value_key(enum gs_live_value v);
/* "symtab", "symtab+dwarf", "symtab+table", "code", "code+dwarf", "code+table", "proc",
 * "agent", "const", "none" */
const char *gs_live_src_name(enum gs_live_src s);

/* ---- building blocks (exposed for tests and livememstats.h) ---- */

/*
 * The static address of a runtime global a field's struct lives in
 * ("runtime.memstats", "runtime.gcController", "runtime.mheap_",
 * "runtime.sched"), 0 when unknown; *from_code says whether code found it.
 */
uint64_t gs_rt_layout_global(const struct gs_rt_layout *lay, const char *global, bool *from_code);

/* Read len bytes at addr in pid (process_vm_readv, else /proc/PID/mem). */
int gs_live_read(int pid, uint64_t addr, void *buf, size_t len, struct gs_err *err);

/*
 * The load bias of the object (dev, ino) from a /proc/PID/maps stream:
 * each file-backed mapping of it must sit where its PT_LOAD says, shifted
 * by one common bias (0 for ET_EXEC). ENOENT when not mapped.
 */
int gs_maps_bias(FILE *maps, dev_t dev, ino_t ino, const struct gs_phdr *loads, unsigned nloads,
		 uint16_t etype, uint64_t *bias, struct gs_err *err);

#endif
