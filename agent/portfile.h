/* SPDX-License-Identifier: MIT */
/*
 * Where a gops agent leaves its port file, seen from the caller's side:
 * the config dir is $GOPS_CONFIG_DIR (as is), else $XDG_CONFIG_HOME/gops,
 * else $HOME/.config/gops, and the file is named by the target's PID.
 *
 * This is the caller's view only: an agent running under another user, in
 * another mount namespace or with its own ConfigDir is not found this way.
 */
#ifndef GOSCOPE_PORTFILE_H
#define GOSCOPE_PORTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "gserr.h"

/* The caller's gops config dir into buf. -1 (ENOENT) when no variable is set. */
int gs_agent_config_dir(char *buf, size_t sz, struct gs_err *err);

/* Path of the port file for pid in the caller's config dir. */
int gs_agent_portfile(int pid, char *buf, size_t sz, struct gs_err *err);

/* True when that port file exists (the agent may still be gone: files go stale). */
bool gs_agent_present(int pid);

#endif
