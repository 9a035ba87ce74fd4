/* SPDX-License-Identifier: MIT */
/*
 * gops' memstats lines read agentlessly (livememstats.h) against the
 * program's own runtime.ReadMemStats: selfstat, built by every toolchain,
 * is brought to its quiescent point (a forced collection, the collector
 * off, caches flushed, nothing allocated after its "quiet" line), where
 * every line goscope can read must equal the program's value and every
 * other line must say why not. Plus the value formats of gops' reply.
 */
#include "testlib.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "gopsfmt.h"
#include "livememstats.h"

#define MAX_LINES 32

/* The child of a test that failed midway, killed by the test's teardown. */
static pid_t running;

static int kill_child(void **state)
{
	(void)state;
	if (running > 0) {
		kill(running, SIGKILL);
		waitpid(running, NULL, 0);
		running = 0;
	}
	return 0;
}

struct child {
	pid_t pid;
	FILE *out;
};

static void child_start(struct child *c, const char *path)
{
	char *argv[] = { (char *)path, "-interval", "1h", NULL };
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execv(path, argv);
		_exit(127);
	}
	close(fds[1]);
	running = c->pid;
	c->out = fdopen(fds[0], "r");
	assert_non_null(c->out);
}

static void child_stop(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	running = 0;
	fclose(c->out);
}

/* The next line starting with word. */
static void next_line(struct child *c, const char *word, char *line, size_t n)
{
	while (fgets(line, (int)n, c->out))
		if (strncmp(line, word, strlen(word)) == 0)
			return;
	fail_msg("selfstat ended before a '%s' line", word);
}

static bool kv(const char *line, const char *key, uint64_t *v)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return false;
	*v = strtoull(p + strlen(pat), NULL, 10);
	return true;
}

/* selfstat's key for each of gops' lines (NULL: not printed by it). */
static const char *const keys[GS_MS_NLINES] = {
	[GS_MS_ALLOC] = "alloc", [GS_MS_TOTAL_ALLOC] = "total_alloc", [GS_MS_SYS] = "sys",
	[GS_MS_LOOKUPS] = "lookups", [GS_MS_MALLOCS] = "mallocs", [GS_MS_FREES] = "frees",
	[GS_MS_HEAP_ALLOC] = "heap_alloc", [GS_MS_HEAP_SYS] = "heap_sys",
	[GS_MS_HEAP_IDLE] = "heap_idle", [GS_MS_HEAP_INUSE] = "heap_inuse",
	[GS_MS_HEAP_RELEASED] = "heap_released", [GS_MS_HEAP_OBJECTS] = "heap_objects",
	[GS_MS_STACK_INUSE] = "stack_inuse", [GS_MS_STACK_SYS] = "stack_sys",
	[GS_MS_MSPAN_INUSE] = "mspan_inuse", [GS_MS_MSPAN_SYS] = "mspan_sys",
	[GS_MS_MCACHE_INUSE] = "mcache_inuse", [GS_MS_MCACHE_SYS] = "mcache_sys",
	[GS_MS_BUCKHASH_SYS] = "buckhash_sys", [GS_MS_OTHER_SYS] = "other_sys",
	[GS_MS_GC_SYS] = "gc_sys", [GS_MS_NEXT_GC] = "next_gc", [GS_MS_LAST_GC] = "last_gc",
	[GS_MS_PAUSE_TOTAL] = "pause_total_ns", [GS_MS_PAUSE] = "pause_ns",
	[GS_MS_PAUSE_END] = "pause_end", [GS_MS_NUM_GC] = "numgc",
	[GS_MS_NUM_FORCED_GC] = "num_forced_gc",
	[GS_MS_GC_CPU_FRACTION] = "gc_cpu_fraction_ppm",
};

/* The lines that must be readable on every described release. */
static bool must_read(enum gs_ms_line l)
{
	switch (l) {
	case GS_MS_SYS: case GS_MS_HEAP_SYS: case GS_MS_HEAP_IDLE: case GS_MS_HEAP_INUSE:
	case GS_MS_HEAP_RELEASED: case GS_MS_STACK_INUSE: case GS_MS_STACK_SYS:
	case GS_MS_MSPAN_INUSE: case GS_MS_MSPAN_SYS: case GS_MS_MCACHE_INUSE:
	case GS_MS_MCACHE_SYS: case GS_MS_BUCKHASH_SYS: case GS_MS_OTHER_SYS: case GS_MS_GC_SYS:
	case GS_MS_LAST_GC: case GS_MS_PAUSE_TOTAL: case GS_MS_PAUSE: case GS_MS_PAUSE_END:
	case GS_MS_NUM_GC: case GS_MS_NUM_FORCED_GC: case GS_MS_GC_CPU_FRACTION:
	case GS_MS_ENABLE_GC: case GS_MS_DEBUG_GC: case GS_MS_LOOKUPS:
		return true;
	default:
		return false;
	}
}

/* A snapshot line without its "seq=K" word, for comparing two of them. */
static void strip_seq(const char *line, char *out, size_t n)
{
	const char *p = strstr(line, " seq=");
	size_t k = p ? (size_t)(p - line) : strlen(line);

	snprintf(out, n, "%.*s%s", (int)k, line, p ? strchr(p + 1, ' ') ? strchr(p + 1, ' ') : "" : "");
}

static void check_binary(const char *name)
{
	const char *bin = gs_require_matrix(name);	/* before allocating: it may skip */
	struct gs_live_memstats *ms = malloc(sizeof(*ms));
	struct gs_rt_layout *lay = malloc(sizeof(*lay));
	char line[4096], path[64];
	struct gs_live lv;
	struct gs_err err;
	struct child c;
	int fd;

	assert_non_null(ms);
	assert_non_null(lay);
	char a[4096], b[4096], later[4096];
	int tries;

	child_start(&c, bin);
	next_line(&c, "ready", line, sizeof(line));
	kill(c.pid, SIGUSR1);
	next_line(&c, "quiet", line, sizeof(line));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (gs_rt_layout_load(fd, lay, &err) < 0 || gs_live_attach(&lv, c.pid, lay, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	close(fd);
	/*
	 * The runtime may still move on its own after the quiet line (a new
	 * thread takes its stack from the heap): read between two snapshots
	 * of the program's own that agree, so nothing moved meanwhile.
	 */
	for (tries = 0; tries < 5; tries++) {
		kill(c.pid, SIGUSR2);
		next_line(&c, "still", line, sizeof(line));
		if (gs_live_memstats(&lv, ms, &err) < 0)
			fail_msg("%s: %s", name, err.msg);
		kill(c.pid, SIGUSR2);
		next_line(&c, "still", later, sizeof(later));
		strip_seq(line, a, sizeof(a));
		strip_seq(later, b, sizeof(b));
		if (strcmp(a, b) == 0)
			break;
	}
	if (tries == 5)
		fail_msg("%s: never quiet: the program's own snapshots kept changing", name);
	for (int l = 0; l < GS_MS_NLINES; l++) {
		const struct gs_lms_val *v = &ms->v[l];
		uint64_t want = 0;

		if (!v->ok) {
			if (must_read(l))
				fail_msg("%s: %s unavailable: %s", name, gs_ms_line_key(l), v->why);
			assert_true(strlen(v->why) > 0);
			continue;
		}
		if (l == GS_MS_ENABLE_GC) {
			assert_int_equal(v->u & 0xff, 1);
			continue;
		}
		if (l == GS_MS_DEBUG_GC) {
			assert_int_equal(v->u & 0xff, 0);
			continue;
		}
		if (!keys[l] || !kv(line, keys[l], &want))
			fail_msg("%s: no %s in the quiet line", name, keys[l] ? keys[l] : "?");
		if (l == GS_MS_GC_CPU_FRACTION) {
			if ((uint64_t)(v->f * 1e6) != want)
				fail_msg("%s: gc-cpu-fraction %g, the program says %llu ppm", name, v->f,
					 (unsigned long long)want);
			continue;
		}
		if (v->u != want)
			fail_msg("%s: %s is %llu, the program says %llu", name, gs_ms_line_key(l),
				 (unsigned long long)v->u, (unsigned long long)want);
	}
	child_stop(&c);
	free(ms);
	free(lay);
}

static void for_each_line(const char *mode)
{
	char buf[128], name[128];
	FILE *p = popen("tools/fetch-go-toolchains.sh --list", "r");
	int n = 0;

	assert_non_null(p);
	while (fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!buf[0])
			continue;
		snprintf(name, sizeof(name), "%.60s/selfstat%s", buf, mode);
		check_binary(name);
		n++;
	}
	pclose(p);
	assert_true(n > 0);
}

static void test_quiet_default(void **state)
{
	(void)state;
	for_each_line("");
}

static void test_quiet_stripped(void **state)
{
	(void)state;
	for_each_line(".stripped");
}

static void test_quiet_pie(void **state)
{
	(void)state;
	for_each_line(".pie");
}

/* A process that is gone: an error, every line unavailable. */
static void test_gone(void **state)
{
	const char *bin = gs_require_matrix("1.27/selfstat.stripped");
	struct gs_live_memstats *ms = malloc(sizeof(*ms));
	struct gs_rt_layout *lay = malloc(sizeof(*lay));
	char line[4096], path[64];
	struct gs_live lv;
	struct gs_err err;
	struct child c;
	int fd;

	(void)state;
	child_start(&c, bin);
	next_line(&c, "ready", line, sizeof(line));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(gs_rt_layout_load(fd, lay, &err), 0);
	assert_int_equal(gs_live_attach(&lv, c.pid, lay, &err), 0);
	close(fd);
	child_stop(&c);
	assert_int_equal(gs_live_memstats(&lv, ms, &err), -1);
	assert_int_equal(err.code, ESRCH);
	for (int l = 0; l < GS_MS_NLINES; l++)
		if (!ms->v[l].constant)
			assert_false(ms->v[l].ok);
	free(ms);
	free(lay);
}

/* gops' value formats, as its agent's Go code prints them. */
static void test_formats(void **state)
{
	static const struct { uint64_t v; const char *want; } bytes[] = {
		{ 0, "0 bytes" }, { 1023, "1023 bytes" }, { 1024, "1.00KB (1024 bytes)" },
		{ 1049600, "1.00MB (1049600 bytes)" }, { 1572864, "1.50MB (1572864 bytes)" },
		{ 5ull << 40, "5.00TB (5497558138880 bytes)" },
		{ UINT64_MAX, "16384.00PB (18446744073709551615 bytes)" },
	};
	static const struct { double v; const char *want; } floats[] = {
		{ 0, "0" }, { 0.5, "0.5" }, { 0.000123, "0.000123" }, { 1.2345e-05, "1.2345e-05" },
		{ 123456, "123456" }, { 1234567, "1.234567e+06" }, { 0.1, "0.1" },
		{ 1.0 / 3.0, "0.3333333333333333" }, { 2.5e-300, "2.5e-300" },
	};
	char buf[128];

	(void)state;
	for (size_t k = 0; k < sizeof(bytes) / sizeof(bytes[0]); k++) {
		gs_fmt_gops_bytes(bytes[k].v, buf, sizeof(buf));
		assert_string_equal(buf, bytes[k].want);
	}
	for (size_t k = 0; k < sizeof(floats) / sizeof(floats[0]); k++) {
		gs_fmt_go_float(floats[k].v, buf, sizeof(buf));
		assert_string_equal(buf, floats[k].want);
	}
	setenv("TZ", "UTC", 1);
	tzset();
	/* 1,796,176,547 s after 1970 is 2026-12-02 01:55:47 UTC */
	gs_fmt_go_time(1796176547913716644ll, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-02 01:55:47.913716644 +0000 UTC");
	gs_fmt_go_time(1796176547000000000ll, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-02 01:55:47 +0000 UTC");
	gs_fmt_go_time(1796176547500000000ll, buf, sizeof(buf));
	assert_string_equal(buf, "2026-12-02 01:55:47.5 +0000 UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test_teardown(test_quiet_default, kill_child),
		cmocka_unit_test_teardown(test_quiet_stripped, kill_child),
		cmocka_unit_test_teardown(test_quiet_pie, kill_child),
		cmocka_unit_test_teardown(test_gone, kill_child),
	};

	signal(SIGPIPE, SIG_IGN);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
