/* SPDX-License-Identifier: MIT */
/*
 * /proc parsers on tricky and hostile text, the readers on this process and
 * on a fake /proc tree, and the caller-side gops port file rule.
 */
#include "testlib.h"

#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "classify.h"
#include "portfile.h"
#include "proc.h"

/*
 * Copy text into a heap buffer of exactly its length (no NUL after it), so
 * a sanitizer catches any read past len.
 */
static char *exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	return b;
}

/* A full stat line: pid (comm) then fields 3..52 with a few set. */
static size_t make_stat(char *out, size_t sz, const char *pid_comm, const char *state,
			const char *ppid, const char *flags)
{
	return (size_t)snprintf(out, sz,
		"%s %s %s 42 42 0 -1 %s 99 0 0 0 7 3 0 0 20 0 5 0 123456 3133440 389 "
		"18446744073709551615 1 2 3 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 4 5 6 7 8 9 10 0\n",
		pid_comm, state, ppid, flags);
}

static int parse_stat_str(const char *s, size_t n, struct gs_proc_stat *st, struct gs_err *err)
{
	char *b = exact(s, n);
	int r = gs_parse_stat(b, n, st, err);

	free(b);
	return r;
}

static void test_stat_plain(void **state)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char line[512];
	size_t n = make_stat(line, sizeof(line), "1234 (hello)", "S", "1", "4194304");

	assert_int_equal(parse_stat_str(line, n, &st, &err), 0);
	assert_int_equal(st.pid, 1234);
	assert_string_equal(st.comm, "hello");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.flags, 4194304);
	assert_int_equal(st.utime, 7);
	assert_int_equal(st.stime, 3);
	assert_int_equal(st.num_threads, 5);
	assert_int_equal(st.starttime, 123456);
	assert_int_equal(st.rss, 389);
}

static void test_stat_tricky_comm(void **state)
{
	static const struct {
		const char *pid_comm, *comm;
	} cases[] = {
		{ "7 (a) (b)", "a) (b" },
		{ "7 () S 1 ()", ") S 1 (" },		/* fake fields inside the comm */
		{ "7 (a b c)", "a b c" },
		{ "7 ()", "" },
		{ "7 ((()", "((" },
		{ "7 (x\ny)", "x\ny" },
		{ "7 ())))", ")))" },
		{ "7 (kworker/u8:2-events_unbound)", "kworker/u8:2-events_unbound" },
	};
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char line[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = make_stat(line, sizeof(line), cases[i].pid_comm, "R", "99", "0");

		if (parse_stat_str(line, n, &st, &err) != 0)
			fail_msg("case %zu (%s): %s", i, cases[i].pid_comm, err.msg);
		assert_string_equal(st.comm, cases[i].comm);
		assert_int_equal(st.pid, 7);
		assert_int_equal(st.ppid, 99);
		assert_int_equal(st.state, 'R');
	}
}

static void test_stat_long_comm_truncated(void **state)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char comm[300], line[1024];
	size_t n;

	memset(comm, 'c', sizeof(comm));
	memcpy(comm, "9 (", 3);
	comm[sizeof(comm) - 2] = ')';
	comm[sizeof(comm) - 1] = '\0';
	n = make_stat(line, sizeof(line), comm, "S", "1", "0");
	assert_int_equal(parse_stat_str(line, n, &st, &err), 0);
	assert_int_equal(strlen(st.comm), GS_COMM_MAX - 1);
}

/* Every cut before the end of the rss field fails; none crashes. */
static void test_stat_truncated(void **state)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char line[512];
	size_t n = make_stat(line, sizeof(line), "1234 (a) (b)", "S", "1", "0");
	const char *rss = strstr(line, " 389 ");
	size_t need;

	assert_true(n < sizeof(line));
	assert_non_null(rss);
	need = (size_t)(rss - line) + 4;	/* through "389" */
	for (size_t cut = 0; cut <= need; cut++)
		assert_int_equal(parse_stat_str(line, cut, &st, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* One byte more (the space after rss) is enough. */
	assert_int_equal(parse_stat_str(line, need + 1, &st, &err), 0);
	assert_int_equal(st.rss, 389);
}

static void test_stat_garbage(void **state)
{
	static const char *bad[] = {
		"",
		"garbage",
		"(x) S 1",
		"12(x) S 1 2 3",
		"x12 (x) S 1",
		"-5 (x) S 1",
		"0 (x) S 1",
		"99999999999999999999 (x) S 1",
		")( S 1",
	};
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char line[512];
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_stat_str(bad[i], strlen(bad[i]), &st, &err), -1);

	/* Well-formed but with a bad field. */
	n = make_stat(line, sizeof(line), "5 (x)", "S", "-1", "0");
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
	n = make_stat(line, sizeof(line), "5 (x)", "SS", "1", "0");
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
	n = make_stat(line, sizeof(line), "5 (x)", "S", "1x", "0");
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
	n = make_stat(line, sizeof(line), "5 (x)", "S", "1", "99999999999999999999999");
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
	/* Two spaces make an empty field. */
	n = make_stat(line, sizeof(line), "5 (x)", "S", " 1", "0");
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
	/* A NUL in the middle is not a digit. */
	n = make_stat(line, sizeof(line), "5 (x)", "S", "1", "0");
	line[n - 5] = '\0';
	assert_int_equal(parse_stat_str(line, n, &st, &err), 0);	/* past rss: ignored */
	line[strstr(line, " 389") - line + 2] = '\0';
	assert_int_equal(parse_stat_str(line, n, &st, &err), -1);
}

static void test_stat_kthread_flag(void **state)
{
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	char line[512];
	size_t n = make_stat(line, sizeof(line), "2 (kthreadd)", "S", "0", "2129984");

	assert_int_equal(parse_stat_str(line, n, &st, &err), 0);
	assert_true(st.flags & GS_PF_KTHREAD);
	assert_int_equal(st.ppid, 0);
}

static int parse_status_str(const char *s, struct gs_proc_status *st)
{
	struct gs_err err = { 0 };
	size_t n = strlen(s);
	char *b = exact(s, n);
	int r = gs_parse_status(b, n, st, &err);

	free(b);
	return r;
}

static void test_status(void **state)
{
	struct gs_proc_status st;

	assert_int_equal(parse_status_str("Name:\thello\nUmask:\t0022\nState:\tS (sleeping)\n"
					  "Tgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t1\n"
					  "Uid:\t1000\t1001\t1002\t1003\nGid:\t0\t0\t0\t0\n"
					  "Groups:\t1 2 3\nNStgid:\t4242\t17\t1\n"
					  "NSpid:\t4242\t17\t1\nNSpgid:\t1\n", &st), 0);
	assert_true(st.has_uid);
	assert_int_equal(st.uid[0], 1000);
	assert_int_equal(st.uid[1], 1001);
	assert_int_equal(st.uid[3], 1003);
	assert_true(st.has_tgid);
	assert_int_equal(st.tgid, 4242);
	assert_true(st.has_nspid);
	assert_int_equal(st.nspid, 1);
	assert_int_equal(st.nspid_levels, 3);

	/* One level, no trailing newline. */
	assert_int_equal(parse_status_str("NSpid:\t77", &st), 0);
	assert_true(st.has_nspid);
	assert_int_equal(st.nspid, 77);
	assert_int_equal(st.nspid_levels, 1);
	assert_false(st.has_uid);

	/* Old kernels have no NSpid: still fine. */
	assert_int_equal(parse_status_str("Tgid:\t5\nUid:\t0\t0\t0\t0\n", &st), 0);
	assert_false(st.has_nspid);
	assert_true(st.has_uid);
	assert_int_equal(st.uid[0], 0);
}

static void test_status_garbage(void **state)
{
	struct gs_proc_status st;

	assert_int_equal(parse_status_str("", &st), -1);
	assert_int_equal(parse_status_str("garbage\n\n\n", &st), -1);
	assert_int_equal(parse_status_str("Name:\tUid:\t1 2 3 4\n", &st), -1);

	/* Short or bad lines are dropped, the rest kept. */
	assert_int_equal(parse_status_str("Uid:\t1\t2\t3\nTgid:\t9\n", &st), 0);
	assert_false(st.has_uid);
	assert_true(st.has_tgid);
	assert_int_equal(parse_status_str("Uid:\t4294967296\t0\t0\t0\nTgid:\tx\n", &st), -1);
	assert_int_equal(parse_status_str("NSpid:\t12\tabc\nTgid:\t1\n", &st), 0);
	assert_false(st.has_nspid);
	assert_int_equal(parse_status_str("NSpid:\t\n", &st), -1);
	assert_int_equal(parse_status_str("NSpid:\t0\n", &st), -1);
}

#define ID1 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static bool cgroup_id(const char *s, char *out)
{
	size_t n = strlen(s);
	char *b = exact(s, n);
	bool r = gs_parse_cgroup_id(b, n, out);

	free(b);
	return r;
}

static void test_cgroup_runtimes(void **state)
{
	static const char *lines[] = {
		"0::/system.slice/docker-" ID1 ".scope\n",
		"12:memory:/docker/" ID1 "\n",
		"4:cpu,cpuacct:/docker/" ID1 "/\n",
		"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b3c4d_5e6f_7a8b_9c0d_1e2f3a4b5c6d.slice/cri-containerd-" ID1 ".scope\n",
		"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod11111111_2222_3333_4444_555555555555.slice/crio-" ID1 ".scope\n",
		"0::/machine.slice/libpod-" ID1 ".scope/container\n",
		"0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1 ".scope\n",
		"11:pids:/kubepods/besteffort/pod0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/" ID1 "\n",
		"0::/actions_job/" ID1,			/* no final newline */
		/* docker in docker: the innermost id wins */
		"0::/docker/" ID2 "/docker/" ID1 "\n",
		/* cgroup v1: the first line with an id */
		"13:misc:/\n12:memory:/docker/" ID1 "\n11:pids:/docker/" ID1 "\n",
	};
	char out[GS_CONTAINER_ID_LEN + 1];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memset(out, 'X', sizeof(out));
		if (!cgroup_id(lines[i], out))
			fail_msg("case %zu: no id in %s", i, lines[i]);
		assert_string_equal(out, ID1);
	}
}

static void test_cgroup_none(void **state)
{
	static const char *lines[] = {
		"",
		"0::/\n",
		"0::/init.scope\n",
		"0::/user.slice/user-1000.slice/session-3.scope\n",
		"1:name=systemd:/\n4:memory:/process_api/ea0a4d80ca5ea9639b531a56950b06a6\n",
		/* 63 and 65 hex digits */
		"0::/docker/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde" "\n",
		"0::/docker/" ID1 "0\n",
		/* glued to letters, or upper case */
		"0::/docker/x" ID1 "\n",
		"0::/docker/" ID1 "g\n",
		"0::/docker/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n",
		"\n\n\n::::\n",
	};
	char out[GS_CONTAINER_ID_LEN + 1];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (cgroup_id(lines[i], out))
			fail_msg("case %zu: found %s in %s", i, out, lines[i]);
		assert_string_equal(out, "");
	}
}

static void test_cmdline(void **state)
{
	static const char cmd[] = "/usr/bin/prog\0-v\0\0last";	/* cut: no final NUL */
	char *b = exact(cmd, sizeof(cmd) - 1);
	const char *a;
	size_t n;
	char out[64];

	assert_true(gs_cmdline_arg(b, sizeof(cmd) - 1, 0, &a, &n));
	assert_int_equal(n, 13);
	assert_memory_equal(a, "/usr/bin/prog", 13);
	assert_true(gs_cmdline_arg(b, sizeof(cmd) - 1, 1, &a, &n));
	assert_int_equal(n, 2);
	assert_true(gs_cmdline_arg(b, sizeof(cmd) - 1, 2, &a, &n));
	assert_int_equal(n, 0);
	assert_true(gs_cmdline_arg(b, sizeof(cmd) - 1, 3, &a, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(a, "last", 4);
	assert_false(gs_cmdline_arg(b, sizeof(cmd) - 1, 4, &a, &n));
	assert_false(gs_cmdline_arg(b, 0, 0, &a, &n));

	assert_int_equal(gs_cmdline_join(b, sizeof(cmd) - 1, out, sizeof(out)), 22);
	assert_string_equal(out, "/usr/bin/prog -v  last");
	/* Cut by the output size, still terminated. */
	assert_int_equal(gs_cmdline_join(b, sizeof(cmd) - 1, out, 6), 5);
	assert_string_equal(out, "/usr/");
	assert_int_equal(gs_cmdline_join(b, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	free(b);

	/* A terminating NUL does not make an extra empty argument. */
	assert_true(gs_cmdline_arg("a\0", 2, 0, &a, &n));
	assert_false(gs_cmdline_arg("a\0", 2, 1, &a, &n));
}

static void name_of(const char *comm, const char *cmd, size_t len, const char *want)
{
	char out[256];

	gs_proc_name(comm, cmd, len, out, sizeof(out));
	assert_string_equal(out, want);
}

#define CMD(s) s, sizeof(s) - 1

static void test_proc_name(void **state)
{
	/* The kernel cut the comm at 15: argv[0]'s basename is the real name. */
	name_of("protoc-gen-buf-", CMD("/opt/buf/bin/protoc-gen-buf-lint\0--flag\0"),
		"protoc-gen-buf-lint");
	name_of("protoc-gen-buf-", CMD("protoc-gen-buf-breaking\0"), "protoc-gen-buf-breaking");
	/* argv[0] does not start with the comm (renamed, or a script): keep the comm. */
	name_of("protoc-gen-buf-", CMD("/usr/bin/python3\0x\0"), "protoc-gen-buf-");
	name_of("protoc-gen-buf-", CMD("/opt/protoc-gen-buf-lint/\0"), "protoc-gen-buf-lint");
	name_of("protoc-gen-buf-", CMD(""), "protoc-gen-buf-");
	name_of("protoc-gen-buf-", CMD("\0"), "protoc-gen-buf-");
	name_of("protoc-gen-buf-", CMD("/"), "protoc-gen-buf-");
	/* Shorter comms are complete: argv[0] is not consulted. */
	name_of("hello", CMD("/bin/hello-world\0"), "hello");
	name_of("hello", NULL, 0, "hello");
	/* A 16-byte name in a 15-byte-capable path: exact 15 also works. */
	name_of("abcdefghijklmno", CMD("/x/abcdefghijklmno\0"), "abcdefghijklmno");
}

/* ---- readers ---- */

static void test_read_self(void **state)
{
	struct gs_err err = { 0 };
	struct gs_proc_stat st;
	char buf[2048];
	bool trunc;
	ssize_t n = gs_proc_read(getpid(), "stat", buf, sizeof(buf), &trunc, &err);

	assert_true(n > 0);
	assert_false(trunc);
	assert_int_equal(buf[n], '\0');
	assert_int_equal(gs_parse_stat(buf, (size_t)n, &st, &err), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_string_equal(st.comm, "test_proc");
	assert_false(st.flags & GS_PF_KTHREAD);

	/* A small cap truncates and says so. */
	n = gs_proc_read(getpid(), "stat", buf, 8, &trunc, &err);
	assert_int_equal(n, 7);
	assert_true(trunc);
	assert_int_equal(strlen(buf), 7);
}

static void test_status_self(void **state)
{
	struct gs_err err = { 0 };
	struct gs_proc_status st;
	char buf[8192];
	ssize_t n = gs_proc_read(getpid(), "status", buf, sizeof(buf), NULL, &err);

	assert_true(n > 0);
	assert_int_equal(gs_parse_status(buf, (size_t)n, &st, &err), 0);
	assert_true(st.has_uid);
	assert_int_equal(st.uid[0], getuid());
	assert_int_equal(st.tgid, getpid());
}

/* A pid that surely exited: our own reaped child. */
static int dead_pid(void)
{
	pid_t p = fork();

	assert_true(p >= 0);
	if (p == 0)
		_exit(0);
	assert_int_equal(waitpid(p, NULL, 0), p);
	return p;
}

static void test_gone(void **state)
{
	struct gs_err err = { 0 };
	char buf[64];
	uint64_t ino;
	int pid = dead_pid();

	assert_int_equal(gs_proc_read(pid, "stat", buf, sizeof(buf), NULL, &err), -1);
	assert_true(gs_proc_gone(&err));
	assert_false(gs_proc_denied(&err));
	err.code = 0;
	assert_int_equal(gs_proc_open_exe(pid, &err), -1);
	assert_true(gs_proc_gone(&err));
	err.code = 0;
	assert_int_equal(gs_proc_exe_path(pid, buf, sizeof(buf), &err), -1);
	assert_true(gs_proc_gone(&err));
	err.code = 0;
	assert_int_equal(gs_proc_ns(pid, "mnt", &ino, &err), -1);
	assert_true(gs_proc_gone(&err));

	err.code = EACCES;
	assert_true(gs_proc_denied(&err));
	err.code = EPERM;
	assert_true(gs_proc_denied(&err));
	assert_false(gs_proc_gone(&err));
}

static void test_exe_self(void **state)
{
	struct gs_err err = { 0 };
	struct stat a, b;
	char path[PATH_MAX], small[4];
	int fd = gs_proc_open_exe(getpid(), &err);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(stat("/proc/self/exe", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_dev, b.st_dev);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	assert_int_equal(gs_proc_exe_path(getpid(), path, sizeof(path), &err), 0);
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_false(gs_path_deleted_suffix(path));
	/* Too small a buffer is an error, not a silently cut path. */
	assert_int_equal(gs_proc_exe_path(getpid(), small, sizeof(small), &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);

	assert_true(gs_path_deleted_suffix("/tmp/x (deleted)"));
	assert_true(gs_path_deleted_suffix(" (deleted)"));
	assert_false(gs_path_deleted_suffix("(deleted)"));
	assert_false(gs_path_deleted_suffix("/tmp/x (deleted) "));
	assert_false(gs_path_deleted_suffix(""));
}

static void test_ns_self(void **state)
{
	struct gs_err err = { 0 };
	struct stat sb;
	uint64_t ino = 0;

	assert_int_equal(gs_proc_ns(getpid(), "mnt", &ino, &err), 0);
	assert_int_equal(stat("/proc/self/ns/mnt", &sb), 0);
	assert_int_equal(ino, sb.st_ino);
	assert_int_equal(gs_proc_ns(getpid(), "pid", &ino, &err), 0);
	assert_int_equal(stat("/proc/self/ns/pid", &sb), 0);
	assert_int_equal(ino, sb.st_ino);
}

static void test_pid_iter_real(void **state)
{
	struct gs_err err = { 0 };
	struct gs_pid_iter it;
	bool self = false;
	int pid, prev = 0, n = 0;

	assert_int_equal(gs_pid_iter_open(&it, &err), 0);
	while ((pid = gs_pid_iter_next(&it)) > 0) {
		assert_true(pid != prev);
		prev = pid;
		self |= pid == getpid();
		n++;
	}
	assert_int_equal(gs_pid_iter_next(&it), 0);
	gs_pid_iter_close(&it);
	gs_pid_iter_close(&it);		/* twice is harmless */
	assert_true(self);
	assert_true(n >= 1);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mkdir_in(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* The paths every reader opens, built without printf. */
static void test_proc_path(void **state)
{
	struct gs_err err = { 0 };
	char buf[64], tiny[12];

	(void)state;
	assert_int_equal(gs_proc_path(buf, sizeof(buf), 1, "stat", &err), 0);
	assert_string_equal(buf, "/proc/1/stat");
	assert_int_equal(gs_proc_path(buf, sizeof(buf), 4194304, "exe", &err), 0);
	assert_string_equal(buf, "/proc/4194304/exe");
	assert_int_equal(gs_proc_path(buf, sizeof(buf), INT_MAX, "ns/mnt", &err), 0);
	assert_string_equal(buf, "/proc/2147483647/ns/mnt");
	assert_int_equal(gs_proc_path(buf, sizeof(buf), 0, "x", &err), 0);
	assert_string_equal(buf, "/proc/0/x");
	assert_int_equal(gs_proc_path(buf, sizeof(buf), INT_MIN, "x", &err), 0);
	assert_string_equal(buf, "/proc/-2147483648/x");
	/* Exactly full, then one byte short. */
	assert_int_equal(gs_proc_path(tiny, sizeof(tiny), 1, "exe", &err), 0);
	assert_string_equal(tiny, "/proc/1/exe");
	assert_int_equal(gs_proc_path(tiny, sizeof(tiny), 12, "exe", &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);
	gs_proc_set_root("/tmp/fake");
	assert_int_equal(gs_proc_path(buf, sizeof(buf), 42, "cmdline", &err), 0);
	assert_string_equal(buf, "/tmp/fake/42/cmdline");
	gs_proc_set_root(NULL);
}

/* A fake /proc: only numeric directories are PIDs. */
static void test_fake_root(void **state)
{
	char dir[] = "/tmp/gs-proc-XXXXXX", cmd[256];
	struct gs_err err = { 0 };
	struct gs_pid_iter it;
	char buf[64];
	int pid, seen = 0;

	assert_non_null(mkdtemp(dir));
	mkdir_in(dir, "123");
	mkdir_in(dir, "9");
	mkdir_in(dir, "self");
	mkdir_in(dir, "12a");
	mkdir_in(dir, "0123");
	mkdir_in(dir, "99999999999999999999");
	put_file(dir, "456", "not a dir");
	put_file(dir, "123/stat", "123 (fake) S 1 ...");

	gs_proc_set_root(dir);
	assert_string_equal(gs_proc_root(), dir);
	assert_int_equal(gs_pid_iter_open(&it, &err), 0);
	while ((pid = gs_pid_iter_next(&it)) > 0) {
		if (pid != 123 && pid != 9)
			fail_msg("unexpected pid %d", pid);
		seen++;
	}
	gs_pid_iter_close(&it);
	assert_int_equal(seen, 2);

	assert_int_equal(gs_proc_read(123, "stat", buf, sizeof(buf), NULL, &err), 18);
	assert_string_equal(buf, "123 (fake) S 1 ...");
	assert_int_equal(gs_proc_read(9, "stat", buf, sizeof(buf), NULL, &err), -1);
	assert_true(gs_proc_gone(&err));
	gs_proc_set_root(NULL);
	assert_string_equal(gs_proc_root(), "/proc");

	/* No /proc at all is a plain error. */
	gs_proc_set_root("/nonexistent/proc");
	assert_int_equal(gs_pid_iter_open(&it, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(gs_pid_iter_next(&it), 0);
	gs_pid_iter_close(&it);
	gs_proc_set_root(NULL);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A file with embedded NULs (a cmdline), written whole. */
static void put_bytes(const char *dir, const char *name, const char *b, size_t n)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void read_name(int pid, const char *comm, const char *argv0, const char *want)
{
	char out[256];

	gs_proc_read_name(pid, comm, argv0, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("pid %d comm '%s': got '%s', want '%s'", pid, comm, out, want);
}

/* The one name rule over a fake /proc: cmdline only for a 15-byte comm. */
static void test_read_name(void **state)
{
	char dir[] = "/tmp/gs-proc-XXXXXX", cmd[256], out[8];

	assert_non_null(mkdtemp(dir));
	mkdir_in(dir, "10");
	put_bytes(dir, "10/cmdline", CMD("/opt/bin/protoc-gen-buf-lint\0--x\0"));
	mkdir_in(dir, "11");
	put_bytes(dir, "11/cmdline", CMD("/usr/bin/python3\0script\0"));
	mkdir_in(dir, "12");
	put_bytes(dir, "12/cmdline", CMD(""));	/* a zombie's or a kernel thread's */
	mkdir_in(dir, "13");			/* no cmdline: the process is gone */
	gs_proc_set_root(dir);

	read_name(10, "protoc-gen-buf-", NULL, "protoc-gen-buf-lint");
	/* argv0 is only a stand-in: a readable cmdline wins. */
	read_name(10, "protoc-gen-buf-", "/x/protoc-gen-buf-other", "protoc-gen-buf-lint");
	/* A shorter comm is whole: its cmdline is never read. */
	read_name(10, "protoc", NULL, "protoc");
	read_name(10, "protoc", "/x/protoc-gen-buf-other", "protoc");
	/* argv[0] that does not extend comm (a script) leaves comm. */
	read_name(11, "protoc-gen-buf-", NULL, "protoc-gen-buf-");
	/* No cmdline to read: argv0, else comm. */
	read_name(12, "protoc-gen-buf-", "/x/protoc-gen-buf-breaking", "protoc-gen-buf-breaking");
	read_name(12, "protoc-gen-buf-", NULL, "protoc-gen-buf-");
	read_name(13, "protoc-gen-buf-", "/x/protoc-gen-buf-breaking", "protoc-gen-buf-breaking");
	read_name(13, "protoc-gen-buf-", NULL, "protoc-gen-buf-");
	read_name(99, "protoc-gen-buf-", NULL, "protoc-gen-buf-");
	read_name(0, "protoc-gen-buf-", "protoc-gen-buf-x", "protoc-gen-buf-x");
	/* The output is cut to its buffer, NUL-terminated. */
	gs_proc_read_name(10, "protoc-gen-buf-", NULL, out, sizeof(out));
	assert_string_equal(out, "protoc-");
	gs_proc_set_root(NULL);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the one /proc scan ---- */

struct scan_seen {
	int pids[16], errs[16];
	unsigned n, nerr;
};

static void on_scan_error(void *ctx, int pid, const struct gs_err *err)
{
	struct scan_seen *seen = ctx;

	(void)err;
	if (seen->nerr < 16)
		seen->errs[seen->nerr++] = pid;
}

/* Scan the fake /proc; 0 when it went as expected, else which check failed. */
static int scan_fake(void)
{
	struct scan_seen seen = { 0 };
	struct gs_proc_scan s = { .on_error = on_scan_error, .ctx = &seen };
	struct gs_proc_stat st;
	struct gs_err err = { 0 };
	bool e104 = false, e105 = false, e106 = false;

	if (gs_proc_scan_open(&s, &err))
		return 1;
	while (gs_proc_scan_next(&s, &st) > 0 && seen.n < 16)
		seen.pids[seen.n++] = st.pid;
	assert_int_equal(gs_proc_scan_next(&s, &st), 0);	/* stays at the end */
	gs_proc_scan_close(&s);
	if (seen.n != 1 || seen.pids[0] != 100)
		return 2;
	if (s.denied != 1 || s.failed != 2)
		return 3;
	for (unsigned i = 0; i < seen.nerr; i++) {
		e104 |= seen.errs[i] == 104;
		e105 |= seen.errs[i] == 105;
		e106 |= seen.errs[i] == 106;
	}
	if (seen.nerr != 3 || !e104 || !e105 || !e106)
		return 4;
	/* Later errors count alike; running out of memory stops the scan. */
	gs_errf(&err, EACCES, "x");
	if (gs_proc_scan_note(&s, 100, &err) || s.denied != 2)
		return 5;
	gs_errf(&err, ESRCH, "x");
	if (gs_proc_scan_note(&s, 100, &err) || s.denied != 2 || s.failed != 2)
		return 6;
	gs_errf(&err, EIO, "x");
	if (gs_proc_scan_note(&s, 100, &err) || s.failed != 3)
		return 7;
	gs_errf(&err, ENOMEM, "x");
	if (gs_proc_scan_note(&s, 100, &err) != -1)
		return 8;
	return 0;
}

/*
 * Kernel threads, zombies and vanished processes are skipped silently; a
 * stat we may not read counts as denied, other errors as failed.
 */
static void test_scan(void **state)
{
	char dir[] = "/tmp/gs-proc-XXXXXX", cmd[256], line[512], path[PATH_MAX];
	int status, rc;
	pid_t child;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	mkdir_in(dir, "100");
	make_stat(line, sizeof(line), "100 (normal)", "S", "1", "0");
	put_file(dir, "100/stat", line);
	mkdir_in(dir, "101");
	make_stat(line, sizeof(line), "101 (kworker/0:1)", "I", "2", "2129984");	/* PF_KTHREAD */
	put_file(dir, "101/stat", line);
	mkdir_in(dir, "102");
	make_stat(line, sizeof(line), "102 (zombie)", "Z", "1", "0");
	put_file(dir, "102/stat", line);
	mkdir_in(dir, "103");			/* no stat: it exited */
	mkdir_in(dir, "104");
	mkdir_in(dir, "104/stat");		/* unreadable as a file: an error */
	mkdir_in(dir, "105");
	make_stat(line, sizeof(line), "105 (secret)", "S", "1", "0");
	put_file(dir, "105/stat", line);
	snprintf(path, sizeof(path), "%s/105/stat", dir);
	assert_int_equal(chmod(path, 0), 0);	/* denied (to anyone but root) */
	mkdir_in(dir, "106");
	put_file(dir, "106/stat", "106 (garbage");

	gs_proc_set_root(dir);
	if (geteuid() != 0) {
		rc = scan_fake();
	} else {
		/* Root reads any file: scan as nobody, for whom 105 is closed. */
		child = fork();
		assert_true(child >= 0);
		if (child == 0)
			_exit(setgid(65534) || setuid(65534) ? 99 : scan_fake());
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_true(WIFEXITED(status));
		rc = WEXITSTATUS(status);
	}
	gs_proc_set_root(NULL);
	if (rc)
		fail_msg("scan of the fake /proc: check %d failed", rc);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* In the fake /proc: 202's binary is classified, 203's not; no one may read either. */
static int exe_unreadable(void)
{
	struct gs_err err = { 0 };
	struct gs_class *c = gs_proc_classify_exe(202, NULL, &err);

	if (!c || c->verdict != GS_GO)
		return 1;	/* a stat named a known binary: no open needed */
	gs_class_put(c);
	if (gs_proc_classify_exe(203, NULL, &err) || !gs_proc_denied(&err))
		return 2;	/* an unknown one must be opened, and cannot be */
	return 0;
}

static void copy_exe(const char *from, const char *to)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

/* The executable of a process, through the cache. */
static void test_classify_exe(void **state)
{
	char dir[] = "/tmp/gs-proc-XXXXXX", cmd[256], path[PATH_MAX], hello[PATH_MAX];
	struct gs_cache_stats cs0, cs1;
	struct gs_err err = { 0 };
	struct stat sb, self;
	struct gs_class *c, *c2;

	assert_non_null(realpath(gs_require_fixture("hello"), hello));
	/* This test binary: C, so not Go, and the stat is its file's. */
	c = gs_proc_classify_exe(getpid(), &sb, &err);
	assert_non_null(c);
	assert_int_equal(c->verdict, GS_NOT_GO);
	assert_int_equal(stat("/proc/self/exe", &self), 0);
	assert_true(sb.st_dev == self.st_dev && sb.st_ino == self.st_ino);
	gs_class_put(c);
	assert_null(gs_proc_classify_exe(INT_MAX, &sb, &err));
	assert_true(gs_proc_gone(&err));

	/* A fake /proc whose exe links to a Go fixture: parsed once. */
	assert_non_null(mkdtemp(dir));
	mkdir_in(dir, "200");
	snprintf(path, sizeof(path), "%s/200/exe", dir);
	assert_int_equal(symlink(hello, path), 0);
	mkdir_in(dir, "201");			/* no exe: a kernel thread or gone */
	gs_proc_set_root(dir);
	gs_cache_clear();
	c = gs_proc_classify_exe(200, &sb, &err);
	assert_non_null(c);
	assert_int_equal(c->verdict, GS_GO);
	assert_int_equal(stat(hello, &self), 0);
	assert_true(sb.st_ino == self.st_ino);
	gs_cache_stats(&cs0);
	c2 = gs_proc_classify_exe(200, NULL, &err);
	gs_cache_stats(&cs1);
	assert_ptr_equal(c, c2);
	assert_int_equal(cs1.misses, cs0.misses);
	assert_int_equal(cs1.hits, cs0.hits + 1);
	gs_class_put(c2);
	gs_class_put(c);
	assert_null(gs_proc_classify_exe(201, &sb, &err));
	assert_true(gs_proc_gone(&err));

	/* A binary seen before is answered from a stat: its file is not opened again. */
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	copy_exe(hello, path);
	snprintf(path, sizeof(path), "%s/b.bin", dir);
	copy_exe(hello, path);
	mkdir_in(dir, "202");
	mkdir_in(dir, "203");
	snprintf(path, sizeof(path), "%s/202/exe", dir);
	assert_int_equal(symlink("../a.bin", path), 0);
	snprintf(path, sizeof(path), "%s/203/exe", dir);
	assert_int_equal(symlink("../b.bin", path), 0);
	c = gs_proc_classify_exe(202, NULL, &err);
	assert_non_null(c);
	gs_class_put(c);
	snprintf(path, sizeof(path), "%s/a.bin", dir);
	assert_int_equal(chmod(path, 0111), 0);
	snprintf(path, sizeof(path), "%s/b.bin", dir);
	assert_int_equal(chmod(path, 0111), 0);
	if (geteuid() != 0) {
		assert_int_equal(exe_unreadable(), 0);
	} else {
		int status;
		pid_t child = fork();

		/* Root opens any file: look as nobody. */
		assert_true(child >= 0);
		if (child == 0)
			_exit(setgid(65534) || setuid(65534) ? 99 : exe_unreadable());
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	gs_proc_set_root(NULL);
	gs_cache_clear();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- the caller's gops port file ---- */

static void test_portfile(void **state)
{
	char dir[] = "/tmp/gs-gops-XXXXXX", path[PATH_MAX], cmd[256];
	struct gs_err err = { 0 };

	setenv("GOPS_CONFIG_DIR", "/a/gops", 1);
	setenv("XDG_CONFIG_HOME", "/b", 1);
	setenv("HOME", "/c", 1);
	assert_int_equal(gs_agent_portfile(42, path, sizeof(path), &err), 0);
	assert_string_equal(path, "/a/gops/42");
	unsetenv("GOPS_CONFIG_DIR");
	assert_int_equal(gs_agent_portfile(42, path, sizeof(path), &err), 0);
	assert_string_equal(path, "/b/gops/42");
	setenv("XDG_CONFIG_HOME", "", 1);	/* empty counts as unset */
	assert_int_equal(gs_agent_portfile(42, path, sizeof(path), &err), 0);
	assert_string_equal(path, "/c/.config/gops/42");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_int_equal(gs_agent_portfile(42, path, sizeof(path), &err), -1);
	assert_false(gs_agent_present(42));
	setenv("HOME", "/c", 1);
	assert_int_equal(gs_agent_portfile(0, path, sizeof(path), &err), -1);
	assert_int_equal(gs_agent_portfile(42, path, 8, &err), -1);
	assert_int_equal(err.code, ENAMETOOLONG);

	assert_non_null(mkdtemp(dir));
	setenv("GOPS_CONFIG_DIR", dir, 1);
	assert_false(gs_agent_present(4242));
	put_file(dir, "4242", "36473");
	assert_true(gs_agent_present(4242));
	assert_false(gs_agent_present(424));
	unsetenv("GOPS_CONFIG_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_plain),
		cmocka_unit_test(test_stat_tricky_comm),
		cmocka_unit_test(test_stat_long_comm_truncated),
		cmocka_unit_test(test_stat_truncated),
		cmocka_unit_test(test_stat_garbage),
		cmocka_unit_test(test_stat_kthread_flag),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_garbage),
		cmocka_unit_test(test_cgroup_runtimes),
		cmocka_unit_test(test_cgroup_none),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_proc_name),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_status_self),
		cmocka_unit_test(test_gone),
		cmocka_unit_test(test_exe_self),
		cmocka_unit_test(test_ns_self),
		cmocka_unit_test(test_pid_iter_real),
		cmocka_unit_test(test_proc_path),
		cmocka_unit_test(test_fake_root),
		cmocka_unit_test(test_read_name),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_classify_exe),
		cmocka_unit_test(test_portfile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
