/* SPDX-License-Identifier: MIT */
/*
 * Open a path as another process sees it, without letting that process's
 * files lead us elsewhere. goscope often runs as root and follows paths
 * taken from a target's environment (its gops config dir) inside the
 * target's own root (/proc/PID/root): a symlink planted there must not take
 * a root-owned reader out of that root, and the final file is never
 * followed at all.
 *
 * The kernel does it with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
 * where openat2 is missing (Linux < 5.6, some seccomp filters) the same
 * rules are applied by walking the path one component at a time with
 * O_NOFOLLOW and resolving each symlink's text ourselves.
 */
#ifndef GOSCOPE_INROOT_H
#define GOSCOPE_INROOT_H

#include <stdbool.h>

#include "gserr.h"

/*
 * Resolve path under the directory rootfd as if rootfd were "/": absolute
 * symlinks and ".." never leave it, /proc magic links are refused (ELOOP),
 * at most 40 symlinks are followed (ELOOP). The last component is NOT
 * followed: if it is a symlink, the returned descriptor is the link itself
 * (fstat shows S_ISLNK). Returns an O_PATH descriptor, or -1 with err
 * (err->code = errno: ENOENT, ENOTDIR, ELOOP, EACCES, ENAMETOOLONG).
 */
int gs_inroot_open(int rootfd, const char *path, struct gs_err *err);

/* Tests: skip openat2 and always walk (true), or use it when there (false). */
void gs_inroot_force_walk(bool on);

/* Did the last gs_inroot_open() use the component walk? (tests) */
bool gs_inroot_walked(void);

#endif
