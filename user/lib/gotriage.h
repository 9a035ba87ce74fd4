/* SPDX-License-Identifier: MIT */
/*
 * gotriage: what counts as Go by section name, and the cheap test that
 * decides whether an ELF file is worth handing to the classifier at all
 * (docs/go-binary-format.md §8).
 *
 * The names are the ones the Go toolchains write. The classifier counts the
 * gc toolchain's as evidence (GS_EV_SECTIONS); the triage lets a file through
 * on any of them, gccgo's export data included (Go, but with nothing the
 * classifier can read a version from).
 */
#ifndef GOSCOPE_GOTRIAGE_H
#define GOSCOPE_GOTRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gs_gosect {
	GS_GOSECT_NONE = 0,
	GS_GOSECT_GC,		/* written by the gc toolchain's linker */
	GS_GOSECT_GCCGO,	/* gccgo's .go_export */
};

/* Longest name in the list, plus room: names longer than this are never Go's. */
#define GS_GOSECT_NAME_MAX 32

/* Which kind of Go section this name is, if any. */
enum gs_gosect gs_go_section(const char *name);

/*
 * Could this ELF file be a Go binary? False only when it plainly is not:
 * an object file or core dump, a separate debug-info file (.text without
 * bytes), or a well-formed section table that names no Go section. Anything
 * in doubt (no section table, odd sizes, a short read) is true: the
 * classifier decides. It reads the ELF header, the section table and the
 * section-name table, each capped, into fixed buffers: nothing is mapped
 * and nothing is allocated.
 *
 * _fd reads with pread (size: the file's size from fstat); _mem reads an
 * image in memory. Both run the same code.
 */
bool gs_maybe_go_fd(int fd, uint64_t size);
bool gs_maybe_go_mem(const void *data, size_t size);

#endif
