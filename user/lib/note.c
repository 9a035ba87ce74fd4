/* SPDX-License-Identifier: MIT */
/*
 * The Go build-ID note (docs/go-binary-format.md §3): name "Go\0\0", type 4, in a PT_NOTE segment.
 * Walk segments rather than sections, which strip tools remove.
 */
#include "goelf.h"

#include <elf.h>
#include <string.h>

#define GO_NOTE_BUILDID 4
#define MAX_NOTES 64

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

bool gs_go_buildid(const struct gs_elf *e, char *out, size_t outsz)
{
	for (unsigned i = 0; i < e->nphdr; i++) {
		const struct gs_phdr *ph = &e->ph[i];
		const uint8_t *seg;
		size_t len, off = 0;
		unsigned seen = 0;

		if (ph->type != PT_NOTE)
			continue;
		seg = gs_elf_seg_bytes(e, ph, &len);
		if (!seg)
			continue;
		while (off + 12 <= len && seen++ < MAX_NOTES) {
			uint64_t namesz = gs_rd32(e, seg + off);
			uint64_t descsz = gs_rd32(e, seg + off + 4);
			uint32_t type = gs_rd32(e, seg + off + 8);
			uint64_t name_off = off + 12;
			uint64_t desc_off = name_off + align4(namesz);
			uint64_t next = desc_off + align4(descsz);

			if (next > len || next <= off)
				break;
			if (namesz == 4 && type == GO_NOTE_BUILDID &&
			    memcmp(seg + name_off, "Go\0\0", 4) == 0) {
				size_t n = descsz < outsz - 1 ? (size_t)descsz : outsz - 1;

				for (size_t k = 0; k < n; k++) {
					uint8_t c = seg[desc_off + k];

					out[k] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
				}
				out[n] = 0;
				return true;
			}
			off = (size_t)next;
		}
	}
	return false;
}
