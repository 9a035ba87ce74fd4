/* SPDX-License-Identifier: MIT */
#include "client.h"
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

/* Go's dialer gives each of several addresses at least this long. */
#define MIN_DIAL_SHARE_MS 2000

/* How long past its own connect timeout the namespace helper may take. */
#define NETNS_SLACK_MS 2000

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

/* ---- time and addresses -------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "127.0.0.1:36473" or "[::1]:36473", numeric, for one resolved address. */
static void ai_str(const struct addrinfo *ai, char *buf, size_t sz)
{
	char host[NI_MAXHOST], serv[8];	/* numeric ports only */

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host), serv,
			sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(buf, sz, "?");
		return;
	}
	if (ai->ai_family == AF_INET6)
		snprintf(buf, sz, "[%s]:%s", host, serv);
	else
		snprintf(buf, sz, "%s:%s", host, serv);
}

static const struct addrinfo *ai_at(const struct addrinfo *list, int idx)
{
	for (; list && idx > 0; idx--)
		list = list->ai_next;
	return list;
}

/* ---- dialing ------------------------------------------------------------- */

enum dial_stage {
	DIAL_OK,
	DIAL_SETNS,
	DIAL_SOCKET,
	DIAL_CONNECT,
	DIAL_TIMEOUT,
	DIAL_NOADDR,
};

/* The outcome of a dial; plain data so a forked helper can send it back. */
struct dial_report {
	int stage;
	int err;	/* errno of the first failure */
	int index;	/* which address it concerns */
};

/*
 * Everything from here to dial_list() also runs in the forked namespace
 * helper of a possibly multi-threaded parent, so it keeps to
 * async-signal-safe system calls: no allocation, no stdio, no locks.
 */
static int dial_one(const struct addrinfo *ai, int timeout_ms,
		    struct dial_report *r)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct pollfd pfd;
	socklen_t len;
	int fd, soerr;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
	if (fd < 0) {
		r->stage = DIAL_SOCKET;
		r->err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		r->stage = DIAL_CONNECT;
		r->err = errno;
		close(fd);
		return -1;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	for (;;) {
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0) {
			r->stage = DIAL_TIMEOUT;
			r->err = ETIMEDOUT;
			close(fd);
			return -1;
		}
		n = poll(&pfd, 1, (int)left);
		if (n > 0)
			break;
		if (n < 0 && errno != EINTR) {
			r->stage = DIAL_CONNECT;
			r->err = errno;
			close(fd);
			return -1;
		}
	}
	soerr = 0;
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		r->stage = DIAL_CONNECT;
		r->err = soerr;
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Try each address in turn within one connect budget, each getting a fair
 * share of what is left (but at least MIN_DIAL_SHARE_MS), as Go's dialer
 * does. The report keeps the first failure, which is the one Go shows.
 */
static int dial_list(const struct addrinfo *list, int timeout_ms,
		     struct dial_report *rep)
{
	int64_t deadline = now_ms() + timeout_ms;
	const struct addrinfo *ai;
	int count = 0, i = 0;

	rep->stage = DIAL_NOADDR;
	rep->err = EADDRNOTAVAIL;
	rep->index = 0;
	for (ai = list; ai; ai = ai->ai_next)
		count++;
	for (ai = list; ai; ai = ai->ai_next, i++) {
		struct dial_report r = { 0 };
		int64_t left = deadline - now_ms(), share;
		int fd;

		if (left <= 0) {
			if (rep->stage == DIAL_NOADDR) {
				rep->stage = DIAL_TIMEOUT;
				rep->err = ETIMEDOUT;
				rep->index = i;
			}
			break;
		}
		share = left / (count - i);
		if (share < MIN_DIAL_SHARE_MS)
			share = left < MIN_DIAL_SHARE_MS ? left : MIN_DIAL_SHARE_MS;
		fd = dial_one(ai, (int)share, &r);
		if (fd >= 0) {
			rep->stage = DIAL_OK;
			rep->err = 0;
			rep->index = i;
			return fd;
		}
		if (rep->stage == DIAL_NOADDR) {
			*rep = r;
			rep->index = i;
		}
	}
	return -1;
}

static void send_report(int sock, const struct dial_report *r, int fd)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.b;
		m.msg_controllen = sizeof(u.b);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &m, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/*
 * The helper's report and socket: the socket, -1 for a failed dial (the
 * report says why), or -2 with err set when the helper itself failed.
 */
static int recv_report(int sock, int timeout_ms, struct dial_report *r,
		       struct gs_err *err)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * 4)];
	} u;
	struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int64_t deadline = now_ms() + timeout_ms;
	struct cmsghdr *c;
	ssize_t n;
	int fd = -1;

	for (;;) {
		int64_t left = deadline - now_ms();
		int p;

		if (left <= 0) {
			gs_errf(err, ETIMEDOUT,
				"network namespace helper did not answer");
			return -2;
		}
		p = poll(&pfd, 1, (int)left);
		if (p > 0)
			break;
		if (p < 0 && errno != EINTR) {
			gs_errf(err, errno, "poll: %s", strerror(errno));
			return -2;
		}
	}
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		gs_errf(err, errno, "network namespace helper: %s",
			strerror(errno));
		return -2;
	}
	/* Take every descriptor that came, so none leaks whatever happens next. */
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		size_t k, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got);
		}
	}
	if (n != (ssize_t)sizeof(*r) || (r->stage == DIAL_OK) != (fd >= 0)) {
		if (fd >= 0)
			close(fd);
		gs_errf(err, EPROTO, "network namespace helper failed");
		return -2;
	}
	return r->stage == DIAL_OK ? fd : -1;
}

/*
 * Dial from inside another network namespace; returns like recv_report().
 * setns() would move the calling thread for good, so a short-lived child
 * enters the namespace, connects, and hands the socket back over a
 * socketpair (SCM_RIGHTS); a socket stays in the namespace it was made in
 * wherever its descriptor goes.
 */
static int dial_in_netns(int nsfd, const struct addrinfo *list, int timeout_ms,
			 struct dial_report *rep, struct gs_err *err)
{
	int sp[2], fd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		gs_errf(err, errno, "socketpair: %s", strerror(errno));
		return -2;
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(sp[0]);
		close(sp[1]);
		gs_errf(err, e, "fork: %s", strerror(e));
		return -2;
	}
	if (pid == 0) {
		struct dial_report r = { 0 };
		int cfd = -1;

		close(sp[0]);
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			r.stage = DIAL_SETNS;
			r.err = errno;
		} else {
			cfd = dial_list(list, timeout_ms, &r);
		}
		send_report(sp[1], &r, cfd);
		_exit(0);
	}
	close(sp[1]);
	fd = recv_report(sp[0], timeout_ms + NETNS_SLACK_MS, rep, err);
	close(sp[0]);
	/* Harmless if it is gone already: it stays ours until waitpid(). */
	if (fd == -2)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* Does nsfd name the network namespace this thread is already in? */
static bool own_netns(int nsfd)
{
	struct stat a, b;

	if (fstat(nsfd, &a) < 0)
		return false;
	if (stat("/proc/thread-self/ns/net", &b) < 0 &&
	    stat("/proc/self/ns/net", &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Turn a failed report into Go's dial error text. */
static int dial_error(const struct dial_report *r, const struct addrinfo *list,
		      const struct gs_agent_addr *a, struct gs_err *err)
{
	const struct addrinfo *ai = ai_at(list, r->index);
	char where[NI_MAXHOST + 16], why[128];

	gs_agent_go_strerror(r->err, why, sizeof(why));
	if (ai)
		ai_str(ai, where, sizeof(where));
	else if (gs_agent_addr_str(a, where, sizeof(where)))
		snprintf(where, sizeof(where), "?");
	switch (r->stage) {
	case DIAL_SETNS:
		return gs_errf(err, r->err,
			       "cannot enter the network namespace of %s%d: %s%s",
			       a->netns_fd >= 0 ? "fd " : "pid ",
			       a->netns_fd >= 0 ? a->netns_fd : a->netns_pid, why,
			       r->err == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
	case DIAL_SOCKET:
		return gs_errf(err, r->err, "dial tcp %s: socket: %s", where, why);
	case DIAL_TIMEOUT:
		return gs_errf(err, ETIMEDOUT, "dial tcp %s: i/o timeout", where);
	case DIAL_NOADDR:
		return gs_errf(err, r->err, "dial tcp %s: no address", where);
	default:
		return gs_errf(err, r->err, "dial tcp %s: connect: %s", where, why);
	}
}

/* Connect to one of list, in a's namespace; the socket, or -1 with err set. */
static int dial(const struct gs_agent_addr *a, const struct addrinfo *list,
		int timeout_ms, int *index, struct gs_err *err)
{
	struct dial_report rep = { 0 };
	int nsfd = a->netns_fd, own = -1, fd;

	if (nsfd < 0 && a->netns_pid > 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/net", a->netns_pid);
		own = nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			int e = errno;
			char why[128];

			gs_agent_go_strerror(e, why, sizeof(why));
			return gs_errf(err, e,
				       "cannot open the network namespace of pid %d: %s",
				       a->netns_pid, why);
		}
	}
	/* Our own namespace needs neither a helper nor privileges. */
	if (nsfd >= 0 && own_netns(nsfd)) {
		fd = dial_list(list, timeout_ms, &rep);
	} else if (nsfd >= 0) {
		fd = dial_in_netns(nsfd, list, timeout_ms, &rep, err);
		if (fd == -2) {
			/* The helper itself failed; err says how. */
			if (own >= 0)
				close(own);
			return -1;
		}
	} else {
		fd = dial_list(list, timeout_ms, &rep);
	}
	if (own >= 0)
		close(own);
	if (fd < 0)
		return dial_error(&rep, list, a, err);
	*index = rep.index;
	return fd;
}

static int resolve(const struct gs_agent_addr *a, struct addrinfo **list,
		   struct gs_err *err)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
		.ai_flags = AI_NUMERICSERV,
	};
	char serv[8];
	int rc;

	if (!memchr(a->host, 0, sizeof(a->host)))
		return gs_errf(err, EINVAL, "agent host name not terminated");
	if (a->port == 0)
		return gs_errf(err, EINVAL, "agent port 0");
	snprintf(serv, sizeof(serv), "%u", (unsigned int)a->port);
	/* No host: getaddrinfo gives the loopback addresses, Go's "local system". */
	rc = getaddrinfo(a->host[0] ? a->host : NULL, serv, &hints, list);
	if (rc == 0)
		return 0;
	if (rc == EAI_NONAME || rc == EAI_NODATA)
		return gs_errf(err, ENOENT, "dial tcp: lookup %s: no such host",
			       a->host);
	if (rc == EAI_SYSTEM) {
		char why[128];

		gs_agent_go_strerror(errno, why, sizeof(why));
		return gs_errf(err, errno, "dial tcp: lookup %s: %s", a->host, why);
	}
	return gs_errf(err, rc == EAI_AGAIN ? EAGAIN : EINVAL,
		       "dial tcp: lookup %s: %s", a->host, gai_strerror(rc));
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
	struct addrinfo *list = NULL;
	int len, fd, idx = 0;
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
	if (resolve(addr, &list, err))
		return -1;
	fd = dial(addr, list, lim.connect_ms, &idx, err);
	if (fd >= 0)
		ai_str(ai_at(list, idx), peer, sizeof(peer));
	freeaddrinfo(list);
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
