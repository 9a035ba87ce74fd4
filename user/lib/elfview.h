/* SPDX-License-Identifier: MIT */
/*
 * elfview: a bounds-checked view of an ELF image held in memory.
 *
 * Every byte of the image is untrusted. Nothing here allocates: program
 * headers are copied into a fixed array, section headers are read on demand,
 * and each accessor returns NULL/false instead of reading past the image.
 * Virtual addresses are mapped to file bytes only through PT_LOAD headers,
 * resolved once per parse into a sorted table, so that each lookup is a
 * binary search rather than a walk of every header.
 */
#ifndef GOSCOPE_ELFVIEW_H
#define GOSCOPE_ELFVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_MAX_PHDR 64		/* real binaries have < 16; more are ignored */
#define GS_MAX_SHNUM 65535	/* cap on sections walked by name lookups */

struct gs_phdr {
	uint32_t type, flags;
	uint64_t off, vaddr, filesz, memsz, align;
};

struct gs_shdr {
	uint32_t name, type;
	uint64_t flags, addr, off, size, entsize;
	uint32_t link, info;
};

struct gs_elf {
	const uint8_t *data;
	size_t size;
	bool is64, be;
	uint16_t type, machine;
	uint64_t entry;
	unsigned ptrsize;
	unsigned nphdr;			/* PT_* entries kept (capped at GS_MAX_PHDR) */
	struct gs_phdr ph[GS_MAX_PHDR];
	uint64_t shoff;
	uint32_t shnum;			/* 0 when section headers are absent or bogus */
	uint32_t shentsize;
	uint32_t shstrndx;		/* SHN_UNDEF when absent */
	/*
	 * Address -> PT_LOAD, built by gs_elf_parse: the sorted boundaries of
	 * the PT_LOADs' file parts cut the address space into pieces, and each
	 * piece names the first PT_LOAD (in header order) covering it, or none.
	 */
	unsigned nlpiece;
	uint64_t lpiece_start[2 * GS_MAX_PHDR];	/* piece i: [start[i], start[i+1]) */
	uint8_t lpiece_ph[2 * GS_MAX_PHDR];	/* index into ph[], GS_NO_PHDR for none */
};

#define GS_NO_PHDR 0xff

/* Parse the ELF header and program headers. Returns 0, or -1 with *why set. */
int gs_elf_parse(struct gs_elf *e, const void *data, size_t size, const char **why);

/*
 * The ELF header alone, for a reader that fetches the rest of a file piece
 * by piece instead of mapping it (see gotriage.h). Fills e's identity
 * (is64, be, type, machine, entry, ptrsize; data/size = the header bytes,
 * no program or section headers) and h with the tables' positions as the
 * header states them: unchecked, untrusted. 0, or -1 with *why set.
 */
struct gs_ehdr {
	uint64_t phoff, shoff;
	uint16_t phentsize, phnum, shentsize, shnum, shstrndx;
};
int gs_elf_header(struct gs_elf *e, const void *data, size_t size, struct gs_ehdr *h,
		  const char **why);
/* Size of one section header of e's class (64 or 40 bytes). */
static inline unsigned gs_elf_shdr_size(const struct gs_elf *e)
{
	return e->is64 ? 64 : 40;
}
/* Decode the section header at p, which holds gs_elf_shdr_size(e) readable bytes. */
void gs_elf_shdr_decode(const struct gs_elf *e, const uint8_t *p, struct gs_shdr *out);

/* Integer reads in the image's byte order. p must already be bounds-checked. */
uint16_t gs_rd16(const struct gs_elf *e, const uint8_t *p);
uint32_t gs_rd32(const struct gs_elf *e, const uint8_t *p);
uint64_t gs_rd64(const struct gs_elf *e, const uint8_t *p);
uint64_t gs_rdptr(const struct gs_elf *e, const uint8_t *p);	/* ptrsize word */

/* File range [off, off+len) inside the image, or NULL. */
const uint8_t *gs_elf_at(const struct gs_elf *e, uint64_t off, uint64_t len);

/* File bytes backing [vaddr, vaddr+len) inside one PT_LOAD's file part, or NULL. */
const uint8_t *gs_elf_vaddr(const struct gs_elf *e, uint64_t vaddr, uint64_t len);
bool gs_elf_vaddr_to_off(const struct gs_elf *e, uint64_t vaddr, uint64_t *off);
/* The PT_LOAD holding vaddr in its file part (the first in header order), or NULL. */
const struct gs_phdr *gs_elf_load_for(const struct gs_elf *e, uint64_t vaddr);
/* File part of a PT_LOAD clamped to the image: start pointer and length. */
const uint8_t *gs_elf_seg_bytes(const struct gs_elf *e, const struct gs_phdr *ph, size_t *len);

/* Section headers: idx < e->shnum. Returns false if unreadable. */
bool gs_elf_shdr(const struct gs_elf *e, uint32_t idx, struct gs_shdr *out);
/* First section with this name whose header is sane. */
bool gs_elf_section(const struct gs_elf *e, const char *name, struct gs_shdr *out);
/* Name of a section (NUL-terminated inside the image), or NULL. */
const char *gs_elf_shname(const struct gs_elf *e, const struct gs_shdr *sh);
/* Section bytes in the file, or NULL (SHT_NOBITS or out of range). */
const uint8_t *gs_elf_shdata(const struct gs_elf *e, const struct gs_shdr *sh);

/* A bounded C string at p (max bytes): length, or -1 if no NUL within max. */
long gs_strnlen_bounded(const uint8_t *p, size_t max);

/* Overflow-safe a + b <= limit. */
static inline bool gs_fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

#endif
