/* SPDX-License-Identifier: MIT */
/*
 * slowloris: the slow-loris client of tests/e2e/exporter_hostile.bats. It
 * opens N connections to a loopback HTTP server and, on each, sends a
 * request line and then one header line every GAP seconds, never ending the
 * head, for at most T seconds. A test tool, not part of goscope.
 *
 *   slowloris [-n N] [-g GAP] [-t T] [-b SRCADDR] ADDR PORT
 *
 * At the end it prints one line:
 *   opened=A refused=R cut=C open=O max_cut_s=S
 * opened: connect() succeeded; refused: the server closed or reset the
 * connection before it had been open 5 s (a per-address limit); cut: closed
 * by the server later (a head deadline); open: still open at the end;
 * max_cut_s: the longest time a cut connection had been open.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXN 4096

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static int fds[MAXN];
	static double opened_at[MAXN], last_sent[MAXN];
	static struct pollfd pfd[MAXN];
	int n = 130, c, opened = 0, refused = 0, cut = 0, open_n = 0;
	double gap = 3, total = 20, max_cut = 0, t0;
	const char *src = NULL;
	struct sockaddr_in sa = { .sin_family = AF_INET };

	while ((c = getopt(argc, argv, "n:g:t:b:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'g': gap = atof(optarg); break;
		case 't': total = atof(optarg); break;
		case 'b': src = optarg; break;
		default: return 2;
		}
	}
	if (argc - optind != 2 || n < 1 || n > MAXN) {
		fprintf(stderr, "usage: slowloris [-n N] [-g GAP] [-t T] [-b SRC] ADDR PORT\n");
		return 2;
	}
	if (inet_pton(AF_INET, argv[optind], &sa.sin_addr) != 1)
		return 2;
	sa.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	t0 = now_s();
	for (int i = 0; i < n; i++) {
		static const char line[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		fds[i] = -1;
		if (fd < 0) {
			perror("socket");
			return 1;
		}
		if (src) {
			struct sockaddr_in b = { .sin_family = AF_INET };

			inet_pton(AF_INET, src, &b.sin_addr);
			if (bind(fd, (struct sockaddr *)&b, sizeof(b)) < 0) {
				perror("bind");
				return 1;
			}
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			refused++;
			continue;
		}
		opened++;
		fds[i] = fd;
		opened_at[i] = last_sent[i] = now_s();
		if (send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL) < 0) {
			close(fd);
			fds[i] = -1;
			refused++;
		}
	}
	while (now_s() - t0 < total) {
		int k = 0;

		for (int i = 0; i < n; i++) {
			if (fds[i] < 0)
				continue;
			pfd[k].fd = fds[i];
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
			k++;
		}
		if (!k)
			break;
		poll(pfd, (nfds_t)k, 200);
		for (int j = 0, i = 0; j < k; j++) {
			char buf[512];
			ssize_t r;
			double now = now_s();

			while (fds[i] != pfd[j].fd)
				i++;
			if (pfd[j].revents) {
				r = recv(fds[i], buf, sizeof(buf), MSG_DONTWAIT);
				if (r == 0 || (r < 0 && errno != EAGAIN)) {
					if (now - opened_at[i] < 5) {
						refused++;
					} else {
						cut++;
						if (now - opened_at[i] > max_cut)
							max_cut = now - opened_at[i];
					}
					close(fds[i]);
					fds[i] = -1;
					continue;
				}
			}
			if (now - last_sent[i] >= gap) {
				char h[64];
				int len = snprintf(h, sizeof(h), "X-Slow-%d: %d\r\n", i, (int)now);

				send(fds[i], h, (size_t)len, MSG_NOSIGNAL);
				last_sent[i] = now;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0) {
			open_n++;
			close(fds[i]);
		}
	printf("opened=%d refused=%d cut=%d open=%d max_cut_s=%.1f\n", opened,
	       refused, cut, open_n, max_cut);
	return 0;
}
