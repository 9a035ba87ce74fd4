/* SPDX-License-Identifier: MIT */
/* One capstone decoder over a byte range; see capdec.h. */
#include "capdec.h"

#include <errno.h>
#include <string.h>

int gs_capdec_open(struct gs_capdec *d, cs_arch arch, cs_mode mode, const char *machine,
		   const uint8_t *code, size_t len, uint64_t pc, struct gs_err *err)
{
	memset(d, 0, sizeof(*d));
	if (cs_open(arch, mode, &d->h) != CS_ERR_OK)
		return gs_errf(err, ENOMEM, "capstone: cannot open an %s decoder", machine);
	if (cs_option(d->h, CS_OPT_DETAIL, CS_OPT_ON) != CS_ERR_OK) {
		cs_close(&d->h);
		return gs_errf(err, ENOMEM, "capstone: no instruction details");
	}
	d->insn = cs_malloc(d->h);
	if (!d->insn) {
		cs_close(&d->h);
		return gs_errf(err, ENOMEM, "out of memory");
	}
	d->code = code;
	d->left = len;
	d->pc = pc;
	return 0;
}

void gs_capdec_close(struct gs_capdec *d)
{
	if (d->insn)
		cs_free(d->insn, 1);
	cs_close(&d->h);
}
