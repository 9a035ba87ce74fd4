/* SPDX-License-Identifier: MIT */
/*
 * gops' target resolution: "PID" or "HOST:PORT" to the address to dial,
 * and the words gops uses when it cannot (discover.h). The port-file
 * lookup behind a PID is discover.c's.
 */
#include "discover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* strconv.Atoi's checks and words. */
static int atoi_go(const char *s, int *out, struct gs_err *err)
{
	const char *p = s;
	bool neg = false;
	long long v = 0;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		return gs_errf(err, EINVAL, "strconv.Atoi: parsing \"%.64s\": invalid syntax", s);
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return gs_errf(err, EINVAL, "strconv.Atoi: parsing \"%.64s\": invalid syntax", s);
		if (v > ((long long)INT_MAX + 1) / 10 + 1)
			return gs_errf(err, ERANGE, "strconv.Atoi: parsing \"%.64s\": value out of range", s);
		v = v * 10 + (*p - '0');
	}
	if (neg)
		v = -v;
	if (v > INT_MAX || v < INT_MIN)
		return gs_errf(err, ERANGE, "strconv.Atoi: parsing \"%.64s\": value out of range", s);
	*out = (int)v;
	return 0;
}

void gs_agent_loc_error(const char *target, const struct gs_agent_loc *loc, char *buf,
			size_t sz)
{
	static const char pre[] = "couldn't resolve addr or pid";

	switch (loc->state) {
	case GS_AGENT_STALE:
		snprintf(buf, sz, "%s %s to TCPAddress: couldn't get port for PID %d: port file %s is stale: %s",
			 pre, target, loc->pid, loc->path, loc->why);
		break;
	case GS_AGENT_BAD:
		snprintf(buf, sz, "%s %s to TCPAddress: couldn't get port for PID %d: port file %s is unusable: %s",
			 pre, target, loc->pid, loc->path, loc->why);
		break;
	case GS_AGENT_LIVE:
		snprintf(buf, sz, "agent of PID %d on port %u", loc->pid, (unsigned)loc->port);
		break;
	default:
		snprintf(buf, sz, "%s %s to TCPAddress: couldn't get port for PID %d: %s", pre, target,
			 loc->pid, loc->why);
		break;
	}
}

int gs_agent_resolve(const char *target, struct gs_agent_addr *a, struct gs_agent_loc *loc,
		     struct gs_err *err)
{
	static const char pre[] = "couldn't resolve addr or pid";
	struct gs_agent_loc *l = loc;
	struct gs_err e = { 0 };
	int pid = 0, rc = -1;

	if (loc)
		memset(loc, 0, sizeof(*loc));
	if (strchr(target, ':')) {
		if (gs_agent_addr_parse(a, target, &e))
			return gs_errf(err, EINVAL, "%s %.64s to TCPAddress: couldn't parse dst address: %s",
				       pre, target, e.msg);
		return 0;
	}
	if (atoi_go(target, &pid, &e))
		return gs_errf(err, EINVAL, "%s %.64s to TCPAddress: couldn't parse PID: %s", pre,
			       target, e.msg);
	if (pid <= 0)
		return gs_errf(err, EINVAL, "%s %.64s to TCPAddress: couldn't get port for PID %d: not a process ID",
			       pre, target, pid);
	if (!l && !(l = malloc(sizeof(*l))))
		return gs_errf(err, ENOMEM, "out of memory");
	gs_agent_locate(pid, 0, l, NULL);
	if (l->state == GS_AGENT_LIVE) {
		gs_agent_loc_addr(l, a);
		rc = 0;
	} else if (err) {
		err->code = l->state == GS_AGENT_STALE ? ESTALE :
			    l->state == GS_AGENT_BAD ? EBADMSG : ENOENT;
		gs_agent_loc_error(target, l, err->msg, sizeof(err->msg));
	}
	if (l != loc)
		free(l);
	return rc;
}

/* ---- --check-agents ---- */
