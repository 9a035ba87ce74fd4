#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# gops' command line, unchanged: every gops command in every form gops
# accepts (no goscope-only options), against a live agent (agentdemo, wire-
# compatible with gops' agent), by PID and by HOST:PORT, with gops' texts.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	require_fixture agentdemo GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	DEMO=$(readlink -f "$FIXTURES/agentdemo")
	T=$BATS_TEST_TMPDIR
	export GOPS_CONFIG_DIR=$T/cfg
	mkdir -p "$GOPS_CONFIG_DIR"
	export TMPDIR=$T
	"$DEMO" </dev/null >"$T/demo.log" 2>&1 3>&- &
	DEMO_PID=$!
	BG_PIDS+=("$DEMO_PID")
	wait_for 15 grep -q '^ready ' "$T/demo.log"
	DEMO_PORT=$(sed -n 's/^ready //p' "$T/demo.log")
	ADDR=127.0.0.1:$DEMO_PORT
	[ -s "$GOPS_CONFIG_DIR/$DEMO_PID" ]
}

@test "gops, gops help, gops --help: the list with '*', the help" {
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	local line
	line=$(grep -E "^$DEMO_PID " <<<"$output")
	[[ $line =~ ^$DEMO_PID\ +[0-9]+\ +agentdemo\ *\*\ $GOVER\ +$DEMO$ ]]
	local h
	for h in help --help -h; do
		run --separate-stderr "$GOSCOPE" "$h"
		[ "$status" -eq 0 ] || { echo "$h: $status"; return 1; }
		[[ $output == *"Commands:"* ]]
	done
}

@test "gops <pid>, gops <pid> <period>, gops process <pid> [period]" {
	local form
	for form in "$DEMO_PID" "$DEMO_PID 1s" "$DEMO_PID 1" "process $DEMO_PID" \
		"process $DEMO_PID 500ms"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$GOSCOPE" $form
		[ "$status" -eq 0 ] || { echo "$form: $status $stderr"; return 1; }
		[ "${lines[0]}" = "parent PID:	$$" ] || [[ ${lines[0]} == "parent PID:	"* ]]
		[[ ${lines[1]} =~ ^threads:$'\t'[0-9]+$ ]]
		[[ $output == *$'\nelapsed time:\t'* ]]
		[[ $output == *$'\nlocal/remote:\t127.0.0.1:'"$DEMO_PORT <-> 0.0.0.0:0 (LISTEN)"* ]]
		case $form in
		*" 1s") [[ $output == *$'\ncpu usage (1s):\t'* ]] ;;
		*" 1") [[ $output == *$'\ncpu usage (1s):\t'* ]] ;;
		*" 500ms") [[ $output == *$'\ncpu usage (500ms):\t'* ]] ;;
		*) [[ $output != *"cpu usage ("* ]] ;;
		esac
	done
}

@test "gops tree: '...', the parent's branch, '[*]  ' before the agent" {
	run --separate-stderr "$GOSCOPE" tree
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "..." ]
	[[ $output == *"── [*]  $DEMO_PID (agentdemo) {$GOVER}"* ]]
	# followed by an empty line
	[ -z "$("$GOSCOPE" tree | tail -n 1)" ]
}

# Each agent command by PID and by HOST:PORT (an IP or a name): the same reply.
@test "gops stack|gc|memstats|version|stats <pid|addr>" {
	local t
	for t in "$DEMO_PID" "$ADDR" "localhost:$DEMO_PORT"; do
		run --separate-stderr "$GOSCOPE" stack "$t"
		[ "$status" -eq 0 ] || { echo "stack $t: $stderr"; return 1; }
		[[ ${lines[0]} =~ ^goroutine\ [0-9]+\ \[running\]:$ ]]

		run --separate-stderr "$GOSCOPE" gc "$t"
		[ "$status" -eq 0 ] && [ -z "$output" ]

		run --separate-stderr "$GOSCOPE" memstats "$t"
		[ "$status" -eq 0 ]
		[[ ${lines[0]} =~ ^alloc:\ .*bytes\)$ ]]
		[[ $output == *$'\nnum-gc: '* ]]

		run --separate-stderr "$GOSCOPE" version "$t"
		[ "$status" -eq 0 ]
		[ "$output" = "$GOVER" ]

		run --separate-stderr "$GOSCOPE" stats "$t"
		[ "$status" -eq 0 ] || { echo "stats $t: $stderr"; return 1; }
		[ "${#lines[@]}" -eq 4 ]
		[[ ${lines[0]} =~ ^goroutines:\ [0-9]+$ ]]
		[[ ${lines[1]} =~ ^OS\ threads:\ [0-9]+$ ]]
		[[ ${lines[2]} =~ ^GOMAXPROCS:\ [0-9]+$ ]]
		[[ ${lines[3]} =~ ^num\ CPU:\ [0-9]+$ ]]
		[ -z "$stderr" ]
	done
}

@test "gops setgc <pid|addr> <percent|off>" {
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 50
	[ "$output" = "New GC percent set to 50. Previous value was 100." ]
	run --separate-stderr "$GOSCOPE" setgc "$ADDR" -1
	[ "$output" = "New GC percent set to -1. Previous value was 50." ]
	run --separate-stderr "$GOSCOPE" setgc "$ADDR" 80
	[ "$output" = "New GC percent set to 80. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" setgc "$ADDR" off
	[ "$output" = "New GC percent set to -1. Previous value was 80." ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 100
	[ "$status" -eq 0 ]
}

# gops keeps the files when go is not on PATH.
@test "gops trace|pprof-heap <addr>: gops' lines, the files kept without go on PATH" {
	mkdir -p "$T/nogo"
	run --separate-stderr env PATH="$T/nogo" "$GOSCOPE" pprof-heap "$ADDR"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[[ ${lines[0]} =~ ^Profile\ dump\ saved\ to:\ ($T/heap_profile.+)$ ]]
	gzip -t "${BASH_REMATCH[1]}"
	# Where gops asks the agent for its binary, goscope copies only what
	# /proc/PID/exe holds (docs/security.md): an address names no process,
	# so no binary, and stderr says why.
	[ "${#lines[@]}" -eq 1 ]
	[[ $stderr == *"$ADDR names no process: no binary copied"* ]]

	run --separate-stderr env PATH="$T/nogo" "$GOSCOPE" trace "$ADDR"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Tracing now, will take 5 secs..." ]
	[[ ${lines[1]} =~ ^Trace\ dump\ saved\ to:\ ($T/trace.+)$ ]]
	[ "$(head -c 3 "${BASH_REMATCH[1]}")" = "go " ]
}

@test "gops pprof-cpu <addr>: 30 s from the agent, gops' lines; the binary only by PID" {
	mkdir -p "$T/nogo"
	run --separate-stderr env PATH="$T/nogo" "$GOSCOPE" pprof-cpu "$ADDR"
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	[ "${lines[0]}" = "Profiling CPU now, will take 30 secs..." ]
	[[ ${lines[1]} =~ ^Profile\ dump\ saved\ to:\ ($T/cpu_profile.+)$ ]]
	gzip -t "${BASH_REMATCH[1]}"
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"$ADDR names no process: no binary copied"* ]]
	# by PID, the binary is the process's own executable
	run --separate-stderr env PATH="$T/nogo" "$GOSCOPE" pprof-heap "$DEMO_PID"
	[ "$status" -eq 0 ]
	[[ ${lines[1]} =~ ^Binary\ file\ saved\ to:\ ($T/binary.+)$ ]]
	cmp -s "${BASH_REMATCH[1]}" "$DEMO"
}

@test "gops' errors: a missing target or percentage, exit 1, gops' words" {
	local c
	for c in stack gc setgc memstats stats trace pprof-heap pprof-cpu; do
		run --separate-stderr "$GOSCOPE" "$c"
		[ "$status" -eq 1 ] || { echo "$c: $status"; return 1; }
		[ "$stderr" = "Error: missing PID or address" ] || { echo "$c: $stderr"; return 1; }
	done
	run --separate-stderr "$GOSCOPE" setgc "$ADDR"
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: missing gc percentage" ]
	for c in stack memstats stats; do
		run --separate-stderr "$GOSCOPE" "$c" abc
		[ "$status" -eq 1 ]
		[ "$stderr" = "Error: couldn't resolve addr or pid abc to TCPAddress: couldn't parse PID: strconv.Atoi: parsing \"abc\": invalid syntax" ]
		run --separate-stderr "$GOSCOPE" "$c" 999999999
		[ "$status" -eq 1 ]
		[ "$stderr" = "Error: couldn't resolve addr or pid 999999999 to TCPAddress: couldn't get port for PID 999999999: open $GOPS_CONFIG_DIR/999999999: no such file or directory" ]
	done
	run --separate-stderr "$GOSCOPE" stats 127.0.0.1:1
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: couldn't get port by PID: dial tcp 127.0.0.1:1: connect: connection refused" ]
}
