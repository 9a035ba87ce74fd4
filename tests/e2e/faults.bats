#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Fault injection: running out of memory at any allocation gives an error
# and a non-zero exit — never a crash, and never output with parts silently
# missing (a zero exit must mean the complete, correct output).

load helpers

# The plain build: the sanitizer build cannot take an LD_PRELOAD malloc.
PLAIN=$GS_ROOT/build/goscope
SHIM=$GS_ROOT/build/tests/failmalloc.so

# fail_each N0 N1 STEP CMD...: for every N, the run either fails cleanly or
# prints exactly what the unfailing run prints.
fail_each() {
	local from=$1 to=$2 step=$3 n rc ref
	shift 3
	ref=$("$@" 2>/dev/null)
	[ -n "$ref" ]
	for ((n = from; n <= to; n += step)); do
		set +e
		out=$(GOSCOPE_FAILMALLOC=$n LD_PRELOAD=$SHIM "$@" 2>"$BATS_TEST_TMPDIR/err")
		rc=$?
		set -e
		if [ "$rc" -ge 128 ]; then
			echo "allocation $n: killed by signal $((rc - 128))" >&2
			return 1
		fi
		if [ "$rc" -eq 0 ] && [ "$out" != "$ref" ]; then
			echo "allocation $n: exit 0 but output differs" >&2
			diff <(echo "$ref") <(echo "$out") >&2 || true
			return 1
		fi
		if [ "$rc" -ne 0 ] && [ ! -s "$BATS_TEST_TMPDIR/err" ]; then
			echo "allocation $n: exit $rc without an error message" >&2
			return 1
		fi
	done
}

@test "out of memory in version -m: error or exact output" {
	require_file "$PLAIN" "$SHIM"
	require_fixture hello hello.nobuildinfo
	fail_each 1 400 1 "$PLAIN" version -m "$FIXTURES/hello"
	fail_each 1 400 3 "$PLAIN" version -m "$FIXTURES/hello.nobuildinfo"
}

@test "out of memory in JSON output: error or exact output" {
	require_file "$PLAIN" "$SHIM"
	require_fixture hello
	fail_each 1 600 1 "$PLAIN" --json version -m "$FIXTURES/hello"
}

@test "out of memory while listing: no crash, no partial success" {
	require_file "$PLAIN" "$SHIM"
	require_fixture hello
	start_fixture hello sleep 60
	local n rc
	for ((n = 1; n <= 300; n += 2)); do
		set +e
		out=$(GOSCOPE_FAILMALLOC=$n LD_PRELOAD=$SHIM "$PLAIN" 2>"$BATS_TEST_TMPDIR/err")
		rc=$?
		set -e
		[ "$rc" -lt 128 ] || { echo "allocation $n: signal $((rc - 128))" >&2; return 1; }
		if [ "$rc" -eq 0 ]; then
			# success must include the fixture we started
			grep -q "^$BG_PID " <<<"$out" || { echo "allocation $n: exit 0, $BG_PID missing" >&2; return 1; }
		else
			[ -s "$BATS_TEST_TMPDIR/err" ]
		fi
	done
}

@test "a closed stdout is an error, not a silent success" {
	require_fixture hello
	run bash -c "'$GOSCOPE' version -m '$FIXTURES/hello' >/dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Error: writing output"* ]]
	run bash -c "'$GOSCOPE' --json version -m '$FIXTURES/hello' >/dev/full"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Error: writing JSON output"* ]]
}
