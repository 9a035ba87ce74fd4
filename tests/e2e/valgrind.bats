#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The CLI commands under valgrind's memcheck: no errors, no definite leaks.
# Uses the plain build (the sanitizer build cannot run under valgrind).

load helpers

PLAIN=$GS_ROOT/build/goscope

memcheck() {
	run valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--track-fds=no "$PLAIN" "$@"
	echo "$output"
	[ "$status" -ne 99 ]
	[[ "$output" != *"definitely lost"* ]]
	[[ "$output" != *"Invalid read"* ]]
	[[ "$output" != *"uninitialised"* ]]
}

setup() {
	require_cmd valgrind
	require_file "$PLAIN"
	require_fixture hello hello.nobuildinfo hello.pie
	start_fixture hello sleep 120
	start_fixture hello.pie sleep 120
}

@test "memcheck: list, tree (text and JSON)" {
	memcheck
	memcheck --json
	memcheck tree
	memcheck --json tree
}

@test "memcheck: version -m on files and a pid, and errors" {
	memcheck version -m "$FIXTURES/hello" "$FIXTURES/hello.nobuildinfo" "$FIXTURES/hello.pie"
	memcheck --json version -m "$FIXTURES/hello" "$BG_PID"
	memcheck version "$FIXTURES/cbin"
	memcheck nosuchcommand
}
