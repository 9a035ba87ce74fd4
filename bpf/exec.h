/* SPDX-License-Identifier: (GPL-2.0-only OR MIT) */
/*
 * Process exec/exit events: the record bpf/exec.bpf.c writes to its ring
 * buffer and user space reads. Included by both sides, so only plain C types:
 * the BPF side has vmlinux.h and no libc, user space has libc and no
 * vmlinux.h. The BPF target is 64-bit with the host's byte order, and every
 * field below is naturally aligned with no implicit padding, so both sides
 * agree on the layout.
 */
#ifndef GOSCOPE_BPF_EXEC_H
#define GOSCOPE_BPF_EXEC_H

typedef unsigned int gs_u32;
typedef int gs_s32;
typedef unsigned long long gs_u64;

#define GS_COMM_LEN	16
#define GS_FILENAME_LEN	256

enum gs_exec_event_type {
	GS_EV_EXEC = 1,		/* sched_process_exec: a successful execve */
	GS_EV_EXIT = 2,		/* sched_process_exit of a thread group's last thread */
};

/* gs_exec_event.flags */
enum {
	GS_EVF_NO_EXE = 1u << 0,	/* no mm or exe_file: exe_dev/exe_ino are 0 */
	GS_EVF_FILENAME_TRUNC = 1u << 1, /* filename filled the buffer: may be cut */
	GS_EVF_NO_MTIME = 1u << 2,	/* this kernel's inode mtime was not found: exe_mtime_ns is 0 */
};

/*
 * Clocks: ts_ns and start_ns are both CLOCK_BOOTTIME nanoseconds
 * (bpf_ktime_get_boot_ns() and task->start_boottime), so user space compares
 * them with clock_gettime(CLOCK_BOOTTIME). start_ns is also what
 * /proc/PID/stat field 22 shows in clock ticks (start_ns / (1e9 / USER_HZ)),
 * except inside a time namespace, where /proc adds the namespace's offset.
 * Together with tgid it names a process across PID reuse.
 *
 * Exit events are submitted without the filename (their record is
 * GS_EXIT_EVENT_SIZE bytes long): read a record by copying min(size,
 * sizeof(struct gs_exec_event)) bytes into a zeroed event.
 */
struct gs_exec_event {
	gs_u64 ts_ns;		/* event time, CLOCK_BOOTTIME */
	gs_u64 start_ns;	/* the process's (group leader's) start, CLOCK_BOOTTIME */
	gs_u64 cgroup_id;	/* cgroup v2 id (bpf_get_current_cgroup_id) */
	gs_u64 exe_ino;		/* inode of mm->exe_file */
	gs_u64 exe_size;	/* its size (i_size) and modification time: with dev and */
	gs_u64 exe_mtime_ns;	/* inode, the identity stat() gives (signed ns since 1970) */
	gs_u32 exe_dev;		/* its super_block's s_dev, kernel encoding: see GS_KDEV_* */
	gs_u32 type;		/* enum gs_exec_event_type */
	gs_u32 tgid;		/* process id (initial PID namespace) */
	gs_u32 pid;		/* thread id (initial PID namespace) */
	gs_u32 old_pid;		/* exec: thread id before it (!= pid: exec from a thread) */
	gs_u32 ppid;		/* real parent's tgid */
	gs_u32 uid;		/* real uid/gid, initial user namespace */
	gs_u32 gid;
	gs_u32 mnt_ns;		/* mount namespace inode number (as in /proc/PID/ns/mnt) */
	gs_u32 pid_ns;		/* the process's own PID namespace inode number */
	gs_u32 ns_pid;		/* the process id (tgid) as seen inside that PID namespace */
	gs_s32 exit_code;	/* exit: raw task->exit_code, see GS_EXIT_STATUS/GS_EXIT_SIGNAL */
	gs_u32 flags;		/* GS_EVF_* */
	gs_u32 reserved;
	char comm[GS_COMM_LEN];	/* NUL-terminated by the kernel */
	char filename[GS_FILENAME_LEN];	/* exec only: the path given to execve (bprm->filename) */
};

#define GS_EXIT_EVENT_SIZE	__builtin_offsetof(struct gs_exec_event, filename)

/* The kernel's dev_t (MINORBITS 20) as user-space major/minor for makedev(). */
#define GS_KDEV_MAJOR(d)	((gs_u32)(d) >> 20)
#define GS_KDEV_MINOR(d)	((gs_u32)(d) & 0xfffff)

/* task->exit_code is a wait status: exit status in bits 8-15, signal in 0-6. */
#define GS_EXIT_STATUS(c)	(((gs_u32)(c) >> 8) & 0xff)
#define GS_EXIT_SIGNAL(c)	((gs_u32)(c) & 0x7f)
#define GS_EXIT_CORE(c)		(((gs_u32)(c) & 0x80) != 0)

#endif
