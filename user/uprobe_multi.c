// SPDX-License-Identifier: MIT
/* Multi-uprobe links by bpf(2) (see uprobe_multi.h). */
#include "uprobe_multi.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

/*
 * BPF_LINK_CREATE's attribute with the uprobe_multi member, as the kernel
 * lays it out: four u32 (prog_fd, target_fd, attach_type, flags), then the
 * 8-byte aligned union that holds it. The rest of union bpf_attr stays zero,
 * as the kernel requires of bytes it does not know.
 */
struct gs_link_create_umulti {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t umulti_flags;	/* BPF_F_UPROBE_MULTI_RETURN would make them uretprobes: never */
	uint32_t pid;
};

_Static_assert(__builtin_offsetof(struct gs_link_create_umulti, path) == 16,
	       "uprobe_multi starts at the link_create union");

int gs_uprobe_multi_attach(int prog_fd, const char *path, const uint64_t *offsets,
			   const uint64_t *cookies, unsigned cnt)
{
	union {
		union bpf_attr attr;
		struct gs_link_create_umulti um;
		char pad[256];
	} a;

	if (prog_fd < 0 || !path || !offsets || !cnt) {
		errno = EINVAL;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.um.prog_fd = (uint32_t)prog_fd;
	a.um.attach_type = GS_BPF_TRACE_UPROBE_MULTI;
	a.um.path = (uint64_t)(uintptr_t)path;
	a.um.offsets = (uint64_t)(uintptr_t)offsets;
	a.um.cookies = (uint64_t)(uintptr_t)cookies;
	a.um.cnt = cnt;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
}

struct close_slice {
	const int *fds;
	unsigned from, n, step;
};

static void *close_some(void *arg)
{
	const struct close_slice *s = arg;

	for (unsigned i = s->from; i < s->n; i += s->step)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	return NULL;
}

#define CLOSE_THREADS 16

void gs_uprobe_multi_close_all(const int *fds, unsigned n)
{
	struct close_slice sl[CLOSE_THREADS];
	pthread_t th[CLOSE_THREADS];
	unsigned nth = n < CLOSE_THREADS ? n : CLOSE_THREADS, started = 0;

	for (unsigned t = 1; t < nth; t++) {
		sl[t] = (struct close_slice){ fds, t, n, nth };
		if (pthread_create(&th[t], NULL, close_some, &sl[t]))
			break;
		started = t;
	}
	/* This thread takes slice 0, and every slice no thread was started for. */
	for (unsigned t = 0; t < nth; t++) {
		if (t && t <= started)
			continue;
		sl[t] = (struct close_slice){ fds, t, n, nth };
		close_some(&sl[t]);
	}
	for (unsigned t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
}
