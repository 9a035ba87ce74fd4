// SPDX-License-Identifier: MIT
/*
 * goscope reads a binary's code while uprobes may sit on it (its own probe
 * and exporter, or anyone's). The kernel writes a uprobe's breakpoint into
 * every mapping of the file it considers executable-capable, which a
 * read-only private or shared mapping of a read-only descriptor is; code
 * read through such a mapping shows int3 where instructions are. gs_map_fd
 * must give the file's bytes whatever is attached: checked here with real
 * uprobe perf events on the entries and probe points of the runtime
 * functions the readers decode, mapped before and after attaching; a
 * private mapping beside them must show the breakpoints, or the test proves
 * nothing.
 */
#include "testlib.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>

#include "classify.h"
#include "goelf.h"
#include "probepoint.h"

static const char *const funcs[] = {
	"runtime.gcount", "runtime.gcStart", "runtime.procresize", "runtime.schedinit",
	"runtime.ReadMemStats", "runtime.gcMarkTermination", "runtime.newproc1",
};
#define NF (sizeof(funcs) / sizeof(funcs[0]))

static int uprobe_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	int t = -1;

	if (f) {
		if (fscanf(f, "%d", &t) != 1)
			t = -1;
		fclose(f);
	}
	return t;
}

/* A uprobe perf event on path at off, for every process (pid -1 needs a CPU). */
static int uprobe_open(int type, const char *path, uint64_t off)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = (uint32_t)type;
	a.config1 = (uint64_t)(uintptr_t)path;	/* uprobe_path */
	a.config2 = off;			/* probe_offset */
	return (int)syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static void check_bytes(const uint8_t *m, int fd, const struct gs_probe_point *pts, const char *when)
{
	for (unsigned i = 0; i < NF; i++) {
		uint64_t offs[2] = { pts[i].f.file_off, pts[i].off };

		if (!pts[i].found)
			continue;
		for (unsigned k = 0; k < 2; k++) {
			uint8_t want[16];

			assert_int_equal(pread(fd, want, sizeof(want), (off_t)offs[k]), sizeof(want));
			if (memcmp(m + offs[k], want, sizeof(want)))
				fail_msg("%s: %s at file offset %#llx reads %02x in goscope's mapping, "
					 "%02x in the file", when, funcs[i], (unsigned long long)offs[k],
					 m[offs[k]], want[0]);
		}
	}
}

static void test_code_under_uprobes(void **state)
{
	const char *path = gs_require_matrix("1.27/selfstat.stripped");
	struct gs_probe_point pts[NF];
	struct gs_err err = { 0 };
	const void *before, *after;
	size_t n1, n2;
	int fd, type, pfd[2 * NF], np = 0, found = 0;
	char real[PATH_MAX];

	(void)state;
	gs_require_root();
	type = uprobe_type();
	gs_require(type >= 0, "the uprobe perf event type");
	assert_non_null(realpath(path, real));
	fd = open(real, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (unsigned i = 0; i < NF; i++)
		pts[i] = (struct gs_probe_point){ .func = funcs[i] };
	assert_int_equal(gs_probe_points_fd(fd, pts, NF, &err), 0);
	assert_int_equal(gs_map_fd(fd, &before, &n1, &err), 0);
	for (unsigned i = 0; i < NF; i++) {
		if (!pts[i].found)
			continue;
		found++;
		pfd[np] = uprobe_open(type, real, pts[i].f.file_off);
		if (pfd[np] < 0)
			fail_msg("uprobe on %s: %s", funcs[i], strerror(errno));
		np++;
		if (pts[i].off != pts[i].f.file_off) {
			pfd[np] = uprobe_open(type, real, pts[i].off);
			if (pfd[np] < 0)
				fail_msg("uprobe on %s's probe point: %s", funcs[i], strerror(errno));
			np++;
		}
	}
	assert_true(found >= 5);
	assert_int_equal(gs_map_fd(fd, &after, &n2, &err), 0);
	check_bytes(before, fd, pts, "mapped before the uprobes");
	check_bytes(after, fd, pts, "mapped with the uprobes on");
	/*
	 * The uprobes are really there: a read-only private mapping made now
	 * (what gs_map_fd must not be) shows the breakpoint at each entry.
	 */
	{
		const uint8_t *priv = mmap(NULL, n2, PROT_READ, MAP_PRIVATE, fd, 0);

		assert_true(priv != MAP_FAILED);
		for (unsigned i = 0; i < NF; i++)
			if (pts[i].found && priv[pts[i].f.file_off] != 0xcc)
				fail_msg("%s: no int3 in a private mapping: the uprobe is not installed",
					 funcs[i]);
		munmap((void *)priv, n2);
	}
	for (int i = 0; i < np; i++)
		close(pfd[i]);
	gs_unmap(before, n1);
	gs_unmap(after, n2);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_under_uprobes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
