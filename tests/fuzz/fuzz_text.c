/* SPDX-License-Identifier: MIT */
/*
 * The rules for text from outside on its way out: the one JSON string rule
 * (user/lib/utf8.h) and the one terminal filter in its field form
 * (user/lib/ttysafe.h; fuzz_agentreply has its text form). Input:
 * [selector][chunk size] then the text; the selector picks:
 *   0  UTF-8 repair: whole and in chunks, checked against jansson
 *   1  a field through the terminal filter: whole and in chunks
 * Besides the sanitizers, each case checks what the header promises and
 * aborts when it does not hold.
 */
#include "ttysafe.h"
#include "utf8.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define check(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                \
			abort();                                              \
		}                                                             \
	} while (0)

/* Whole, in chunks of step bytes and in place: one answer, as long as the text. */
static void fuzz_utf8(const uint8_t *in, size_t n, size_t step)
{
	char *whole = malloc(n + 1), *parts = malloc(GS_UTF8_OUT(n) + 1), *same = malloc(n + 1);
	struct gs_utf8 u = { 0 };
	size_t np = 0;
	bool valid;
	json_t *j;

	if (!whole || !parts || !same)
		goto out;
	check(gs_utf8_fix(in, n, whole) == n);
	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		np += gs_utf8_chunk(&u, in + i, take, parts + np);
		check(np <= i + take);
	}
	np += gs_utf8_end(&u, parts + np);
	check(np == n && memcmp(whole, parts, n) == 0);
	memcpy(same, in, n);
	check(gs_utf8_fix(same, n, same) == n && memcmp(same, whole, n) == 0);

	/* valid as jansson sees it; unchanged when it already was */
	j = json_stringn((const char *)in, n);
	valid = j != NULL;
	json_decref(j);
	check(gs_utf8_valid(in, n) == valid);
	check(gs_utf8_valid(whole, n));
	j = json_stringn(whole, n);
	check(j != NULL);
	json_decref(j);
	for (size_t i = 0; i < n; i++)
		check(whole[i] == (char)in[i] || whole[i] == '?');
	if (valid)
		check(memcmp(whole, in, n) == 0);
out:
	free(whole);
	free(parts);
	free(same);
}

/* No control of any kind left, newline and tab included; the same in chunks. */
static void fuzz_field(const uint8_t *in, size_t n, size_t step)
{
	struct gs_ttysafe a = { .field = true }, b = { .field = true };
	uint8_t *whole = malloc(GS_TTYSAFE_OUT(n)), *parts = malloc(GS_TTYSAFE_OUT(n) + n / step + 1);
	size_t na, nb = 0;

	if (!whole || !parts)
		goto out;
	na = gs_ttysafe_chunk(&a, in, n, whole);
	na += gs_ttysafe_end(&a, whole + na);
	for (size_t i = 0; i < n; i += step) {
		size_t take = n - i < step ? n - i : step;

		nb += gs_ttysafe_chunk(&b, in + i, take, parts + nb);
	}
	nb += gs_ttysafe_end(&b, parts + nb);
	check(na == nb && memcmp(whole, parts, na) == 0);
	check(na <= n);
	for (size_t i = 0; i < na; i++) {
		check(whole[i] >= 0x20 && whole[i] != 0x7f);
		check(!(whole[i] == 0xc2 && i + 1 < na && whole[i + 1] >= 0x80 && whole[i + 1] <= 0x9f));
	}
out:
	free(whole);
	free(parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *text;
	size_t n, step;

	if (size < 2)
		return 0;
	step = (size_t)data[1] + 1;
	/* An exact-size copy, so ASan sees any read past the end. */
	n = size - 2;
	text = malloc(n ? n : 1);
	if (!text)
		return 0;
	memcpy(text, data + 2, n);
	switch (data[0] % 2) {
	case 0:
		fuzz_utf8(text, n, step);
		break;
	default:
		fuzz_field(text, n, step);
		break;
	}
	free(text);
	return 0;
}
