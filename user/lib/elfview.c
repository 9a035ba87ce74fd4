/* SPDX-License-Identifier: MIT */
/* Bounds-checked ELF reading; see elfview.h. */
#include "elfview.h"

#include <elf.h>
#include <string.h>

uint16_t gs_rd16(const struct gs_elf *e, const uint8_t *p)
{
	return e->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t gs_rd32(const struct gs_elf *e, const uint8_t *p)
{
	if (e->be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

uint64_t gs_rd64(const struct gs_elf *e, const uint8_t *p)
{
	uint64_t hi = gs_rd32(e, e->be ? p : p + 4);
	uint64_t lo = gs_rd32(e, e->be ? p + 4 : p);
	return hi << 32 | lo;
}

uint64_t gs_rdptr(const struct gs_elf *e, const uint8_t *p)
{
	return e->ptrsize == 8 ? gs_rd64(e, p) : gs_rd32(e, p);
}

const uint8_t *gs_elf_at(const struct gs_elf *e, uint64_t off, uint64_t len)
{
	if (!gs_fits(off, len, e->size))
		return NULL;
	return e->data + off;
}

long gs_strnlen_bounded(const uint8_t *p, size_t max)
{
	const void *z = memchr(p, 0, max);
	return z ? (long)((const uint8_t *)z - p) : -1;
}

/* Read one program header at index i into out. */
static bool read_phdr(const struct gs_elf *e, uint64_t phoff, unsigned entsize, unsigned i,
		      struct gs_phdr *out)
{
	const uint8_t *p = gs_elf_at(e, phoff + (uint64_t)i * entsize, entsize);

	if (!p)
		return false;
	if (e->is64) {
		out->type = gs_rd32(e, p);
		out->flags = gs_rd32(e, p + 4);
		out->off = gs_rd64(e, p + 8);
		out->vaddr = gs_rd64(e, p + 16);
		out->filesz = gs_rd64(e, p + 32);
		out->memsz = gs_rd64(e, p + 40);
		out->align = gs_rd64(e, p + 48);
	} else {
		out->type = gs_rd32(e, p);
		out->off = gs_rd32(e, p + 4);
		out->vaddr = gs_rd32(e, p + 8);
		out->filesz = gs_rd32(e, p + 16);
		out->memsz = gs_rd32(e, p + 20);
		out->flags = gs_rd32(e, p + 24);
		out->align = gs_rd32(e, p + 28);
	}
	return true;
}

bool gs_elf_shdr(const struct gs_elf *e, uint32_t idx, struct gs_shdr *out)
{
	const uint8_t *p;

	if (idx >= e->shnum || !e->shentsize)
		return false;
	p = gs_elf_at(e, e->shoff + (uint64_t)idx * e->shentsize, e->shentsize);
	if (!p)
		return false;
	gs_elf_shdr_decode(e, p, out);
	return true;
}

void gs_elf_shdr_decode(const struct gs_elf *e, const uint8_t *p, struct gs_shdr *out)
{
	out->name = gs_rd32(e, p);
	out->type = gs_rd32(e, p + 4);
	if (e->is64) {
		out->flags = gs_rd64(e, p + 8);
		out->addr = gs_rd64(e, p + 16);
		out->off = gs_rd64(e, p + 24);
		out->size = gs_rd64(e, p + 32);
		out->link = gs_rd32(e, p + 40);
		out->info = gs_rd32(e, p + 44);
		out->entsize = gs_rd64(e, p + 56);
	} else {
		out->flags = gs_rd32(e, p + 8);
		out->addr = gs_rd32(e, p + 12);
		out->off = gs_rd32(e, p + 16);
		out->size = gs_rd32(e, p + 20);
		out->link = gs_rd32(e, p + 24);
		out->info = gs_rd32(e, p + 28);
		out->entsize = gs_rd32(e, p + 36);
	}
}

/*
 * Section headers are optional and may be forged: load them only if the
 * table lies inside the image, and resolve extended numbering (e_shnum == 0
 * or e_shstrndx == SHN_XINDEX keep the real values in section 0).
 */
static void load_sections(struct gs_elf *e, uint64_t shoff, unsigned shentsize,
			  unsigned shnum, unsigned shstrndx)
{
	unsigned want = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	struct gs_shdr s0;

	e->shnum = 0;
	e->shstrndx = SHN_UNDEF;
	if (!shoff || shentsize < want)
		return;
	e->shoff = shoff;
	e->shentsize = shentsize;
	e->shnum = 1;
	if (!gs_elf_shdr(e, 0, &s0)) {
		e->shnum = 0;
		return;
	}
	if (shnum == 0)
		shnum = s0.size > GS_MAX_SHNUM ? GS_MAX_SHNUM : (unsigned)s0.size;
	if (shstrndx == SHN_XINDEX)
		shstrndx = s0.link;
	if (shnum > GS_MAX_SHNUM)
		shnum = GS_MAX_SHNUM;
	/* The whole table must be inside the file. */
	if (!gs_elf_at(e, shoff, (uint64_t)shnum * shentsize)) {
		e->shnum = 0;
		return;
	}
	e->shnum = shnum;
	e->shstrndx = shstrndx < shnum ? shstrndx : SHN_UNDEF;
}

/* The first PT_LOAD in header order whose file part holds vaddr: the rule lookups keep. */
static unsigned first_load_at(const struct gs_elf *e, uint64_t vaddr)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];

		if (ph->type == PT_LOAD && vaddr >= ph->vaddr && vaddr - ph->vaddr < ph->filesz)
			return i;
	}
	return GS_NO_PHDR;
}

/*
 * Resolve the PT_LOADs once: every start and end of a file part is a
 * boundary; between two boundaries the covering set does not change, so the
 * owner of a piece is the header-order rule evaluated at its start. Lookups
 * then cost a binary search over at most 2 * GS_MAX_PHDR pieces, however
 * the segments overlap.
 */
static void index_loads(struct gs_elf *e)
{
	uint64_t *pt = e->lpiece_start;
	unsigned n = 0, k = 0;

	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];

		if (ph->type != PT_LOAD || !ph->filesz)
			continue;
		pt[n++] = ph->vaddr;
		if (gs_fits(ph->vaddr, ph->filesz, UINT64_MAX))
			pt[n++] = ph->vaddr + ph->filesz;	/* else it runs to the top */
	}
	/* Sort (n <= 128) and drop repeats. */
	for (unsigned i = 1; i < n; i++) {
		uint64_t v = pt[i];
		unsigned j = i;

		for (; j > 0 && pt[j - 1] > v; j--)
			pt[j] = pt[j - 1];
		pt[j] = v;
	}
	for (unsigned i = 0; i < n; i++) {
		uint8_t owner;

		if (k && pt[k - 1] == pt[i])
			continue;
		owner = (uint8_t)first_load_at(e, pt[i]);
		if (k && e->lpiece_ph[k - 1] == owner)
			continue;	/* same owner as the piece before: one piece */
		pt[k] = pt[i];
		e->lpiece_ph[k++] = owner;
	}
	e->nlpiece = k;
}

int gs_elf_header(struct gs_elf *e, const void *data, size_t size, struct gs_ehdr *eh,
		  const char **why)
{
	const uint8_t *h = data;

	memset(e, 0, sizeof(*e));
	memset(eh, 0, sizeof(*eh));
	e->data = data;
	e->size = size;
	if (size < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0) {
		*why = "not an ELF file";
		return -1;
	}
	if (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64) {
		*why = "ELF: unknown class";
		return -1;
	}
	if (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB) {
		*why = "ELF: unknown byte order";
		return -1;
	}
	e->is64 = h[EI_CLASS] == ELFCLASS64;
	e->be = h[EI_DATA] == ELFDATA2MSB;
	e->ptrsize = e->is64 ? 8 : 4;
	if (size < (e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr))) {
		*why = "ELF: truncated header";
		return -1;
	}
	e->type = gs_rd16(e, h + 16);
	e->machine = gs_rd16(e, h + 18);
	if (e->is64) {
		e->entry = gs_rd64(e, h + 24);
		eh->phoff = gs_rd64(e, h + 32);
		eh->shoff = gs_rd64(e, h + 40);
		eh->phentsize = gs_rd16(e, h + 54);
		eh->phnum = gs_rd16(e, h + 56);
		eh->shentsize = gs_rd16(e, h + 58);
		eh->shnum = gs_rd16(e, h + 60);
		eh->shstrndx = gs_rd16(e, h + 62);
	} else {
		e->entry = gs_rd32(e, h + 24);
		eh->phoff = gs_rd32(e, h + 28);
		eh->shoff = gs_rd32(e, h + 32);
		eh->phentsize = gs_rd16(e, h + 42);
		eh->phnum = gs_rd16(e, h + 44);
		eh->shentsize = gs_rd16(e, h + 46);
		eh->shnum = gs_rd16(e, h + 48);
		eh->shstrndx = gs_rd16(e, h + 50);
	}
	return 0;
}

int gs_elf_parse(struct gs_elf *e, const void *data, size_t size, const char **why)
{
	struct gs_ehdr h;
	unsigned phnum, want;

	if (gs_elf_header(e, data, size, &h, why) < 0)
		return -1;
	want = e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	load_sections(e, h.shoff, h.shentsize, h.shnum, h.shstrndx);
	phnum = h.phnum;
	if (phnum == PN_XNUM) {
		struct gs_shdr s0;

		phnum = gs_elf_shdr(e, 0, &s0) ? s0.info : 0;
	}
	if (phnum && h.phentsize < want) {
		*why = "ELF: bad program header size";
		return -1;
	}
	for (unsigned i = 0; i < phnum && e->nphdr < GS_MAX_PHDR; i++) {
		struct gs_phdr ph;

		if (!read_phdr(e, h.phoff, h.phentsize, i, &ph))
			break;	/* truncated table: keep what was readable */
		e->ph[e->nphdr++] = ph;
	}
	index_loads(e);
	return 0;
}

const struct gs_phdr *gs_elf_load_for(const struct gs_elf *e, uint64_t vaddr)
{
	unsigned lo = 0, hi = e->nlpiece;
	const struct gs_phdr *ph;

	/* The last piece starting at or below vaddr. */
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (e->lpiece_start[mid] <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || e->lpiece_ph[lo - 1] == GS_NO_PHDR)
		return NULL;
	ph = &e->ph[e->lpiece_ph[lo - 1]];
	return vaddr >= ph->vaddr && vaddr - ph->vaddr < ph->filesz ? ph : NULL;
}

bool gs_elf_vaddr_to_off(const struct gs_elf *e, uint64_t vaddr, uint64_t *off)
{
	const struct gs_phdr *ph = gs_elf_load_for(e, vaddr);

	if (!ph || !gs_fits(ph->off, vaddr - ph->vaddr, UINT64_MAX))
		return false;
	*off = ph->off + (vaddr - ph->vaddr);
	return *off < e->size;
}

const uint8_t *gs_elf_vaddr(const struct gs_elf *e, uint64_t vaddr, uint64_t len)
{
	const struct gs_phdr *ph = gs_elf_load_for(e, vaddr);
	uint64_t rel;

	if (!ph)
		return NULL;
	rel = vaddr - ph->vaddr;
	if (!gs_fits(rel, len, ph->filesz))
		return NULL;
	if (!gs_fits(ph->off, rel, UINT64_MAX))
		return NULL;
	return gs_elf_at(e, ph->off + rel, len);
}

const uint8_t *gs_elf_seg_bytes(const struct gs_elf *e, const struct gs_phdr *ph, size_t *len)
{
	uint64_t n = ph->filesz;

	if (ph->off >= e->size) {
		*len = 0;
		return NULL;
	}
	if (n > e->size - ph->off)
		n = e->size - ph->off;	/* clamp a truncated segment */
	*len = (size_t)n;
	return e->data + ph->off;
}

const char *gs_elf_shname(const struct gs_elf *e, const struct gs_shdr *sh)
{
	struct gs_shdr str;
	const uint8_t *p;

	if (e->shstrndx == SHN_UNDEF || !gs_elf_shdr(e, e->shstrndx, &str))
		return NULL;
	if (str.type == SHT_NOBITS || sh->name >= str.size)
		return NULL;
	p = gs_elf_at(e, str.off + sh->name, 1);
	if (!p)
		return NULL;
	{
		uint64_t room = str.size - sh->name;
		uint64_t left = e->size - (uint64_t)(p - e->data);

		if (room > left)
			room = left;
		if (room > 256)
			room = 256;
		if (gs_strnlen_bounded(p, room) < 0)
			return NULL;
	}
	return (const char *)p;
}

bool gs_elf_section(const struct gs_elf *e, const char *name, struct gs_shdr *out)
{
	for (uint32_t i = 1; i < e->shnum; i++) {
		const char *n;

		if (!gs_elf_shdr(e, i, out))
			return false;
		n = gs_elf_shname(e, out);
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

const uint8_t *gs_elf_shdata(const struct gs_elf *e, const struct gs_shdr *sh)
{
	if (sh->type == SHT_NOBITS)
		return NULL;
	return gs_elf_at(e, sh->off, sh->size);
}
