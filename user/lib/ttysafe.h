/* SPDX-License-Identifier: MIT */
/*
 * The one terminal filter: text from a source goscope does not trust (an
 * agent's reply, a process name, a file name, module info), made safe for
 * a terminal. Every control character other than newline and tab becomes
 * '?', so the text cannot move the cursor, rewrite lines already shown,
 * retitle the window, set the clipboard (OSC 52) or make the terminal
 * answer back; a CR passes only directly before a newline (CRLF line ends,
 * as CSV writes them, overwrite nothing). C1 controls count as well, in
 * their UTF-8 form (U+0080-U+009F: some terminals take U+009B as CSI,
 * U+0085 as a new line); other bytes, UTF-8 included, pass unchanged.
 * Streamed: state carries across chunks.
 *
 *	struct gs_ttysafe ts = { 0 };		// or { .field = true }
 *	uint8_t out[GS_TTYSAFE_OUT(sizeof(in))];
 *
 *	n = gs_ttysafe_chunk(&ts, in, len, out);	// for each chunk
 *	n = gs_ttysafe_end(&ts, out);			// once, at the end
 *
 * Two uses. A field of a table or line (a name, a path) is filtered
 * always, terminal or not, with newline, tab and every CR as controls too:
 * a name must not forge a line for a script either. Text of many lines (an
 * agent's reply, CSV, Prometheus text) is filtered only on a terminal:
 * piped or redirected, it stays byte for byte (gs_ttysafe_open()).
 */
#ifndef GOSCOPE_TTYSAFE_H
#define GOSCOPE_TTYSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct gs_ttysafe {
	bool lead;	/* the last chunk ended in 0xc2, the lead byte of U+0080-U+00BF */
	bool cr;	/* ... or in a CR: kept only if a newline follows */
	bool field;	/* one field: newline and tab become '?' too */
};

/* Room out needs for a chunk of n bytes: a held byte (lead or CR) may come first. */
#define GS_TTYSAFE_OUT(n) ((n) + 1)

/* Filter in[0..n) into out; returns the bytes written (at most n + 1). */
size_t gs_ttysafe_chunk(struct gs_ttysafe *s, const uint8_t *in, size_t n, uint8_t *out);

/* At the end of the text: a held lead byte as it came, a held CR as '?' (0 or 1 byte). */
size_t gs_ttysafe_end(struct gs_ttysafe *s, uint8_t *out);

/*
 * Text of many lines bound for out: when out is a terminal, a new stream
 * (unbuffered) that passes what is written to it through the filter into
 * out; otherwise out itself, so piped or redirected text stays byte for
 * byte. NULL when out of memory. Finish with gs_ttysafe_close(), which
 * writes a held byte and flushes out: 0, or EOF when a write failed.
 */
FILE *gs_ttysafe_open(FILE *out);
int gs_ttysafe_close(FILE *s, FILE *out);

#endif
