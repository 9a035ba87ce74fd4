#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope selftest: the BPF exec/exit tracer loads, attaches and sees a
# child's exec and another's exit code, in each attach mode; without the
# privilege it fails with exit code 3 and says what is missing.

load helpers

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

@test "selftest: exec and exit events arrive" {
	require_root
	require_goscope
	run "$GOSCOPE" selftest
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^selftest:\ BPF\ exec\ tracepoint\ ok\ \(exec\ seen\ in\ [0-9]+\ us,\ exit\ code\ 7\ seen\)$ ]]
}

@test "selftest --json: one object with the events' details" {
	require_root
	require_goscope
	require_cmd jq
	run "$GOSCOPE" selftest --json
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '
		.bpf_exec == "ok" and
		(.attach == "tp_btf" or .attach == "tracepoint") and
		.exec_filename == "/bin/true" and .exec_comm == "true" and
		(.exec_pid | type == "number") and .exec_pid > 0 and
		(.exec_seen_us | type == "number") and .exec_seen_us >= 0 and
		(.exit_pid | type == "number") and .exit_pid != .exec_pid and
		.exit_code == 7 and .lost_events == 0 and .exe_matches_stat == true'
}

@test "selftest: the global --json works as well" {
	require_root
	require_goscope
	require_cmd jq
	run "$GOSCOPE" --json selftest
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.bpf_exec == "ok" and .exit_code == 7'
}

@test "selftest: unprivileged, exit code 3 and one line naming the capability" {
	require_root
	require_goscope
	require_cmd setpriv
	"${NOBODY[@]}" test -x "$GOSCOPE" || missing "$GOSCOPE executable by uid 65534"
	run "${NOBODY[@]}" "$GOSCOPE" selftest
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"not root"*"CAP_BPF"* ]]
}

@test "selftest --json: unprivileged, a JSON error naming the capability" {
	require_root
	require_goscope
	require_cmd setpriv jq
	"${NOBODY[@]}" test -x "$GOSCOPE" || missing "$GOSCOPE executable by uid 65534"
	run "${NOBODY[@]}" "$GOSCOPE" selftest --json
	echo "$output"
	[ "$status" -eq 3 ]
	echo "$output" | jq -e '.error | test("CAP_BPF")'
}

# The fallback programs (classic tracepoints) find their ids in tracefs:
# mount it in a private mount namespace so the host is left alone.
@test "selftest: classic tracepoint programs work too" {
	require_root
	require_goscope
	require_cmd unshare jq
	run unshare -m sh -c '
		mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || exit 99
		GOSCOPE_BPF_ATTACH=tracepoint exec "$0" selftest --json' "$GOSCOPE"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.bpf_exec == "ok" and .attach == "tracepoint" and .exit_code == 7'
}

# A kernel without /sys/kernel/btf/vmlinux, simulated by hiding it in a
# private mount namespace: a clear exit 3, and with GOSCOPE_BTF pointing at
# a copy of the BTF the tracer runs on classic tracepoints.
@test "selftest: no kernel BTF is exit 3; GOSCOPE_BTF supplies it" {
	require_root
	require_goscope
	require_cmd unshare jq
	require_file /sys/kernel/btf/vmlinux
	local btf=$BATS_TEST_TMPDIR/vmlinux.btf
	cp /sys/kernel/btf/vmlinux "$btf"
	run unshare -m sh -c '
		mount -t tmpfs none /sys/kernel/btf || exit 99
		exec "$0" selftest' "$GOSCOPE"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ "$output" == *"kernel has no BTF (/sys/kernel/btf/vmlinux)"* ]]

	run unshare -m sh -c '
		mount -t tmpfs none /sys/kernel/btf || exit 99
		mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing || exit 99
		GOSCOPE_BTF=$1 exec "$0" selftest --json' "$GOSCOPE" "$btf"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.bpf_exec == "ok" and .attach == "tracepoint"'
}

# In a PID namespace (as in a container) event pids are the host's: the
# selftest must match its children by the in-namespace pid the BPF reports.
@test "selftest: works inside a PID namespace" {
	require_root
	require_goscope
	require_cmd unshare jq
	run unshare --pid --fork --mount-proc "$GOSCOPE" selftest --json
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.bpf_exec == "ok" and .exit_code == 7'
}

@test "selftest --help and bad arguments" {
	require_goscope
	run "$GOSCOPE" selftest --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: goscope selftest"* ]]
	run "$GOSCOPE" selftest --no-such-option
	[ "$status" -eq 2 ]
	run "$GOSCOPE" selftest extra
	[ "$status" -eq 2 ]
}
