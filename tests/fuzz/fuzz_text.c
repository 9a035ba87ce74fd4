/* SPDX-License-Identifier: MIT */
/*
 * The one JSON string rule (user/lib/utf8.h), which every string from
 * outside meets on its way into JSON: whole, in chunks and in place,
 * checked against jansson's own UTF-8 check. Input: [chunk size] then the
 * text. (The terminal filter is fuzzed by fuzz_agentreply.) Besides the
 * sanitizers, it checks what the header promises and aborts when it does
 * not hold.
 */
#include "utf8.h"
#include "fuzzcheck.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *text;
	size_t n, step;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	/* An exact-size copy, so ASan sees any read past the end. */
	n = size - 1;
	text = malloc(n ? n : 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, n);
	fuzz_utf8(text, n, step);
	free(text);
	return 0;
}
