/* SPDX-License-Identifier: MIT */
/*
 * The whole classifier on a file image, then the pclntab name lookup that
 * uprobes rely on — exactly what goscope does, as root, to files any user
 * controls.
 */
#include "classify.h"
#include "goelf.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gs_moduledata md;
	struct gs_pclntab t;
	struct gs_class c;
	struct gs_func f;
	struct gs_elf e;
	const char *why;

	gs_classify_mem(data, size, &c);
	gs_class_fini(&c);

	if (gs_elf_parse(&e, data, size, &why) < 0)
		return 0;
	if (gs_pcln_find(&e, &t) < 0)
		return 0;
	gs_moduledata_find(&e, &t, &md);
	gs_pcln_lookup(&e, &t, "runtime.gcStart", &f);
	gs_pcln_lookup(&e, &t, "main.main", &f);
	gs_version_range(&e, &t, false);
	return 0;
}
