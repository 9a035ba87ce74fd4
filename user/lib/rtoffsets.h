/* SPDX-License-Identifier: MIT */
/*
 * rtoffsets: where runtime fields sit inside the runtime's structs, per Go
 * version and GOARCH (go-binary-format.md §5.3). Two sources:
 *  - the binary's own DWARF (go build keeps it unless -ldflags=-w or
 *    stripped; usually SHF_COMPRESSED zlib, or legacy .zdebug_*), read by a
 *    small bounded DWARF 2-5 reader here;
 *  - a table generated from that same DWARF for the toolchains we could
 *    build with (tests/unit/test_rtoffsets.c checks it and prints a new row
 *    with GOSCOPE_RTOFFSETS_GEN=1), for binaries that kept .symtab but lost
 *    DWARF.
 * A field missing from both is unknown: callers show the value that needs
 * it as unavailable.
 */
#ifndef GOSCOPE_RTOFFSETS_H
#define GOSCOPE_RTOFFSETS_H

#include <stdbool.h>
#include <stdint.h>

#include "elfview.h"
#include "gserr.h"

enum gs_rt_field {
	GS_RT_SCHED_NGSYS,	/* schedt.ngsys: system goroutines */
	GS_RT_SCHED_GFREE_N,	/* schedt.gFree.n: dead Gs on the global free list */
	GS_RT_SCHED_MNEXT,	/* schedt.mnext: Ms created */
	GS_RT_SCHED_NMFREED,	/* schedt.nmfreed: Ms freed */
	GS_RT_P_GFREE_N,	/* p.gFree.n: dead Gs on a P's free list */
	GS_RT_MSTATS_NUMGC,	/* mstats.numgc: completed GC cycles */
	GS_RT_HEAP_INUSE,	/* bytes in in-use spans (MemStats.HeapInuse) */
	GS_RT_HEAP_LIVE,	/* gcController.heapLive / memstats.heap_live */
	GS_RT_NFIELDS
};

enum gs_rt_source { GS_RT_SRC_NONE = 0, GS_RT_SRC_DWARF, GS_RT_SRC_TABLE };

struct gs_rt_loc {
	bool known;
	const char *global;	/* the variable holding the struct, e.g. "runtime.sched"
				 * (NULL for GS_RT_P_GFREE_N: reached through runtime.allp) */
	uint32_t off;		/* byte offset inside that variable */
	uint8_t size;		/* 4 or 8 */
};

struct gs_rt_offsets {
	enum gs_rt_source src;
	struct gs_rt_loc f[GS_RT_NFIELDS];
};

/* "sched.ngsys" etc. */
const char *gs_rt_field_name(enum gs_rt_field f);
const char *gs_rt_source_name(enum gs_rt_source s);

/*
 * From the image's DWARF. 0 when .debug_info could be read (fields it lacks
 * stay unknown), -1 with err otherwise (ENOENT: no DWARF).
 */
int gs_rt_offsets_dwarf(const struct gs_elf *e, struct gs_rt_offsets *o, struct gs_err *err);

/* The same on raw .debug_info / .debug_abbrev bytes (tests, fuzzing). */
int gs_rt_offsets_dwarf_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
			    const uint8_t *abbrev, size_t abbrev_len, struct gs_rt_offsets *o,
			    struct gs_err *err);

/*
 * From the generated table, for an exact Go version ("go1.19.8": rows are
 * per minor version) and ELF machine. -1 (ENOENT) when no row matches.
 */
int gs_rt_offsets_table(const char *goversion, uint16_t machine, struct gs_rt_offsets *o,
			struct gs_err *err);

/* For the table generator: which alternative location (0, 1) of field f
 * lives in global (as DWARF found it), or -1. */
int gs_rt_alt_index(enum gs_rt_field f, const char *global);

/*
 * A decompressed (or plain) DWARF section by name ("debug_info", without
 * the dot), for tests and tools. *owned is what to free() (NULL if the
 * data points into the image). Caps decompressed sizes at 512 MiB and at
 * 1,100 times the compressed size.
 */
int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err);

#endif
