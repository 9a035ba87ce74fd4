/* SPDX-License-Identifier: MIT */
/*
 * The wait-reason names as a binary holds them: runtime.waitReasonStrings,
 * a [N]string in its data, found through .symtab. The table generator
 * checks these against the toolchain's runtime source. Only a non-PIE
 * binary has the string pointers in its file (PIE fills them in at load).
 */
#include "rtlayout_int.h"

#include <errno.h>
#include <string.h>

#include "goelf.h"

int gs_rt_waitreasons_image(const struct gs_elf *e, char (*names)[GS_RT_WAITNAME], unsigned max,
			    unsigned *n, struct gs_err *err)
{
	struct gs_sym_query q = { .name = "runtime.waitReasonStrings" };
	unsigned hdr = 2 * e->ptrsize;
	const uint8_t *arr;

	*n = 0;
	if (gs_symtab_lookup(e, &q, 1) < 0 || !q.found)
		return gs_errf(err, ENOENT, "runtime.waitReasonStrings not in .symtab");
	if (!hdr || q.size % hdr || q.size / hdr > max || q.size == 0)
		return gs_errf(err, EINVAL, "runtime.waitReasonStrings: implausible size %llu",
			       (unsigned long long)q.size);
	arr = gs_elf_vaddr(e, q.value, q.size);
	if (!arr)
		return gs_errf(err, EINVAL, "runtime.waitReasonStrings outside the file");
	for (unsigned i = 0; i < q.size / hdr; i++) {
		uint64_t p = gs_rdptr(e, arr + (size_t)i * hdr);
		uint64_t len = gs_rdptr(e, arr + (size_t)i * hdr + e->ptrsize);
		const uint8_t *s;

		if (len >= GS_RT_WAITNAME)
			return gs_errf(err, EINVAL, "wait reason %u: implausible length", i);
		s = len ? gs_elf_vaddr(e, p, len) : (const uint8_t *)"";
		if (!s)
			return gs_errf(err, EINVAL, "wait reason %u: string outside the file", i);
		for (uint64_t k = 0; k < len; k++)
			if (s[k] < 0x20 || s[k] > 0x7e)
				return gs_errf(err, EINVAL, "wait reason %u: not printable", i);
		memcpy(names[i], s, (size_t)len);
		names[i][len] = '\0';
	}
	*n = (unsigned)(q.size / hdr);
	return 0;
}
