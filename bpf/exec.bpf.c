// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process exec and exit events into a ring buffer (struct gs_exec_event).
 *
 * Two ways in for each event; user space loads one pair and disables the
 * other with bpf_program__set_autoload():
 *  - tp_btf/sched_process_{exec,exit}: typed arguments, cheapest; needs the
 *    kernel's own BTF (/sys/kernel/btf/vmlinux).
 *  - tracepoint/sched/sched_process_{exec,exit}: classic tracepoints, for
 *    kernels whose BTF comes from a separate file (libbpf btf_custom_path).
 * Both read the task through CO-RE, so either way some BTF is required.
 *
 * sched_process_exec fires after a successful exec with the new mm and
 * exe_file in place. sched_process_exit fires for every thread; only the
 * last one of the thread group is reported (signal->live reached 0). For Go
 * programs that is often not the group leader. More than one thread can see
 * live == 0 when they exit together, so consumers de-duplicate by tgid.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "exec.h"

#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load; 0 disables each filter. */
const volatile gs_u32 targ_tgid = 0;	/* only this process */
const volatile gs_u32 targ_ppid = 0;	/* only children of this process */
/*
 * 0: wake the reader on every event. Otherwise let events accumulate and
 * wake it only once this many bytes wait; the reader then also drains the
 * buffer after each poll timeout.
 */
const volatile gs_u32 wakeup_bytes = 0;

/* Sized by user space (bpf_map__set_max_entries) before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} gs_exec_events SEC(".maps");

/* Events dropped because the ring buffer was full; summed over CPUs by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gs_exec_lost SEC(".maps");

/*
 * The inode's mtime moved twice: a timespec64 i_mtime until 6.6, __i_mtime
 * in 6.6-6.10, then i_mtime_sec and i_mtime_nsec. CO-RE picks the layout
 * this kernel has (the ___suffix names are stripped when matching).
 */
struct inode___mtime_ts {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

struct inode___mtime_priv {
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

struct inode___mtime_split {
	time64_t i_mtime_sec;
	u32 i_mtime_nsec;
} __attribute__((preserve_access_index));

static __always_inline bool inode_mtime_ns(struct inode *inode, __u64 *ns)
{
	struct inode___mtime_split *split = (void *)inode;
	struct inode___mtime_priv *priv = (void *)inode;
	struct inode___mtime_ts *ts = (void *)inode;
	__s64 sec;
	__u32 nsec;

	if (bpf_core_field_exists(split->i_mtime_sec)) {
		sec = BPF_CORE_READ(split, i_mtime_sec);
		nsec = BPF_CORE_READ(split, i_mtime_nsec);
	} else if (bpf_core_field_exists(priv->__i_mtime)) {
		sec = BPF_CORE_READ(priv, __i_mtime.tv_sec);
		nsec = (__u32)BPF_CORE_READ(priv, __i_mtime.tv_nsec);
	} else if (bpf_core_field_exists(ts->i_mtime)) {
		sec = BPF_CORE_READ(ts, i_mtime.tv_sec);
		nsec = (__u32)BPF_CORE_READ(ts, i_mtime.tv_nsec);
	} else {
		return false;
	}
	*ns = (__u64)(sec * 1000000000 + nsec);
	return true;
}

static __always_inline bool wanted(struct task_struct *task)
{
	if (targ_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return false;
	if (targ_ppid && (__u32)BPF_CORE_READ(task, real_parent, tgid) != targ_ppid)
		return false;
	return true;
}

static __always_inline struct gs_exec_event *reserve(__u32 size)
{
	struct gs_exec_event *e;
	__u32 zero = 0;
	__u64 *lost;

	e = bpf_ringbuf_reserve(&gs_exec_events, size, 0);
	if (e)
		return e;
	lost = bpf_map_lookup_elem(&gs_exec_lost, &zero);
	if (lost)
		__sync_fetch_and_add(lost, 1);	/* per-CPU, but tracing progs can nest */
	return NULL;
}

static __always_inline void submit(struct gs_exec_event *e)
{
	__u64 flags = 0;

	if (wakeup_bytes)
		flags = bpf_ringbuf_query(&gs_exec_events, BPF_RB_AVAIL_DATA) >= wakeup_bytes ?
			BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* Everything but the filename; task is the current task in both tracepoints. */
static __always_inline void fill_task(struct gs_exec_event *e, struct task_struct *task,
				      __u32 type)
{
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct pid *tgid_pid;
	struct file *exe;
	struct upid upid = {};
	unsigned int level;

	e->ts_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->tgid = pid_tgid >> 32;
	e->pid = (__u32)pid_tgid;
	e->old_pid = e->pid;
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->start_ns = BPF_CORE_READ(leader, start_boottime);
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	/* At exit the mm may already be gone (exit_mm runs before the tracepoint). */
	exe = BPF_CORE_READ(task, mm, exe_file);
	if (exe) {
		struct inode *inode = BPF_CORE_READ(exe, f_inode);

		e->exe_ino = BPF_CORE_READ(inode, i_ino);
		e->exe_dev = BPF_CORE_READ(inode, i_sb, s_dev);
		e->exe_size = BPF_CORE_READ(inode, i_size);
		if (!inode_mtime_ns(inode, &e->exe_mtime_ns))
			e->flags |= GS_EVF_NO_MTIME;
	} else {
		e->flags |= GS_EVF_NO_EXE;
	}

	e->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	/*
	 * The process's pid and PID namespace as the process itself sees them:
	 * the leader's struct pid at its deepest level. The leader outlives
	 * the other threads' exits (it is reaped last), so it is valid here.
	 */
	tgid_pid = BPF_CORE_READ(leader, thread_pid);
	if (tgid_pid) {
		level = BPF_CORE_READ(tgid_pid, level);
		bpf_core_read(&upid, sizeof(upid), &tgid_pid->numbers[level]);
		e->ns_pid = upid.nr;
		e->pid_ns = BPF_CORE_READ(upid.ns, ns.inum);
	}
}

static __always_inline int on_exec(struct task_struct *task, __u32 old_pid, const char *filename)
{
	struct gs_exec_event *e;
	long n;

	if (!wanted(task))
		return 0;
	e = reserve(sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	fill_task(e, task, GS_EV_EXEC);
	e->old_pid = old_pid;
	n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), filename);
	if (n >= (long)sizeof(e->filename))
		e->flags |= GS_EVF_FILENAME_TRUNC;
	submit(e);
	return 0;
}

static __always_inline int on_exit(struct task_struct *task)
{
	struct gs_exec_event *e;

	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return 0;
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;	/* not the last thread of its group */
	if (!wanted(task))
		return 0;
	e = reserve(GS_EXIT_EVENT_SIZE);
	if (!e)
		return 0;
	__builtin_memset(e, 0, GS_EXIT_EVENT_SIZE);
	fill_task(e, task, GS_EV_EXIT);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(gs_exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, old_pid, BPF_CORE_READ(bprm, filename));
}

SEC("tracepoint/sched/sched_process_exec")
int gs_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	/* __data_loc: the low 16 bits are the string's offset from the record. */
	unsigned int off = ctx->__data_loc_filename & 0xffff;

	return on_exec((struct task_struct *)bpf_get_current_task(), ctx->old_pid,
		       (const char *)ctx + off);
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(gs_exit_btf, struct task_struct *p)
{
	return on_exit(p);
}

SEC("tracepoint/sched/sched_process_exit")
int gs_exit_tp(void *ctx)
{
	return on_exit((struct task_struct *)bpf_get_current_task());
}
