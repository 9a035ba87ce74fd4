/* SPDX-License-Identifier: MIT */
/* Agents without a port file; see bysocket.h. */
#include "bysocket.h"

#include <string.h>

#include "modinfo.h"
#include "sockets.h"

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
bool gs_agent_linked_modinfo(const char *text, size_t len)
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

bool gs_agent_linked(const struct gs_class *c)
{
	return c && c->verdict != GS_NOT_GO && c->modinfo &&
	       gs_agent_linked_modinfo(c->modinfo, c->modinfo_len);
}

static bool loopback(const struct gs_sock *s)
{
	static const uint8_t v6_lo[16] = { [15] = 1 };
	static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (s->kind == GS_SOCK_TCP4)
		return s->laddr[0] == 127;
	return !memcmp(s->laddr, v6_lo, 16) ||
	       (!memcmp(s->laddr, v4_mapped, 12) && s->laddr[12] == 127);
}

int gs_agent_loopback_listeners(int pid, uint16_t *port, struct gs_err *err)
{
	struct gs_sock_list l = { 0 };
	int n = 0;

	if (gs_proc_sockets(pid, &l, err) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct gs_sock *s = &l.v[i];

		if ((s->kind != GS_SOCK_TCP4 && s->kind != GS_SOCK_TCP6) ||
		    s->state != GS_TCP_LISTEN || !loopback(s))
			continue;
		if (n++ == 0)
			*port = s->lport;
	}
	gs_sock_list_free(&l);
	return n;
}
