/* SPDX-License-Identifier: MIT */
/*
 * Each Go-structure parser on its own, so that none hides behind the
 * classifier's gating (it skips scans when nothing hints at Go). The first
 * byte selects the parser; the rest is the ELF image.
 */
#include "goelf.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_sym_query q[2] = { { .name = "runtime.buildVersion" }, { .name = "main.main" } };
	char buf[GS_BUILDID_MAX];
	struct gs_buildinfo bi;
	struct gs_moduledata md;
	struct gs_pclntab t;
	struct gs_func f;
	struct gs_elf e;
	const uint8_t *raw, *text;
	const char *why;
	size_t len, tlen;

	if (size < 1)
		return 0;
	if (gs_elf_parse(&e, data + 1, size - 1, &why) < 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
		if (gs_buildinfo_find(&e, &bi) == 0 && bi.modinfo)
			gs_modinfo_unframe(bi.modinfo, bi.modinfo_len, &text, &tlen);
		break;
	case 1:
		gs_version_scan(&e, buf, sizeof(buf));
		break;
	case 2:
		if (gs_modinfo_scan(&e, &raw, &len) == 0)
			gs_modinfo_unframe(raw, len, &text, &tlen);
		break;
	case 3:
		gs_go_buildid(&e, buf, sizeof(buf));
		break;
	case 4:
		gs_symtab_lookup(&e, q, 2);
		break;
	case 5:
		if (gs_pcln_find(&e, &t) < 0)
			break;
		gs_moduledata_find(&e, &t, &md);
		for (uint64_t i = 0; i < t.nfunc && i < 4096; i++)
			gs_pcln_name(&t, i);
		gs_pcln_lookup(&e, &t, "runtime.main", &f);
		break;
	}
	return 0;
}
