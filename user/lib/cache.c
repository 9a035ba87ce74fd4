/* SPDX-License-Identifier: MIT */
/*
 * File-level entry points of the classifier: map a file, parse it under a
 * SIGBUS guard, and cache the result per (dev, inode, size, mtime) so that
 * a hundred processes of one binary cost one parse.
 *
 * The guard exists because a file may be truncated by its owner while we,
 * typically root, have it mapped: the access then raises SIGBUS, which we
 * turn into "file changed while reading" instead of dying.
 */
#include "classify.h"
#include "filekey.h"
#include "mapguard.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define CACHE_BUCKETS 1024
#define CACHE_MAX 4096

/* ---- mapping ---- */

int gs_map_fd(int fd, const void **data, size_t *size, struct gs_err *err)
{
	struct stat st;
	void *p;

	if (fstat(fd, &st) < 0)
		return gs_errf(err, errno, "fstat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return gs_errf(err, EINVAL, "not a regular file");
	if (st.st_size < 0 || (uint64_t)st.st_size > SIZE_MAX)
		return gs_errf(err, EFBIG, "file too large");
	*size = (size_t)st.st_size;
	*data = NULL;
	if (!*size)
		return 0;
	/*
	 * Shared and read-only: a private mapping of an executable gets the
	 * int3 of every uprobe attached to that file (the kernel installs them
	 * in each new private mapping), so code read through it would show
	 * breakpoints instead of instructions. A shared mapping keeps
	 * VM_MAYSHARE, which the kernel's uprobe code leaves alone
	 * (tests/unit/test_uprobe_view.c).
	 */
	p = mmap(NULL, *size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return gs_errf(err, errno, "mmap: %s", strerror(errno));
	*data = p;
	return 0;
}

void gs_unmap(const void *data, size_t size)
{
	if (data && size)
		munmap((void *)data, size);
}

/* ---- guarded parsing ---- */

struct classify_job {
	const void *data;
	size_t size;
	struct gs_class *c;
};

static int classify_job(void *arg)
{
	struct classify_job *j = arg;

	gs_classify_mem(j->data, j->size, j->c);
	return 0;
}

static void classify_guarded(const void *data, size_t size, struct gs_class *c)
{
	struct classify_job j = { data, size, c };

	if (gs_map_guarded(classify_job, &j) < 0) {
		gs_class_fini(c);
		memset(c, 0, sizeof(*c));
		c->verdict = GS_NOT_GO;
		strcpy(c->reason, "file changed while reading (truncated)");
	}
}

/* ---- cache ---- */

struct centry {
	struct gs_class *c;
	struct centry *next;
};

static struct centry *buckets[CACHE_BUCKETS];
static unsigned long n_entries, n_hits, n_misses;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned hash_key(dev_t dev, ino_t ino)
{
	return gs_filekey_bucket(dev, ino, CACHE_BUCKETS);
}

static bool same_file(const struct gs_class *c, const struct stat *st)
{
	return c->dev == st->st_dev && c->ino == st->st_ino && c->size == st->st_size &&
	       c->mtime_ns == (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static void class_free(struct gs_class *c)
{
	gs_class_fini(c);
	free(c);
}

void gs_class_put(struct gs_class *c)
{
	bool last;

	if (!c)
		return;
	pthread_mutex_lock(&cache_lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&cache_lock);
	if (last)
		class_free(c);
}

/* Drop entries only the cache holds. Called with the lock held. */
static void evict_unused(void)
{
	for (unsigned b = 0; b < CACHE_BUCKETS; b++) {
		struct centry **pp = &buckets[b];

		while (*pp) {
			struct centry *ce = *pp;

			if (ce->c->refs == 1) {
				*pp = ce->next;
				class_free(ce->c);
				free(ce);
				n_entries--;
			} else {
				pp = &ce->next;
			}
		}
	}
}

struct gs_class *gs_class_lookup(const struct stat *st)
{
	struct centry *ce;

	pthread_mutex_lock(&cache_lock);
	for (ce = buckets[hash_key(st->st_dev, st->st_ino)]; ce; ce = ce->next) {
		if (same_file(ce->c, st)) {
			ce->c->refs++;
			n_hits++;
			pthread_mutex_unlock(&cache_lock);
			return ce->c;
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return NULL;
}

struct gs_class *gs_classify_fd(int fd, struct gs_err *err)
{
	struct gs_class *c;
	struct centry *ce;
	struct stat st;
	const void *data = NULL;
	size_t size = 0;
	unsigned b;

	if (fstat(fd, &st) < 0) {
		gs_errf(err, errno, "fstat: %s", strerror(errno));
		return NULL;
	}
	b = hash_key(st.st_dev, st.st_ino);
	pthread_mutex_lock(&cache_lock);
	for (ce = buckets[b]; ce; ce = ce->next) {
		if (same_file(ce->c, &st)) {
			ce->c->refs++;
			n_hits++;
			pthread_mutex_unlock(&cache_lock);
			return ce->c;
		}
	}
	n_misses++;
	pthread_mutex_unlock(&cache_lock);

	/* Parse outside the lock: a slow file must not stall other lookups. */
	if (gs_map_fd(fd, &data, &size, err) < 0)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c) {
		gs_unmap(data, size);
		gs_errf(err, ENOMEM, "out of memory");
		return NULL;
	}
	classify_guarded(data, size, c);
	gs_unmap(data, size);
	if (c->error) {
		gs_errf(err, c->error, "%s", strerror(c->error));
		class_free(c);
		return NULL;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	c->refs = 1;	/* the caller's */

	ce = malloc(sizeof(*ce));
	pthread_mutex_lock(&cache_lock);
	if (ce) {
		struct centry *other;

		/* Another thread may have parsed the same file meanwhile. */
		for (other = buckets[b]; other; other = other->next) {
			if (same_file(other->c, &st)) {
				other->c->refs++;
				pthread_mutex_unlock(&cache_lock);
				free(ce);
				class_free(c);
				return other->c;
			}
		}
		if (n_entries >= CACHE_MAX)
			evict_unused();
		ce->c = c;
		ce->next = buckets[b];
		buckets[b] = ce;
		c->refs++;	/* the cache's */
		n_entries++;
	}
	pthread_mutex_unlock(&cache_lock);
	return c;
}

void gs_cache_stats(struct gs_cache_stats *s)
{
	pthread_mutex_lock(&cache_lock);
	s->hits = n_hits;
	s->misses = n_misses;
	s->entries = n_entries;
	pthread_mutex_unlock(&cache_lock);
}

void gs_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	for (unsigned b = 0; b < CACHE_BUCKETS; b++) {
		while (buckets[b]) {
			struct centry *ce = buckets[b];

			buckets[b] = ce->next;
			if (--ce->c->refs == 0)
				class_free(ce->c);
			free(ce);
		}
	}
	n_entries = n_hits = n_misses = 0;
	pthread_mutex_unlock(&cache_lock);
}
