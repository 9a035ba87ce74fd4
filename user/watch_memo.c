// SPDX-License-Identifier: MIT
/*
 * goscope watch: the memo of finished classifications, keyed by (dev,
 * inode) and checked against size and mtime, so that a storm of execs of
 * one binary costs one parse (watch_core.c looks it up for every exec).
 * An entry replaced while lines may still point to it is retired, not
 * freed, until the end.
 */
#include "watch.h"

#include <stdlib.h>
#include <string.h>

#include "modinfo.h"

bool watch_is_go(const struct watch_memo *m)
{
	return m && m->cls && m->cls->verdict != GS_NOT_GO;
}

static uint64_t memo_key(dev_t dev, ino_t ino)
{
	return (uint64_t)ino ^ ((uint64_t)dev * 0x9e3779b97f4a7c15ull);
}

struct watch_memo *watch_memo_find(struct watch *w, dev_t dev, ino_t ino, off_t size,
				   int64_t mtime_ns)
{
	struct watch_memo *m = wmap_get(&w->memo, memo_key(dev, ino));

	if (!m || m->dev != dev || m->ino != ino || m->size != size || m->mtime_ns != mtime_ns)
		return NULL;
	return m;
}

static void memo_module(struct watch_memo *m)
{
	struct gs_span path, ver;
	size_t n;

	m->module[0] = '\0';
	if (!m->cls->modinfo || !m->cls->modinfo_len)
		return;
	if (!gs_mi_main(m->cls->modinfo, m->cls->modinfo_len, &path, &ver) || !path.n)
		if (!gs_mi_path(m->cls->modinfo, m->cls->modinfo_len, &path))
			return;
	n = path.n < sizeof(m->module) - 1 ? path.n : sizeof(m->module) - 1;
	memcpy(m->module, path.p, n);
	m->module[n] = '\0';
}

struct watch_memo *watch_memo_add(struct watch *w, struct gs_class *cls)
{
	uint64_t key = memo_key(cls->dev, cls->ino);
	struct watch_memo *old = wmap_get(&w->memo, key), *m;

	if (old && old->dev == cls->dev && old->ino == cls->ino && old->size == cls->size &&
	    old->mtime_ns == cls->mtime_ns) {
		gs_class_put(cls);
		return old;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		gs_class_put(cls);
		return NULL;
	}
	m->dev = cls->dev;
	m->ino = cls->ino;
	m->size = cls->size;
	m->mtime_ns = cls->mtime_ns;
	m->cls = cls;
	memo_module(m);
	if (wmap_put(&w->memo, key, m) != 0) {
		/* Not findable, but lines may still point to it: keep it till the end. */
		m->retired = w->retired;
		w->retired = m;
		return m;
	}
	if (old) {
		/* The file changed (or another file hashed here): lines in flight may still use it. */
		old->retired = w->retired;
		w->retired = old;
	}
	return m;
}

static void memo_free(struct watch_memo *m)
{
	json_decref(m->json);
	free(m->json_text);
	gs_class_put(m->cls);
	free(m);
}

void watch_memo_fini(struct watch *w)
{
	struct watch_memo *m, *next;

	for (size_t i = 0; i < w->memo.cap; i++)
		if (w->memo.vals[i])
			memo_free(w->memo.vals[i]);
	wmap_free(&w->memo);
	for (m = w->retired; m; m = next) {
		next = m->retired;
		memo_free(m);
	}
}
