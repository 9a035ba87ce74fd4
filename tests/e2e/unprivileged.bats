#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every command run as an unprivileged user (nobody) against root's
# processes: it works on what that user may see, or fails with one line
# naming the missing privilege — never a crash, a hang or a silent nothing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	require_cmd setpriv
	require_fixture hello
	# the goscope binary and fixtures must be reachable for nobody
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$GOSCOPE" ||
		missing "goscope executable by nobody (parent directories not searchable)"
	start_fixture hello sleep 60
	ROOT_PID=$BG_PID
}

as_nobody() {
	run --separate-stderr timeout 30 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=/nonexistent "$GOSCOPE" "$@"
	echo "exit $status"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -lt 124 ]
}

# A failure is one line that says which privilege is missing.
names_privilege() {
	[ "$status" -ne 0 ]
	local first
	first=$(head -1 <<<"$stderr")
	[ -n "$first" ]
	grep -qiE "CAP_|root|permission|privilege|not permitted" <<<"$first"
}

@test "list, tree, JSON: work, and say what could not be inspected" {
	as_nobody
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"could not be inspected"*"run as root"* ]]
	as_nobody tree
	[ "$status" -eq 0 ]
	as_nobody --json
	[ "$status" -eq 0 ]
	jq -e '.uninspectable > 0' <<<"$output"
}

@test "version of a readable file works; of root's process names the privilege" {
	as_nobody version -m "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	as_nobody version "$ROOT_PID"
	names_privilege
}

@test "process details of root's process: what may be read, or the privilege" {
	as_nobody process "$ROOT_PID"
	if [ "$status" -eq 0 ]; then
		[[ "$output" == *"cmd+args:"* ]]
	else
		names_privilege
	fi
}

@test "audit works on what nobody may see" {
	as_nobody audit
	[ "$status" -eq 0 ]
}

@test "BPF commands: exit 3 with one line naming the capability" {
	as_nobody selftest
	[ "$status" -eq 3 ]
	names_privilege
	as_nobody watch --duration 1
	[ "$status" -eq 3 ]
	names_privilege
	as_nobody probe -d 1 "$ROOT_PID"
	[ "$status" -eq 3 ]
	names_privilege
}

@test "agentless stats of root's process: exit 3 naming CAP_SYS_PTRACE" {
	as_nobody stats --agentless "$ROOT_PID"
	[ "$status" -eq 3 ]
	names_privilege
}
