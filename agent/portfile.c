/* SPDX-License-Identifier: MIT */
#include "portfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int put(char *buf, size_t sz, struct gs_err *err, const char *a, const char *b)
{
	int n = snprintf(buf, sz, "%s%s", a, b);

	if (n < 0 || (size_t)n >= sz)
		return gs_errf(err, ENAMETOOLONG, "gops config dir too long");
	return 0;
}

int gs_agent_config_dir(char *buf, size_t sz, struct gs_err *err)
{
	const char *v;

	/* Same order as the agent and the gops CLI; an empty variable counts as unset. */
	if ((v = getenv("GOPS_CONFIG_DIR")) && *v)
		return put(buf, sz, err, v, "");
	if ((v = getenv("XDG_CONFIG_HOME")) && *v)
		return put(buf, sz, err, v, "/gops");
	if ((v = getenv("HOME")) && *v)
		return put(buf, sz, err, v, "/.config/gops");
	return gs_errf(err, ENOENT, "no gops config dir: GOPS_CONFIG_DIR, XDG_CONFIG_HOME and HOME are unset");
}

int gs_agent_portfile(int pid, char *buf, size_t sz, struct gs_err *err)
{
	char dir[PATH_MAX];
	int n;

	if (pid <= 0)
		return gs_errf(err, EINVAL, "bad pid %d", pid);
	if (gs_agent_config_dir(dir, sizeof(dir), err))
		return -1;
	n = snprintf(buf, sz, "%s/%d", dir, pid);
	if (n < 0 || (size_t)n >= sz)
		return gs_errf(err, ENAMETOOLONG, "gops port file path too long");
	return 0;
}

bool gs_agent_present(int pid)
{
	char path[PATH_MAX];

	if (gs_agent_portfile(pid, path, sizeof(path), NULL))
		return false;
	return access(path, F_OK) == 0;
}
