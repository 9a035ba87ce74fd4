/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for goscope's cmocka unit tests: where the fixtures and the
 * corpus live, mapping a file, and prerequisites that skip a test locally but
 * fail it under CI (env CI non-empty), so CI can never pass by skipping.
 *
 * Include after cmocka's required headers, or alone: it includes them.
 *
 *	const char *p = gs_require_fixture("hello");
 *	size_t n;
 *	const unsigned char *b = gs_map_file(p, &n);
 *	...
 *	gs_unmap_file(b, n);
 */
#ifndef GOSCOPE_TESTLIB_H
#define GOSCOPE_TESTLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define GS_DEFAULT_FIXTURES "build/fixtures"
#define GS_DEFAULT_CORPUS "/var/cache/goscope/corpus"

static inline bool gs_under_ci(void)
{
	const char *ci = getenv("CI");

	return ci && *ci;
}

/*
 * Paths come from a small ring of static buffers, so a few can be alive at
 * once (e.g. two arguments of one call) without the caller freeing anything.
 */
static inline const char *gs__path(const char *env, const char *dflt,
				   const char *name)
{
	static char ring[8][PATH_MAX];
	static unsigned int next;
	const char *dir = getenv(env);
	char *buf = ring[next++ % 8];
	int n;

	if (!dir || !*dir)
		dir = dflt;
	n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX)
		fail_msg("path too long: %s/%s", dir, name);
	return buf;
}

/* Path of a fixture under $GOSCOPE_FIXTURES (default build/fixtures). */
static inline const char *gs_fixture(const char *name)
{
	return gs__path("GOSCOPE_FIXTURES", GS_DEFAULT_FIXTURES, name);
}

/*
 * Path of a toolchain-matrix build under $GOSCOPE_MATRIX (default
 * build/matrix), e.g. "1.21/selfstat.stripped" (tools/build-matrix.sh).
 */
static inline const char *gs_matrix(const char *name)
{
	return gs__path("GOSCOPE_MATRIX", "build/matrix", name);
}

/* Path of a corpus binary under $GOSCOPE_CORPUS, e.g. "esbuild-0.8.57/esbuild". */
static inline const char *gs_corpus(const char *name)
{
	return gs__path("GOSCOPE_CORPUS", GS_DEFAULT_CORPUS, name);
}

/*
 * A missing prerequisite: skip here, fail under CI. A macro so the message
 * names the test's own file and line.
 */
#define gs_require(cond, what)                                                \
	do {                                                                  \
		if (!(cond))                                                  \
			gs__missing((what), __FILE__, __LINE__);              \
	} while (0)

static inline void gs__missing(const char *what, const char *file, int line)
{
	if (gs_under_ci())
		fail_msg("%s:%d: missing prerequisite under CI: %s", file, line,
			 what);
	fprintf(stderr, "# %s:%d: skipped, missing %s\n", file, line, what);
	skip();
}

/*
 * Require a readable fixture / corpus file (or root) and return its path.
 * Macros, again, so a skip or failure points at the test, not at this file.
 */
#define gs_require_fixture(name) gs__require_file(gs_fixture(name), __FILE__, __LINE__)
#define gs_require_corpus(name) gs__require_file(gs_corpus(name), __FILE__, __LINE__)
#define gs_require_matrix(name) gs__require_file(gs_matrix(name), __FILE__, __LINE__)
#define gs_require_root() gs__require_root(__FILE__, __LINE__)

static inline const char *gs__require_file(const char *path, const char *file,
					   int line)
{
	if (access(path, R_OK) != 0)
		gs__missing(path, file, line);
	return path;
}

static inline void gs__require_root(const char *file, int line)
{
	if (geteuid() != 0)
		gs__missing("root privileges", file, line);
}

/*
 * Map a whole file read-only; NULL on failure. An empty file maps to a
 * non-NULL pointer with *size 0, so "empty input" can be tested like any
 * other. Release with gs_unmap_file().
 */
static inline const void *gs_map_file(const char *path, size_t *size)
{
	static const char empty[1];
	struct stat st;
	void *p;
	int fd;

	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		close(fd);
		return empty;
	}
	/* Shared, as gs_map_fd: a private mapping shows the int3 of any uprobe on the file. */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*size = (size_t)st.st_size;
	return p;
}

static inline void gs_unmap_file(const void *p, size_t size)
{
	if (p && size)
		munmap((void *)p, size);
}

/* Map a fixture / corpus file that must exist (skip or, under CI, fail). */
#define gs_map_fixture(name, size) gs__map_required(gs_require_fixture(name), (size))
#define gs_map_corpus(name, size) gs__map_required(gs_require_corpus(name), (size))

static inline const void *gs__map_required(const char *path, size_t *size)
{
	const void *p = gs_map_file(path, size);

	if (!p)
		fail_msg("cannot map %s", path);
	return p;
}

#endif
