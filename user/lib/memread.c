/* SPDX-License-Identifier: MIT */
/* Bounded, batched reads of another process's memory; see memread.h. */
#include "memread.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#define CHUNK (256u << 10)	/* split a large range so a fault loses little */

int gs_memsnap_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct gs_memsnap *s = ctx;

	if (addr >= s->base && addr - s->base <= s->len && len <= s->len - (addr - s->base)) {
		memcpy(buf, s->data + (addr - s->base), len);
		return 0;
	}
	if (s->fallback && s->fallback->read)
		return s->fallback->read(s->fallback->ctx, addr, buf, len);
	return -1;
}

int gs_mempid_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct gs_mempid *mp = ctx;
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!len)
		return 0;
	if (addr + len < addr)
		return -1;
	mp->calls++;
	n = process_vm_readv(mp->pid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * process_vm_readv stops at the first remote iovec it cannot read in full
 * and returns the bytes read so far: attribute them in order, then resume
 * after the faulting range (its readable prefix is re-read on its own).
 */
int gs_pvm_read_batch(pid_t pid, struct gs_memrange *r, size_t n)
{
	struct iovec loc[GS_PVM_IOV_MAX], rem[GS_PVM_IOV_MAX];
	size_t i = 0;
	int calls = 0, err = 0;
	bool any = false;

	for (size_t k = 0; k < n; k++)
		r[k].got = 0;
	while (i < n) {
		size_t m = 0, j = i;
		ssize_t got;

		for (; j < n && m < GS_PVM_IOV_MAX; j++) {
			if (!r[j].len)
				continue;
			loc[m] = (struct iovec){ r[j].buf, r[j].len };
			rem[m] = (struct iovec){ (void *)(uintptr_t)r[j].addr, r[j].len };
			m++;
		}
		if (!m)
			break;
		calls++;
		got = process_vm_readv(pid, loc, (unsigned long)m, rem, (unsigned long)m, 0);
		if (got < 0) {
			err = errno;
			if (err == ESRCH || err == EPERM || err == EACCES)
				break;
			got = 0;
		}
		any |= got > 0;
		/* Credit ranges in order; the first short one faulted. */
		for (; i < j; i++) {
			size_t want = r[i].len;

			if (!want)
				continue;
			if ((size_t)got >= want) {
				r[i].got = want;
				got -= (ssize_t)want;
				continue;
			}
			r[i].got = (size_t)got;
			/* Its readable prefix, word by word in chunks, then go on. */
			if (r[i].got < want) {
				struct gs_mempid mp = { pid, 0 };
				size_t step = want - r[i].got > CHUNK ? CHUNK : want - r[i].got;

				while (r[i].got < want && step >= 8) {
					size_t left = want - r[i].got;

					if (step > left)
						step = left;
					if (gs_mempid_read(&mp, r[i].addr + r[i].got,
							   (uint8_t *)r[i].buf + r[i].got, step) == 0)
						r[i].got += step;
					else
						step /= 2;
				}
				calls += (int)mp.calls;
			}
			i++;
			break;
		}
	}
	if (!any && err) {
		errno = err;
		return -1;
	}
	return calls;
}

int gs_stack_snapshot(pid_t pid, uint64_t sp, uint64_t hi, size_t cap, uint8_t *buf,
		      struct gs_memsnap *snap)
{
	struct gs_memrange r;
	size_t len;

	if (!cap)
		cap = GS_STACK_SNAP_MAX;
	if (hi <= sp) {
		errno = EINVAL;
		return -1;
	}
	len = hi - sp > cap ? cap : (size_t)(hi - sp);
	r = (struct gs_memrange){ .addr = sp, .len = len, .buf = buf };
	if (gs_pvm_read_batch(pid, &r, 1) < 0)
		return -1;
	if (r.got < 8) {
		errno = EFAULT;
		return -1;
	}
	*snap = (struct gs_memsnap){ .base = sp, .data = buf, .len = r.got };
	return 0;
}
