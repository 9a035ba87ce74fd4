/* SPDX-License-Identifier: MIT */
/*
 * Finding a gops agent: the pure helpers (config dir rule, port file, passwd,
 * environ), lookups inside a root that must not escape it
 * (openat2 and the fallback walk, same cases), and gs_agent_locate() on this
 * process, dead PIDs and a child with its own environment.
 */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "agentpkg.h"
#include "bysocket.h"
#include "discover.h"
#include "inroot.h"
#include "portfile.h"
#include "proc.h"

/* snprintf for test paths: a cut path fails the test loudly instead of warning. */
static void __attribute__((format(printf, 3, 4))) pathf(char *buf, size_t sz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz)
		fail_msg("path too long");
}

static char *exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	return b;
}

/* ---- pure helpers ---- */

static void test_dir_rule(void **state)
{
	char b[64];
	struct gs_err err = { 0 };

	assert_int_equal(gs_agent_dir_rule("/g", "/x", "/h", "/p", b, sizeof(b), &err), 0);
	assert_string_equal(b, "/g");
	assert_int_equal(gs_agent_dir_rule("", "/x", "/h", "/p", b, sizeof(b), &err), 0);
	assert_string_equal(b, "/x/gops");
	assert_int_equal(gs_agent_dir_rule(NULL, "", "/h", "/p", b, sizeof(b), &err), 0);
	assert_string_equal(b, "/h/.config/gops");
	assert_int_equal(gs_agent_dir_rule(NULL, NULL, "", "/p", b, sizeof(b), &err), 0);
	assert_string_equal(b, "/p/.config/gops");
	assert_int_equal(gs_agent_dir_rule(NULL, NULL, NULL, NULL, b, sizeof(b), &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(gs_agent_dir_rule(NULL, NULL, "/a-rather-long-home-directory", NULL, b, 16,
					   &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);
	/* Relative values are kept as they are: they are relative to the agent's cwd. */
	assert_int_equal(gs_agent_dir_rule("rel/dir", NULL, NULL, NULL, b, sizeof(b), &err), 0);
	assert_string_equal(b, "rel/dir");
}

static int port_of(const char *s, size_t n, uint16_t *port)
{
	char *b = exact(s, n);
	struct gs_err err = { 0 };
	int r = gs_agent_parse_port(b, n, port, &err);

	free(b);
	return r;
}

static void test_parse_port(void **state)
{
	static const char *const bad[] = { "", " ", "0", "65536", "99999", "123456", "12 34",
					   "-1", "+80", "0x50", "80a", "abc", "1e3", "80\n81" };
	uint16_t p = 0;

	assert_int_equal(port_of("36473", 5, &p), 0);
	assert_int_equal(p, 36473);
	assert_int_equal(port_of(" \t36473\n", 8, &p), 0);
	assert_int_equal(p, 36473);
	assert_int_equal(port_of("1", 1, &p), 0);
	assert_int_equal(port_of("65535", 5, &p), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(port_of("00080", 5, &p), 0);
	assert_int_equal(p, 80);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (port_of(bad[i], strlen(bad[i]), &p) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(port_of("80\0", 3, &p), -1);	/* a NUL is not white space */
	{
		char big[100];

		memset(big, ' ', sizeof(big));
		big[50] = '8';
		assert_int_equal(port_of(big, sizeof(big), &p), -1);	/* too long for a port file */
	}
}

static void test_passwd_home(void **state)
{
	static const char pw[] =
		"# comment: 0:0:0:0:/nope\n"
		"root:x:0:0:root:/root:/bin/bash\n"
		"bad:x:abc:1::/bad:/bin/sh\n"
		"short:x:7\n"
		"svc:x:999:995::/var/lib/svc:/usr/sbin/nologin\n"
		"dup:x:999:1::/second:/bin/sh\n"
		"nohome:x:1000:1000:::/bin/sh\n"
		"last:x:4294967294:1::/last";	/* no final newline */
	char *b = exact(pw, sizeof(pw) - 1);
	char out[64], tiny[4];

	assert_true(gs_passwd_home(b, sizeof(pw) - 1, 0, out, sizeof(out)));
	assert_string_equal(out, "/root");
	assert_true(gs_passwd_home(b, sizeof(pw) - 1, 999, out, sizeof(out)));
	assert_string_equal(out, "/var/lib/svc");	/* the first match */
	assert_true(gs_passwd_home(b, sizeof(pw) - 1, 4294967294u, out, sizeof(out)));
	assert_string_equal(out, "/last");
	assert_false(gs_passwd_home(b, sizeof(pw) - 1, 1000, out, sizeof(out)));	/* empty home */
	assert_false(gs_passwd_home(b, sizeof(pw) - 1, 7, out, sizeof(out)));
	assert_false(gs_passwd_home(b, sizeof(pw) - 1, 12345, out, sizeof(out)));
	assert_false(gs_passwd_home(b, sizeof(pw) - 1, 0, tiny, sizeof(tiny)));	/* no room */
	free(b);
}

static void test_environ(void **state)
{
	static const char env[] = "HOME=/h\0XDG_CONFIG_HOME=\0HOMEX=no\0=x\0HOME=/second\0LAST=1";
	char *b = exact(env, sizeof(env) - 1);
	const char *v;
	size_t n;

	assert_true(gs_environ_get(b, sizeof(env) - 1, "HOME", &v, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(v, "/h", 2);	/* the first one wins, as in Go */
	assert_true(gs_environ_get(b, sizeof(env) - 1, "XDG_CONFIG_HOME", &v, &n));
	assert_int_equal(n, 0);
	assert_true(gs_environ_get(b, sizeof(env) - 1, "LAST", &v, &n));
	assert_int_equal(n, 1);
	assert_false(gs_environ_get(b, sizeof(env) - 1, "HOM", &v, &n));
	assert_false(gs_environ_get(b, sizeof(env) - 1, "GOPS_CONFIG_DIR", &v, &n));
	assert_false(gs_environ_get(b, sizeof(env) - 1, "", &v, &n));
	assert_false(gs_environ_get(b, 0, "HOME", &v, &n));
	free(b);
}

static void test_meminfo(void **state)
{
	static const char mi[] = "MemFree:  100 kB\nMemTotal:       16318232 kB\nBuffers: 1 kB\n";
	char *b = exact(mi, sizeof(mi) - 1);
	uint64_t t = 0;

	assert_true(gs_parse_meminfo_total(b, sizeof(mi) - 1, &t));
	assert_int_equal(t, 16318232ull * 1024);
	assert_false(gs_parse_meminfo_total(b, 10, &t));
	free(b);
	b = exact("MemTotal: 12 MB\n", 16);
	assert_false(gs_parse_meminfo_total(b, 16, &t));
	free(b);
}

/* ---- lookups inside a root ---- */

static char root_dir[PATH_MAX];

static void mk(const char *rel, bool dir)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s/%s", root_dir, rel);
	if (dir) {
		assert_int_equal(mkdir(p, 0755), 0);
	} else {
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fputs("data", f);
		fclose(f);
	}
}

static void ln(const char *target, const char *rel)
{
	char p[PATH_MAX];

	pathf(p, sizeof(p), "%s/%s", root_dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup_root(void **state)
{
	strcpy(root_dir, "/tmp/gs-inroot-XXXXXX");
	if (!mkdtemp(root_dir))
		return -1;
	mk("a", true);
	mk("a/b", true);
	mk("a/b/file", false);
	ln("/a", "abs");			/* absolute: the root's /a */
	ln("../../../../../a", "up");		/* climbs past the root: stays at it */
	ln("loop2", "loop1");
	ln("loop1", "loop2");
	ln("/a/b/file", "final");		/* a symlink as the last component */
	ln("/etc", "out");			/* the host's /etc if it escaped */
	ln("a/b/file", "notdir");
	ln("b", "a/rel");			/* relative to its own directory */
	ln("/proc/self/root/etc", "magic");	/* no /proc in this root: nothing */
	return 0;
}

static int teardown_root(void **state)
{
	char cmd[PATH_MAX + 16];

	pathf(cmd, sizeof(cmd), "rm -rf '%s'", root_dir);
	return system(cmd) == 0 ? 0 : -1;
}

enum want { W_FILE, W_DIR, W_LINK };

static void inroot_case(int rootfd, const char *path, int want_errno, enum want kind,
			const struct stat *file_st, bool walk)
{
	struct gs_err err = { 0 };
	struct stat st;
	int fd;

	gs_inroot_force_walk(walk);
	fd = gs_inroot_open(rootfd, path, &err);
	if (walk)
		assert_true(gs_inroot_walked());
	if (want_errno) {
		if (fd >= 0)
			fail_msg("%s (%s): opened, want errno %d", path, walk ? "walk" : "openat2",
				 want_errno);
		if (err.code != want_errno)
			fail_msg("%s (%s): errno %d (%s), want %d", path, walk ? "walk" : "openat2",
				 err.code, err.msg, want_errno);
		return;
	}
	if (fd < 0)
		fail_msg("%s (%s): %s", path, walk ? "walk" : "openat2", err.msg);
	assert_int_equal(fstat(fd, &st), 0);
	switch (kind) {
	case W_FILE:
		if (!S_ISREG(st.st_mode) || st.st_ino != file_st->st_ino)
			fail_msg("%s (%s): not a/b/file", path, walk ? "walk" : "openat2");
		break;
	case W_DIR:
		assert_true(S_ISDIR(st.st_mode));
		break;
	case W_LINK:
		assert_true(S_ISLNK(st.st_mode));
		break;
	}
	close(fd);
}

static void test_inroot(void **state)
{
	static const struct {
		const char *path;
		int err;
		enum want kind;
	} cases[] = {
		{ "a/b/file", 0, W_FILE },
		{ "/a/b/file", 0, W_FILE },
		{ "//a//./b/./file", 0, W_FILE },
		{ "abs/b/file", 0, W_FILE },
		{ "up/b/file", 0, W_FILE },
		{ "../../a/b/file", 0, W_FILE },
		{ "/a/../../../a/b/file", 0, W_FILE },
		{ "abs/../a/b/file", 0, W_FILE },
		{ "a/rel/file", 0, W_FILE },
		{ "final", 0, W_LINK },			/* never followed */
		{ "abs/b/../../final", 0, W_LINK },
		{ "/", 0, W_DIR },
		{ "a/b/..", 0, W_DIR },
		{ "out/passwd", ENOENT, 0 },		/* /etc inside the root: none */
		{ "out/hostname", ENOENT, 0 },
		{ "magic", 0, W_LINK },
		{ "magic/passwd", ENOENT, 0 },
		{ "loop1/x", ELOOP, 0 },
		{ "notdir/x", ENOTDIR, 0 },
		{ "a/b/file/x", ENOTDIR, 0 },
		{ "nothing", ENOENT, 0 },
		{ "", ENOENT, 0 },
	};
	char p[PATH_MAX];
	struct stat file_st;
	int rootfd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC), slash;

	assert_true(rootfd >= 0);
	pathf(p, sizeof(p), "%s/a/b/file", root_dir);
	assert_int_equal(stat(p, &file_st), 0);
	for (int walk = 0; walk < 2; walk++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			inroot_case(rootfd, cases[i].path, cases[i].err, cases[i].kind, &file_st,
				    walk);
	/* Real /proc magic links are refused both ways. */
	slash = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(slash >= 0);
	inroot_case(slash, "/proc/self/root/etc", ELOOP, 0, NULL, false);
	inroot_case(slash, "/proc/self/root/etc", ELOOP, 0, NULL, true);
	inroot_case(slash, "/proc/self/cwd", 0, W_LINK, NULL, false);	/* last: the link */
	gs_inroot_force_walk(false);
	close(slash);
	close(rootfd);
}

/* ---- gs_agent_locate ---- */

static char cfg_dir[PATH_MAX];

static void write_port_file(int pid, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	pathf(p, sizeof(p), "%s/%d", cfg_dir, pid);
	unlink(p);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void port_path(int pid, char *p, size_t sz)
{
	pathf(p, sz, "%s/%d", cfg_dir, pid);
}

static int setup_cfg(void **state)
{
	strcpy(cfg_dir, "/tmp/gs-cfg-XXXXXX");
	if (!mkdtemp(cfg_dir))
		return -1;
	setenv("GOPS_CONFIG_DIR", cfg_dir, 1);
	return 0;
}

static int teardown_cfg(void **state)
{
	char cmd[PATH_MAX + 16];

	unsetenv("GOPS_CONFIG_DIR");
	pathf(cmd, sizeof(cmd), "rm -rf '%s'", cfg_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int listen_local(uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int dead_pid(void)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return pid;
}

static void test_locate_caller_view(void **state)
{
	struct gs_agent_loc loc;
	struct gs_err err = { 0 };
	char p[PATH_MAX], text[16], want[PATH_MAX + 64];
	uint16_t port;
	int lfd = listen_local(&port), me = getpid(), dead;

	/* Nothing yet: gops' own words for the caller's path. */
	assert_int_equal(gs_agent_locate(me, GS_LOCATE_CALLER_ONLY, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_NONE);
	port_path(me, p, sizeof(p));
	assert_string_equal(loc.caller_path, p);
	pathf(want, sizeof(want), "open %s: no such file or directory", p);
	assert_string_equal(loc.why, want);

	/* A file naming the port we listen on: live. */
	pathf(text, sizeof(text), "%u", port);
	write_port_file(me, text);
	assert_int_equal(gs_agent_locate(me, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_LIVE);
	assert_int_equal(loc.view, GS_VIEW_CALLER);
	assert_int_equal(loc.port, port);
	assert_true(loc.listening);
	assert_false(loc.other_netns);
	assert_string_equal(loc.path, p);
	assert_true(gs_agent_live(me));
	assert_string_equal(gs_agent_state_name(loc.state), "live");

	/* The listener gone (or a reused PID): stale, never dialled. */
	close(lfd);
	assert_int_equal(gs_agent_locate(me, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_STALE);
	assert_non_null(strstr(loc.why, "does not listen on port"));
	assert_false(gs_agent_live(me));

	/* A dead PID's file. */
	dead = dead_pid();
	write_port_file(dead, "36473");
	assert_int_equal(gs_agent_locate(dead, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_STALE);
	assert_non_null(strstr(loc.why, "is not running"));
	port_path(dead, p, sizeof(p));
	unlink(p);

	assert_int_equal(gs_agent_locate(0, 0, &loc, &err), -1);
	assert_int_equal(err.code, EINVAL);
	port_path(me, p, sizeof(p));
	unlink(p);
}

static void expect_bad(int pid, const char *why_part)
{
	struct gs_agent_loc loc;
	struct gs_err err = { 0 };

	assert_int_equal(gs_agent_locate(pid, GS_LOCATE_CALLER_ONLY, &loc, &err), 0);
	if (loc.state != GS_AGENT_BAD || !strstr(loc.why, why_part))
		fail_msg("state %s, why \"%s\"; want bad, \"%s\"", gs_agent_state_name(loc.state),
			 loc.why, why_part);
}

static void test_locate_bad_files(void **state)
{
	char p[PATH_MAX], other[PATH_MAX];
	int me = getpid();
	FILE *f;

	port_path(me, p, sizeof(p));
	write_port_file(me, "garbage that is not a port");
	expect_bad(me, "garbage");
	write_port_file(me, "");
	expect_bad(me, "garbage");

	/* A symlink, even to a good-looking file, is not followed. */
	pathf(other, sizeof(other), "%s/elsewhere", cfg_dir);
	f = fopen(other, "w");
	assert_non_null(f);
	fputs("36473", f);
	fclose(f);
	unlink(p);
	assert_int_equal(symlink(other, p), 0);
	expect_bad(me, "symbolic link");

	/* A FIFO must not block us; a directory is no port file. */
	unlink(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	expect_bad(me, "not a regular file");
	unlink(p);
	assert_int_equal(mkdir(p, 0700), 0);
	expect_bad(me, "not a regular file");
	rmdir(p);

	/* A big file is not read. */
	f = fopen(p, "w");
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fputs("36473\n", f);
	fclose(f);
	expect_bad(me, "too large");
	unlink(p);
	unlink(other);
}

/* Start /bin/sleep with its own environment; wait until it has exec'd. */
static pid_t spawn_sleep(char *const envp[])
{
	char *argv[] = { "sleep", "30", NULL };
	char exe[PATH_MAX];
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execve("/bin/sleep", argv, envp);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		char link[64];
		ssize_t n;

		pathf(link, sizeof(link), "/proc/%d/exe", pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n > 0) {
			exe[n] = '\0';
			if (strstr(exe, "sleep"))
				return pid;
		}
		usleep(10000);
	}
	fail_msg("sleep did not start");
	return -1;
}

static void stop(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

/*
 * A sleeping child whose HOME is cfg_dir/NAME, with an empty .config/gops:
 * home gets the path, henv (envp's only entry) "HOME=...".
 */
static pid_t spawn_with_home(const char *name, char home[PATH_MAX], char henv[PATH_MAX + 8],
			     char *const envp[])
{
	char p[PATH_MAX];

	pathf(home, PATH_MAX, "%s/%s", cfg_dir, name);
	assert_int_equal(mkdir(home, 0755), 0);
	pathf(p, sizeof(p), "%s/.config", home);
	assert_int_equal(mkdir(p, 0755), 0);
	pathf(p, sizeof(p), "%s/.config/gops", home);
	assert_int_equal(mkdir(p, 0755), 0);
	pathf(henv, PATH_MAX + 8, "HOME=%s", home);
	return spawn_sleep(envp);
}

static void test_locate_target_view(void **state)
{
	char home[PATH_MAX], henv[PATH_MAX + 8], p[PATH_MAX], want[PATH_MAX + 64];
	char *envp[] = { henv, NULL }, *bare[] = { "PATH=/bin", NULL };
	struct gs_agent_loc loc;
	struct gs_err err = { 0 };
	pid_t pid;
	FILE *f;

	pid = spawn_with_home("home", home, henv, envp);

	/* The caller's dir has nothing; the child's own HOME has its file. */
	pathf(p, sizeof(p), "%s/.config/gops/%d", home, pid);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("36473", f);
	fclose(f);
	assert_int_equal(gs_agent_locate(pid, GS_LOCATE_CALLER_ONLY, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_NONE);
	assert_int_equal(gs_agent_locate(pid, 0, &loc, &err), 0);
	assert_int_equal(loc.view, GS_VIEW_TARGET);
	assert_int_equal(loc.state, GS_AGENT_STALE);	/* sleep listens on nothing */
	assert_int_equal(loc.port, 36473);
	assert_int_equal(loc.ns_pid, pid);
	pathf(want, sizeof(want), "/proc/%d/root%s", pid, p);
	assert_string_equal(loc.path, want);

	/* Its port file as a symlink: refused. */
	unlink(p);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(gs_agent_locate(pid, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_BAD);
	assert_non_null(strstr(loc.why, "symbolic link"));
	unlink(p);

	/* Nothing anywhere: gops' message, then where else we looked. */
	assert_int_equal(gs_agent_locate(pid, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_NONE);
	pathf(want, sizeof(want), "open %s/%d: no such file or directory; nor in its own config dir: open /proc/%d/root%s: no such file or directory",
		 cfg_dir, pid, pid, p);
	assert_string_equal(loc.why, want);
	stop(pid);

	/* No HOME, XDG_CONFIG_HOME or GOPS_CONFIG_DIR: its passwd entry's home. */
	pid = spawn_sleep(bare);
	assert_int_equal(gs_agent_locate(pid, 0, &loc, &err), 0);
	assert_int_equal(loc.state, GS_AGENT_NONE);
	if (geteuid() == 0) {
		pathf(want, sizeof(want), "/proc/%d/root/root/.config/gops/%d", pid, pid);
		if (!strstr(loc.why, want))
			fail_msg("why: %s", loc.why);
	}
	stop(pid);
}

/* A loopback listener a child inherits (not close-on-exec), as an agent's own. */
static int listen_inherited(uint16_t *port)
{
	int fd = listen_local(port);

	assert_int_equal(fcntl(fd, F_SETFD, 0), 0);
	return fd;
}

/*
 * A list's lookups: only where the binary can hold an agent, or where the
 * caller's dir names the PID. The child's own config dir has a live port
 * file, so any lookup finds it.
 */
static void test_agent_scan(void **state)
{
	char home[PATH_MAX], henv[PATH_MAX + 8], p[PATH_MAX], text[16];
	char *envp[] = { henv, NULL };
	struct gs_agent_scan s = { 0 }, early = { 0 };
	struct gs_class c;
	uint16_t port;
	int lfd = listen_inherited(&port);
	pid_t pid;
	FILE *f;

	(void)state;
	pid = spawn_with_home("scanhome", home, henv, envp);
	close(lfd);			/* the child holds the listener now */
	pathf(p, sizeof(p), "%s/.config/gops/%d", home, pid);
	f = fopen(p, "w");
	assert_non_null(f);
	pathf(text, sizeof(text), "%u", port);
	fputs(text, f);
	fclose(f);

	memset(&c, 0, sizeof(c));
	c.verdict = GS_GO;
	c.agent_pkg = GS_AGENT_PKG_LINKED;
	assert_true(gs_agent_scan_live(&s, pid, &c));
	c.agent_pkg = GS_AGENT_PKG_UNKNOWN;
	assert_true(gs_agent_scan_live(&s, pid, &c));
	assert_true(gs_agent_scan_live(&s, pid, NULL));
	/* A binary that holds no agent is not looked up, though the lookup would succeed. */
	c.agent_pkg = GS_AGENT_PKG_NONE;
	assert_true(gs_agent_live_cls(pid, &c));
	assert_false(gs_agent_scan_live(&s, pid, &c));
	assert_false(gs_agent_scan_live(&early, pid, &c));	/* lists the caller's dir */
	/* ... unless the caller's own dir names its PID, as gops would look there. */
	write_port_file(pid, text);
	assert_false(gs_agent_scan_live(&s, pid, &c));	/* the dir is listed once per scan */
	gs_agent_scan_fini(&s);
	assert_true(gs_agent_scan_live(&s, pid, &c));
	assert_false(gs_agent_scan_live(&s, pid + 100000, &c));
	gs_agent_scan_fini(&s);
	gs_agent_scan_fini(&early);
	port_path(pid, p, sizeof(p));
	unlink(p);
	stop(pid);
}

static void test_agent_pkg(void **state)
{
#define FIND(t) gs_agentpkg_find(t, sizeof(t) - 1)
	(void)state;
	assert_int_equal(FIND("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
			      "dep\tgithub.com/google/gops\tv0.3.28\th1:abc=\n"), GS_AGENT_PKG_LINKED);
	/* Module mode lists every module linked in: none of them an agent's. */
	assert_int_equal(FIND("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
			      "dep\tgithub.com/google/gopsutil\tv1.0.0\t\n"), GS_AGENT_PKG_NONE);
	assert_int_equal(FIND("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"),
			 GS_AGENT_PKG_NONE);
	/* A GOPATH build or a Go command lists no dependencies: who knows. */
	assert_int_equal(FIND("path\tcmd/go\nbuild\t-compiler=gc\n"), GS_AGENT_PKG_UNKNOWN);
	assert_int_equal(FIND("path\thi\n"), GS_AGENT_PKG_UNKNOWN);
	assert_int_equal(FIND(""), GS_AGENT_PKG_UNKNOWN);
	assert_int_equal(gs_agentpkg_find(NULL, 0), GS_AGENT_PKG_UNKNOWN);
	/* ... unless its path is an agent's own (the gops CLI, GOPATH-built). */
	assert_int_equal(FIND("path\tgithub.com/google/gops\n"), GS_AGENT_PKG_LINKED);
#undef FIND
}

static void test_resolve(void **state)
{
	struct gs_agent_addr a;
	struct gs_agent_loc loc;
	struct gs_err err = { 0 };
	char want[PATH_MAX + 128];
	int dead = dead_pid();

	assert_int_equal(gs_agent_resolve("127.0.0.1:36473", &a, &loc, &err), 0);
	assert_int_equal(a.port, 36473);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(loc.pid, 0);
	assert_int_equal(gs_agent_resolve("[::1]:80", &a, NULL, &err), 0);
	assert_int_equal(gs_agent_resolve("1:2:3", &a, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "couldn't resolve addr or pid 1:2:3 to TCPAddress: couldn't parse dst address"));

	assert_int_equal(gs_agent_resolve("abc", &a, NULL, &err), -1);
	assert_string_equal(err.msg, "couldn't resolve addr or pid abc to TCPAddress: couldn't parse PID: strconv.Atoi: parsing \"abc\": invalid syntax");
	assert_int_equal(gs_agent_resolve("99999999999", &a, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "value out of range"));
	assert_int_equal(gs_agent_resolve("0", &a, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(gs_agent_resolve("-5", &a, NULL, &err), -1);
	assert_int_equal(err.code, EINVAL);

	{
		char t[16];

		pathf(t, sizeof(t), "%d", dead);
		assert_int_equal(gs_agent_resolve(t, &a, &loc, &err), -1);
		assert_int_equal(err.code, ENOENT);
		pathf(want, sizeof(want),
			 "couldn't resolve addr or pid %d to TCPAddress: couldn't get port for PID %d: open %s/%d: no such file or directory",
			 dead, dead, cfg_dir, dead);
		assert_string_equal(err.msg, want);
		write_port_file(dead, "1");
		assert_int_equal(gs_agent_resolve(t, &a, NULL, &err), -1);
		assert_int_equal(err.code, ESTALE);
		write_port_file(dead, "x");
		assert_int_equal(gs_agent_resolve(t, &a, NULL, &err), -1);
		assert_int_equal(err.code, EBADMSG);
		pathf(want, sizeof(want), "%s/%d", cfg_dir, dead);
		unlink(want);
	}
}

/* A fake agent on a thread: each connection gets "go1.fake\n" to its first byte. */
struct fake {
	int lfd;
	int served;
};

static void *fake_agent(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		int c = accept(f->lfd, NULL, NULL);
		char b;

		if (c < 0)
			return NULL;
		if (read(c, &b, 1) == 1 && b == GS_AGENT_VERSION)
			(void)!write(c, "go1.fake\n", 9);
		f->served++;
		close(c);
	}
}

static void test_check(void **state)
{
	struct fake f = { 0 };
	pthread_t th;
	uint16_t port;
	char text[16], p[PATH_MAX];
	int pids[3], dead = dead_pid();
	bool ok[3] = { false, true, true };

	f.lfd = listen_local(&port);
	assert_int_equal(pthread_create(&th, NULL, fake_agent, &f), 0);
	pathf(text, sizeof(text), "%u", port);
	write_port_file(getpid(), text);
	write_port_file(dead, text);
	pids[0] = getpid();
	pids[1] = dead;
	pids[2] = 1;
	gs_agent_check(pids, 3, ok, 1000);
	assert_true(ok[0]);
	assert_false(ok[1]);
	assert_false(ok[2]);
	assert_int_equal(f.served, 1);
	shutdown(f.lfd, SHUT_RDWR);
	close(f.lfd);
	pthread_join(th, NULL);
	port_path(getpid(), p, sizeof(p));
	unlink(p);
	port_path(dead, p, sizeof(p));
	unlink(p);
	gs_agent_check(pids, 0, ok, 100);	/* nothing to do */
}

/* Which build infos name an agent speaking gops' protocol. */
static void test_agent_linked_modinfo(void **state)
{
#define LINKED(t) gs_agent_linked_modinfo(t, sizeof(t) - 1)
	(void)state;
	assert_true(LINKED("path\texample.com/app\nmod\texample.com/app\t(devel)\t\n"
			   "dep\tgithub.com/google/gops\tv0.3.28\th1:abc=\n"));
	assert_true(LINKED("path\texample.com/goscope/agentdemo\n"
			   "dep\texample.com/goscope/agent\tv0.0.0\t\n=>\t../agent/go\t(devel)\t\n"));
	/* gops itself (its CLI runs an agent too), without a trailing newline */
	assert_true(LINKED("path\tgithub.com/google/gops\nmod\tgithub.com/google/gops\tv0.3.28"));
	assert_true(LINKED("path\tgithub.com/google/gops/agent/internal"));
	/* look-alikes and other fields do not count */
	assert_false(LINKED("dep\tgithub.com/google/gopsutil\tv1.0.0\t\n"));
	assert_false(LINKED("dep\tgithub.com/shirou/gopsutil/v3\tv3.0.0\t\n"));
	assert_false(LINKED("build\tgithub.com/google/gops\n"));
	assert_false(LINKED("=>\tgithub.com/google/gops\tv1\t\n"));
	assert_false(LINKED("depgithub.com/google/gops\n"));
	assert_false(LINKED(""));
	/* bounded by len: what lies past it is not read */
	assert_false(gs_agent_linked_modinfo("dep\tgithub.com/google/gops\n", 10));
	assert_false(gs_agent_linked(NULL));
	/* a name in another field or line first, the real line after it */
	assert_true(LINKED("build\tx=github.com/google/gops\n=>\tgithub.com/google/gops\tv1\t\n"
			   "dep\tgithub.com/google/gopsutil github.com/google/gops\tv1\t\n"
			   "dep\tgithub.com/google/gops\tv0.3.28\t\n"));
	assert_false(LINKED("dep\tx\tgithub.com/google/gops\tgithub.com/google/gops\n"));
	/* the name cut by the end of the text, and as the whole text */
	assert_false(LINKED("dep\tgithub.com/google/gop"));
	assert_false(LINKED("github.com/google/gops"));
	/* 48,000 deps with the agent last, or not at all: the same answers */
	{
		size_t cap = 48000 * 64 + 128, n = 0;
		char *t = malloc(cap);

		assert_non_null(t);
		for (int i = 0; i < 48000; i++)
			n += (size_t)snprintf(t + n, cap - n, "dep\texample.com/m%06d\tv1.0.0\t\n", i);
		assert_false(gs_agent_linked_modinfo(t, n));
		n += (size_t)snprintf(t + n, cap - n, "dep\texample.com/goscope/agent\tv0.0.0\t\n");
		assert_true(gs_agent_linked_modinfo(t, n));
		free(t);
	}
#undef LINKED
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_dir_rule),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_passwd_home),
		cmocka_unit_test(test_environ),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_agent_pkg),
	};
	const struct CMUnitTest inroot[] = {
		cmocka_unit_test(test_inroot),
	};
	const struct CMUnitTest locate[] = {
		cmocka_unit_test(test_locate_caller_view),
		cmocka_unit_test(test_locate_bad_files),
		cmocka_unit_test(test_locate_target_view),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_agent_linked_modinfo),
		cmocka_unit_test(test_agent_scan),
	};
	int rc = 0;

	rc |= cmocka_run_group_tests_name("pure", pure, NULL, NULL);
	rc |= cmocka_run_group_tests_name("inroot", inroot, setup_root, teardown_root);
	rc |= cmocka_run_group_tests_name("locate", locate, setup_cfg, teardown_cfg);
	return rc;
}
