#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Trust boundaries (docs/security.md): goscope, run as root, must not be led
# by files other users control — files planted where it writes, port files
# in a directory another user owns.

load helpers

bats_require_minimum_version 1.5.0

EVIL=gsevil

setup() {
	require_root
	require_cmd setpriv
	require_fixture agentdemo hello
	id -u "$EVIL" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$EVIL"
	T=$(mktemp -d /tmp/gs-sec.XXXXXX)
	chmod 1777 "$T"		# a shared, sticky directory like /tmp
	VICTIM=$(mktemp /root/gs-victim.XXXXXX)
	echo "precious" >"$VICTIM"
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/cfg
	mkdir -p "$GOPS_CONFIG_DIR"
}

teardown() {
	stop_fixtures
	# a test that lowered fs.protected_hardlinks puts it back
	if [ -n "${HARDLINKS_WAS:-}" ]; then
		sysctl -qw fs.protected_hardlinks="$HARDLINKS_WAS"
	fi
	rm -rf "$T" "$VICTIM"
}

as_evil() {
	setpriv --reuid="$EVIL" --regid="$EVIL" --clear-groups "$@"
}

# A same-user agent to take a heap profile from.
start_demo() {
	env GOPS_CONFIG_DIR="$GOPS_CONFIG_DIR" "$FIXTURES/agentdemo" </dev/null \
		>"$BATS_TEST_TMPDIR/demo.log" 2>&1 3>&- &
	BG_PIDS+=($!)
	DEMO_PID=$!
	wait_for 15 grep -q '^ready ' "$BATS_TEST_TMPDIR/demo.log"
}

@test "-o at a symlink another user planted is refused; the link target is untouched" {
	start_demo
	as_evil ln -s "$VICTIM" "$T/heap.pprof"
	run "$GOSCOPE" pprof-heap "$DEMO_PID" -o "$T/heap.pprof" --no-launch
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"symbolic link"* ]]
	[ "$(cat "$VICTIM")" = precious ]
}

@test "-o at a file another user owns is refused, not truncated" {
	start_demo
	as_evil sh -c "echo theirs > '$T/heap.pprof'"
	run "$GOSCOPE" pprof-heap "$DEMO_PID" -o "$T/heap.pprof" --no-launch
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a regular file owned by you"* ]]
	[ "$(cat "$T/heap.pprof")" = theirs ]
}

@test "-o at a hard link to a root file, planted where protected_hardlinks=0, is refused; the file is untouched" {
	start_demo
	# a root-owned private file in a directory the other user may pass through
	mkdir -m 0755 "$T/rootdir"
	echo precious >"$T/rootdir/victim"
	chmod 0600 "$T/rootdir/victim"
	HARDLINKS_WAS=$(sysctl -n fs.protected_hardlinks)
	# with the protection on (the default), the link cannot even be made
	sysctl -qw fs.protected_hardlinks=1
	run as_evil ln "$T/rootdir/victim" "$T/heap.pprof"
	[ "$status" -ne 0 ]
	sysctl -qw fs.protected_hardlinks=0
	as_evil ln "$T/rootdir/victim" "$T/heap.pprof"
	sysctl -qw fs.protected_hardlinks="$HARDLINKS_WAS"
	[ "$(stat -c '%h %U' "$T/heap.pprof")" = "2 root" ]
	local cmd
	for cmd in pprof-heap trace; do
		run "$GOSCOPE" "$cmd" "$DEMO_PID" -o "$T/heap.pprof" --no-launch
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$T/heap.pprof: refusing to write: it has 2 hard links"* ]]
		[ "$(cat "$T/rootdir/victim")" = precious ]
		[ "$(stat -c %h "$T/rootdir/victim")" = 2 ]
	done
	# --binary-output is opened the same way
	run "$GOSCOPE" pprof-heap "$DEMO_PID" -o "$T/mine.pprof" --binary-output "$T/heap.pprof" --no-launch
	[ "$status" -eq 1 ]
	[[ "$output" == *"refusing to write: it has 2 hard links"* ]]
	[ "$(cat "$T/rootdir/victim")" = precious ]
}

@test "-o at a FIFO is refused without blocking" {
	start_demo
	mkfifo "$T/fifo"
	run timeout 20 "$GOSCOPE" pprof-heap "$DEMO_PID" -o "$T/fifo" --no-launch
	[ "$status" -eq 1 ]
}

@test "-o at our own existing file: replaced, mode kept private" {
	start_demo
	echo old >"$T/mine.pprof"
	run "$GOSCOPE" pprof-heap "$DEMO_PID" -o "$T/mine.pprof" --no-launch
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(head -c 2 "$T/mine.pprof" | od -An -tx1 | tr -d ' ')" = 1f8b ]
}

@test "temporary files: names cannot be predicted, so planted files are never used" {
	start_demo
	# plant links at every name a naive tool would use
	local n
	for n in heap profile pprof trace binary; do
		as_evil ln -s "$VICTIM" "$T/$n"
	done
	run env TMPDIR="$T" "$GOSCOPE" pprof-heap "$DEMO_PID" --no-launch
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$VICTIM")" = precious ]
	local f
	f=$(sed -n 's/^Profile dump saved to: //p' <<<"$output")
	[ -f "$f" ] && [ ! -L "$f" ]
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(stat -c %U "$f")" = root ]
}

@test "a port file in a config dir another user owns, naming a port our target does not hold" {
	# the target: a root Go process with no agent
	start_fixture hello sleep 60
	local target=$BG_PID
	# another user's own agent, whose port they copy into a file named for our target
	mkdir -p "$T/evilcfg" && chown "$EVIL:" "$T/evilcfg"
	# setpriv itself, not a shell function: $! must be the agent's own PID
	setpriv --reuid="$EVIL" --regid="$EVIL" --clear-groups \
		env GOPS_CONFIG_DIR="$T/evilcfg" "$FIXTURES/agentdemo" </dev/null \
		>"$BATS_TEST_TMPDIR/evil.log" 2>&1 3>&- &
	BG_PIDS+=($!)
	wait_for 15 grep -q '^ready ' "$BATS_TEST_TMPDIR/evil.log"
	local port
	port=$(sed -n 's/^ready //p' "$BATS_TEST_TMPDIR/evil.log")
	as_evil sh -c "printf %s $port > '$T/evilcfg/$target'"
	# root pointed at that directory must not dial it as the target's agent
	run env GOPS_CONFIG_DIR="$T/evilcfg" "$GOSCOPE" stack --agent "$target"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *"goroutine "* ]]
	# without --agent no agent answered, so the dump is read from the
	# target's own memory: hello's goroutines, none of the other user's agent
	run --separate-stderr env GOPS_CONFIG_DIR="$T/evilcfg" "$GOSCOPE" stack "$target"
	[ "$status" -eq 0 ]
	[[ "$output" == *"tests/fixtures/hello/main.go"* ]]
	[[ "$output" != *agentdemo* ]] && [[ "$output" != *goscope/agent* ]]
	run env GOPS_CONFIG_DIR="$T/evilcfg" "$GOSCOPE"
	! grep -qE "^$target .*\\* " <<<"$output"
}
