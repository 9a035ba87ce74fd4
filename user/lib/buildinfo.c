/* SPDX-License-Identifier: MIT */
/*
 * .go.buildinfo (docs/go-binary-format.md §2): both the pointer format
 * (Go 1.13-1.17) and the inline-string format (Go 1.18+), found by section
 * header or, without one, by scanning every writable PT_LOAD.
 */
#include "goelf.h"

#include <elf.h>
#include <string.h>

static const uint8_t bi_magic[14] = "\xff Go buildinf:";
const uint8_t gs_modinfo_start[16] = {
	0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
	0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
};
const uint8_t gs_modinfo_end[16] = {
	0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
	0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
};

#define BI_HDR 32

/* LEB128 unsigned, at most 10 bytes. Returns bytes used, 0 on error. */
static size_t uvarint(const uint8_t *p, size_t avail, uint64_t *out)
{
	uint64_t v = 0;

	for (size_t i = 0; i < avail && i < 10; i++) {
		if (i == 9 && p[i] > 1)
			return 0;	/* overflows 64 bits */
		v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*out = v;
			return i + 1;
		}
	}
	return 0;
}

static bool set_version(struct gs_buildinfo *bi, const uint8_t *s, uint64_t n)
{
	if (n == 0 || n >= GS_VERSION_MAX)
		return false;
	if (!(n >= 2 && memcmp(s, "go", 2) == 0) && !(n >= 5 && memcmp(s, "devel", 5) == 0))
		return false;
	for (uint64_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	memcpy(bi->version, s, n);
	bi->version[n] = 0;
	return true;
}

static uint64_t rd_word(const uint8_t *p, unsigned ps, bool be)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < ps; i++)
		v |= (uint64_t)p[be ? i : ps - 1 - i] << (8 * (ps - 1 - i));
	return v;
}

/* A Go string header {data, len} at vaddr, resolved through PT_LOADs. */
static const uint8_t *read_gostring(const struct gs_elf *e, uint64_t vaddr, unsigned ps, bool be,
				    uint64_t max, uint64_t *len)
{
	const uint8_t *h = gs_elf_vaddr(e, vaddr, 2 * ps);
	uint64_t data;

	if (!h)
		return NULL;
	data = rd_word(h, ps, be);
	*len = rd_word(h + ps, ps, be);
	if (*len > max)
		return NULL;
	return gs_elf_vaddr(e, data, *len);
}

static bool parse_blob(const struct gs_elf *e, const uint8_t *p, size_t avail, uint64_t vaddr,
		       struct gs_buildinfo *bi)
{
	unsigned ps, flags;

	if (avail < BI_HDR || memcmp(p, bi_magic, sizeof(bi_magic)) != 0)
		return false;
	ps = p[14];
	flags = p[15];
	if ((ps != 4 && ps != 8) || (flags & ~3u))
		return false;
	memset(bi, 0, sizeof(*bi));
	bi->vaddr = vaddr;
	if (flags & 2) {
		const uint8_t *q = p + BI_HDR, *end = p + avail;
		uint64_t n;
		size_t used;

		bi->inline_fmt = true;
		used = uvarint(q, (size_t)(end - q), &n);
		if (!used || n > (uint64_t)(end - q - used))
			return false;
		q += used;
		if (!set_version(bi, q, n))
			return false;
		q += n;
		used = uvarint(q, (size_t)(end - q), &n);
		if (used && n <= (uint64_t)(end - q - used) && n <= GS_MODINFO_MAX) {
			bi->modinfo = q + used;
			bi->modinfo_len = (size_t)n;
		}
		return true;
	} else {
		bool be = flags & 1;
		uint64_t vptr = rd_word(p + 16, ps, be), mptr = rd_word(p + 16 + ps, ps, be);
		const uint8_t *s;
		uint64_t n;

		s = read_gostring(e, vptr, ps, be, GS_VERSION_MAX - 1, &n);
		if (!s || !set_version(bi, s, n))
			return false;
		s = read_gostring(e, mptr, ps, be, GS_MODINFO_MAX, &n);
		if (s) {
			bi->modinfo = s;
			bi->modinfo_len = (size_t)n;
		}
		return true;
	}
}

/*
 * Scan [base, base+len) at 16-byte-aligned offsets (relative to vaddr), as
 * far as the budget's bytes reach; each aligned hit parsed costs a step.
 */
static bool scan_segment(const struct gs_elf *e, const uint8_t *base, size_t len, uint64_t vaddr,
			 struct gs_buildinfo *bi, struct gs_budget *b)
{
	size_t off = 0, full = len;

	len = gs_budget_bytes(b, len);	/* the window searched; a blob may run past it */
	while (off + BI_HDR <= len) {
		const uint8_t *hit = memmem(base + off, len - off, bi_magic, sizeof(bi_magic));
		size_t at;

		if (!hit)
			return false;
		at = (size_t)(hit - base);
		if (((vaddr + at) & 15) == 0) {
			if (!gs_budget_step(b))
				return false;
			if (parse_blob(e, hit, full - at, vaddr + at, bi))
				return true;
		}
		off = at + 1;
	}
	return false;
}

int gs_buildinfo_find(const struct gs_elf *e, struct gs_buildinfo *bi)
{
	struct gs_budget b = GS_BUDGET_BUILDINFO;

	return gs_buildinfo_find_budget(e, bi, &b);
}

int gs_buildinfo_find_budget(const struct gs_elf *e, struct gs_buildinfo *bi, struct gs_budget *b)
{
	struct gs_shdr sh;

	if (gs_elf_section(e, ".go.buildinfo", &sh) && sh.type != SHT_NOBITS) {
		/* Trust the section only as a hint: read it through PT_LOADs. */
		const struct gs_phdr *ph = gs_elf_load_for(e, sh.addr);

		if (ph) {
			uint64_t rel = sh.addr - ph->vaddr;
			size_t seglen;
			const uint8_t *seg = gs_elf_seg_bytes(e, ph, &seglen);

			if (seg && rel < seglen &&
			    parse_blob(e, seg + rel, seglen - rel, sh.addr, bi)) {
				bi->by_section = true;
				b->spent = false;
				return 0;
			}
		}
	}
	/* Without one: Go's linker puts the blob near the start of the data. */
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *seg;
		size_t seglen;

		if (ph->type != PT_LOAD || !(ph->flags & PF_W) || (ph->flags & PF_X))
			continue;
		seg = gs_elf_seg_bytes(e, ph, &seglen);
		if (seg && scan_segment(e, seg, seglen, ph->vaddr, bi, b)) {
			b->spent = false;
			return 0;
		}
	}
	return -1;
}

bool gs_modinfo_unframe(const uint8_t *raw, size_t len, const uint8_t **text, size_t *tlen)
{
	/* Go's rule: framed when len >= 33 and the byte before the end sentinel is '\n'. */
	if (!raw || len < 33 || raw[len - 17] != '\n')
		return false;
	if (memcmp(raw, gs_modinfo_start, 16) != 0 || memcmp(raw + len - 16, gs_modinfo_end, 16) != 0)
		return false;
	*text = raw + 16;
	*tlen = len - 32;
	return true;
}

