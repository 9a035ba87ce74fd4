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

/* Is the one line [p, p + n) a path, mod or dep line naming mod? */
static bool line_names(const char *p, size_t n, const char *mod)
{
	struct gs_mi_iter it;
	struct gs_mi_line l;

	gs_mi_init(&it, p, n);
	return gs_mi_next(&it, &l) &&
	       (l.kind == GS_MI_PATH || l.kind == GS_MI_MOD || l.kind == GS_MI_DEP) && l.nf >= 1 &&
	       names_module(l.f[0].p, l.f[0].n, mod);
}

/*
 * Only the lines that hold a module's name are parsed: the list asks this
 * of every process without a port file, and a 4 MiB modinfo of 48,000 deps
 * would otherwise be parsed line by line each time. Each line is looked at
 * once per module, so the work stays linear in len.
 */
bool gs_agentpkg_modinfo(const char *text, size_t len)
{
	const char *end = text + len;

	for (size_t i = 0; i < sizeof(agent_modules) / sizeof(agent_modules[0]); i++) {
		const char *mod = agent_modules[i], *p = text, *hit;
		size_t m = strlen(mod);

		while (p < end && (hit = memmem(p, (size_t)(end - p), mod, m))) {
			const char *ls = hit, *le = memchr(hit, '\n', (size_t)(end - hit));

			while (ls > p && ls[-1] != '\n')
				ls--;
			le = le ? le + 1 : end;
			if (line_names(ls, (size_t)(le - ls), mod))
				return true;
			p = le;
		}
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
