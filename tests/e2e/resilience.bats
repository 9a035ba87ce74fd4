#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Files and processes that change under goscope: a binary replaced on disk
# while it runs, a filesystem that goes away, and too few file descriptors.

load helpers

teardown() {
	stop_fixtures
	[ -n "${MNT:-}" ] && umount -l "$MNT" 2>/dev/null || true
}

row_of() {
	"$GOSCOPE" | awk -v p="$1" '$1 == p'
}

@test "a binary replaced on disk: the running (old) inode is classified" {
	require_fixture hello cbin GOVERSION
	cp "$FIXTURES/hello" "$BATS_TEST_TMPDIR/app"
	start_fixture "$BATS_TEST_TMPDIR/app" sleep 60
	# replace the file by a non-Go program, as a package upgrade does
	cp "$FIXTURES/cbin" "$BATS_TEST_TMPDIR/app.new"
	mv -f "$BATS_TEST_TMPDIR/app.new" "$BATS_TEST_TMPDIR/app"
	run row_of "$BG_PID"
	echo "$output"
	[[ "$output" == *" $(cat "$FIXTURES/GOVERSION") $BATS_TEST_TMPDIR/app (deleted)" ]]
	run "$GOSCOPE" version "$BG_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == *": $(cat "$FIXTURES/GOVERSION")" ]]
	# and the file on disk now is what it is: not Go
	run "$GOSCOPE" version "$BATS_TEST_TMPDIR/app"
	[ "$status" -eq 1 ]
}

@test "a binary on a filesystem that disappears" {
	require_root
	require_fixture hello GOVERSION
	MNT=$BATS_TEST_TMPDIR/mnt
	mkdir -p "$MNT"
	mount -t tmpfs tmpfs "$MNT"
	cp "$FIXTURES/hello" "$MNT/gone"
	start_fixture "$MNT/gone" sleep 60
	umount -l "$MNT"
	run row_of "$BG_PID"
	echo "$output"
	[[ "$output" == *" $(cat "$FIXTURES/GOVERSION") "* ]]
	run "$GOSCOPE" --json version -m "$BG_PID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"example.com/goscope/hello"* ]]
}

@test "RLIMIT_NOFILE of 32 while listing 500 processes" {
	require_cmd prlimit
	require_fixture hello
	local i
	for ((i = 0; i < 450; i++)); do sleep 120 & BG_PIDS+=($!); done
	for ((i = 0; i < 50; i++)); do
		"$FIXTURES/hello" sleep 120 </dev/null >/dev/null 2>&1 3>&- & BG_PIDS+=($!)
	done
	wait_for 10 gs_pid_runs "$!" "$(readlink -f "$FIXTURES/hello")"
	sleep 0.5
	run prlimit --nofile=32 "$GOSCOPE"
	[ "$status" -eq 0 ]
	[ "$(grep -c " $(readlink -f "$FIXTURES/hello")\$" <<<"$output")" -ge 50 ]
	run prlimit --nofile=32 "$GOSCOPE" --json
	[ "$status" -eq 0 ]
	run prlimit --nofile=32 "$GOSCOPE" tree
	[ "$status" -eq 0 ]
}

@test "/proc entries that turn unreadable mid-scan (dumpable flips), as an unprivileged user" {
	require_root
	require_cmd setpriv
	require_file "$GS_ROOT/build/tests/flipdump"
	local flip=$BATS_TEST_TMPDIR/flipdump i rc
	cp "$GS_ROOT/build/tests/flipdump" "$flip"
	chmod 755 "$BATS_TEST_TMPDIR" "$flip"
	for ((i = 0; i < 20; i++)); do
		setpriv --reuid=65534 --regid=65534 --clear-groups "$flip" 30 </dev/null >/dev/null 2>&1 3>&- &
		BG_PIDS+=($!)
	done
	sleep 0.2
	for ((i = 0; i < 100; i++)); do
		set +e
		setpriv --reuid=65534 --regid=65534 --clear-groups "$GOSCOPE" --json \
			>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
		rc=$?
		set -e
		[ "$rc" -eq 0 ] || { echo "run $i: exit $rc: $(cat "$BATS_TEST_TMPDIR/err")" >&2; return 1; }
		jq -e '.processes | type == "array"' "$BATS_TEST_TMPDIR/out" >/dev/null
	done
}
