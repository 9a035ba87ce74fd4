/* SPDX-License-Identifier: MIT */
/*
 * Can a Go binary hold an agent that speaks gops' protocol? That is a
 * property of the binary, decided once when it is classified (gs_class's
 * agent_pkg), so that a process list looks for port files only where an
 * agent can be, and a process with no port file is taken by its loopback
 * listener only when its binary links one (agent/bysocket.h).
 *
 * The agents: github.com/google/gops (its agent package, and the gops CLI,
 * which runs one) and goscope's own stdlib-only agent, example.com/goscope/
 * agent (agent/go). The evidence is the build info's module list:
 *  - a path, mod or dep line naming one of those modules: it links one;
 *  - module-mode build info (it has a "mod" line) lists every module
 *    linked in, so naming none means the binary holds no agent;
 *  - otherwise -- a GOPATH build or a Go command lists no dependencies,
 *    Go before 1.12 wrote none, the build info is gone -- it is unknown,
 *    and a caller must assume it can. (pclntab's function names would
 *    tell, but reading them costs 1.5 ms for the 10,000 functions of a
 *    Go 1.15 toolchain and 9 ms for buf's 58,000, and touches every page
 *    of them: more than the port-file lookups of a few processes it would
 *    save.)
 */
#ifndef GOSCOPE_AGENTPKG_H
#define GOSCOPE_AGENTPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "classify.h"

/* Does a path, mod or dep line of modinfo text name an agent module? */
bool gs_agentpkg_modinfo(const char *text, size_t len);

/* The verdict for a binary with this modinfo text (NULL: none), as above. */
enum gs_agent_pkg gs_agentpkg_find(const char *modinfo, size_t len);

#endif
