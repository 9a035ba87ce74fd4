/* SPDX-License-Identifier: MIT */
/* Terminal-safe text; see ttysafe.h. */
#include "ttysafe.h"

#include <stdlib.h>
#include <unistd.h>

static bool c0(const struct gs_ttysafe *s, uint8_t b)
{
	return (b < 0x20 && (s->field || (b != '\n' && b != '\t'))) || b == 0x7f;
}

size_t gs_ttysafe_chunk(struct gs_ttysafe *s, const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = in[i];

		if (s->lead) {
			s->lead = false;
			/* 0xc2 0x80-0x9f is a C1 control: one '?' for the pair. */
			if (b >= 0x80 && b <= 0x9f) {
				out[o++] = '?';
				continue;
			}
			out[o++] = 0xc2;
		} else if (s->cr) {
			/* CR LF ends a line and can overwrite nothing; a lone CR can. */
			s->cr = false;
			out[o++] = b == '\n' ? '\r' : '?';
		}
		if (b == 0xc2) {
			s->lead = true;	/* decide when the next byte comes */
			continue;
		}
		if (b == '\r' && !s->field) {
			s->cr = true;
			continue;
		}
		out[o++] = c0(s, b) ? '?' : b;
	}
	return o;
}

size_t gs_ttysafe_end(struct gs_ttysafe *s, uint8_t *out)
{
	if (s->cr) {
		s->cr = false;
		out[0] = '?';
		return 1;
	}
	if (!s->lead)
		return 0;
	s->lead = false;
	out[0] = 0xc2;
	return 1;
}

/* ---- a stream that filters into another ---- */

struct tty_cookie {
	FILE *out;
	struct gs_ttysafe ts;
};

static ssize_t tty_write(void *c, const char *buf, size_t n)
{
	struct tty_cookie *t = c;
	uint8_t out[GS_TTYSAFE_OUT(4096)];
	size_t done = 0;

	while (done < n) {
		size_t take = n - done < 4096 ? n - done : 4096;
		size_t m = gs_ttysafe_chunk(&t->ts, (const uint8_t *)buf + done, take, out);

		if (fwrite(out, 1, m, t->out) != m)
			return -1;
		done += take;
	}
	return (ssize_t)n;
}

static int tty_close(void *c)
{
	struct tty_cookie *t = c;
	uint8_t tail[1];
	int rc = 0;

	if (gs_ttysafe_end(&t->ts, tail) && fwrite(tail, 1, 1, t->out) != 1)
		rc = EOF;
	free(t);
	return rc;
}

FILE *gs_ttysafe_open(FILE *out)
{
	static const cookie_io_functions_t io = { .write = tty_write, .close = tty_close };
	struct tty_cookie *t;
	FILE *s;

	if (isatty(fileno(out)) != 1)
		return out;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->out = out;
	s = fopencookie(t, "w", io);
	if (!s) {
		free(t);
		return NULL;
	}
	setvbuf(s, NULL, _IONBF, 0);
	return s;
}

int gs_ttysafe_close(FILE *s, FILE *out)
{
	int rc = 0;

	if (s != out && fclose(s) == EOF)
		rc = EOF;
	if (fflush(out) == EOF || ferror(out))
		rc = EOF;
	return rc;
}
