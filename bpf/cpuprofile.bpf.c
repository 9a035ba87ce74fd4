// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU samples of Go programs, counted per distinct stack in the kernel
 * (see cpuprofile.h).
 *
 * User space opens one software cpu-clock perf event per CPU (every 10 ms
 * of CPU time) and attaches gs_cpu_sample to each. The program keeps only
 * processes listed in gs_cp_procs (or, with targ_tgid, that one process),
 * records the user stack with bpf_get_stackid(BPF_F_USER_STACK) and adds
 * one to the count of (process, stack, leaf's caller). A sample taken in
 * the kernel (a system call, a page fault) is charged to the user stack
 * that entered it, as Go's own profiler charges it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "cpuprofile.h"

#define EEXIST	17

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile gs_u32 targ_tgid = 0;	/* 0: every process in gs_cp_procs */
const volatile bool leaf_fix = true;	/* recover a frameless leaf's caller by SP delta */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GS_CP_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct gs_cp_proc);
} gs_cp_procs SEC(".maps");

/* Sized by user space before load (entries and depth). */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8192);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, GS_CP_MAX_DEPTH * sizeof(__u64));
} gs_cp_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct gs_cp_key);
	__type(value, __u64);
} gs_cp_counts SEC(".maps");

/* Stacks the stack map refused, counted by their contents (sized before load). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct gs_cp_spill_key);
	__type(value, __u64);
} gs_cp_spill SEC(".maps");

/* The spill key is built here: it is larger than the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gs_cp_spill_key);
} gs_cp_scratch SEC(".maps");

/* Every binary's SP-delta table, one after the other; user space fills it
 * through a memory mapping and sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct gs_cp_spent);
} gs_cp_sptab SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GS_CPS_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} gs_cp_stats SEC(".maps");

static __always_inline void stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&gs_cp_stats, &which);

	if (v)
		*v += 1;
}

/* The SP delta at pc from the process's table; -1 when pc is not Go code. */
static __always_inline gs_s32 sp_delta(const struct gs_cp_proc *proc, __u64 pc)
{
	struct gs_cp_spent *e;
	__u32 lo, hi, mid, off;

	if (!proc->sp_count || pc < proc->text_lo || pc - proc->text_lo >= proc->text_len)
		return -1;
	off = (__u32)(pc - proc->text_lo);
	/* Invariant: entry lo starts at or before off (the first one at 0). */
	lo = proc->sp_first;
	hi = proc->sp_first + proc->sp_count;
	for (int i = 0; i < GS_CP_SEARCH_STEPS && hi - lo > 1; i++) {
		mid = lo + (hi - lo) / 2;
		e = bpf_map_lookup_elem(&gs_cp_sptab, &mid);
		if (!e)
			return -1;
		if (e->off <= off)
			lo = mid;
		else
			hi = mid;
	}
	e = bpf_map_lookup_elem(&gs_cp_sptab, &lo);
	return e ? e->delta : -1;
}

/*
 * The leaf's return address when the frame-pointer chain does not hold it,
 * else 0. Go's frame layout: on x86-64 a function with a frame saves the
 * caller's BP just below its return address and points BP at that slot,
 * so BP == SP + delta - 8 exactly when the leaf's frame is in the chain.
 * On arm64 the return address sits at SP once the frame is set up (the
 * saved FP just below it, R29 pointing there), and in LR before that.
 */
static __always_inline __u64 leaf_caller(const struct gs_cp_proc *proc, struct pt_regs *regs)
{
	__u64 pc = PT_REGS_IP_CORE(regs), sp = PT_REGS_SP_CORE(regs);
	__u64 fp = PT_REGS_FP_CORE(regs), ret = 0;
	gs_s32 delta = sp_delta(proc, pc);

	if (delta < 0) {
		stat_inc(GS_CPS_LEAF_NO_TABLE);
		return 0;
	}
#if defined(__TARGET_ARCH_arm64)
	if (delta > 0 && fp == sp - 8) {
		stat_inc(GS_CPS_LEAF_IN_CHAIN);
		return 0;
	}
	if (delta == 0) {
		ret = PT_REGS_RET_CORE(regs);	/* LR */
		stat_inc(GS_CPS_LEAF_FIXED);
		return ret;
	}
	if (bpf_probe_read_user(&ret, sizeof(ret), (void *)sp) != 0) {
#else
	if (fp == sp + (__u64)delta - 8) {
		stat_inc(GS_CPS_LEAF_IN_CHAIN);
		return 0;
	}
	if (bpf_probe_read_user(&ret, sizeof(ret), (void *)(sp + (__u64)delta)) != 0) {
#endif
		stat_inc(GS_CPS_LEAF_READ_ERROR);
		return 0;
	}
	stat_inc(GS_CPS_LEAF_FIXED);
	return ret;
}

/* count[key] += 1; false when the map is full. */
static __always_inline bool count_in(void *map, const void *key)
{
	__u64 one = 1, *count;
	long ret;

	count = bpf_map_lookup_elem(map, key);
	if (count) {
		__sync_fetch_and_add(count, 1);
		return true;
	}
	ret = bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
	if (ret == -EEXIST) {
		/* Another CPU added the same key in between. */
		count = bpf_map_lookup_elem(map, key);
		if (count) {
			__sync_fetch_and_add(count, 1);
			return true;
		}
	}
	return ret == 0;
}

/* A stack the stack map refused, counted by its contents; false if that fails too. */
static __always_inline bool spill(struct bpf_perf_event_data *ctx, const struct gs_cp_key *key)
{
	struct gs_cp_spill_key *sk;
	__u32 zero = 0;

	sk = bpf_map_lookup_elem(&gs_cp_scratch, &zero);
	if (!sk)
		return false;
	sk->slot = key->slot;
	sk->reserved = 0;
	sk->caller = key->caller;
	/* Zero-fills ips past the last frame. */
	if (bpf_get_stack(ctx, sk->ips, sizeof(sk->ips), BPF_F_USER_STACK) <= 0)
		return false;
	return count_in(&gs_cp_spill, sk);
}

SEC("perf_event")
int gs_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = (__u32)(bpf_get_current_pid_tgid() >> 32);
	struct gs_cp_key key = {};
	struct gs_cp_proc *proc;
	struct pt_regs *regs;

	if (!tgid || (targ_tgid && tgid != targ_tgid))
		return 0;	/* idle, or another process */
	proc = bpf_map_lookup_elem(&gs_cp_procs, &tgid);
	if (!proc)
		return 0;
	stat_inc(GS_CPS_SAMPLES);
	key.slot = proc->slot;
	/* The user registers, also when the sample interrupted the kernel. */
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (leaf_fix)
		key.caller = leaf_caller(proc, regs);

	key.stack_id = bpf_get_stackid(ctx, &gs_cp_stacks, BPF_F_USER_STACK);
	if (key.stack_id == -EEXIST) {
		stat_inc(GS_CPS_STACK_COLLISION);
		if (spill(ctx, &key))
			return 0;
	} else if (key.stack_id < 0) {
		stat_inc(GS_CPS_STACK_ERROR);
	}
	if (key.stack_id < 0) {
		/* Kept with its leaf only. */
		stat_inc(GS_CPS_LEAF_ONLY);
		key.stack_id = -1;
		key.pc = PT_REGS_IP_CORE(regs);
	}
	if (!count_in(&gs_cp_counts, &key))
		stat_inc(GS_CPS_LOST);
	return 0;
}
