/* SPDX-License-Identifier: MIT */
/*
 * A file's identity as a hash-table key: (device, inode). Every per-binary
 * table (the classifier's cache, the exporter's binaries) hashes it here,
 * so that none of them scans its entries one by one per process.
 */
#ifndef GOSCOPE_FILEKEY_H
#define GOSCOPE_FILEKEY_H

#include <stdint.h>
#include <sys/types.h>

/* A bucket in [0, nbuckets): nbuckets > 0. Inode numbers are dense and
 * devices few, so both are spread by multiplication before the high bits
 * are taken. */
static inline unsigned gs_filekey_bucket(dev_t dev, ino_t ino, unsigned nbuckets)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;

	return (unsigned)(h >> 32) % nbuckets;
}

#endif
