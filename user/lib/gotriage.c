/* SPDX-License-Identifier: MIT */
/*
 * Go section names and the ELF triage; see gotriage.h.
 *
 * The triage exists for tree walks (goscope audit --path): most ELF files
 * on a system are C libraries, some with large symbol tables, and a few
 * small reads tell them apart from Go binaries for much less than mapping
 * and classifying each. The Go linker always writes .gopclntab, .noptrdata
 * and .go.buildinfo (gccgo: .go_export); without any of them the classifier
 * could find only a build-info blob in a binary whose Go sections were
 * removed or renamed on purpose, or Go-looking names in a symbol table.
 */
#include "gotriage.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "elfview.h"

static const struct {
	const char *name;
	enum gs_gosect kind;
} go_sections[] = {
	{ ".gopclntab", GS_GOSECT_GC },
	{ ".go.buildinfo", GS_GOSECT_GC },
	{ ".go.module", GS_GOSECT_GC },
	{ ".go.fipsinfo", GS_GOSECT_GC },
	{ ".go.type", GS_GOSECT_GC },
	{ ".go.func", GS_GOSECT_GC },
	{ ".gosymtab", GS_GOSECT_GC },
	{ ".typelink", GS_GOSECT_GC },
	{ ".itablink", GS_GOSECT_GC },
	{ ".noptrdata", GS_GOSECT_GC },
	{ ".noptrbss", GS_GOSECT_GC },
	{ ".data.rel.ro.gopclntab", GS_GOSECT_GC },
	{ ".note.go.buildid", GS_GOSECT_GC },
	{ ".go_export", GS_GOSECT_GCCGO },	/* gccgo's export data: no Go version, but Go */
};

enum gs_gosect gs_go_section(const char *name)
{
	for (size_t k = 0; k < sizeof(go_sections) / sizeof(go_sections[0]); k++)
		if (!strcmp(name, go_sections[k].name))
			return go_sections[k].kind;
	return GS_GOSECT_NONE;
}

/* ---- the triage ---- */

#define TRIAGE_MAX (256u << 10)	/* section table or names larger than this: just classify */
#define EHDR_READ 64		/* an ELF64 header; an ELF32 one is shorter */
#define SHDR_CHUNK 64		/* section headers read at a time */
#define NAMES_BUF 4096		/* name tables up to this are read whole (real ones: < 1 KiB) */

struct src {
	bool (*read)(const struct src *s, void *buf, size_t n, uint64_t off);
	int fd;
	const uint8_t *data;
	uint64_t size;
};

/* All n bytes at off, or false. */
static bool rd(const struct src *s, void *buf, size_t n, uint64_t off)
{
	return n <= s->size && off <= s->size - n && s->read(s, buf, n, off);
}

static bool read_fd(const struct src *s, void *buf, size_t n, uint64_t off)
{
	ssize_t r;

	if (off > (uint64_t)INT64_MAX)
		return false;
	do
		r = pread(s->fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)n;
}

static bool read_mem(const struct src *s, void *buf, size_t n, uint64_t off)
{
	memcpy(buf, s->data + off, n);
	return true;
}

/*
 * The section-name table: read whole when small, else one window per name
 * (a name longer than GS_GOSECT_NAME_MAX is none of ours, so a window of
 * that size decides as well as the whole string would).
 */
struct names {
	char buf[NAMES_BUF + 1];
	char win[GS_GOSECT_NAME_MAX + 1];
	uint64_t off, size;
	bool whole;
};

/* Name at offset name, NUL-terminated (at the table's end at the latest); NULL on a short read. */
static const char *name_at(const struct src *s, struct names *t, uint64_t name)
{
	uint64_t w;

	if (t->whole)
		return t->buf + name;
	w = t->size - name < GS_GOSECT_NAME_MAX ? t->size - name : GS_GOSECT_NAME_MAX;
	if (!rd(s, t->win, (size_t)w, t->off + name))
		return NULL;
	t->win[w] = '\0';
	return t->win;
}

static bool triage(const struct src *s)
{
	uint8_t eh[EHDR_READ], tbl[SHDR_CHUNK * 64];
	struct names names;
	struct gs_shdr sh;
	struct gs_ehdr h;
	struct gs_elf e;
	const char *why;
	unsigned ent;
	bool maybe = false;

	if (!rd(s, eh, sizeof(eh), 0) || gs_elf_header(&e, eh, sizeof(eh), &h, &why) < 0)
		return true;
	/* Object files (Free Pascal ships thousands) and core dumps are not binaries. */
	if (e.type == ET_REL || e.type == ET_CORE)
		return false;
	ent = gs_elf_shdr_size(&e);
	/* No table, extended numbering (0 / SHN_XINDEX), odd sizes: not our call. */
	if (!h.shoff || !h.shnum || h.shnum >= SHN_LORESERVE || h.shstrndx >= h.shnum ||
	    h.shentsize != ent)
		return true;
	if ((uint64_t)h.shnum * ent > TRIAGE_MAX || !gs_fits(h.shoff, (uint64_t)h.shnum * ent, s->size))
		return true;

	if (!rd(s, tbl, ent, h.shoff + (uint64_t)h.shstrndx * ent))
		return true;
	gs_elf_shdr_decode(&e, tbl, &sh);
	if (sh.type != SHT_STRTAB)
		return true;
	names.off = sh.off;
	names.size = sh.size;
	if (!names.size || names.size > TRIAGE_MAX || !gs_fits(names.off, names.size, s->size))
		return true;
	names.whole = names.size <= NAMES_BUF;
	if (names.whole) {
		if (!rd(s, names.buf, (size_t)names.size, names.off))
			return true;
		names.buf[names.size] = '\0';
	}

	for (unsigned first = 1; first < h.shnum; first += SHDR_CHUNK) {
		unsigned n = h.shnum - first < SHDR_CHUNK ? h.shnum - first : SHDR_CHUNK;

		if (!rd(s, tbl, (size_t)n * ent, h.shoff + (uint64_t)first * ent))
			return true;
		for (unsigned i = 0; i < n; i++) {
			const char *nm;

			gs_elf_shdr_decode(&e, tbl + (size_t)i * ent, &sh);
			if (sh.name >= names.size)
				continue;
			nm = name_at(s, &names, sh.name);
			if (!nm)
				return true;
			/* A separate debug-info file (.text without bytes) runs nowhere. */
			if (sh.type == SHT_NOBITS && !strcmp(nm, ".text"))
				return false;
			if (gs_go_section(nm) != GS_GOSECT_NONE)
				maybe = true;
		}
	}
	return maybe;
}

bool gs_maybe_go_fd(int fd, uint64_t size)
{
	struct src s = { .read = read_fd, .fd = fd, .size = size };

	return triage(&s);
}

bool gs_maybe_go_mem(const void *data, size_t size)
{
	struct src s = { .read = read_mem, .fd = -1, .data = data, .size = size };

	return triage(&s);
}
