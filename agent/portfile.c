/* SPDX-License-Identifier: MIT */
#include "portfile.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PORT_TEXT_MAX 64	/* a port file is at most 5 digits; allow some white space */

static int put(char *buf, size_t sz, struct gs_err *err, const char *a, const char *b)
{
	int n = snprintf(buf, sz, "%s%s", a, b);

	if (n < 0 || (size_t)n >= sz)
		return gs_errf(err, ENAMETOOLONG, "gops config dir too long");
	return 0;
}

static bool set(const char *v)
{
	return v && *v;
}

int gs_agent_dir_rule(const char *gops, const char *xdg, const char *home,
		      const char *pw_home, char *buf, size_t sz, struct gs_err *err)
{
	/* Same order as the agent and the gops CLI; an empty variable counts as unset. */
	if (set(gops))
		return put(buf, sz, err, gops, "");
	if (set(xdg))
		return put(buf, sz, err, xdg, "/gops");
	if (set(home))
		return put(buf, sz, err, home, "/.config/gops");
	if (set(pw_home))
		return put(buf, sz, err, pw_home, "/.config/gops");
	return gs_errf(err, ENOENT, "no gops config dir: GOPS_CONFIG_DIR, XDG_CONFIG_HOME and HOME are unset");
}

int gs_agent_config_dir(char *buf, size_t sz, struct gs_err *err)
{
	return gs_agent_dir_rule(getenv("GOPS_CONFIG_DIR"), getenv("XDG_CONFIG_HOME"),
				 getenv("HOME"), NULL, buf, sz, err);
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

/* Go's unicode.IsSpace for ASCII, which is all a port file may hold. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int gs_agent_parse_port(const char *buf, size_t len, uint16_t *port, struct gs_err *err)
{
	size_t i = 0, end = len;
	unsigned long v = 0;

	if (len > PORT_TEXT_MAX)
		return gs_errf(err, EINVAL, "not a port file: %zu bytes", len);
	while (i < end && is_space(buf[i]))
		i++;
	while (end > i && is_space(buf[end - 1]))
		end--;
	if (i == end)
		return gs_errf(err, EINVAL, "empty port file");
	if (end - i > 5)
		return gs_errf(err, EINVAL, "not a port number");
	for (; i < end; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return gs_errf(err, EINVAL, "not a port number");
		v = v * 10 + (unsigned long)(buf[i] - '0');
	}
	if (v == 0 || v > 65535)
		return gs_errf(err, EINVAL, "port %lu out of range", v);
	*port = (uint16_t)v;
	return 0;
}

/* Field idx (0-based) of a ':'-separated line, as a span. */
static bool pw_field(const char *line, size_t n, unsigned idx, const char **f, size_t *fl)
{
	const char *p = line, *end = line + n;

	for (unsigned i = 0; i < idx; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		if (!c)
			return false;
		p = c + 1;
	}
	{
		const char *c = memchr(p, ':', (size_t)(end - p));

		*f = p;
		*fl = (size_t)((c ? c : end) - p);
	}
	return true;
}

bool gs_passwd_home(const char *buf, size_t len, uid_t uid, char *out, size_t outsz)
{
	const char *p = buf, *end = buf + len;

	if (outsz == 0)
		return false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		const char *f;
		size_t fl;
		unsigned long long v = 0;
		bool ok = false;

		if (n > 0 && p[0] != '#' && pw_field(p, n, 2, &f, &fl) && fl > 0 && fl <= 10) {
			ok = true;
			for (size_t i = 0; i < fl; i++) {
				if (f[i] < '0' || f[i] > '9') {
					ok = false;
					break;
				}
				v = v * 10 + (unsigned long long)(f[i] - '0');
			}
		}
		if (ok && v == (unsigned long long)uid && pw_field(p, n, 5, &f, &fl) && fl > 0 &&
		    fl < outsz && !memchr(f, '\0', fl)) {
			memcpy(out, f, fl);
			out[fl] = '\0';
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}
