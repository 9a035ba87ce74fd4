/* SPDX-License-Identifier: MIT */
/*
 * Text from a source goscope does not trust (an agent's reply), made safe
 * for a terminal: every control character other than newline and tab
 * becomes '?', so the text cannot move the cursor, rewrite lines already
 * shown, retitle the window, set the clipboard (OSC 52) or make the
 * terminal answer back. C1 controls count as well, in their UTF-8 form
 * (U+0080-U+009F: some terminals take U+009B as CSI); other bytes,
 * UTF-8 included, pass unchanged. Streamed: state carries across chunks.
 *
 *	struct gs_ttysafe ts = { 0 };
 *	uint8_t out[GS_TTYSAFE_OUT(sizeof(in))];
 *
 *	n = gs_ttysafe_chunk(&ts, in, len, out);	// for each chunk
 *	n = gs_ttysafe_end(&ts, out);			// once, at the end
 *
 * Used only when stdout is a terminal: piped output stays byte for byte.
 */
#ifndef GOSCOPE_TTYSAFE_H
#define GOSCOPE_TTYSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_ttysafe {
	bool lead;	/* the last chunk ended in 0xc2, the lead byte of U+0080-U+00BF */
};

/* Room out needs for a chunk of n bytes: a held lead byte may come first. */
#define GS_TTYSAFE_OUT(n) ((n) + 1)

/* Filter in[0..n) into out; returns the bytes written (at most n + 1). */
size_t gs_ttysafe_chunk(struct gs_ttysafe *s, const uint8_t *in, size_t n, uint8_t *out);

/* At the end of the text: a held lead byte, if any (0 or 1 byte). */
size_t gs_ttysafe_end(struct gs_ttysafe *s, uint8_t *out);

#endif
