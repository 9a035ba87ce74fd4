/* SPDX-License-Identifier: MIT */
/*
 * Globals found in machine code: on binaries with .symtab the scan must give
 * exactly the symbol's address; on stripped fixtures and the release corpus
 * (go1.16 to go1.27) it must land inside .noptrbss, where the linker puts
 * pointer-free int32 globals.
 */
#include "testlib.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "goelf.h"
#include "x86scan.h"

struct img {
	const void *data;
	size_t size;
	struct gs_elf e;
	struct gs_pclntab t;
};

/*
 * Shared and read-only: a private mapping would show the int3 of any uprobe
 * some tracer has on the file (see gs_elf_guarded).
 */
static const void *map_shared(const char *path, size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	*size = (size_t)st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

static void img_open_path(struct img *im, const char *path)
{
	struct gs_moduledata md;
	const char *why;

	im->data = map_shared(path, &im->size);
	if (!im->data)
		fail_msg("cannot map %s", path);
	assert_int_equal(gs_elf_parse(&im->e, im->data, im->size, &why), 0);
	assert_int_equal(gs_pcln_find(&im->e, &im->t), 0);
	if (!im->t.text_known)
		gs_moduledata_find(&im->e, &im->t, &md);
}

static void in_section(const struct gs_elf *e, const char *name, uint64_t addr)
{
	struct gs_shdr sh;

	assert_true(gs_elf_section(e, name, &sh));
	if (addr < sh.addr || addr + 4 > sh.addr + sh.size)
		fail_msg("%#llx not in %s [%#llx, %#llx)", (unsigned long long)addr, name,
			 (unsigned long long)sh.addr, (unsigned long long)(sh.addr + sh.size));
}

static void test_matches_symtab(void **state)
{
	static const char *const names[] = { "gcload", "gcload.pie", "gcload.cgo", "hello" };
	struct gs_sym_query q[2] = { { .name = "runtime.ncpu" }, { .name = "runtime.gomaxprocs" } };
	struct gs_err err;
	struct img im;
	uint64_t ncpu, gmp;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		img_open_path(&im, gs_require_fixture(names[i]));
		assert_int_equal(gs_symtab_lookup(&im.e, q, 2), 0);
		assert_true(q[0].found && q[1].found);
		if (gs_x86_find_ncpu(&im.e, &im.t, &ncpu, &err) < 0)
			fail_msg("%s: %s", names[i], err.msg);
		if (gs_x86_find_gomaxprocs(&im.e, &im.t, &gmp, &err) < 0)
			fail_msg("%s: %s", names[i], err.msg);
		assert_int_equal(ncpu, q[0].value);
		assert_int_equal(gmp, q[1].value);
		munmap((void *)im.data, im.size);
	}
}

static void check_stripped(const char *path)
{
	struct gs_err err;
	struct img im;
	uint64_t ncpu, gmp;

	img_open_path(&im, path);
	if (gs_x86_find_ncpu(&im.e, &im.t, &ncpu, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	if (gs_x86_find_gomaxprocs(&im.e, &im.t, &gmp, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	assert_true(ncpu != gmp);
	in_section(&im.e, ".noptrbss", ncpu);
	in_section(&im.e, ".noptrbss", gmp);
	munmap((void *)im.data, im.size);
}

static void test_stripped_fixture(void **state)
{
	(void)state;
	check_stripped(gs_require_fixture("gcload.stripped"));
	check_stripped(gs_require_fixture("hello.stripped"));
}

static void test_corpus(void **state)
{
	static const char *const names[] = {
		"esbuild-0.8.57/esbuild", "esbuild-0.13.15/esbuild", "esbuild-0.15.18/esbuild",
		"esbuild-0.19.12/esbuild", "buf-1.75.0/buf", "buf-1.75.0/protoc-gen-buf-lint",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_stripped(gs_require_corpus(names[i]));
}

static void test_other_arch(void **state)
{
	struct gs_err err;
	struct img im;
	uint64_t a;

	(void)state;
	img_open_path(&im, gs_require_fixture("hello.arm64"));
	assert_int_equal(gs_x86_find_ncpu(&im.e, &im.t, &a, &err), -1);
	assert_int_equal(err.code, ENOTSUP);
	assert_int_equal(gs_x86_find_gomaxprocs(&im.e, &im.t, &a, &err), -1);
	munmap((void *)im.data, im.size);
}

/* The uprobe points of goscope probe: past the stack check, on every build. */
static void check_after_prologue(const char *path)
{
	static const char *const funcs[] = {
		"runtime.gcResetMarkState", "runtime.gcMarkTermination",
		"runtime.stopTheWorldWithSema", "runtime.startTheWorldWithSema",
		"runtime.newproc1", "runtime.goexit1",
	};
	struct gs_x86_prologue pr;
	struct gs_err err;
	struct gs_func f;
	struct img im;

	img_open_path(&im, path);
	for (size_t k = 0; k < sizeof(funcs) / sizeof(funcs[0]); k++) {
		const uint8_t *p;

		assert_int_equal(gs_pcln_lookup(&im.e, &im.t, funcs[k], &f), 0);
		if (gs_x86_prologue(&im.e, &im.t, &f, &pr, &err) < 0)
			fail_msg("%s: %s: %s", path, funcs[k], err.msg);
		/* A `jbe rel32` (0f 86) or `jbe rel8` (76) near the entry, then the body. */
		assert_true(pr.branch > f.entry && pr.branch < pr.body && pr.body < f.entry + 32);
		p = gs_elf_vaddr(&im.e, pr.branch, 2);
		assert_non_null(p);
		if (!((p[0] == 0x0f && p[1] == 0x86 && pr.body - pr.branch == 6) ||
		      (p[0] == 0x76 && pr.body - pr.branch == 2)))
			fail_msg("%s: %s: +%llu is not a jbe", path, funcs[k],
				 (unsigned long long)(pr.branch - f.entry));
	}
	/* Assembly without a stack check: the entry itself. */
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.memmove", &f), 0);
	assert_int_equal(gs_x86_prologue(&im.e, &im.t, &f, &pr, &err), 0);
	assert_int_equal(pr.branch, 0);
	assert_int_equal(pr.body, f.entry);
	munmap((void *)im.data, im.size);
}

static void test_after_prologue(void **state)
{
	static const char *const fx[] = {
		"gcload", "gcload.stripped", "gcload.pie", "gcload.cgo", "libhello.so",
	};
	static const char *const corpus[] = {
		"esbuild-0.8.57/esbuild", "esbuild-0.13.15/esbuild", "esbuild-0.15.18/esbuild",
		"esbuild-0.19.12/esbuild", "buf-1.75.0/buf",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		check_after_prologue(gs_require_fixture(fx[i]));
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_after_prologue(gs_require_corpus(corpus[i]));
}

static void test_rets(void **state)
{
	struct gs_err err;
	struct gs_func f;
	struct img im;
	uint64_t rets[16];
	const uint8_t *code;
	uint8_t junk[4096];
	uint64_t seed = 42;
	int n;

	(void)state;
	img_open_path(&im, gs_require_fixture("gcload"));
	assert_int_equal(gs_pcln_lookup(&im.e, &im.t, "runtime.osinit", &f), 0);
	code = gs_elf_vaddr(&im.e, f.entry, f.size);
	assert_non_null(code);
	n = gs_x86_rets(code, f.size, f.entry, rets, 16, &err);
	assert_true(n >= 1);
	for (int i = 0; i < n; i++) {
		assert_true(rets[i] >= f.entry && rets[i] < f.entry + f.size);
		assert_int_equal(code[rets[i] - f.entry], 0xc3);
	}
	munmap((void *)im.data, im.size);
	/* Random bytes: some count or an error, never a crash. */
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(junk); i++) {
			seed = seed * 6364136223846793005ull + 1;
			junk[i] = (uint8_t)(seed >> 33);
		}
		n = gs_x86_rets(junk, sizeof(junk), 0x1000, rets, 16, &err);
		assert_true(n >= -1 && n <= 16);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_symtab),
		cmocka_unit_test(test_stripped_fixture),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_other_arch),
		cmocka_unit_test(test_after_prologue),
		cmocka_unit_test(test_rets),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
