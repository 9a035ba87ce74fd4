/* SPDX-License-Identifier: MIT */
/*
 * Socket tables: the parsers on real, tricky and hostile lines, Go's address
 * text, and the reader on this process's own sockets and on a fake /proc.
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "proc.h"
#include "sockets.h"

/* A heap copy of exactly n bytes, so the sanitizer catches a read past it. */
static char *exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	return b;
}

static int parse(const char *line, enum gs_sock_kind kind, struct gs_sock *s)
{
	size_t n = strlen(line);
	char *b = exact(line, n);
	struct gs_err err = { 0 };
	int r = gs_sock_parse_line(b, n, kind, s, &err);

	free(b);
	return r;
}

static void test_tcp4_lines(void **state)
{
	struct gs_sock s;
	char ip[GS_IP_STR_MAX];

	assert_int_equal(parse("  sl  local_address rem_address   st tx_queue rx_queue tr "
			       "tm->when retrnsmt   uid  timeout inode", GS_SOCK_TCP4, &s), 0);
	assert_int_equal(parse("   0: 0100007F:A955 00000000:0000 0A 00000000:00000000 "
			       "00:00000000 00000000     0        0 123456 1 0000000021d71aa8 100 0 0 10 0  ",
			       GS_SOCK_TCP4, &s), 1);
	assert_int_equal(s.kind, GS_SOCK_TCP4);
	assert_int_equal(s.inode, 123456);
	assert_int_equal(s.lport, 0xA955);
	assert_int_equal(s.rport, 0);
	assert_int_equal(s.state, GS_TCP_LISTEN);
	gs_ip_str(s.laddr, false, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.1");
	gs_ip_str(s.raddr, false, ip, sizeof(ip));
	assert_string_equal(ip, "0.0.0.0");
	assert_string_equal(gs_sock_status(&s), "LISTEN");

	assert_int_equal(parse("  12: 0100007F:9865 0502A8C0:94BC 01 00000000:00000000 "
			       "03:000003B9 00000000  1000        0 0 3 00000000782d988f",
			       GS_SOCK_TCP4, &s), 1);
	gs_ip_str(s.raddr, false, ip, sizeof(ip));
	assert_string_equal(ip, "192.168.2.5");
	assert_int_equal(s.rport, 0x94BC);
	assert_string_equal(gs_sock_status(&s), "ESTABLISHED");
	assert_int_equal(s.inode, 0);
}

static void test_tcp6_lines(void **state)
{
	struct gs_sock s;
	char ip[GS_IP_STR_MAX];

	/* [::1]:8080 listening */
	assert_int_equal(parse("   0: 00000000000000000000000001000000:1F90 "
			       "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			       "00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0",
			       GS_SOCK_TCP6, &s), 1);
	gs_ip_str(s.laddr, true, ip, sizeof(ip));
	assert_string_equal(ip, "::1");
	gs_ip_str(s.raddr, true, ip, sizeof(ip));
	assert_string_equal(ip, "::");
	assert_int_equal(s.lport, 8080);
	assert_int_equal(s.inode, 4242);

	/* ::ffff:127.0.0.1 prints as Go prints it: plain IPv4 */
	assert_int_equal(parse("   1: 0000000000000000FFFF00000100007F:1F90 "
			       "0000000000000000FFFF00000100007F:C350 01 00000000:00000000 "
			       "00:00000000 00000000     0        0 4243 1",
			       GS_SOCK_TCP6, &s), 1);
	gs_ip_str(s.laddr, true, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.1");

	/* 2001:db8::1 as the kernel prints it (host-order words) */
	assert_int_equal(parse("   2: B80D0120000000000000000001000000:0050 "
			       "00000000000000000000000000000000:0000 0A 00000000:00000000 "
			       "00:00000000 00000000     0        0 4244 1",
			       GS_SOCK_TCP6, &s), 1);
	gs_ip_str(s.laddr, true, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::1");
}

static void test_udp_and_bad_lines(void **state)
{
	static const char *const bad[] = {
		"   0: 0100007F:A955",				/* cut short */
		"   0: 0100007G:A955 00000000:0000 07 0:0 0:0 0 0 0 1",	/* bad hex */
		"   0: 100007F:A955 00000000:0000 07 0:0 0:0 0 0 0 1",	/* 7 digits */
		"   0: 0100007F:A9551 00000000:0000 07 0:0 0:0 0 0 0 1",	/* 5-digit port */
		"   0: 0100007F:A955 00000000:0000 07 0:0 0:0 0 0 0 x1",	/* bad inode */
		"   0: 0100007F:A955 00000000:0000 107 0:0 0:0 0 0 0 1",	/* 3-digit state */
		"   0: 0100007F:A955 00000000:0000 07 0:0 0:0 0 0 0 99999999999999999999999",
	};
	struct gs_sock s;

	assert_int_equal(parse("  123: 00000000:0044 00000000:0000 07 00000000:00000000 "
			       "00:00000000 00000000     0        0 777 2 0000000000000000 0",
			       GS_SOCK_UDP4, &s), 1);
	assert_int_equal(s.lport, 68);
	assert_string_equal(gs_sock_status(&s), "NONE");
	assert_int_equal(parse("", GS_SOCK_UDP4, &s), 0);
	assert_int_equal(parse("   ", GS_SOCK_UDP4, &s), 0);
	assert_int_equal(parse("garbage", GS_SOCK_UDP4, &s), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], GS_SOCK_TCP4, &s) != -1)
			fail_msg("accepted: %s", bad[i]);
	/* An IPv4 line in the IPv6 table and the reverse do not parse. */
	assert_int_equal(parse("   0: 0100007F:A955 00000000:0000 07 0:0 0:0 0 0 0 1", GS_SOCK_UDP6, &s), -1);
	assert_int_equal(gs_sock_parse_line("x", 1, GS_SOCK_KINDS, &s, NULL), -1);
}

static void test_unix_lines(void **state)
{
	struct gs_sock s;

	assert_int_equal(parse("Num       RefCount Protocol Flags    Type St Inode Path",
			       GS_SOCK_UNIX, &s), 0);
	assert_int_equal(parse("000000002623e704: 00000003 00000000 00000000 0001 03   591",
			       GS_SOCK_UNIX, &s), 1);
	assert_int_equal(s.inode, 591);
	assert_int_equal(s.type, 1);
	assert_int_equal(s.state, 3);
	assert_string_equal(s.path, "");
	assert_string_equal(gs_sock_status(&s), "NONE");

	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000 00010000 0001 01 25917 /run/systemd/notify",
			       GS_SOCK_UNIX, &s), 1);
	assert_string_equal(s.path, "/run/systemd/notify");
	assert_int_equal(s.inode, 25917);

	/* Blanks in a path are part of it; abstract names start with '@'. */
	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000 00010000 0005 01 7 /tmp/a b  c",
			       GS_SOCK_UNIX, &s), 1);
	assert_string_equal(s.path, "/tmp/a b  c");
	assert_int_equal(s.type, 5);
	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000 00010000 0002 01 8 @ab@c",
			       GS_SOCK_UNIX, &s), 1);
	assert_string_equal(s.path, "@ab@c");

	/* Cut-short and malformed records. */
	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000", GS_SOCK_UNIX, &s), -1);
	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000 00010000 0001 01 x /p",
			       GS_SOCK_UNIX, &s), -1);
	assert_int_equal(parse("ffff8d5a0b5c8000: 00000002 00000000 00010000 10001 01 5",
			       GS_SOCK_UNIX, &s), -1);
}

static void test_long_unix_path_is_cut(void **state)
{
	char line[1200];
	struct gs_sock s;
	int n = snprintf(line, sizeof(line), "ffff: 00000002 00000000 00010000 0001 01 9 /");

	memset(line + n, 'x', 1000);
	line[n + 1000] = '\0';
	assert_int_equal(parse(line, GS_SOCK_UNIX, &s), 1);
	assert_int_equal(strlen(s.path), GS_SOCK_PATH_MAX - 1);
	assert_int_equal(s.path[0], '/');
}

static int count_fn(void *ctx, const struct gs_sock *s)
{
	(*(int *)ctx)++;
	return s->inode == 999 ? 7 : 0;
}

static void test_parse_buf(void **state)
{
	static const char table[] =
		"  sl  local_address rem_address   st\n"
		"   0: 0100007F:0001 00000000:0000 0A 0:0 0:0 0 0 0 11 1\n"
		"   1: broken\n"
		"\n"
		"   2: 0100007F:0002 00000000:0000 0A 0:0 0:0 0 0 0 12 1\n"
		"   3: 0100007F:0003 00000000:0000 0A 0:0 0:0 0 0 0 999 1\n"
		"   4: 0100007F:0004 00000000:0000 0A 0:0 0:0 0 0 0 13 1";	/* no final newline */
	static const char plain[] =
		"   0: 0100007F:0001 00000000:0000 0A 0:0 0:0 0 0 0 11 1\n"
		"   1: 0100007F:0004 00000000:0000 0A 0:0 0:0 0 0 0 13 1";
	char *b = exact(table, sizeof(table) - 1);
	int seen = 0;

	assert_int_equal(gs_sock_parse_buf(b, sizeof(table) - 1, GS_SOCK_TCP4, count_fn, &seen), 7);
	assert_int_equal(seen, 3);	/* stopped at inode 999 */
	free(b);
	/* The last record needs no final newline. */
	b = exact(plain, sizeof(plain) - 1);
	seen = 0;
	assert_int_equal(gs_sock_parse_buf(b, sizeof(plain) - 1, GS_SOCK_TCP4, count_fn, &seen), 0);
	assert_int_equal(seen, 2);
	free(b);
}

static void test_socket_link(void **state)
{
	uint64_t ino = 0;

	assert_true(gs_parse_socket_link("socket:[12345]", 14, &ino));
	assert_int_equal(ino, 12345);
	assert_false(gs_parse_socket_link("socket:[]", 9, &ino));
	assert_false(gs_parse_socket_link("socket:[12x]", 12, &ino));
	assert_false(gs_parse_socket_link("pipe:[12345]", 12, &ino));
	assert_false(gs_parse_socket_link("socket:[12345", 13, &ino));
	assert_false(gs_parse_socket_link("/dev/null", 9, &ino));
	assert_false(gs_parse_socket_link("socket:[99999999999999999999999]", 32, &ino));
}

static void ip6(const char *text, const char *want)
{
	uint8_t a[16];
	char out[GS_IP_STR_MAX];

	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
	gs_ip_str(a, true, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("%s: got %s, want %s", text, out, want);
}

static void test_ip_text_like_go(void **state)
{
	char small[6];
	uint8_t a[16] = { 0 };

	ip6("::", "::");
	ip6("::1", "::1");
	ip6("1::", "1::");
	ip6("2001:DB8::1", "2001:db8::1");
	ip6("1:0:0:1:0:0:0:1", "1:0:0:1::1");		/* the longest run */
	ip6("1:0:0:1:0:0:1:1", "1::1:0:0:1:1");		/* the first of equal runs */
	ip6("1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1");	/* one zero group stays */
	ip6("::ffff:10.1.2.3", "10.1.2.3");		/* IPv4-mapped: dotted, as Go */
	ip6("::10.1.2.3", "::a01:203");			/* IPv4-compatible: hex, as Go */
	ip6("fe80::1:2", "fe80::1:2");
	ip6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	gs_ip_str(a, true, small, sizeof(small));	/* cut, but terminated */
	assert_true(strlen(small) < sizeof(small));
	a[0] = 10;
	a[3] = 7;
	gs_ip_str(a, false, small, sizeof(small));
	assert_string_equal(small, "10.0.");
}

static void test_state_names(void **state)
{
	static const char *const want[] = { "", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
					    "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE",
					    "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "" };

	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(gs_tcp_state_name(i), want[i]);
	assert_string_equal(gs_tcp_state_name(1000), "");
	assert_string_equal(gs_sock_kind_name(GS_SOCK_UDP6), "udp6");
	assert_string_equal(gs_sock_file(GS_SOCK_UDP6), "udp6");
	assert_string_equal(gs_sock_file(GS_SOCK_KINDS), "");
}

/* ---- the reader on our own sockets ---- */

static const struct gs_sock *find(const struct gs_sock_list *l, enum gs_sock_kind k, uint16_t port,
				  const char *path)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct gs_sock *s = &l->v[i];

		if (s->kind != k)
			continue;
		if (path ? strcmp(s->path, path) == 0 : s->lport == port)
			return s;
	}
	return NULL;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void test_own_sockets(void **state)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/gs-sock-XXXXXX";
	struct gs_sock_list l;
	struct gs_err err = { 0 };
	const struct gs_sock *s;
	int t4, t6, u4, ux, dup_t4, v6ok;
	uint16_t p4, p6, pu;
	char ip[GS_IP_STR_MAX];

	t4 = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(t4 >= 0);
	assert_int_equal(bind(t4, (struct sockaddr *)&a4, sizeof(a4)), 0);
	assert_int_equal(listen(t4, 1), 0);
	p4 = bound_port(t4);
	dup_t4 = dup(t4);	/* two descriptors, one socket: one line */

	t6 = socket(AF_INET6, SOCK_STREAM, 0);
	v6ok = t6 >= 0 && bind(t6, (struct sockaddr *)&a6, sizeof(a6)) == 0 && listen(t6, 1) == 0;
	p6 = v6ok ? bound_port(t6) : 0;

	u4 = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(u4, (struct sockaddr *)&a4, sizeof(a4)), 0);
	pu = bound_port(u4);

	assert_non_null(mkdtemp(dir));
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/sock with space", dir);
	ux = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(ux, (struct sockaddr *)&un, sizeof(un)), 0);
	assert_int_equal(listen(ux, 1), 0);

	if (gs_proc_sockets(getpid(), &l, &err))
		fail_msg("gs_proc_sockets: %s", err.msg);
	s = find(&l, GS_SOCK_TCP4, p4, NULL);
	assert_non_null(s);
	assert_string_equal(gs_sock_status(s), "LISTEN");
	gs_ip_str(s->laddr, false, ip, sizeof(ip));
	assert_string_equal(ip, "127.0.0.1");
	{
		size_t same = 0;

		for (size_t i = 0; i < l.n; i++)
			same += l.v[i].inode == s->inode;
		assert_int_equal(same, 1);
	}
	if (v6ok) {
		s = find(&l, GS_SOCK_TCP6, p6, NULL);
		assert_non_null(s);
		gs_ip_str(s->laddr, true, ip, sizeof(ip));
		assert_string_equal(ip, "::1");
	}
	s = find(&l, GS_SOCK_UDP4, pu, NULL);
	assert_non_null(s);
	assert_string_equal(gs_sock_status(s), "NONE");
	s = find(&l, GS_SOCK_UNIX, 0, un.sun_path);
	assert_non_null(s);
	assert_int_equal(s->type, SOCK_STREAM);
	/* gops' order: tcp4 before tcp6 before udp4 before unix */
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.v[i - 1].kind <= l.v[i].kind);
	gs_sock_list_free(&l);

	assert_int_equal(gs_proc_listens(getpid(), p4, &err), 1);
	if (v6ok)
		assert_int_equal(gs_proc_listens(getpid(), p6, &err), 1);
	assert_int_equal(gs_proc_listens(getpid(), pu, &err), 0);	/* UDP does not listen */
	close(t4);
	close(dup_t4);
	assert_int_equal(gs_proc_listens(getpid(), p4, &err), 0);

	assert_int_equal(gs_proc_sockets(999999999, &l, &err), -1);
	assert_int_equal(err.code, ESRCH);
	if (t6 >= 0)
		close(t6);
	close(u4);
	close(ux);
	unlink(un.sun_path);
	rmdir(dir);
}

/* ---- the reader on a fake /proc: chunk boundaries, long lines, many sockets ---- */

static void put(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static void test_fake_proc(void **state)
{
	char root[] = "/tmp/gs-fakeproc-XXXXXX", p[PATH_MAX], link[64];
	size_t cap = 1u << 20, n = 0;
	char *tcp = malloc(cap);
	struct gs_sock_list l;
	struct gs_err err = { 0 };

	assert_non_null(tcp);
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/42", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/42/fd", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/42/net", root);
	assert_int_equal(mkdir(p, 0755), 0);
	/* fd 0..2: sockets 100, 5000 and 100 again; fd 3: not a socket */
	for (int fd = 0; fd < 4; fd++) {
		snprintf(p, sizeof(p), "%s/42/fd/%d", root, fd);
		snprintf(link, sizeof(link), fd == 3 ? "/dev/null" : "socket:[%d]",
			 fd == 1 ? 5000 : 100);
		assert_int_equal(symlink(link, p), 0);
	}
	/* A header, a line longer than any real one, then 5000 records. */
	n += (size_t)snprintf(tcp + n, cap - n, "  sl  local_address rem_address   st\n");
	memset(tcp + n, 'z', 9000);
	n += 9000;
	tcp[n++] = '\n';
	for (int i = 1; i <= 5000; i++)
		n += (size_t)snprintf(tcp + n, cap - n,
				      "%5d: 0100007F:%04X 00000000:0000 0A 00000000:00000000 "
				      "00:00000000 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0\n",
				      i, i, i);
	snprintf(p, sizeof(p), "%s/42/net/tcp", root);
	put(p, tcp, n);
	/* no tcp6, udp, udp6, unix: missing tables are skipped */

	gs_proc_set_root(root);
	assert_int_equal(gs_proc_sockets(42, &l, &err), 0);
	/* One line per socket (fds 0 and 2 share 100), in table order, across read chunks. */
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].inode, 100);
	assert_int_equal(l.v[0].lport, 100);
	assert_int_equal(l.v[1].inode, 5000);
	assert_int_equal(l.v[1].lport, 5000);
	gs_sock_list_free(&l);
	assert_int_equal(gs_proc_listens(42, 5000, &err), 1);
	assert_int_equal(gs_proc_listens(42, 4999, &err), 0);
	assert_int_equal(gs_proc_sockets(43, &l, &err), -1);
	assert_int_equal(err.code, ESRCH);
	gs_proc_set_root(NULL);
	free(tcp);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	assert_int_equal(system(p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp4_lines),
		cmocka_unit_test(test_tcp6_lines),
		cmocka_unit_test(test_udp_and_bad_lines),
		cmocka_unit_test(test_unix_lines),
		cmocka_unit_test(test_long_unix_path_is_cut),
		cmocka_unit_test(test_parse_buf),
		cmocka_unit_test(test_socket_link),
		cmocka_unit_test(test_ip_text_like_go),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_own_sockets),
		cmocka_unit_test(test_fake_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
