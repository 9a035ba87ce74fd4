// SPDX-License-Identifier: GPL-2.0-only
/*
 * GC and stop-the-world observation of Go programs (struct gs_rt_state).
 *
 * User space attaches each program as a uprobe at the start of one runtime
 * function (on its stack check: see goruntime.h), by file offset, once per
 * executable (dev, inode) with pid -1, so
 * every process of that binary hits it, including ones started later. With
 * filter_tgids set only processes listed in gs_rt_tgids are counted; without
 * it every process gets its own state, created on its first event.
 *
 * No argument is read: each program only needs "this function was entered,
 * now, by this process" (and, on a stack check, the flags register). That
 * keeps them identical across Go's two calling conventions (stack ABI up to
 * 1.16, register ABI since 1.17) and across signature changes, and keeps the
 * added stop-the-world time to the cost of the uprobe itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "goruntime.h"

char LICENSE[] SEC("license") = "GPL";

/* Set before load: count only the tgids in gs_rt_tgids. */
const volatile bool filter_tgids = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GS_RT_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u8);
} gs_rt_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GS_RT_MAX_TGIDS);
	__type(key, __u32);
	__type(value, struct gs_rt_state);
} gs_rt_states SEC(".maps");

/* Longest pause since user space last took (lookup-and-deleted) the entry. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GS_RT_MAX_TGIDS);
	__type(key, __u32);
	__type(value, __u64);
} gs_rt_imax SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GS_RTS_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} gs_rt_stats SEC(".maps");

static const struct gs_rt_state zero_state;

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&gs_rt_stats, &which);

	if (v)
		*v += 1;
}

/*
 * On a stack check's `jbe morestack` about to be taken (CF or ZF set by the
 * cmp): the call is not going in yet, it will come back to the entry and
 * hit the probe again.
 */
static __always_inline bool to_morestack(struct pt_regs *ctx, __u64 cookie)
{
#if defined(__TARGET_ARCH_x86)
	if ((cookie & GS_RT_COOKIE_STACKCHECK) && (ctx->flags & 0x41)) {
		stat_inc(GS_RTS_REENTRY);
		return true;
	}
#endif
	return false;
}

/* The calling process's state, created on first use; NULL when not traced. */
static __always_inline struct gs_rt_state *state(struct pt_regs *ctx, __u64 cookie, __u32 *tgid,
						       __u64 now)
{
	struct gs_rt_state *st;

	if (to_morestack(ctx, cookie))
		return NULL;
	*tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	if (filter_tgids && !bpf_map_lookup_elem(&gs_rt_tgids, tgid)) {
		stat_inc(GS_RTS_FILTERED);
		return NULL;
	}
	st = bpf_map_lookup_elem(&gs_rt_states, tgid);
	if (!st) {
		bpf_map_update_elem(&gs_rt_states, tgid, &zero_state, BPF_NOEXIST);
		st = bpf_map_lookup_elem(&gs_rt_states, tgid);
		if (!st) {
			stat_inc(GS_RTS_NO_ROOM);
			return NULL;
		}
		st->first_ns = now;
	}
	stat_inc(GS_RTS_HITS);
	st->last_ns = now;
	return st;
}

/* floor(log2(v)) for v >= 1, branch-free. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r, s;

	r = (v > 0xffffffffULL) << 5;
	v >>= r;
	s = (v > 0xffff) << 4;
	v >>= s;
	r |= s;
	s = (v > 0xff) << 3;
	v >>= s;
	r |= s;
	s = (v > 0xf) << 2;
	v >>= s;
	r |= s;
	s = (v > 0x3) << 1;
	v >>= s;
	r |= s;
	return r | (__u32)(v >> 1);
}

static __always_inline int on_gc_start(struct pt_regs *ctx, __u64 cookie)
{
	__u64 now = bpf_ktime_get_ns();
	struct gs_rt_state *st;
	__u32 tgid;

	st = state(ctx, cookie, &tgid, now);
	if (!st)
		return 0;
	st->gc_starts++;
	st->gc_start_ns = now;
	return 0;
}

static __always_inline int on_mark_term(struct pt_regs *ctx, __u64 cookie)
{
	__u64 now = bpf_ktime_get_ns(), d;
	struct gs_rt_state *st;
	__u32 tgid;

	st = state(ctx, cookie, &tgid, now);
	if (!st)
		return 0;
	st->gc_cycles++;
	if (st->gc_start_ns && now > st->gc_start_ns) {
		d = now - st->gc_start_ns;
		st->gc_wall_ns += d;
		st->gc_wall_count++;
		if (d > st->gc_wall_max_ns)
			st->gc_wall_max_ns = d;
	}
	st->gc_start_ns = 0;
	return 0;
}

static __always_inline int on_stw_stop(struct pt_regs *ctx, __u64 cookie)
{
	__u64 now = bpf_ktime_get_ns();
	struct gs_rt_state *st;
	__u32 tgid;

	st = state(ctx, cookie, &tgid, now);
	if (!st)
		return 0;
	st->stw_stops++;
	st->stw_start_ns = now;
	return 0;
}

static __always_inline int on_stw_start(struct pt_regs *ctx, __u64 cookie)
{
	__u64 now = bpf_ktime_get_ns(), d, *m;
	struct gs_rt_state *st;
	__u32 tgid, slot;

	st = state(ctx, cookie, &tgid, now);
	if (!st || !st->stw_start_ns || now < st->stw_start_ns)
		return 0;
	d = now - st->stw_start_ns;
	st->stw_start_ns = 0;
	st->stw_count++;
	st->stw_ns += d;
	if (d > st->stw_max_ns)
		st->stw_max_ns = d;
	slot = d ? log2_u64(d) : 0;
	if (slot >= GS_RT_HIST_SLOTS)
		slot = GS_RT_HIST_SLOTS - 1;
	st->hist[slot & (GS_RT_HIST_SLOTS - 1)]++;
	m = bpf_map_lookup_elem(&gs_rt_imax, &tgid);
	if (!m)
		bpf_map_update_elem(&gs_rt_imax, &tgid, &d, BPF_NOEXIST);
	else if (d > *m)
		*m = d;
	return 0;
}

static __always_inline int on_newproc(struct pt_regs *ctx, __u64 cookie)
{
	struct gs_rt_state *st;
	__u32 tgid;

	st = state(ctx, cookie, &tgid, bpf_ktime_get_ns());
	if (st)
		__sync_fetch_and_add(&st->newproc, 1);
	return 0;
}

static __always_inline int on_goexit(struct pt_regs *ctx, __u64 cookie)
{
	struct gs_rt_state *st;
	__u32 tgid;

	st = state(ctx, cookie, &tgid, bpf_ktime_get_ns());
	if (st)
		__sync_fetch_and_add(&st->goexit, 1);
	return 0;
}

/*
 * Entry points. Where the kernel has multi-uprobe links (Linux 6.6), user
 * space attaches gs_rt_multi once per executable at every probed offset,
 * the probe kind in each offset's cookie: one link, one descriptor and one
 * grace period at detach for the whole binary. Elsewhere each program below
 * gets its own perf-event uprobe.
 */
SEC("uprobe")
int gs_rt_multi(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	switch (cookie >> GS_RT_COOKIE_PROBE_SHIFT) {
	case GS_RTP_GC_START: return on_gc_start(ctx, cookie);
	case GS_RTP_MARK_TERM: return on_mark_term(ctx, cookie);
	case GS_RTP_STW_STOP: return on_stw_stop(ctx, cookie);
	case GS_RTP_STW_START: return on_stw_start(ctx, cookie);
	case GS_RTP_NEWPROC: return on_newproc(ctx, cookie);
	case GS_RTP_GOEXIT: return on_goexit(ctx, cookie);
	default: return 0;
	}
}

SEC("uprobe")
int gs_gc_start(struct pt_regs *ctx)
{
	return on_gc_start(ctx, bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int gs_mark_term(struct pt_regs *ctx)
{
	return on_mark_term(ctx, bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int gs_stw_stop(struct pt_regs *ctx)
{
	return on_stw_stop(ctx, bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int gs_stw_start(struct pt_regs *ctx)
{
	return on_stw_start(ctx, bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int gs_newproc(struct pt_regs *ctx)
{
	return on_newproc(ctx, bpf_get_attach_cookie(ctx));
}

SEC("uprobe")
int gs_goexit(struct pt_regs *ctx)
{
	return on_goexit(ctx, bpf_get_attach_cookie(ctx));
}
