/* SPDX-License-Identifier: MIT */
#include "client.h"
#include "dial.h"
#include "reply.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const cmd_names[] = {
	[GS_AGENT_STACK] = "stack",
	[GS_AGENT_GC] = "gc",
	[GS_AGENT_MEMSTATS] = "memstats",
	[GS_AGENT_VERSION] = "version",
	[GS_AGENT_HEAP_PROFILE] = "heap profile",
	[GS_AGENT_CPU_PROFILE] = "CPU profile",
	[GS_AGENT_STATS] = "stats",
	[GS_AGENT_TRACE] = "trace",
	[GS_AGENT_BINARY_DUMP] = "binary dump",
	[GS_AGENT_SETGC] = "setgc",
};

const char *gs_agent_cmd_name(int cmd)
{
	if (cmd < 0 || (size_t)cmd >= ARRAY_SIZE(cmd_names))
		return NULL;
	return cmd_names[cmd];
}

bool gs_agent_cmd_valid(int cmd)
{
	return gs_agent_cmd_name(cmd) != NULL;
}

int gs_agent_encode(int cmd, int64_t arg, unsigned char buf[GS_AGENT_REQ_MAX],
		    struct gs_err *err)
{
	uint64_t ux;
	int i = 1;

	if (!gs_agent_cmd_valid(cmd))
		return gs_errf(err, EINVAL, "unknown agent command 0x%02x",
			       (unsigned int)cmd & 0xff);
	buf[0] = (unsigned char)cmd;
	if (cmd != GS_AGENT_SETGC)
		return 1;

	/* Zig-zag, then 7 bits a byte, low first: at most 10 bytes for 64 bits. */
	memset(buf + 1, 0, GS_AGENT_REQ_MAX - 1);
	ux = (uint64_t)arg << 1;
	if (arg < 0)
		ux = ~ux;
	while (ux >= 0x80) {
		buf[i++] = (unsigned char)(ux | 0x80);
		ux >>= 7;
	}
	buf[i] = (unsigned char)ux;
	return GS_AGENT_REQ_MAX;
}

int gs_agent_parse_gc_percent(const char *s, int64_t *out, struct gs_err *err)
{
	const uint64_t pos_max = INT64_MAX, neg_max = (uint64_t)INT64_MAX + 1;
	const char *p = s;
	uint64_t v = 0, limit;
	bool neg = false;

	if (!s || !*s)
		return gs_errf(err, EINVAL, "missing gc percentage");
	if (!strcasecmp(s, "off")) {
		*out = -1;
		return 0;
	}
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (!*p)
		goto bad;
	limit = neg ? neg_max : pos_max;
	for (; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			goto bad;
		d = (unsigned int)(*p - '0');
		if (v > (limit - d) / 10)
			return gs_errf(err, ERANGE,
				       "gc percentage \"%.40s\" out of range", s);
		v = v * 10 + d;
	}
	if (neg)
		*out = v == neg_max ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
bad:
	return gs_errf(err, EINVAL,
		       "invalid gc percentage \"%.40s\": want a whole number or \"off\"",
		       s);
}

/* ---- addresses ----------------------------------------------------------- */

static void addr_reset(struct gs_agent_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->netns_fd = -1;
}

void gs_agent_addr_local(struct gs_agent_addr *a, uint16_t port)
{
	addr_reset(a);
	strcpy(a->host, "127.0.0.1");
	a->port = port;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > 65535)
			return -1;
	}
	if (v == 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int gs_agent_addr_parse(struct gs_agent_addr *a, const char *hostport,
			struct gs_err *err)
{
	const char *host, *colon, *end;
	size_t hlen;

	addr_reset(a);
	if (!hostport)
		return gs_errf(err, EINVAL, "missing address");
	if (hostport[0] == '[') {
		host = hostport + 1;
		end = strchr(host, ']');
		if (!end || end[1] != ':')
			return gs_errf(err, EINVAL,
				       "address %.100s: want [host]:port", hostport);
		colon = end + 1;
	} else {
		host = hostport;
		colon = strrchr(hostport, ':');
		if (!colon)
			return gs_errf(err, EINVAL, "address %.100s: missing port",
				       hostport);
		end = colon;
		if (memchr(host, ':', (size_t)(end - host)))
			return gs_errf(err, EINVAL,
				       "address %.100s: too many colons (IPv6 needs [host]:port)",
				       hostport);
	}
	hlen = (size_t)(end - host);
	if (hlen >= sizeof(a->host))
		return gs_errf(err, ENAMETOOLONG, "address %.100s...: host too long",
			       hostport);
	if (memchr(host, '[', hlen) || memchr(host, ']', hlen))
		return gs_errf(err, EINVAL, "address %.100s: stray bracket", hostport);
	if (parse_port(colon + 1, &a->port))
		return gs_errf(err, EINVAL, "address %.100s: bad port \"%.20s\"",
			       hostport, colon + 1);
	memcpy(a->host, host, hlen);
	a->host[hlen] = 0;
	return 0;
}

int gs_agent_addr_str(const struct gs_agent_addr *a, char *buf, size_t sz)
{
	int w = (int)sizeof(a->host), n;

	if (memchr(a->host, ':', strnlen(a->host, sizeof(a->host))))
		n = snprintf(buf, sz, "[%.*s]:%u", w, a->host, (unsigned int)a->port);
	else
		n = snprintf(buf, sz, "%.*s:%u", w, a->host, (unsigned int)a->port);

	return n < 0 || (size_t)n >= sz ? -1 : 0;
}

/* ---- the request (the reply is reply.c's) -------------------------------- */

static int send_request(int fd, const unsigned char *req, size_t len,
			int idle_ms, const char *peer, struct gs_err *err)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;

	/* One send in practice: a fresh socket always has room for 11 bytes. */
	while (off < len) {
		ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		char why[128];
		int e;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, idle_ms) == 0)
				return gs_errf(err, ETIMEDOUT,
					       "agent at %s does not take the request",
					       peer);
			continue;
		}
		e = n < 0 ? errno : EIO;
		gs_agent_go_strerror(e, why, sizeof(why));
		return gs_errf(err, e, "agent at %s: write: %s", peer, why);
	}
	return 0;
}

void gs_agent_default_timeouts(int cmd, struct gs_agent_timeouts *t)
{
	memset(t, 0, sizeof(*t));
	t->connect_ms = GS_AGENT_CONNECT_MS;
	if (cmd == GS_AGENT_CPU_PROFILE)
		t->idle_ms = GS_AGENT_CPU_PROFILE_IDLE_MS;
	else if (cmd == GS_AGENT_TRACE)
		t->idle_ms = GS_AGENT_TRACE_IDLE_MS;
	else
		t->idle_ms = GS_AGENT_IDLE_MS;
	switch (cmd) {
	case GS_AGENT_STATS:
	case GS_AGENT_VERSION:
		t->total_ms = GS_AGENT_QUICK_TOTAL_MS;
		break;
	case GS_AGENT_GC:
		t->total_ms = GS_AGENT_GC_TOTAL_MS;
		break;
	case GS_AGENT_STACK:
	case GS_AGENT_HEAP_PROFILE:
	case GS_AGENT_TRACE:
		t->total_ms = GS_AGENT_DUMP_TOTAL_MS;
		break;
	case GS_AGENT_CPU_PROFILE:
		t->total_ms = GS_AGENT_CPU_PROFILE_TOTAL_MS;
		break;
	case GS_AGENT_BINARY_DUMP:
		t->total_ms = GS_AGENT_BINARY_TOTAL_MS;
		break;
	default:	/* memstats, setgc */
		t->total_ms = GS_AGENT_SMALL_TOTAL_MS;
		break;
	}
}

ssize_t gs_agent_call(const struct gs_agent_addr *addr, int cmd, int64_t arg,
		      const struct gs_agent_sink *sink,
		      const struct gs_agent_timeouts *t, struct gs_err *err)
{
	unsigned char req[GS_AGENT_REQ_MAX];
	struct gs_agent_timeouts lim;
	char peer[NI_MAXHOST + 16];
	int len, fd;
	ssize_t n;

	len = gs_agent_encode(cmd, arg, req, err);
	if (len < 0)
		return -1;
	gs_agent_default_timeouts(cmd, &lim);
	if (t) {
		if (t->connect_ms > 0)
			lim.connect_ms = t->connect_ms;
		if (t->idle_ms > 0)
			lim.idle_ms = t->idle_ms;
		if (t->total_ms > 0)
			lim.total_ms = t->total_ms;
		lim.max_bytes = t->max_bytes;
	}
	fd = gs_agent_connect(addr, lim.connect_ms, peer, sizeof(peer), err);
	if (fd < 0)
		return -1;
	/* Never shutdown(SHUT_WR): the agent takes the request, then we read. */
	if (send_request(fd, req, (size_t)len, lim.idle_ms, peer, err)) {
		close(fd);
		return -1;
	}
	n = gs_agent_read_reply(fd, cmd, &lim, sink, peer, err);
	close(fd);
	return n;
}

ssize_t gs_agent_call_buf(const struct gs_agent_addr *addr, int cmd,
			  int64_t arg, char *buf, size_t sz,
			  const struct gs_agent_timeouts *t, struct gs_err *err)
{
	struct gs_agent_buf_sink s = { .buf = buf, .cap = sz ? sz - 1 : 0 };
	struct gs_agent_sink sink = { .fn = gs_agent_buf_sink_fn, .ctx = &s, .fd = -1 };
	ssize_t n;

	if (!sz)
		return gs_errf(err, EINVAL, "no room for the agent's reply");
	buf[0] = 0;
	n = gs_agent_call(addr, cmd, arg, &sink, t, err);
	buf[s.len] = 0;
	return n;
}
