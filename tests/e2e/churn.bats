#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Process churn: while about 1,000 short-lived processes a second start and
# end (Go and non-Go), the commands that scan /proc run 100 times each; none
# may crash or print a garbage row (a row whose version or path does not
# belong to a Go binary).

load helpers

CHURN=$GS_ROOT/build/tests/churn

setup() {
	require_file "$CHURN"
	require_fixture hello GOVERSION
	GOVERSION=$(cat "$FIXTURES/GOVERSION")
	"$CHURN" 1000 120 "$FIXTURES/hello" exit 0 >/dev/null &
	CHURN_PID=$!
	sleep 0.5
}

teardown() {
	kill "$CHURN_PID" 2>/dev/null || true
	wait "$CHURN_PID" 2>/dev/null || true
	stop_fixtures
}

# A text row is "PID PPID NAME[ *] VERSION PATH"; check the rows of fixtures.
check_rows() {
	local line
	while IFS= read -r line; do
		[ -n "$line" ] || continue	# no Go process at that instant is a valid answer
		[[ "$line" =~ ^[0-9]+\ +[0-9]+\  ]] || { echo "bad row: $line" >&2; return 1; }
		case "$line" in
		*/bin/true*) echo "non-Go binary listed: $line" >&2; return 1 ;;
		# columns are padded to the widest row: other Go programs on the host widen them
		*" $FIXTURES/hello"*) [[ "$(tr -s ' ' <<<"$line")" == *" $GOVERSION $FIXTURES/hello"* ]] ||
			{ echo "wrong version: $line" >&2; return 1; } ;;
		esac
	done
}

run_many() {
	local i
	for ((i = 0; i < 100; i++)); do
		set +e
		out=$("$GOSCOPE" "$@" 2>"$BATS_TEST_TMPDIR/err")
		rc=$?
		set -e
		# permission-denied notes are fine; anything else on stderr is not
		if [ "$rc" -ne 0 ]; then
			echo "run $i: $* exited $rc: $(cat "$BATS_TEST_TMPDIR/err")" >&2
			return 1
		fi
		case "$1" in
		--json) jq -e '.processes | type == "array"' <<<"$out" >/dev/null || { echo "bad JSON" >&2; return 1; }
			[ "$(jq -r --arg v "$GOVERSION" --arg p "$FIXTURES/hello" \
				'[.processes[] | select(.exe == $p and .go.version != $v)] | length' <<<"$out")" = 0 ] ;;
		tree) [[ "$out" == ...* ]] ;;
		audit) # every row of the churned binary names it with its version
			! grep -E "^$FIXTURES/hello " <<<"$out" | grep -v " $GOVERSION " ;;
		*) check_rows <<<"$out" ;;
		esac
	done
}

@test "list survives churn with no garbage rows" {
	run_many
}

@test "tree survives churn" {
	run_many tree
}

@test "JSON list survives churn, versions match binaries" {
	require_cmd jq
	run_many --json
}

@test "version -m of vanishing PIDs: a clean error or the right answer" {
	local i pid rc
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -n -f "$FIXTURES/hello exit 0" || true)
		[ -n "$pid" ] || continue
		set +e
		out=$("$GOSCOPE" version "$pid" 2>"$BATS_TEST_TMPDIR/err")
		rc=$?
		set -e
		[ "$rc" -lt 128 ]
		if [ "$rc" -eq 0 ]; then
			# the PID may have been reused by /bin/true: then it is not Go
			[[ "$out" == *": $GOVERSION" ]] || { echo "garbage: $out" >&2; return 1; }
		else
			[ -s "$BATS_TEST_TMPDIR/err" ]
		fi
	done
}

@test "audit survives churn" {
	run_many audit
}

@test "process details of vanishing PIDs: a clean error or a full answer" {
	local i pid rc
	for ((i = 0; i < 100; i++)); do
		pid=$(pgrep -n -f "$FIXTURES/hello exit 0" || true)
		[ -n "$pid" ] || continue
		set +e
		out=$("$GOSCOPE" process "$pid" 2>"$BATS_TEST_TMPDIR/err")
		rc=$?
		set -e
		[ "$rc" -lt 128 ] || { echo "process $pid: signal $((rc - 128))" >&2; return 1; }
		if [ "$rc" -eq 0 ]; then
			[[ "$out" == *"cmd+args:"* ]] || { echo "incomplete: $out" >&2; return 1; }
		else
			[ -s "$BATS_TEST_TMPDIR/err" ]
		fi
	done
}
