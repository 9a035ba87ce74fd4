// SPDX-License-Identifier: MIT
/*
 * Symbols for CPU profiles. Until the pclntab symbolizer lands in the
 * library, this gives no frames and no SP table: profiles hold raw
 * addresses in the binary's mapping (go tool pprof symbolizes them from
 * the binary when it has a symbol table) and keep the frame-pointer chain
 * as the kernel walked it.
 */
#include "profile_sym.h"

#include <errno.h>
#include <stdlib.h>

struct gs_psym {
	int unused;
};

struct gs_psym *gs_psym_open(const struct gs_elf *e, unsigned go_minor, struct gs_err *err)
{
	(void)e;
	(void)go_minor;
	gs_errf(err, ENOSYS, "no pclntab symbolizer in this build");
	return NULL;
}

void gs_psym_close(struct gs_psym *s)
{
	free(s);
}

int gs_psym_frames(struct gs_psym *s, uint64_t addr, bool is_ret, struct gs_pframe *out,
		   unsigned max)
{
	(void)s;
	(void)addr;
	(void)is_ret;
	(void)out;
	(void)max;
	return 0;
}

int gs_psym_sptab(struct gs_psym *s, struct gs_cp_spent **out, size_t *n, uint64_t *text_lo,
		  uint64_t *text_len, struct gs_err *err)
{
	(void)s;
	*out = NULL;
	*n = 0;
	*text_lo = *text_len = 0;
	return gs_errf(err, ENOSYS, "no pclntab symbolizer in this build");
}
