/* SPDX-License-Identifier: MIT */
/*
 * The ELF triage of goscope audit --path (gotriage.h) on a file image: the
 * ELF header, section table and section-name table of files any user can
 * put in the audited tree. Its work is bounded by the triage's own caps
 * (a capped table, read in fixed chunks; no allocation).
 */
#include "gotriage.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gs_maybe_go_mem(data, size);
	return 0;
}
