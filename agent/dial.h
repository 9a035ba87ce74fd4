/* SPDX-License-Identifier: MIT */
/*
 * The agent client's connection (agent/dial.c), apart from the protocol
 * (client.c) and the reply (reply.c).
 */
#ifndef GOSCOPE_AGENT_DIAL_H
#define GOSCOPE_AGENT_DIAL_H

#include <stddef.h>

#include "client.h"

/*
 * Resolve a and connect within connect_ms, in a's network namespace when it
 * names one. The socket, with the peer's address in Go's words in peer; or
 * -1 with err in the words Go's dialer uses.
 */
int gs_agent_connect(const struct gs_agent_addr *a, int connect_ms, char *peer, size_t peersz,
		     struct gs_err *err);

#endif
