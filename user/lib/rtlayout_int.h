/* SPDX-License-Identifier: MIT */
/*
 * The generated runtime-layout table's row format, shared by the table
 * (rtlayout_table.c, written by tools/gen-rtlayout.sh) and its lookup
 * (rtoffsets.c). Plain numbers: offsets and sizes, names only as strings.
 */
#ifndef GOSCOPE_RTLAYOUT_INT_H
#define GOSCOPE_RTLAYOUT_INT_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "rtoffsets.h"

/* One field; size 0: not in this release. alt: which spec alternative. */
struct gs_rt_cell {
	uint32_t off, size, count;
	uint8_t alt;
};

struct gs_rt_row {
	const char *line;		/* release line: "go1.21" */
	uint16_t patch_lo, patch_hi;	/* the patches of the line it holds for */
	uint16_t machine;		/* EM_X86_64, EM_AARCH64 */
	const char *toolchain;		/* the toolchain it was generated from: "go1.21.13" */
	const struct gs_rt_cell *cell;	/* [GS_RT_NFIELDS] */
	const struct gs_rt_cval *cval;	/* [GS_RT_NCONSTS] */
	const char *const *wait;	/* wait-reason names by value */
	uint16_t nwait;
};

extern const struct gs_rt_row gs_rt_rows[];
extern const size_t gs_rt_nrows;

/* For the generator: the enumerators' names ("GS_RT_G_GOID"). */
const char *gs_rt_field_id(enum gs_rt_field f);
const char *gs_rt_const_id(enum gs_rt_const c);

/*
 * The names in the image's runtime.waitReasonStrings (via .symtab; non-PIE
 * only), into names[0, *n). -1 with err when absent or implausible.
 */
#define GS_RT_WAITNAME 64
int gs_rt_waitreasons_image(const struct gs_elf *e, char (*names)[GS_RT_WAITNAME], unsigned max,
			    unsigned *n, struct gs_err *err);

/* DWARF read whole: every unit, no early stop (to check the fast path). */
int gs_rt_offsets_dwarf_full(const struct gs_elf *e, struct gs_rt_offsets *o,
			     struct gs_err *err);

#endif
