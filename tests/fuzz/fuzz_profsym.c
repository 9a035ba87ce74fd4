/* SPDX-License-Identifier: MIT */
/*
 * The CPU profile's view of a Go binary (user/lib/profsym.c): the SP-delta
 * table built from every function's pcsp runs, checked for its invariants
 * (sorted, inside the text, bounded deltas), and frames looked up at the
 * table's own boundaries, as leaves and as return addresses. The input is
 * an ELF image.
 */
#include "profsym.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_pframe fr[GS_PSYM_MAX_FRAMES];
	struct gs_cp_spent *t = NULL;
	uint64_t lo = 0, len = 0;
	struct gs_psym *s;
	struct gs_err err;
	struct gs_elf e;
	const char *why;
	size_t n = 0;

	if (gs_elf_parse(&e, data, size, &why) < 0)
		return 0;
	s = gs_psym_open(&e, 20, &err);
	if (!s)
		return 0;
	if (gs_psym_sptab(s, &t, &n, &lo, &len, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (i && t[i].off <= t[i - 1].off)
				abort();	/* entries must be strictly increasing */
			if (t[i].off > len || t[i].delta < -1)
				abort();
		}
		for (size_t i = 0; i < n && i < 256; i++) {
			uint64_t pc = lo + t[i].off;
			int k = gs_psym_frames(s, pc, false, fr, GS_PSYM_MAX_FRAMES);

			if (k < 0 || k > GS_PSYM_MAX_FRAMES)
				abort();
			for (int j = 0; j < k; j++)
				if (!fr[j].func)
					abort();
			gs_psym_frames(s, pc + 1, true, fr, GS_PSYM_MAX_FRAMES);
		}
	}
	free(t);
	gs_psym_close(s);
	return 0;
}
