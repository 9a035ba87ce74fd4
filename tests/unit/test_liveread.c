/* SPDX-License-Identifier: MIT */
/*
 * Live reads of runtime state: the load bias parser on synthetic maps, and
 * real gcload fixtures (plain, PIE, cgo, no DWARF, stripped) whose own
 * report of NumGoroutine and NumGC the reads must match.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "liveread.h"

/* ---- gs_maps_bias ---- */

static struct gs_phdr exec_loads[] = {
	{ PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x8c000, 0x8c000, 0x1000 },
	{ PT_LOAD, PF_R, 0x8d000, 0x48d000, 0x9a000, 0x9a000, 0x1000 },
	{ PT_LOAD, PF_R | PF_W, 0x127000, 0x527000, 0x15000, 0x4a000, 0x1000 },
};

static int bias_of(const char *maps, dev_t dev, ino_t ino, uint16_t etype, uint64_t *bias,
		   struct gs_err *err)
{
	FILE *f = fmemopen((void *)maps, strlen(maps), "r");
	int rc;

	assert_non_null(f);
	rc = gs_maps_bias(f, dev, ino, exec_loads, 3, etype, bias, err);
	fclose(f);
	return rc;
}

static void test_bias_exec(void **state)
{
	const char *maps =
		"00400000-0048c000 r-xp 00000000 fd:01 1234   /usr/bin/x\n"
		"0048d000-00527000 r--p 0008d000 fd:01 1234   /usr/bin/x\n"
		"00527000-0053c000 rw-p 00127000 fd:01 1234   /usr/bin/x\n"
		"0053c000-00571000 rw-p 00000000 00:00 0 \n"
		"7ffd1000-7ffd2000 r-xp 00000000 00:00 0    [vdso]\n";
	struct gs_err err;
	uint64_t bias = 1;

	(void)state;
	assert_int_equal(bias_of(maps, makedev(0xfd, 1), 1234, ET_EXEC, &bias, &err), 0);
	assert_int_equal(bias, 0);
	/* Another inode, or the same inode on another device only: */
	assert_int_equal(bias_of(maps, makedev(0xfd, 1), 99, ET_EXEC, &bias, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(bias_of(maps, makedev(8, 1), 1234, ET_EXEC, &bias, &err), 0);
}

static void test_bias_pie(void **state)
{
	/* The Go-internal-linked PIE case of docs/go-binary-format.md §9.2. */
	const char *maps =
		"561222cf8000-561222d84000 r-xp 00000000 08:02 77 /tmp/pie (deleted)\n"
		"561222d85000-561222e1f000 r--p 0008d000 08:02 77 /tmp/pie (deleted)\n"
		"561222e1f000-561222e34000 rw-p 00127000 08:02 77 /tmp/pie (deleted)\n";
	const char *bad =
		"561222cf8000-561222d84000 r-xp 00000000 08:02 77 /tmp/pie\n"
		"661222d85000-661222e1f000 r--p 0008d000 08:02 77 /tmp/pie\n";
	const char *garbage = "not a maps line\n-\n\n0-0 r 0 0:0 77\n";
	struct gs_err err;
	uint64_t bias = 0;

	(void)state;
	assert_int_equal(bias_of(maps, makedev(8, 2), 77, ET_DYN, &bias, &err), 0);
	assert_int_equal(bias, 0x561222cf8000ull - 0x400000);
	/* A fixed-address executable must not be biased. */
	assert_int_equal(bias_of(maps, makedev(8, 2), 77, ET_EXEC, &bias, &err), -1);
	assert_int_equal(bias_of(bad, makedev(8, 2), 77, ET_DYN, &bias, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(bias_of(garbage, makedev(0, 0), 77, ET_DYN, &bias, &err), -1);
}

static void test_bias_long_line(void **state)
{
	static char maps[16384];
	struct gs_err err;
	uint64_t bias = 1;
	size_t n;

	(void)state;
	n = (size_t)snprintf(maps, sizeof(maps), "00400000-0048c000 r-xp 00000000 fd:01 5 /");
	memset(maps + n, 'a', 9000);
	n += 9000;
	/* The continuation of the long path must not be read as a line of its own. */
	snprintf(maps + n, sizeof(maps) - n,
		 "00527000-0053c000 rw-p 00127000 fd:01 5 /x\n"
		 "00400000-0048c000 r-xp 00000000 fd:01 5 /x\n");
	assert_int_equal(bias_of(maps, makedev(0xfd, 1), 5, ET_EXEC, &bias, &err), 0);
	assert_int_equal(bias, 0);
}

/* ---- live fixtures ---- */

struct child {
	pid_t pid;
	FILE *out;
};

/* Children still running, killed by the group teardown if a test fails early. */
static pid_t running[8];

static void remember(pid_t pid, bool on)
{
	for (int i = 0; i < 8; i++) {
		if (on && running[i] == 0) {
			running[i] = pid;
			return;
		}
		if (!on && running[i] == pid) {
			running[i] = 0;
			return;
		}
	}
}

static int kill_children(void **state)
{
	(void)state;
	for (int i = 0; i < 8; i++) {
		if (running[i] > 0) {
			kill(running[i], SIGKILL);
			waitpid(running[i], NULL, 0);
			running[i] = 0;
		}
	}
	return 0;
}

/* Start a fixture with args; env GOMAXPROCS=3 so it differs from num CPU. */
static void child_start(struct child *c, const char *path, char *const argv[])
{
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		setenv("GOMAXPROCS", "3", 1);
		execv(path, argv);
		_exit(127);
	}
	close(fds[1]);
	remember(c->pid, true);
	c->out = fdopen(fds[0], "r");
	assert_non_null(c->out);
}

/* The next line starting with word; its key=value number. */
static long child_value(struct child *c, const char *word, const char *key)
{
	char line[512], pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	while (fgets(line, sizeof(line), c->out)) {
		if (strncmp(line, word, strlen(word)) != 0)
			continue;
		p = strstr(line, pat);
		assert_non_null(p);
		return strtol(p + strlen(pat), NULL, 10);
	}
	fail_msg("fixture ended before a '%s' line", word);
	return -1;
}

static void child_stop(struct child *c)
{
	int st;

	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	remember(c->pid, false);
	fclose(c->out);
}

static void layout_of(pid_t pid, struct gs_rt_layout *lay)
{
	char path[64];
	struct gs_err err;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (gs_rt_layout_load(fd, lay, &err) < 0)
		fail_msg("layout of %s: %s", path, err.msg);
	close(fd);
}

static long online_cpus(void)
{
	cpu_set_t set;

	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	return CPU_COUNT(&set);
}

/*
 * A Go fixture, read while idle with GC off, then again after a load.
 * Stripped, its globals come from code (rtglobals.h) and the offsets from
 * the table: the same values must come out.
 */
static void check_fixture(const char *name, bool stripped, enum gs_live_src want_field_src)
{
	char *argv[] = { (char *)name, "-wait", "-idle", "5", "-duration", "1s", "-hold", "30s",
			 NULL };
	const char *path = gs_require_fixture(name);
	struct gs_rt_layout lay;
	struct gs_live_stats st;
	struct gs_live lv;
	struct gs_err err;
	struct child c;
	long gor, numgc;

	child_start(&c, path, argv);
	gor = child_value(&c, "ready", "goroutines");
	layout_of(c.pid, &lay);
	if (gs_live_attach(&lv, c.pid, &lay, &err) < 0)
		fail_msg("%s: attach: %s", name, err.msg);
	assert_int_equal(gs_live_sample(&lv, &st, &err), 0);

	/* Found in the code of stripped binaries, in .symtab otherwise. */
	assert_true(st.v[GS_LV_GOMAXPROCS].ok);
	assert_int_equal(st.v[GS_LV_GOMAXPROCS].v, 3);
	assert_int_equal(st.v[GS_LV_GOMAXPROCS].src, stripped ? GS_LSRC_CODE : GS_LSRC_SYMTAB);
	assert_true(st.v[GS_LV_NCPU].ok);
	assert_int_equal(st.v[GS_LV_NCPU].v, online_cpus());
	assert_true(st.v[GS_LV_THREADS].ok);
	assert_true(st.proc_threads > 0);
	assert_true(st.v[GS_LV_GOROUTINES].ok);
	assert_int_equal(st.v[GS_LV_GOROUTINES].src, want_field_src);
	/* Idle, collector off: the count is exactly what the program said. */
	assert_int_equal(st.v[GS_LV_GOROUTINES].v, gor);
	/* Ms: one per thread, plus in cgo binaries the "extra" M kept ready,
	 * without a thread, for calls from C threads. */
	assert_int_equal(st.v[GS_LV_THREADS].src, want_field_src);
	if (st.v[GS_LV_THREADS].v < 1 || st.v[GS_LV_THREADS].v > st.proc_threads + 1)
		fail_msg("%s: %lld Ms for %ld threads", name, (long long)st.v[GS_LV_THREADS].v,
			 st.proc_threads);
	assert_true(st.v[GS_LV_NUMGC].ok);
	assert_true(st.v[GS_LV_HEAP_INUSE].ok && st.v[GS_LV_HEAP_INUSE].v > 0);
	assert_true(st.v[GS_LV_HEAP_LIVE].ok);

	/* Run the load; after "done" the collector is off again: numgc is final. */
	kill(c.pid, SIGUSR1);
	numgc = child_value(&c, "done", "numgc");
	assert_true(numgc > 0);
	assert_int_equal(gs_live_sample(&lv, &st, &err), 0);
	assert_int_equal(st.v[GS_LV_NUMGC].v, numgc);
	child_stop(&c);
}

static void test_live_plain(void **state)
{
	(void)state;
	check_fixture("gcload", false, GS_LSRC_SYMTAB_DWARF);
}

static void test_live_pie(void **state)
{
	(void)state;
	check_fixture("gcload.pie", false, GS_LSRC_SYMTAB_DWARF);
}

static void test_live_cgo(void **state)
{
	(void)state;
	check_fixture("gcload.cgo", false, GS_LSRC_SYMTAB_DWARF);
}

static void test_live_nodwarf(void **state)
{
	(void)state;
	check_fixture("gcload.nodwarf", false, GS_LSRC_SYMTAB_TABLE);
}

static void test_live_stripped(void **state)
{
	(void)state;
	check_fixture("gcload.stripped", true, GS_LSRC_CODE_TABLE);
}

/* Bad addresses and vanished processes are errors, never crashes. */
static void test_read_errors(void **state)
{
	char *argv[] = { "gcload", "-wait", NULL };
	struct gs_rt_layout lay;
	struct gs_live_stats st;
	struct gs_live lv;
	struct gs_err err;
	struct child c;
	uint64_t word;
	int status;

	(void)state;
	assert_int_equal(gs_live_read(getpid(), 0, &word, 8, &err), -1);
	assert_int_equal(err.code, EFAULT);
	child_start(&c, gs_require_fixture("gcload"), argv);
	child_value(&c, "ready", "goroutines");
	layout_of(c.pid, &lay);
	assert_int_equal(gs_live_attach(&lv, c.pid, &lay, &err), 0);
	kill(c.pid, SIGKILL);
	waitpid(c.pid, &status, 0);
	remember(c.pid, false);
	assert_int_equal(gs_live_sample(&lv, &st, &err), -1);
	assert_int_equal(err.code, ESRCH);
	assert_false(st.v[GS_LV_GOROUTINES].ok);
	assert_int_equal(gs_live_attach(&lv, c.pid, &lay, &err), -1);
	assert_int_equal(err.code, ESRCH);
	fclose(c.out);
}

/* Not Go: the layout refuses it. */
static void test_layout_not_go(void **state)
{
	struct gs_rt_layout lay;
	struct gs_err err;
	int fd;

	(void)state;
	fd = open(gs_require_fixture("cbin"), O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(gs_rt_layout_load(fd, &lay, &err), -1);
	assert_int_equal(err.code, ENOEXEC);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bias_exec),
		cmocka_unit_test(test_bias_pie),
		cmocka_unit_test(test_bias_long_line),
		cmocka_unit_test(test_live_plain),
		cmocka_unit_test(test_live_pie),
		cmocka_unit_test(test_live_cgo),
		cmocka_unit_test(test_live_nodwarf),
		cmocka_unit_test(test_live_stripped),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_layout_not_go),
	};

	signal(SIGPIPE, SIG_IGN);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, kill_children);
}
