/* SPDX-License-Identifier: MIT */
/*
 * Finding the gops agent of a process, better than the gops CLI does
 * (docs/gops-protocol.md §1, §3.1):
 *
 * 1. the caller's config dir, named by the PID as the caller sees it --
 *    exactly gops' lookup;
 * 2. when that has no usable file (typically root looking at another user's
 *    or a container's process): the target's own view -- its environment
 *    (/proc/PID/environ: GOPS_CONFIG_DIR, XDG_CONFIG_HOME, HOME, else its
 *    passwd entry) resolved inside its mount namespace through
 *    /proc/PID/root (agent/inroot.h: no symlink leads out of that root),
 *    with the file named by the PID the target sees in its own PID
 *    namespace (NSpid);
 * 3. when neither has a port file at all: a process whose binary links an
 *    agent and that listens on exactly one loopback TCP port
 *    (agent/bysocket.h) -- an agent with a custom ConfigDir, or on a
 *    read-only file system, left no file, and gops cannot find it.
 *
 * A port file is trusted (LIVE) only if the process runs and the file can
 * be its own: when the process's sockets can be read, it must hold a
 * listening TCP socket on that port; otherwise the file must not be older
 * than the process. Anything else is STALE (a dead process, a reused PID)
 * or BAD (garbage, a symlink, not a regular file, another user's file in
 * the target's view) and is reported, never dialled.
 */
#ifndef GOSCOPE_DISCOVER_H
#define GOSCOPE_DISCOVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "gserr.h"

enum gs_agent_state {
	GS_AGENT_NONE = 0,	/* no port file for the PID where we looked */
	GS_AGENT_LIVE,		/* a port file we trust */
	GS_AGENT_STALE,		/* a port file that is not the running process's */
	GS_AGENT_BAD,		/* a port file we refuse to read or use */
};

enum gs_agent_view {
	GS_VIEW_NONE = 0,
	GS_VIEW_CALLER,		/* the caller's config dir (gops' lookup) */
	GS_VIEW_TARGET,		/* the target's config dir, inside its own root */
	GS_VIEW_SOCKET,		/* no port file: the one loopback listener of a binary
				 * that links an agent */
};

struct gs_agent_loc {
	enum gs_agent_state state;
	enum gs_agent_view view;	/* where the file was found */
	int pid;			/* as the caller sees it */
	int ns_pid;			/* as the target sees itself (0: unknown) */
	uint16_t port;			/* LIVE and STALE: what the file says */
	bool listening;			/* LIVE: the process was seen listening on port */
	bool other_netns;		/* the target is in another network namespace */
	char path[PATH_MAX];		/* the file: a caller path, or /proc/PID/root/... */
	char caller_path[PATH_MAX];	/* where gops would look ("" without a config dir) */
	char why[384];			/* not LIVE: why, in words (gops' "open ...: ..." for NONE) */
};

/* Look in the caller's config dir only (gops' own lookup). */
#define GS_LOCATE_CALLER_ONLY 0x1u

/*
 * Find pid's agent. Returns 0 with loc filled (state NONE, LIVE, STALE or
 * BAD), or -1 with err for a bad pid (EINVAL). Never connects.
 */
int gs_agent_locate(int pid, unsigned flags, struct gs_agent_loc *loc, struct gs_err *err);

/*
 * The same for a caller that has classified pid's executable already (the
 * list): c saves looking it up again for step 3. NULL: look it up.
 */
struct gs_class;
int gs_agent_locate_cls(int pid, unsigned flags, const struct gs_class *c,
			struct gs_agent_loc *loc, struct gs_err *err);

/* "live", "stale", "bad", "none". */
const char *gs_agent_state_name(enum gs_agent_state s);

/*
 * The address to dial for a LIVE loc: 127.0.0.1:port, from inside the
 * target's network namespace when that is not the caller's (so the agent's
 * loopback is reachable).
 */
void gs_agent_loc_addr(const struct gs_agent_loc *loc, struct gs_agent_addr *a);

/* A live agent for pid (the list's '*'): a trusted port file, not connected to. */
bool gs_agent_live(int pid);
bool gs_agent_live_cls(int pid, const struct gs_class *c);

/*
 * The agents of many processes (a list): a process is looked up as by
 * gs_agent_live_cls() only where an agent can be -- its binary can hold one
 * (agentpkg.h: linked, or not known), or the caller's config dir has a file
 * named by its PID (what gops itself would find), that dir being listed once
 * per scan. Zero-initialise; release with gs_agent_scan_fini().
 */
struct gs_agent_scan {
	bool listed;			/* the caller's dir was read */
	bool all;			/* it could not be: look every process up */
	int *pids;			/* sorted: PIDs with a file there */
	size_t n;
};
bool gs_agent_scan_live(struct gs_agent_scan *s, int pid, const struct gs_class *c);
void gs_agent_scan_fini(struct gs_agent_scan *s);

/* "caller", "target", "socket" (NULL for none). */
const char *gs_agent_view_name(enum gs_agent_view v);

/*
 * gops' targetToAddr, with goscope's discovery: "host:port" (any target
 * with a ':') or a PID with a LIVE agent. loc (may be NULL) gets the
 * lookup for a PID; for host:port loc->pid is 0. On failure err->msg is
 * the whole message in gops' words, "couldn't resolve addr or pid T to
 * TCPAddress: ...", and err->code says why: EINVAL (not a PID or address),
 * ENOENT (no port file), ESTALE (stale file), EBADMSG (a file we refuse).
 */
int gs_agent_resolve(const char *target, struct gs_agent_addr *a, struct gs_agent_loc *loc,
		     struct gs_err *err);

/*
 * The message gs_agent_resolve() gives for a PID whose lookup is not LIVE,
 * into a buffer of the caller's size (paths can be long).
 */
void gs_agent_loc_error(const char *target, const struct gs_agent_loc *loc, char *buf,
			size_t sz);

/*
 * Connect to the agents of n PIDs at once (--check-agents): ok[i] is true
 * when pids[i] has a LIVE agent that accepts a connection within
 * timeout_ms. Each accepted connection asks for the version (a harmless
 * request every agent answers) rather than hanging up unannounced, which
 * gops' agent would log as an error.
 */
void gs_agent_check(const int *pids, size_t n, bool *ok, int timeout_ms);

#endif
