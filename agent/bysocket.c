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

bool gs_agent_linked_modinfo(const char *text, size_t len)
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
