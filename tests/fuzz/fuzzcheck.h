/* SPDX-License-Identifier: MIT */
/*
 * check(c): a fuzz target's own assertion, which stays on in every build
 * (assert() would vanish under NDEBUG): a broken promise aborts, and the
 * fuzzer keeps the input that broke it.
 */
#ifndef GOSCOPE_FUZZCHECK_H
#define GOSCOPE_FUZZCHECK_H

#include <stdio.h>
#include <stdlib.h>

#define check(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                \
			abort();                                              \
		}                                                             \
	} while (0)

#endif
