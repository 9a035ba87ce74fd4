/* SPDX-License-Identifier: MIT */
/* Go version text for people; see versiontext.h. */
#include "versiontext.h"

#include <stdbool.h>
#include <string.h>

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

void gs_short_version(const char *v, char *out, size_t outsz)
{
	size_t n = strlen(v);

	if (outsz == 0)
		return;
	/* gops: the first match of `devel\s+\+\w+`, if v starts with "devel". */
	if (strncmp(v, "devel", 5) == 0) {
		for (const char *s = strstr(v, "devel"); s; s = strstr(s + 1, "devel")) {
			const char *q = s + 5, *w;

			if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != '\f' &&
			    *q != '\v')
				continue;
			while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r' || *q == '\f' ||
			       *q == '\v')
				q++;
			if (*q != '+' || !is_word(q[1]))
				continue;
			for (w = q + 1; is_word(*w); w++)
				;
			v = s;
			n = (size_t)(w - s);
			break;
		}
	}
	if (n > outsz - 1)
		n = outsz - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

const char *gs_class_version(const struct gs_class *c)
{
	return c && c->version[0] ? c->version : "unknown";
}
