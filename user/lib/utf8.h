/* SPDX-License-Identifier: MIT */
/*
 * The one rule for bytes that must become UTF-8 text (every JSON string
 * goscope writes): each valid UTF-8 sequence is kept as it is, and each
 * byte that is not part of one becomes '?'. Valid is RFC 3629's UTF-8: no
 * overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
 * NUL is a character like any other (JSON writes it \u0000). The text keeps
 * its length in bytes, and a byte that starts a valid sequence is never
 * swallowed by a broken one before it: "\xe2\x82" then "é" gives "??é".
 * Streamed: a sequence cut between two chunks is held until it is complete.
 *
 *	struct gs_utf8 u = { 0 };
 *	char out[GS_UTF8_OUT(sizeof(in))];
 *
 *	n = gs_utf8_chunk(&u, in, len, out);	// for each chunk
 *	n = gs_utf8_end(&u, out);		// once: an unfinished sequence, as '?'
 */
#ifndef GOSCOPE_UTF8_H
#define GOSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_utf8 {
	uint8_t pend[4];	/* the sequence begun, not yet complete */
	uint8_t have, need;	/* its bytes so far, and in all (0: none) */
};

/* Room out needs for a chunk of n bytes: up to 3 held bytes may come first. */
#define GS_UTF8_OUT(n) ((n) + 3)

/* Repair in[0..n) into out; returns the bytes written (at most n + 3). */
size_t gs_utf8_chunk(struct gs_utf8 *u, const void *in, size_t n, char *out);

/* At the end of the text: an unfinished sequence, one '?' a byte (0-3 bytes). */
size_t gs_utf8_end(struct gs_utf8 *u, char *out);

/* A whole text into out, which has room for n bytes; returns n. out may be in. */
size_t gs_utf8_fix(const void *in, size_t n, char *out);

/* Is in[0..n) valid UTF-8 as it is? */
bool gs_utf8_valid(const void *in, size_t n);

#endif
