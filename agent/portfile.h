/* SPDX-License-Identifier: MIT */
/*
 * Where a gops agent leaves its port file: the config dir is
 * $GOPS_CONFIG_DIR (as is), else $XDG_CONFIG_HOME/gops, else
 * $HOME/.config/gops, else the user's home from the password database +
 * /.config/gops; the file is named by the agent's PID and holds its port
 * in decimal.
 *
 * The first three functions are the caller's own view, from the caller's
 * environment, as the gops CLI computes it. The pure helpers below compute
 * the same rule from any set of values (the target's environment, read by
 * agent/discover.c) and parse what the files hold; they touch no file, so
 * fuzzers can call them.
 */
#ifndef GOSCOPE_PORTFILE_H
#define GOSCOPE_PORTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gserr.h"

/* The caller's gops config dir into buf. -1 (ENOENT) when no variable is set. */
int gs_agent_config_dir(char *buf, size_t sz, struct gs_err *err);

/* Path of the port file for pid in the caller's config dir. */
int gs_agent_portfile(int pid, char *buf, size_t sz, struct gs_err *err);

/*
 * True when that port file exists (the agent may still be gone: files go
 * stale). See gs_agent_live() in discover.h for an agent worth a '*'.
 */
bool gs_agent_present(int pid);

/* ---- pure helpers ---- */

/*
 * The gops rule on given values; NULL or "" means unset: gops as is, else
 * xdg + "/gops", else home + "/.config/gops", else pw_home +
 * "/.config/gops" (gops' last resort: the user's passwd entry). -1
 * (ENOENT) when all four are unset, ENAMETOOLONG when buf is too small.
 */
int gs_agent_dir_rule(const char *gops, const char *xdg, const char *home,
		      const char *pw_home, char *buf, size_t sz, struct gs_err *err);

/*
 * A port file's content: white space, a decimal port 1-65535, white space,
 * nothing else (gops trims white space and dials "127.0.0.1:" + the rest).
 * Fails with EINVAL without quoting the content: it may not be ours to show.
 */
int gs_agent_parse_port(const char *buf, size_t len, uint16_t *port, struct gs_err *err);

/*
 * The home directory of uid in passwd-format text (name:pw:uid:gid:gecos:
 * home:shell lines; the first match wins). False when there is none.
 */
bool gs_passwd_home(const char *buf, size_t len, uid_t uid, char *out, size_t outsz);

#endif
