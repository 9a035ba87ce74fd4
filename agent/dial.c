/* SPDX-License-Identifier: MIT */
/*
 * Dialing an agent (dial.h): the address resolved as Go's dialer does,
 * each address given its share of the connect timeout, and inside another
 * network namespace through a forked helper that hands the socket back.
 */
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

/* Go's dialer gives each of several addresses at least this long. */
#define MIN_DIAL_SHARE_MS 2000

/* How long past its own connect timeout the namespace helper may take. */
#define NETNS_SLACK_MS 2000

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

int gs_agent_connect(const struct gs_agent_addr *a, int connect_ms, char *peer, size_t peersz,
		     struct gs_err *err)
{
	struct addrinfo *list = NULL;
	int fd, idx = 0;

	if (resolve(a, &list, err))
		return -1;
	fd = dial(a, list, connect_ms, &idx, err);
	if (fd >= 0)
		ai_str(ai_at(list, idx), peer, peersz);
	freeaddrinfo(list);
	return fd;
}
