/* SPDX-License-Identifier: MIT */
/*
 * DWARF sections out of an ELF image: plain, SHF_COMPRESSED (an Elf_Chdr,
 * then zlib) or legacy .zdebug_* ("ZLIB", a big-endian 64-bit size, then
 * zlib). A claimed decompressed size is believed only as far as the
 * compressed bytes could fill it, and must match what inflates.
 */
#include "dwarf.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#ifndef GS_DWARF_MAX_SECTION
#define GS_DWARF_MAX_SECTION	(512u << 20)
#endif
#define DWARF_MAX_RATIO		1100u		/* zlib cannot do better than ~1032:1 */

static uint64_t read_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static int inflate_to(const uint8_t *src, size_t srclen, uint64_t size, const uint8_t **data,
		      size_t *len, void **owned, struct gs_err *err)
{
	uLongf out = (uLongf)size;
	uint8_t *buf;
	int zr;

	if (size == 0 || size > GS_DWARF_MAX_SECTION || size / DWARF_MAX_RATIO > srclen)
		return gs_errf(err, EFBIG, "implausible decompressed DWARF size %llu",
			       (unsigned long long)size);
	buf = malloc((size_t)size);
	if (!buf)
		return gs_errf(err, ENOMEM, "out of memory");
	zr = uncompress(buf, &out, src, (uLong)srclen);
	if (zr != Z_OK || out != size) {
		free(buf);
		return gs_errf(err, EINVAL, "DWARF section does not decompress (zlib %d)", zr);
	}
	*data = buf;
	*len = (size_t)size;
	*owned = buf;
	return 0;
}

int gs_dwarf_section(const struct gs_elf *e, const char *name, const uint8_t **data,
		     size_t *len, void **owned, struct gs_err *err)
{
	char plain[64], legacy[64];
	struct gs_shdr sh;
	const uint8_t *p;
	bool zdebug = false;

	*owned = NULL;
	snprintf(plain, sizeof(plain), ".%s", name);
	snprintf(legacy, sizeof(legacy), ".z%s", name);
	if (!gs_elf_section(e, plain, &sh)) {
		if (!gs_elf_section(e, legacy, &sh))
			return gs_errf(err, ENOENT, "no %s section", plain);
		zdebug = true;
	}
	p = gs_elf_shdata(e, &sh);
	if (!p || sh.size > SIZE_MAX)
		return gs_errf(err, EINVAL, "%s: section outside the file", plain);
	if (sh.flags & SHF_COMPRESSED) {
		size_t hdr = e->is64 ? sizeof(Elf64_Chdr) : sizeof(Elf32_Chdr);
		uint32_t type;
		uint64_t size;

		if (sh.size < hdr)
			return gs_errf(err, EINVAL, "%s: short compression header", plain);
		type = gs_rd32(e, p);
		size = e->is64 ? gs_rd64(e, p + 8) : gs_rd32(e, p + 4);
		if (type != ELFCOMPRESS_ZLIB)
			return gs_errf(err, ENOTSUP, "%s: compression type %u not supported",
				       plain, type);
		return inflate_to(p + hdr, (size_t)sh.size - hdr, size, data, len, owned, err);
	}
	if (zdebug) {
		if (sh.size < 12 || memcmp(p, "ZLIB", 4) != 0)
			return gs_errf(err, EINVAL, "%s: no ZLIB header", legacy);
		return inflate_to(p + 12, (size_t)sh.size - 12, read_be64(p + 4), data, len, owned,
				  err);
	}
	*data = p;
	*len = (size_t)sh.size;
	return 0;
}
