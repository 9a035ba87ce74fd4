/* SPDX-License-Identifier: MIT */
/*
 * DWARF sections out of an ELF image, read front to back: plain (in place),
 * SHF_COMPRESSED (an Elf_Chdr, then zlib) or legacy .zdebug_* ("ZLIB", a
 * big-endian 64-bit size, then zlib). Compressed ones are inflated in
 * chunks into the caller's buffer, never whole, and every byte inflated is
 * taken from one budget shared by all the sections of a binary
 * (GS_DWARF_MAX_TOTAL): past it, EFBIG "DWARF too large". A claimed size is
 * believed only as far as the compressed bytes could fill it, and must be
 * exactly what inflates.
 */
#include "dwarf_int.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define DWARF_MAX_RATIO		1100u		/* zlib cannot do better than ~1032:1 */
#define SKIP_CHUNK		16384

static uint64_t read_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void gs_dwsrc_mem(struct gs_dwsrc *s, const uint8_t *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->plain = data;
	s->size = len;
	snprintf(s->name, sizeof(s->name), "section");
}

static int zopen(struct gs_dwsrc *s, const uint8_t *src, size_t srclen, uint64_t size,
		 struct gs_err *err)
{
	if (size == 0 || size > SIZE_MAX || size / DWARF_MAX_RATIO > srclen)
		return gs_errf(err, EFBIG, "implausible decompressed DWARF size %llu",
			       (unsigned long long)size);
	s->size = size;
	s->zs.next_in = (Bytef *)(uintptr_t)src;
	s->zs.avail_in = srclen > UINT32_MAX ? UINT32_MAX : (uInt)srclen;
	if (inflateInit(&s->zs) != Z_OK)
		return gs_errf(err, ENOMEM, "out of memory");
	s->z = true;
	return 0;
}

int gs_dwsrc_open(const struct gs_elf *e, const char *name, size_t *budget, size_t *inflated,
		  struct gs_dwsrc *s, struct gs_err *err)
{
	char legacy[64];
	struct gs_shdr sh;
	const uint8_t *p;
	bool zdebug = false;

	memset(s, 0, sizeof(*s));
	s->budget = budget;
	s->inflated = inflated;
	snprintf(s->name, sizeof(s->name), ".%s", name);
	snprintf(legacy, sizeof(legacy), ".z%s", name);
	if (!gs_elf_section(e, s->name, &sh)) {
		if (!gs_elf_section(e, legacy, &sh))
			return gs_errf(err, ENOENT, "no %s section", s->name);
		zdebug = true;
	}
	p = gs_elf_shdata(e, &sh);
	if (!p || sh.size > SIZE_MAX)
		return gs_errf(err, EINVAL, "%s: section outside the file", s->name);
	if (sh.flags & SHF_COMPRESSED) {
		size_t hdr = e->is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
		uint32_t type;
		uint64_t size;

		if (sh.size < hdr)
			return gs_errf(err, EINVAL, "%s: short compression header", s->name);
		type = gs_rd32(e, p);
		size = e->is64 ? gs_rd64(e, p + 8) : gs_rd32(e, p + 4);
		if (type != ELFCOMPRESS_ZLIB)
			return gs_errf(err, ENOTSUP, "%s: compression type %u not supported",
				       s->name, type);
		return zopen(s, p + hdr, (size_t)sh.size - hdr, size, err);
	}
	if (zdebug) {
		if (sh.size < 12 || memcmp(p, "ZLIB", 4) != 0)
			return gs_errf(err, EINVAL, "%s: no ZLIB header", legacy);
		return zopen(s, p + 12, (size_t)sh.size - 12, read_be64(p + 4), err);
	}
	s->plain = p;
	s->size = sh.size;
	return 0;
}

void gs_dwsrc_close(struct gs_dwsrc *s)
{
	if (s->z)
		inflateEnd(&s->zs);
	s->z = false;
}

/* Inflate exactly n bytes into dst (n > 0, n <= what is left). */
static int zread(struct gs_dwsrc *s, uint8_t *dst, size_t n, struct gs_err *err)
{
	if (!s->budget || *s->budget < n)
		return gs_errf(err, EFBIG, "DWARF too large (over %u MiB decompressed)",
			       (unsigned)(GS_DWARF_MAX_TOTAL >> 20));
	s->zs.next_out = dst;
	s->zs.avail_out = (uInt)n;
	while (s->zs.avail_out) {
		uInt before = s->zs.avail_out;
		int zr = inflate(&s->zs, Z_NO_FLUSH);

		if (zr == Z_STREAM_END && s->zs.avail_out)
			return gs_errf(err, EINVAL, "%s does not decompress (stream ends early)",
				       s->name);
		if (zr != Z_OK && zr != Z_STREAM_END)
			return gs_errf(err, EINVAL, "%s does not decompress (zlib %d)", s->name, zr);
		if (s->zs.avail_out == before)	/* no progress: never spin */
			return gs_errf(err, EINVAL, "%s does not decompress (stalled)", s->name);
	}
	*s->budget -= n;
	if (s->inflated)
		*s->inflated += n;
	return 0;
}

long gs_dwsrc_read(struct gs_dwsrc *s, uint8_t *dst, size_t n, struct gs_err *err)
{
	uint64_t left = s->size - s->pos;
	size_t want = n < left ? n : (size_t)left;

	if (!want)
		return 0;
	if (!s->z) {
		if (dst)
			memcpy(dst, s->plain + s->pos, want);
	} else if (dst) {
		for (size_t done = 0; done < want;) {
			size_t k = want - done < (1u << 30) ? want - done : (1u << 30);

			if (zread(s, dst + done, k, err) < 0)
				return -1;
			done += k;
		}
	} else {
		uint8_t scratch[SKIP_CHUNK];

		for (size_t done = 0; done < want;) {
			size_t k = want - done < sizeof(scratch) ? want - done : sizeof(scratch);

			if (zread(s, scratch, k, err) < 0)
				return -1;
			done += k;
		}
	}
	s->pos += want;
	return (long)want;
}

const uint8_t *gs_dwsrc_direct(const struct gs_dwsrc *s, uint64_t pos, size_t n)
{
	if (s->z || !s->plain || pos > s->size || n > s->size - pos)
		return NULL;
	return s->plain + pos;
}

int gs_dwsrc_finish(struct gs_dwsrc *s, struct gs_err *err)
{
	uint8_t one;
	int zr;

	if (!s->z || s->pos != s->size)
		return 0;
	/* All the claimed bytes are out: the stream must end here, not later. */
	s->zs.next_out = &one;
	s->zs.avail_out = 1;
	zr = inflate(&s->zs, Z_NO_FLUSH);
	if (zr != Z_STREAM_END || s->zs.avail_out != 1)
		return gs_errf(err, EINVAL, "%s does not decompress to its claimed size", s->name);
	return 0;
}

int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err)
{
	size_t budget = GS_DWARF_MAX_TOTAL;
	struct gs_dwsrc s;
	uint8_t *buf;

	*owned = NULL;
	if (gs_dwsrc_open(e, name, &budget, NULL, &s, err) < 0)
		return -1;
	if (!s.z) {
		*data = s.plain;
		*len = (size_t)s.size;
		return 0;
	}
	if (s.size > budget) {
		gs_dwsrc_close(&s);
		return gs_errf(err, EFBIG, "DWARF too large (%s: %llu bytes decompressed)", s.name,
			       (unsigned long long)s.size);
	}
	buf = malloc((size_t)s.size);
	if (!buf) {
		gs_dwsrc_close(&s);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	if (gs_dwsrc_read(&s, buf, (size_t)s.size, err) < 0 || gs_dwsrc_finish(&s, err) < 0) {
		gs_dwsrc_close(&s);
		free(buf);
		return -1;
	}
	gs_dwsrc_close(&s);
	*data = buf;
	*len = (size_t)s.size;
	*owned = buf;
	return 0;
}
