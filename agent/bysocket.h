/* SPDX-License-Identifier: MIT */
/*
 * An agent that left no port file: started with a custom ConfigDir, on a
 * read-only file system, or whose file was cleaned away (docs/gops-protocol.md §1.4:
 * the gops CLI shows no '*' and cannot reach it). A process whose binary
 * links an agent speaking gops' protocol and that listens on exactly one
 * loopback TCP port -- where the agent listens by default -- is taken to
 * have its agent there. Several loopback listeners are not guessed among.
 */
#ifndef GOSCOPE_AGENT_BYSOCKET_H
#define GOSCOPE_AGENT_BYSOCKET_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "gserr.h"

/*
 * Does the binary link such an agent: github.com/google/gops, or goscope's
 * own (agent/go)? Known from its build info or pclntab (agentpkg.h); false
 * when neither tells.
 */
bool gs_agent_linked(const struct gs_class *c);

/* Does modinfo text name an agent module (lines "path|mod|dep\tMODULE\t...")? */
bool gs_agent_linked_modinfo(const char *text, size_t len);

/*
 * pid's loopback TCP listeners (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104):
 * returns how many, and the port of the first in *port. -1 with err when
 * its sockets cannot be read.
 */
int gs_agent_loopback_listeners(int pid, uint16_t *port, struct gs_err *err);

#endif
