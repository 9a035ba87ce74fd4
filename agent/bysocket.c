/* SPDX-License-Identifier: MIT */
/* Agents without a port file; see bysocket.h. */
#include "bysocket.h"

#include <string.h>

#include "agentpkg.h"
#include "sockets.h"

bool gs_agent_linked_modinfo(const char *text, size_t len)
{
	return gs_agentpkg_modinfo(text, len);
}

bool gs_agent_linked(const struct gs_class *c)
{
	return c && c->verdict != GS_NOT_GO && c->agent_pkg == GS_AGENT_PKG_LINKED;
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
