/* SPDX-License-Identifier: MIT */
/*
 * Shared by test_gosym.c and test_unwind.c: the symtest fixture's builds
 * (tools/build-symtest.sh: $GOSCOPE_FIXTURES/symtest/go1.NN/VARIANT), an
 * image opened with a symbolizer, and the parser of its output lines
 * (tests/fixtures/symtest/main.go).
 */
#ifndef GOSCOPE_SYMTEST_H
#define GOSCOPE_SYMTEST_H

#include "testlib.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "gosym.h"

#define ST_MAX_TOOLCHAINS 32
#define ST_MAX_STACKS 32
#define ST_MAX_PCS 1024
#define ST_MAX_FRAMES 1100

struct st_frame {
	uint64_t pc, entry;
	int line;
	char func[256], file[512];
};

struct st_stack {
	char label[32];
	uint64_t pcs[ST_MAX_PCS];
	unsigned npcs;
	struct st_frame *frames;	/* heap, ST_MAX_FRAMES */
	unsigned nframes;
};

struct st_run {
	struct st_stack st[ST_MAX_STACKS];
	unsigned n;
	long tid;			/* block mode */
	char *dump;			/* block mode: runtime.Stack text (heap) */
};

/* The toolchain minors with a symtest build, ascending. */
static inline unsigned st_toolchains(unsigned *minors, unsigned max)
{
	const char *dir = gs_fixture("symtest");
	unsigned n = 0;
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return 0;
	while ((d = readdir(dp)) && n < max) {
		unsigned m;

		if (sscanf(d->d_name, "go1.%u", &m) == 1)
			minors[n++] = m;
	}
	closedir(dp);
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && minors[j - 1] > minors[j]; j--) {
			unsigned t = minors[j];

			minors[j] = minors[j - 1];
			minors[j - 1] = t;
		}
	return n;
}

static inline const char *st_path(unsigned minor, const char *variant)
{
	static char buf[4][PATH_MAX];
	static unsigned k;
	char *b = buf[k++ % 4];

	snprintf(b, PATH_MAX, "%s/go1.%u/%s", gs_fixture("symtest"), minor, variant);
	return b;
}

struct st_img {
	const void *map;
	size_t size;
	struct gs_elf e;
	struct gs_sym *s;
};

static inline void st_open(struct st_img *im, const char *path)
{
	const char *why = NULL;
	struct gs_err err = { 0 };

	memset(im, 0, sizeof(*im));
	im->map = gs_map_file(path, &im->size);
	if (!im->map)
		fail_msg("cannot map %s", path);
	assert_int_equal(gs_elf_parse(&im->e, im->map, im->size, &why), 0);
	if (gs_sym_open(&im->s, &im->e, &err) != 0)
		fail_msg("%s: gs_sym_open: %s", path, err.msg);
}

static inline void st_close(struct st_img *im)
{
	gs_sym_close(im->s);
	gs_unmap_file(im->map, im->size);
}

/* Parse the fixture's output lines from f into r. */
static inline void st_parse(FILE *f, struct st_run *r)
{
	static char line[1 << 16];
	struct st_stack *cur = NULL;
	size_t dcap = 0, dlen = 0;
	bool in_dump = false;

	memset(r, 0, sizeof(*r));
	while (fgets(line, sizeof(line), f)) {
		if (in_dump) {
			size_t n = strlen(line);

			if (!strcmp(line, "END\n"))
				break;
			if (dlen + n + 1 > dcap) {
				dcap = (dlen + n + 1) * 2;
				r->dump = realloc(r->dump, dcap);
				assert_non_null(r->dump);
			}
			memcpy(r->dump + dlen, line, n + 1);
			dlen += n;
			continue;
		}
		if (!strncmp(line, "TID ", 4)) {
			r->tid = strtol(line + 4, NULL, 10);
		} else if (!strcmp(line, "STACK\n")) {
			in_dump = true;
		} else if (line[0] == 'S' && line[1] == ' ') {
			assert_true(r->n < ST_MAX_STACKS);
			cur = &r->st[r->n++];
			line[strcspn(line, "\n")] = 0;
			snprintf(cur->label, sizeof(cur->label), "%.31s", line + 2);
			cur->frames = calloc(ST_MAX_FRAMES, sizeof(*cur->frames));
			assert_non_null(cur->frames);
		} else if (line[0] == 'P' && cur) {
			char *p = line + 1, *end;

			for (;;) {
				uint64_t v = strtoull(p, &end, 16);

				if (end == p)
					break;
				assert_true(cur->npcs < ST_MAX_PCS);
				cur->pcs[cur->npcs++] = v;
				p = end;
			}
		} else if (line[0] == 'F' && cur) {
			struct st_frame *fr;
			char *tab, *sp;
			int used = 0;

			assert_true(cur->nframes < ST_MAX_FRAMES);
			fr = &cur->frames[cur->nframes++];
			line[strcspn(line, "\n")] = 0;
			assert_int_equal(sscanf(line, "F %" SCNx64 " %" SCNx64 " %d %n", &fr->pc, &fr->entry,
						&fr->line, &used), 3);
			tab = strchr(line + used, '\t');
			assert_non_null(tab);
			*tab = 0;
			sp = line + used;
			snprintf(fr->func, sizeof(fr->func), "%s", sp);
			snprintf(fr->file, sizeof(fr->file), "%s", tab + 1);
		}
	}
}

static inline void st_free(struct st_run *r)
{
	for (unsigned i = 0; i < r->n; i++)
		free(r->st[i].frames);
	free(r->dump);
	memset(r, 0, sizeof(*r));
}

/* Run `bin frames` and parse it. */
static inline void st_run_frames(const char *bin, struct st_run *r)
{
	char cmd[PATH_MAX + 32];
	FILE *f;
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s' frames", bin);
	f = popen(cmd, "r");
	assert_non_null(f);
	st_parse(f, r);
	rc = pclose(f);
	if (rc != 0)
		fail_msg("%s frames exited with %d", bin, rc);
	if (r->n < 6)
		fail_msg("%s frames printed %u stacks, want >= 6", bin, r->n);
}

#endif
