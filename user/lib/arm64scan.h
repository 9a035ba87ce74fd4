/* SPDX-License-Identifier: MIT */
/*
 * arm64scan: the absolute data references and direct calls of arm64 Go
 * code (coderef.h), decoded with capstone's ARM64 mode. Go's arm64 linker
 * reaches a global through a pair: `adrp xN, page` then `add xM, xN, #lo`
 * (its address) or `ldr/str xM, [xN, #lo]` (its value); atomics take the
 * address from the `add` (`ldar`, `stlr`, `ldaddal`, `swpal`, `casal`,
 * ldxr/stxr loops). Raw bytes are never searched for opcodes.
 */
#ifndef GOSCOPE_ARM64SCAN_H
#define GOSCOPE_ARM64SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "coderef.h"
#include "gserr.h"

/*
 * Every absolute data reference and direct call in the code at [code,
 * code+len), which starts at vaddr, in order; at most max (E2BIG beyond).
 * Returns the count, or -1 when the code does not decode (Go's arm64 code
 * has no data inside functions; a trailing partial word is ignored).
 */
int gs_arm64_refs(const uint8_t *code, size_t len, uint64_t vaddr, struct gs_cref *out,
		  unsigned max, struct gs_err *err);

#endif
