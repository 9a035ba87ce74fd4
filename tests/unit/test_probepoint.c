/* SPDX-License-Identifier: MIT */
/*
 * Uprobe placement (probepoint.h) on real binaries: the entry agrees with
 * .symtab, the probe sits on the stack check's jbe as the file's own bytes
 * show, and the file offset is the one that holds those bytes — on the
 * plain, stripped, PIE and cgo fixtures and on release binaries built by
 * others (go1.16 to go1.27). Other machines get the entry with a caveat;
 * missing functions and files without pclntab say why.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "probepoint.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What goscope probe asks for, and two more. */
static const char *const funcs[] = {
	"runtime.gcResetMarkState", "runtime.gcMarkTermination", "runtime.stopTheWorldWithSema",
	"runtime.startTheWorldWithSema", "runtime.newproc1", "runtime.goexit1",
	"runtime.gcStart", "runtime.main",
};

static int place_path(const char *path, struct gs_probe_point *pts, unsigned n,
		      struct gs_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		fail_msg("%s: cannot open", path);
	rc = gs_probe_points_fd(fd, pts, n, err);
	close(fd);
	return rc;
}

static void place_all(const char *path, struct gs_probe_point *pts)
{
	struct gs_err err = { 0 };

	for (size_t k = 0; k < ARRAY_SIZE(funcs); k++)
		pts[k].func = funcs[k];
	if (place_path(path, pts, ARRAY_SIZE(funcs), &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	for (size_t k = 0; k < ARRAY_SIZE(funcs); k++)
		if (!pts[k].found)
			fail_msg("%s: %s", path, pts[k].why);
}

/* Bytes of the file at off, read as the kernel will when it plants the probe. */
static void file_bytes(const char *path, uint64_t off, uint8_t *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
	close(fd);
}

/* On x86-64: a jbe right after the entry, and the offset holds it. */
static void check_on_branch(const char *path, const struct gs_probe_point *p)
{
	uint8_t b[2];

	if (p->why[0])
		fail_msg("%s: %s: caveat %s", path, p->func, p->why);
	assert_true(p->branch > p->f.entry && p->branch < p->f.entry + 32);
	assert_int_equal(p->at, p->branch);
	assert_true(p->body == p->branch + 2 || p->body == p->branch + 6);
	assert_int_equal(p->off, p->f.file_off + (p->at - p->f.entry));
	file_bytes(path, p->off, b, 2);
	if (!((b[0] == 0x76 && p->body == p->branch + 2) ||
	      (b[0] == 0x0f && b[1] == 0x86 && p->body == p->branch + 6)))
		fail_msg("%s: %s: %02x %02x at offset %#llx is no jbe", path, p->func, b[0], b[1],
			 (unsigned long long)p->off);
}

/* Entries against the symbol table of symsrc (the unstripped twin). */
static void check_symtab(const char *symsrc, const struct gs_probe_point *pts, size_t n)
{
	struct gs_sym_query q[ARRAY_SIZE(funcs)];
	const void *map;
	struct gs_elf e;
	const char *why;
	size_t size;

	assert_true(n <= ARRAY_SIZE(q));
	for (size_t k = 0; k < n; k++)
		q[k] = (struct gs_sym_query){ .name = pts[k].func };
	map = gs_map_fixture(symsrc, &size);
	assert_int_equal(gs_elf_parse(&e, map, size, &why), 0);
	assert_int_equal(gs_symtab_lookup(&e, q, (unsigned)n), 0);
	for (size_t k = 0; k < n; k++) {
		/* Wrappers are named name.abi0 in .symtab: the body keeps the name. */
		assert_true(q[k].found);
		if (q[k].value != pts[k].f.entry)
			fail_msg("%s: %s at %#llx, .symtab says %#llx", symsrc, pts[k].func,
				 (unsigned long long)pts[k].f.entry, (unsigned long long)q[k].value);
	}
	gs_unmap_file(map, size);
}

static void test_fixtures(void **state)
{
	static const struct { const char *file, *symsrc; } fx[] = {
		{ "hello", "hello" }, { "hello.stripped", "hello" }, { "hello.pie", "hello.pie" },
		{ "hello.cgo", "hello.cgo" }, { "gcload", "gcload" },
		{ "gcload.stripped", "gcload" }, { "gcload.pie", "gcload.pie" },
		{ "gcload.cgo", "gcload.cgo" }, { "libhello.so", "libhello.so" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fx); i++) {
		struct gs_probe_point pts[ARRAY_SIZE(funcs)];
		const char *path = gs_require_fixture(fx[i].file);

		place_all(path, pts);
		for (size_t k = 0; k < ARRAY_SIZE(funcs); k++)
			check_on_branch(path, &pts[k]);
		check_symtab(fx[i].symsrc, pts, ARRAY_SIZE(funcs));
	}
}

/* gcStart's entry in each release binary (checked by hand against its code). */
static void test_corpus(void **state)
{
	static const struct { const char *file; uint64_t gcstart; } bins[] = {
		{ "esbuild-0.8.57/esbuild", 0x41be80 },
		{ "esbuild-0.13.15/esbuild", 0x418ea0 },
		{ "esbuild-0.15.18/esbuild", 0x4197c0 },
		{ "esbuild-0.19.12/esbuild", 0x418ea0 },
		{ "buf-1.75.0/buf", 0x431580 },
		{ "buf-1.75.0/protoc-gen-buf-breaking", 0x42d6a0 },
		{ "buf-1.75.0/protoc-gen-buf-lint", 0x42d5c0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bins); i++) {
		struct gs_probe_point pts[ARRAY_SIZE(funcs)];
		const char *path = gs_require_corpus(bins[i].file);

		place_all(path, pts);
		for (size_t k = 0; k < ARRAY_SIZE(funcs); k++) {
			check_on_branch(path, &pts[k]);
			if (!strcmp(funcs[k], "runtime.gcStart"))
				assert_int_equal(pts[k].f.entry, bins[i].gcstart);
		}
	}
}

/* No stack check (assembly, nosplit): the entry itself, no caveat. */
static void test_no_stack_check(void **state)
{
	struct gs_probe_point p = { .func = "runtime.memmove" };
	struct gs_err err;
	const char *path = gs_require_fixture("hello.stripped");
	uint8_t b[1];

	(void)state;
	assert_int_equal(place_path(path, &p, 1, &err), 0);
	assert_true(p.found);
	assert_int_equal(p.branch, 0);
	assert_int_equal(p.at, p.f.entry);
	assert_int_equal(p.body, p.f.entry);
	assert_int_equal(p.off, p.f.file_off);
	assert_string_equal(p.why, "");
	file_bytes(path, p.off, b, 1);
	assert_int_not_equal(b[0], 0xcc);	/* code, not padding */
}

/* Other machines: the entry, with the caveat that says what it costs. */
static void test_other_machines(void **state)
{
	static const char *const fx[] = { "hello.arm64", "hello.386", "hello.ppc64" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fx); i++) {
		struct gs_probe_point pts[2] = { { .func = "runtime.gcStart" }, { .func = "main.main" } };
		const char *path = gs_require_fixture(fx[i]);
		struct gs_err err;

		assert_int_equal(place_path(path, pts, 2, &err), 0);
		for (size_t k = 0; k < 2; k++) {
			assert_true(pts[k].found);
			assert_int_equal(pts[k].branch, 0);
			assert_int_equal(pts[k].at, pts[k].f.entry);
			assert_int_equal(pts[k].off, pts[k].f.file_off);
			assert_non_null(strstr(pts[k].why, "probed at its entry (machine-code scan is "
						       "for x86-64 only)"));
			assert_non_null(strstr(pts[k].why, "counts twice"));
		}
		check_symtab(fx[i], pts, 2);
	}
}

/* What is missing says so, per point; the others are still placed. */
static void test_missing(void **state)
{
	struct gs_probe_point pts[3] = {
		{ .func = "no.such.function" }, { .func = "runtime.gcStart" }, { .func = "runtime.gcStar" },
	};
	struct gs_err err;

	(void)state;
	/* stale outputs from an earlier use are cleared */
	pts[0].found = true;
	pts[0].at = 1;
	assert_int_equal(place_path(gs_require_fixture("hello"), pts, 3, &err), 0);
	assert_false(pts[0].found);
	assert_int_equal(pts[0].at, 0);
	assert_string_equal(pts[0].why, "no.such.function not in pclntab");
	assert_true(pts[1].found);
	assert_false(pts[2].found);
	assert_string_equal(pts[2].why, "runtime.gcStar not in pclntab");
}

/* Files without a function table fail as a whole, with the reason. */
static void test_not_go(void **state)
{
	static const struct { const char *file; int code; const char *msg; } fx[] = {
		{ "cbin", ENOENT, "no pclntab" },
		{ "random.bin", EINVAL, "not an ELF file" },
		{ "empty", EINVAL, "empty file" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(fx); i++) {
		struct gs_probe_point p = { .func = "runtime.gcStart", .found = true };
		struct gs_err err = { 0 };

		assert_int_equal(place_path(gs_require_fixture(fx[i].file), &p, 1, &err), -1);
		assert_int_equal(err.code, fx[i].code);
		assert_string_equal(err.msg, fx[i].msg);
		assert_false(p.found);
	}
}

/* One call for many points gives what one call per point gives. */
static void test_per_binary(void **state)
{
	struct gs_probe_point all[ARRAY_SIZE(funcs)];
	const char *path = gs_require_fixture("hello.pie");

	(void)state;
	place_all(path, all);
	for (size_t k = 0; k < ARRAY_SIZE(funcs); k++) {
		struct gs_probe_point one = { .func = funcs[k] };
		struct gs_err err;

		assert_int_equal(place_path(path, &one, 1, &err), 0);
		assert_memory_equal(&one.f, &all[k].f, sizeof(one.f));
		assert_int_equal(one.at, all[k].at);
		assert_int_equal(one.off, all[k].off);
		assert_int_equal(one.branch, all[k].branch);
		assert_int_equal(one.body, all[k].body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_no_stack_check),
		cmocka_unit_test(test_other_machines),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_not_go),
		cmocka_unit_test(test_per_binary),
	};

	return cmocka_run_group_tests_name("probepoint", tests, NULL, NULL);
}
