/* SPDX-License-Identifier: MIT */
/*
 * dwarf: a small bounded reader of the DWARF 2-5 that Go writes, for the
 * runtime's type layouts (docs/runtime-layouts.md): compile units,
 * abbreviations, the DIEs at the top level of a unit by name, members of
 * structs along a dotted path, type sizes, array counts and constants.
 *
 * The sections come from files other users control, and usually zlib-
 * compressed (SHF_COMPRESSED, or legacy .zdebug_*). Every read is bounds-
 * checked and every loop capped, and decompression is streamed under one
 * budget for all the DWARF sections of a binary (GS_DWARF_MAX_TOTAL): past
 * it the answer is EFBIG "DWARF too large", never more memory.
 */
#ifndef GOSCOPE_DWARF_H
#define GOSCOPE_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "elfview.h"
#include "gserr.h"

/*
 * Decompressed bytes allowed for one binary, all sections together: half
 * the exporter's 128 MiB DaemonSet limit. Fuzz builds lower it under
 * libFuzzer's malloc limit, so the compressed path is fuzzed, not skipped.
 */
#ifndef GS_DWARF_MAX_TOTAL
#define GS_DWARF_MAX_TOTAL	(64u << 20)
#endif

/* The DWARF tags callers look at. */
enum {
	GS_DW_TAG_array_type = 0x01,
	GS_DW_TAG_member = 0x0d,
	GS_DW_TAG_pointer_type = 0x0f,
	GS_DW_TAG_structure_type = 0x13,
	GS_DW_TAG_typedef = 0x16,
	GS_DW_TAG_base_type = 0x24,
	GS_DW_TAG_constant = 0x27,
};

struct gs_dwarf;

/* What to read. Every pointer may be NULL. */
struct gs_dwarf_opts {
	/*
	 * Keep only the compile units of these names (NULL-terminated); the
	 * others are read past, not kept. NULL: keep every unit.
	 */
	const char *const *units;
	/*
	 * Top-level DIEs (struct types with members, and constants) to index
	 * by name, found with gs_dwarf_lookup(d, i). The first of a name wins.
	 */
	const char *const *names;
	size_t nnames;
	/*
	 * Called after each kept unit is indexed: true when everything needed
	 * is found, so the rest of .debug_info is neither decompressed nor
	 * kept.
	 */
	bool (*done)(const struct gs_dwarf *d, void *ctx);
	void *ctx;
};

/*
 * Read e's .debug_abbrev and .debug_info (.debug_str and .debug_line_str
 * when present). -1 with err: ENOENT no DWARF, EFBIG "DWARF too large",
 * EINVAL malformed.
 */
int gs_dwarf_open(const struct gs_elf *e, const struct gs_dwarf_opts *opts,
		  struct gs_dwarf **out, struct gs_err *err);

/* The same on raw section bytes, which must outlive the reader. */
int gs_dwarf_open_raw(const struct gs_elf *e, const uint8_t *info, size_t info_len,
		      const uint8_t *abbrev, size_t abbrev_len, const struct gs_dwarf_opts *opts,
		      struct gs_dwarf **out, struct gs_err *err);

void gs_dwarf_close(struct gs_dwarf *d);

/* The offset of the DIE indexed as opts->names[i]; false when not found. */
bool gs_dwarf_lookup(const struct gs_dwarf *d, size_t i, uint64_t *die);

/* Bytes decompressed so far (the budget used), and units kept. */
size_t gs_dwarf_inflated(const struct gs_dwarf *d);
size_t gs_dwarf_units(const struct gs_dwarf *d);

/* A field at the end of a member path inside a struct type. */
struct gs_dwarf_field {
	uint64_t off;		/* from the start of the struct */
	uint64_t size;		/* its type's byte size (a pointer: the address size) */
	uint64_t count;		/* an array: its element count, else 0 */
	uint64_t tag;		/* its type's tag, typedefs followed (GS_DW_TAG_*) */
	uint64_t type;		/* that type's DIE */
};

/*
 * Member path ("sched.sp"; "" for the struct itself) inside the struct
 * type at die (typedefs followed). With unwrap, a final struct holding a
 * member "v" or "value" (atomic.Int32 and friends) stands for that member.
 * -1 when any step is missing or malformed.
 */
int gs_dwarf_field(struct gs_dwarf *d, uint64_t die, const char *path, bool unwrap,
		   struct gs_dwarf_field *f);

/* The value of the constant DIE at die. */
int gs_dwarf_const(struct gs_dwarf *d, uint64_t die, int64_t *v);

/*
 * Every named top-level DIE of the kept units, in order: cb gets its name,
 * tag and offset, and returns non-zero to stop (that value is returned).
 * Capped like every loop here.
 */
int gs_dwarf_each(struct gs_dwarf *d, int (*cb)(const char *name, uint64_t tag, uint64_t die,
						void *ctx),
		  void *ctx);

/*
 * A decompressed (or plain) DWARF section by name ("debug_info", without
 * the dot). *owned is what to free() (NULL if the data points into the
 * image). EFBIG past GS_DWARF_MAX_TOTAL.
 */
int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err);

#endif
