/* SPDX-License-Identifier: MIT */
/* modinfo text: line iteration, field lookups, Go-style unquoting, agent modules. */
#include "agentpkg.h"
#include "bysocket.h"
#include "goelf.h"
#include "modinfo.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct gs_mi_iter it;
	struct gs_mi_line l;
	struct gs_span p, v;
	char buf[256];

	gs_mi_init(&it, text, size);
	while (gs_mi_next(&it, &l))
		for (unsigned i = 0; i < l.nf && i < 3; i++)
			gs_unquote(l.f[i], buf, sizeof(buf));
	gs_mi_path(text, size, &p);
	gs_mi_main(text, size, &p, &v);
	gs_mi_setting(text, size, "CGO_ENABLED", buf, sizeof(buf));
	gs_mi_setting(text, size, "-buildmode", buf, sizeof(buf));
	gs_version_plausible(data, size);
	gs_agent_linked_modinfo(text, size);
	gs_agentpkg_find(text, size);
	return 0;
}
