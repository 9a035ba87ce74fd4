// SPDX-License-Identifier: MIT
/*
 * goscope exporter: the listening socket and the HTTP server (libmicrohttpd,
 * a pool of internal threads on epoll).
 *
 * The socket is created and bound here, not by libmicrohttpd, so that a bad
 * address or a port in use is reported with its errno, and port 0 can say
 * which port it got. Only GET and HEAD of /metrics (and a one-line page at
 * /) are served. A request copies the latest snapshot under its lock (a
 * memcpy) and appends the per-scrape families: nothing here waits for the
 * collector's work.
 */
#include "exporter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "output.h"
#include "promtext.h"

#define CONN_LIMIT	128
#define CONN_TIMEOUT_S	15
/*
 * Slow-loris (issue 16): libmicrohttpd's connection timeout counts idle
 * time, so a client that sends one header line every few seconds keeps its
 * connection for ever, and CONN_LIMIT of them lock every scrape out. Two
 * bounds: a request head (request line and headers) must be complete
 * HEAD_DEADLINE_S after the connection opened or the last response was
 * sent, else the reaper thread shuts the socket down; and one client
 * address holds at most PER_IP_LIMIT connections (Prometheus uses one or
 * two), so one peer can never fill the table.
 */
#define HEAD_DEADLINE_S	10
#define PER_IP_LIMIT	16

/* ---- addresses ---------------------------------------------------------- */

static int parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -1;
	*port = (unsigned)v;
	return 0;
}

int exporter_parse_listen(const char *s, struct exporter_listen *l, struct gs_err *err)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&l->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->sa;
	char host[64];
	const char *colon, *port;
	unsigned pn;
	size_t hl;

	memset(l, 0, sizeof(*l));
	if (strlen(s) >= sizeof(l->text))
		return gs_errf(err, EINVAL, "too long");
	snprintf(l->text, sizeof(l->text), "%s", s);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return gs_errf(err, EINVAL, "expected [IPV6]:PORT");
		hl = (size_t)(end - s - 1);
		port = end + 2;
		if (hl == 0 || hl >= sizeof(host))
			return gs_errf(err, EINVAL, "bad IPv6 address");
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (parse_port(port, &pn) < 0)
			return gs_errf(err, EINVAL, "bad port '%s' (0-65535)", port);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pn);
		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return gs_errf(err, EINVAL, "'%s' is not an IPv6 address", host);
		l->salen = sizeof(*in6);
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon)
		return gs_errf(err, EINVAL, "expected HOST:PORT, e.g. 127.0.0.1:9477");
	if (strchr(s, ':') != colon)
		return gs_errf(err, EINVAL, "an IPv6 address goes in brackets: [::1]:9477");
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return gs_errf(err, EINVAL, "bad address");
	memcpy(host, s, hl);
	host[hl] = '\0';
	port = colon + 1;
	if (parse_port(port, &pn) < 0)
		return gs_errf(err, EINVAL, "bad port '%s' (0-65535)", port);
	in4->sin_family = AF_INET;
	in4->sin_port = htons((uint16_t)pn);
	l->salen = sizeof(*in4);
	if (hl == 0) {
		in4->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	if (strcmp(host, "localhost") == 0) {
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	/* inet_pton, not inet_aton: no "127.1" or hex forms, no name lookups. */
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return gs_errf(err, EINVAL, "'%s' is not an IPv4 address (no host names)", host);
	return 0;
}

static void addr_text(const struct sockaddr_storage *sa, char *out, size_t outsz)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, outsz, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		struct sockaddr_in in4;

		memcpy(&in4, sa, sizeof(in4));
		inet_ntop(AF_INET, &in4.sin_addr, ip, sizeof(ip));
		snprintf(out, outsz, "%s:%u", ip, ntohs(in4.sin_port));
	}
}

int exporter_bind(const struct exporter_listen *l, char *bound, size_t boundsz,
		  struct gs_err *err)
{
	struct sockaddr_storage got;
	socklen_t gotlen = sizeof(got);
	int one = 1, fd, code;

	memset(&got, 0, sizeof(got));

	fd = socket(l->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return gs_errf(err, errno, "socket: %s", strerror(errno));
	/* A restarted exporter can bind again while old connections linger. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT means IPv6 only; ":PORT" is the IPv4 wildcard. */
	if (l->sa.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&l->sa, l->salen) < 0 || listen(fd, 128) < 0) {
		code = errno;
		close(fd);
		return gs_errf(err, code, "%s", strerror(code));
	}
	if (getsockname(fd, (struct sockaddr *)&got, &gotlen) == 0)
		addr_text(&got, bound, boundsz);
	else
		snprintf(bound, boundsz, "%s", l->text);
	return fd;
}

/* ---- the server ------------------------------------------------------------ */

/* One open connection: when the head it is reading began (0: being answered). */
struct xconn {
	struct xconn *prev, *next;
	int fd;
	uint64_t head_since;
};

struct exporter_http {
	struct MHD_Daemon *d;
	struct exporter *x;

	/* the head deadline: connections, and the reaper thread that enforces it */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct xconn *conns;
	bool stopping, reaper_started;
	pthread_t reaper;
};

/* Per request: when it began (for the scrape-duration histogram). */
struct xreq {
	uint64_t t0;
	bool metrics;
};

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			       char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_static(struct MHD_Connection *c, unsigned status,
				      const char *text)
{
	return respond(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text),
		       MHD_RESPMEM_PERSISTENT);
}

/* The latest snapshot and this scrape's own families, in one malloc'd buffer. */
static char *build_metrics(struct exporter *x, size_t *len)
{
	char *tail = NULL, *out = NULL;
	size_t tlen = 0;
	FILE *f = open_memstream(&tail, &tlen);

	if (!f)
		return NULL;
	exporter_render_scrape(x, f, exporter_now_ns());
	if (fclose(f) != 0) {
		free(tail);
		return NULL;
	}
	pthread_mutex_lock(&x->snap_lock);
	if (x->snap) {
		out = malloc(x->snap->len + tlen + 1);
		if (out) {
			memcpy(out, x->snap->body, x->snap->len);
			memcpy(out + x->snap->len, tail, tlen);
			*len = x->snap->len + tlen;
		}
	}
	pthread_mutex_unlock(&x->snap_lock);
	free(tail);
	return out;
}

/* The head is complete: no deadline while the request is answered. */
static void head_done(struct exporter *x, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct exporter_http *h = x->http;
	struct xconn *xc = ci ? ci->socket_context : NULL;

	if (!xc || !h)
		return;
	pthread_mutex_lock(&h->lock);
	xc->head_since = 0;
	pthread_mutex_unlock(&h->lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	struct exporter *x = cls;
	struct xreq *rq = *req_cls;
	char *body;
	size_t len = 0;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->t0 = exporter_now_ns();
		*req_cls = rq;
		head_done(x, c);
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a GET with a body: ignore it */
		return MHD_YES;
	}
	if (strcmp(url, "/") == 0)
		return respond_static(c, MHD_HTTP_OK,
				      "goscope exporter: Go process metrics at /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return respond_static(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	body = build_metrics(x, &len);
	if (!body) {
		pthread_mutex_lock(&x->scrape_lock);
		x->http_errors++;
		pthread_mutex_unlock(&x->scrape_lock);
		return respond_static(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	}
	rq->metrics = true;
	return respond(c, MHD_HTTP_OK, GS_PROM_CONTENT_TYPE, body, len, MHD_RESPMEM_MUST_FREE);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct exporter *x = cls;
	struct xreq *rq = *req_cls;
	uint64_t d;
	int i;

	if (!rq)
		return;
	*req_cls = NULL;
	{
		/* Kept alive: the next request's head has the same deadline. */
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		struct xconn *xc = ci ? ci->socket_context : NULL;

		if (xc && x->http) {
			pthread_mutex_lock(&x->http->lock);
			xc->head_since = exporter_now_ns();
			pthread_mutex_unlock(&x->http->lock);
		}
	}
	if (rq->metrics && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		d = exporter_now_ns() - rq->t0;
		for (i = 0; i < XSCRAPE_BUCKETS - 1 && d > exporter_scrape_le_ns[i]; i++)
			;
		pthread_mutex_lock(&x->scrape_lock);
		x->scrape_bucket[i]++;
		x->scrape_count++;
		x->scrape_ns += d;
		pthread_mutex_unlock(&x->scrape_lock);
	}
	free(rq);
}

/* Connections opened and closed: the list the reaper walks. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct exporter_http *h = cls;
	struct xconn *xc = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

		xc = calloc(1, sizeof(*xc));
		if (!xc || !ci) {
			free(xc);
			return;		/* no deadline for it; the idle timeout still holds */
		}
		xc->fd = ci->connect_fd;
		xc->head_since = exporter_now_ns();
		pthread_mutex_lock(&h->lock);
		xc->next = h->conns;
		if (h->conns)
			h->conns->prev = xc;
		h->conns = xc;
		pthread_mutex_unlock(&h->lock);
		*socket_context = xc;
		return;
	}
	/* Closed: called before libmicrohttpd closes the socket, so xc->fd is still ours. */
	if (!xc)
		return;
	pthread_mutex_lock(&h->lock);
	if (xc->prev)
		xc->prev->next = xc->next;
	else
		h->conns = xc->next;
	if (xc->next)
		xc->next->prev = xc->prev;
	pthread_mutex_unlock(&h->lock);
	free(xc);
	*socket_context = NULL;
}

/*
 * Once a second: shut down the socket of every connection whose head is
 * late. libmicrohttpd then sees the end of the stream and closes it itself
 * (we never close an fd it owns).
 */
static void *reaper_main(void *arg)
{
	struct exporter_http *h = arg;
	unsigned long long reaped;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		struct timespec ts;
		uint64_t now = exporter_now_ns();

		reaped = 0;
		for (struct xconn *xc = h->conns; xc; xc = xc->next) {
			if (xc->head_since && now - xc->head_since > HEAD_DEADLINE_S * 1000000000ull) {
				shutdown(xc->fd, SHUT_RDWR);
				xc->head_since = 0;
				reaped++;
			}
		}
		if (reaped) {
			pthread_mutex_lock(&h->x->scrape_lock);
			h->x->http_head_timeouts += reaped;
			pthread_mutex_unlock(&h->x->scrape_lock);
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&h->wake, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

__attribute__((format(printf, 2, 0)))
static void on_log(void *cls, const char *fmt, va_list ap)
{
	if (gs_opts.verbose > 0) {
		fputs("goscope: exporter: http: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

struct exporter_http *exporter_http_start(struct exporter *x, int fd, unsigned threads,
					  struct gs_err *err)
{
	struct exporter_http *h = calloc(1, sizeof(*h));

	if (!h) {
		close(fd);
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	h->x = x;
	x->http = h;
	{
		pthread_condattr_t ca;

		pthread_mutex_init(&h->lock, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&h->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
				MHD_USE_ERROR_LOG,
				0, NULL, NULL, on_request, x,
				/* First, so that it sees the other options' complaints. */
				MHD_OPTION_EXTERNAL_LOGGER, on_log, x,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)PER_IP_LIMIT,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, x,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_END);
	if (!h->d) {
		close(fd);
		x->http = NULL;
		pthread_cond_destroy(&h->wake);
		pthread_mutex_destroy(&h->lock);
		free(h);
		gs_errf(err, EIO, "libmicrohttpd could not start (-v says why)");
		return NULL;
	}
	h->reaper_started = pthread_create(&h->reaper, NULL, reaper_main, h) == 0;
	if (!h->reaper_started)
		gs_warn("exporter: cannot start the request-head deadline thread; "
			"only the idle timeout holds");
	return h;
}

void exporter_http_stop(struct exporter_http *h)
{
	if (!h)
		return;
	if (h->reaper_started) {
		pthread_mutex_lock(&h->lock);
		h->stopping = true;
		pthread_cond_signal(&h->wake);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->reaper, NULL);
	}
	/* Stops the threads and closes the listening socket (and every connection). */
	MHD_stop_daemon(h->d);
	h->x->http = NULL;
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
