/* SPDX-License-Identifier: MIT */
/* Which binaries can hold a gops-protocol agent; see agentpkg.h. */
#include "agentpkg.h"

#include <string.h>

#include "modinfo.h"

/* Module paths whose agents speak gops' wire protocol. */
static const char *const agent_modules[] = {
	"github.com/google/gops",
	"example.com/goscope/agent",	/* agent/go, goscope's stdlib-only agent */
};

/* field is module, or a package inside it (for the "path" line). */
static bool names_module(const char *f, size_t n, const char *mod)
{
	size_t m = strlen(mod);

	return n >= m && memcmp(f, mod, m) == 0 && (n == m || f[m] == '/');
}

bool gs_agentpkg_modinfo(const char *text, size_t len)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &l)) {
		if ((l.kind != GS_MI_PATH && l.kind != GS_MI_MOD && l.kind != GS_MI_DEP) || l.nf < 1)
			continue;
		for (size_t i = 0; i < sizeof(agent_modules) / sizeof(agent_modules[0]); i++)
			if (names_module(l.f[0].p, l.f[0].n, agent_modules[i]))
				return true;
	}
	return false;
}

/* Module-mode build info: a "mod" line for the main module. */
static bool module_mode(const char *text, size_t len)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;

	gs_mi_init(&it, text, len);
	while (gs_mi_next(&it, &l))
		if (l.kind == GS_MI_MOD)
			return true;
	return false;
}

enum gs_agent_pkg gs_agentpkg_find(const char *modinfo, size_t len)
{
	if (!modinfo)
		return GS_AGENT_PKG_UNKNOWN;
	if (gs_agentpkg_modinfo(modinfo, len))
		return GS_AGENT_PKG_LINKED;
	return module_mode(modinfo, len) ? GS_AGENT_PKG_NONE : GS_AGENT_PKG_UNKNOWN;
}
