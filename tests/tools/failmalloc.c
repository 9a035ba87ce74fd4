/* SPDX-License-Identifier: MIT */
/*
 * LD_PRELOAD allocation-failure injection for fault tests:
 *   GOSCOPE_FAILMALLOC=N   the Nth and every later malloc/calloc/realloc
 *                          (counted from process start) returns NULL.
 * Used to check that running out of memory anywhere gives an error, never a
 * crash. Not for sanitizer builds (they own malloc).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned long fail_at, calls;
static int ready;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);

/* dlsym itself may calloc: serve that from a static arena. */
static char boot[4096];
static size_t boot_used;

static void init(void)
{
	const char *s;

	if (ready)
		return;
	ready = -1;
	real_malloc = dlsym(RTLD_NEXT, "malloc");
	real_calloc = dlsym(RTLD_NEXT, "calloc");
	real_realloc = dlsym(RTLD_NEXT, "realloc");
	s = getenv("GOSCOPE_FAILMALLOC");
	fail_at = s ? strtoul(s, NULL, 10) : 0;
	ready = 1;
}

static int should_fail(void)
{
	if (ready != 1 || !fail_at)
		return 0;
	return ++calls >= fail_at;
}

void *malloc(size_t n)
{
	init();
	if (ready != 1) {
		void *p = boot + boot_used;

		boot_used += (n + 15) & ~(size_t)15;
		return boot_used <= sizeof(boot) ? p : NULL;
	}
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
	init();
	if (ready != 1) {
		void *p = malloc(a * b);

		if (p)
			memset(p, 0, a * b);
		return p;
	}
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
	init();
	if (should_fail()) {
		errno = ENOMEM;
		return NULL;
	}
	return real_realloc(p, n);
}

void free(void *p)
{
	static void (*real_free)(void *);

	if ((char *)p >= boot && (char *)p < boot + sizeof(boot))
		return;
	if (!real_free)
		real_free = dlsym(RTLD_NEXT, "free");
	real_free(p);
}
