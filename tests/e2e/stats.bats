#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
#
# goscope stats: gops' four lines from the agent, or agentless from memory;
# the two must agree on the same process.

load helpers

setup() {
	require_goscope
	# Our own gops config dir: no stray port files, none left behind.
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/gops
	mkdir -p "$GOPS_CONFIG_DIR"
}

teardown() {
	[ -n "${NP_DIR:-}" ] && rm -rf "$NP_DIR"
	stop_fixtures
}

# value JSON KEY: .values.KEY.value
value() {
	jq -r ".values.$2.value" <<<"$1"
}

source_of() {
	jq -r ".values.$2.source" <<<"$1"
}

fixture_log() {
	ls "$BATS_TEST_TMPDIR"/"$1".*.log | head -n 1
}

@test "stats: agentless equals the agent's stats on the agent fixture" {
	local a b b2 ga gb
	require_cmd jq
	require_fixture agentdemo
	start_fixture agentdemo -goroutines 25
	wait_for 10 grep -q '^ready' "$(fixture_log agentdemo)"
	# Agentless, agent, agentless again: the process may start a thread
	# (an M) meanwhile, never lose one here, so the agent's count must lie
	# between the two agentless ones.
	run "$GOSCOPE" --json stats --agentless "$BG_PID"
	[ "$status" -eq 0 ]
	b=$output
	run "$GOSCOPE" --json stats --agent "$BG_PID"
	[ "$status" -eq 0 ]
	a=$output
	run "$GOSCOPE" --json stats --agentless "$BG_PID"
	[ "$status" -eq 0 ]
	b2=$output
	echo "agentless: $b"
	echo "agent: $a"
	echo "agentless: $b2"
	[ "$(jq -r .source <<<"$a")" = agent ]
	[ "$(jq -r .source <<<"$b")" = agentless ]
	[ "$(source_of "$a" goroutines)" = agent ]
	[ "$(source_of "$b" goroutines)" = symtab+dwarf ]
	[ "$(source_of "$b" threads)" = symtab+dwarf ]
	[ "$(source_of "$b" gomaxprocs)" = symtab ]
	[ "$(value "$a" gomaxprocs)" = "$(value "$b" gomaxprocs)" ]
	[ "$(value "$a" ncpu)" = "$(value "$b" ncpu)" ]
	[ "$(value "$b" threads)" -le "$(value "$a" threads)" ]
	[ "$(value "$a" threads)" -le "$(value "$b2" threads)" ]
	# The agent counts its own connection's goroutine while it answers.
	ga=$(value "$a" goroutines)
	gb=$(value "$b" goroutines)
	[ "$ga" -ge 25 ]
	[ "$((ga - gb))" -ge -2 ] && [ "$((ga - gb))" -le 2 ]
	# Without a flag the agent answers; the text is gops' four lines.
	run "$GOSCOPE" stats "$BG_PID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "goroutines: $ga" ] || [[ "${lines[0]}" == "goroutines: "* ]]
	[[ "${lines[1]}" == "OS threads: "* ]]
	[ "${lines[2]}" = "GOMAXPROCS: $(value "$a" gomaxprocs)" ]
	[ "${lines[3]}" = "num CPU: $(value "$a" ncpu)" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "stats: no agent: agentless, exact on an idle program" {
	local out g
	require_cmd jq
	GOMAXPROCS=3 start_fixture gcload -wait -idle 7
	wait_for 10 grep -q '^ready' "$(fixture_log gcload)"
	g=$(sed -n 's/^ready .*goroutines=\([0-9]*\).*/\1/p' "$(fixture_log gcload)")
	run "$GOSCOPE" stats "$BG_PID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "goroutines: $g" ]
	[ "${lines[2]}" = "GOMAXPROCS: 3" ]
	[ "${lines[3]}" = "num CPU: $(nproc)" ]
	run "$GOSCOPE" --json stats "$BG_PID"
	[ "$status" -eq 0 ]
	out=$output
	[ "$(jq -r .source <<<"$out")" = agentless ]
	[ "$(jq -r .agent_error <<<"$out")" != null ]
	[ "$(value "$out" numgc)" = 0 ]
	[ "$(value "$out" heap_inuse)" -gt 0 ]
	# --agent insists: no agent is an error.
	run "$GOSCOPE" stats --agent "$BG_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"agent"* ]]
}

@test "stats: stripped: globals from code, offsets from the table, all four exact" {
	local out g th
	require_cmd jq
	GOMAXPROCS=3 start_fixture gcload.stripped -wait -idle 4
	wait_for 10 grep -q '^ready' "$(fixture_log gcload.stripped)"
	g=$(sed -n 's/^ready .*goroutines=\([0-9]*\).*/\1/p' "$(fixture_log gcload.stripped)")
	run "$GOSCOPE" --json stats "$BG_PID"
	[ "$status" -eq 0 ]
	out=$output
	echo "$out"
	th=$(sed -n 's/^Threads:[[:space:]]*//p' "/proc/$BG_PID/status")
	[ "$(value "$out" gomaxprocs)" = 3 ]
	[ "$(source_of "$out" gomaxprocs)" = code ]
	[ "$(value "$out" ncpu)" = "$(nproc)" ]
	[ "$(source_of "$out" ncpu)" = code ]
	[ "$(value "$out" goroutines)" = "$g" ]
	[ "$(source_of "$out" goroutines)" = code+table ]
	# Ms: one per thread at most (an idle program starts none meanwhile)
	[ "$(source_of "$out" threads)" = code+table ]
	[ "$(value "$out" threads)" -ge 1 ] && [ "$(value "$out" threads)" -le "$th" ]
	[ "$(value "$out" numgc)" = 0 ]
	run "$GOSCOPE" stats "$BG_PID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "goroutines: $g" ]
	[ "${lines[2]}" = "GOMAXPROCS: 3" ]
	[ "${lines[3]}" = "num CPU: $(nproc)" ]
}

@test "stats: symbols without DWARF: offsets from the table" {
	local out g
	require_cmd jq
	start_fixture gcload.nodwarf -wait -idle 2
	wait_for 10 grep -q '^ready' "$(fixture_log gcload.nodwarf)"
	g=$(sed -n 's/^ready .*goroutines=\([0-9]*\).*/\1/p' "$(fixture_log gcload.nodwarf)")
	run "$GOSCOPE" --json stats --agentless "$BG_PID"
	[ "$status" -eq 0 ]
	out=$output
	if [ "$(cat "$FIXTURES/GOVERSION")" \< go1.20 ] && [ "$(cat "$FIXTURES/GOVERSION")" \> go1.19 ]; then
		[ "$(source_of "$out" goroutines)" = symtab+table ]
		[ "$(value "$out" goroutines)" = "$g" ]
	else
		# No table row for this toolchain: unavailable, with the reason.
		[ "$(value "$out" goroutines)" = null ] || [ "$(value "$out" goroutines)" = "$g" ]
	fi
}

# corpus_start BIN ARGS...: a corpus binary kept alive by an open stdin (fd 8).
corpus_start() {
	local bin=$1 fifo
	shift
	require_file "$bin"
	fifo=$BATS_TEST_TMPDIR/in.$RANDOM
	mkfifo "$fifo"
	GOMAXPROCS=3 "$bin" "$@" <"$fifo" >/dev/null 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	exec 8>"$fifo"
	wait_for 10 gs_pid_runs "$BG_PID" "$(readlink -f "$bin")"
}

@test "stats: buf from the corpus (stripped, go1.27)" {
	local out
	require_cmd jq
	corpus_start "$CORPUS/buf-1.75.0/buf" lsp serve
	run "$GOSCOPE" --json stats "$BG_PID"
	exec 8>&-
	[ "$status" -eq 0 ]
	out=$output
	echo "buf: $out"
	[ "$(value "$out" gomaxprocs)" = 3 ]
	[ "$(source_of "$out" gomaxprocs)" = code ]
	[ "$(value "$out" ncpu)" = "$(nproc)" ]
	[ "$(source_of "$out" ncpu)" = code ]
	# go1.27 has a layout row: the goroutine count too (stats_matrix.bats
	# checks it against the program's own dump)
	[ "$(value "$out" goroutines)" -ge 1 ]
	[ "$(source_of "$out" goroutines)" = code+table ]
}

@test "stats: esbuild from the corpus (stripped, go1.16 to go1.20)" {
	local v bin out
	require_cmd jq
	for v in 0.8.57 0.13.15 0.15.18 0.19.12; do
		bin=$CORPUS/esbuild-$v/esbuild
		require_file "$bin"
		# --serve with stdin open keeps it alive; the port does not matter.
		mkfifo "$BATS_TEST_TMPDIR/in.$v"
		printf 'x\n' >"$BATS_TEST_TMPDIR/e.js"
		GOMAXPROCS=3 "$bin" "$BATS_TEST_TMPDIR/e.js" --outdir="$BATS_TEST_TMPDIR/o.$v" \
			--serve=127.0.0.1:0 <"$BATS_TEST_TMPDIR/in.$v" >/dev/null 2>&1 3>&- &
		BG_PIDS+=("$!")
		exec 8>"$BATS_TEST_TMPDIR/in.$v"
		wait_for 10 gs_pid_runs "$!" "$(readlink -f "$bin")"
		run "$GOSCOPE" --json stats "$!"
		exec 8>&-
		[ "$status" -eq 0 ]
		out=$output
		echo "esbuild $v: $out"
		[ "$(value "$out" gomaxprocs)" = 3 ]
		[ "$(value "$out" ncpu)" = "$(nproc)" ]
		[ "$(source_of "$out" ncpu)" = code ]
		# from the table (go1.19) or, without a row, gcount's counters from code
		[ "$(value "$out" goroutines)" -ge 1 ]
		[[ "$(source_of "$out" goroutines)" == code* ]]
	done
}

@test "stats: errors: usage, not Go, no such process, not allowed" {
	# gops' words and exit code, as the other agent commands
	run "$GOSCOPE" stats
	[ "$status" -eq 1 ]
	[ "$output" = "Error: missing PID or address" ]
	run "$GOSCOPE" stats 1 2
	[ "$status" -eq 2 ]
	run "$GOSCOPE" stats --agent --agentless 1
	[ "$status" -eq 2 ]
	# not a PID, no such process: gops' words, exit 1
	run "$GOSCOPE" stats x
	[ "$status" -eq 1 ]
	[ "$output" = "Error: couldn't resolve addr or pid x to TCPAddress: couldn't parse PID: strconv.Atoi: parsing \"x\": invalid syntax" ]
	run "$GOSCOPE" stats 999999999
	[ "$status" -eq 1 ]
	[[ $output == "Error: couldn't resolve addr or pid 999999999 to TCPAddress: couldn't get port for PID 999999999: open "*"/999999999: no such file or directory" ]]
	run "$GOSCOPE" stats --agentless 999999999
	[ "$status" -eq 1 ]
	[ "$output" = "Error: stats: PID 999999999: no such process" ]
	run "$GOSCOPE" stats --agentless x
	[ "$status" -eq 2 ]
	start_fixture cbin sleep 30
	run "$GOSCOPE" stats "$BG_PID"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a Go binary"* ]]
	require_root
	require_cmd setpriv
	start_fixture gcload -wait
	NP_DIR=$(mktemp -d /tmp/goscope-noprivs.XXXXXX)
	cp "$GOSCOPE" "$NP_DIR/goscope"
	chmod 0755 "$NP_DIR" "$NP_DIR/goscope"
	run setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		env GOPS_CONFIG_DIR="$NP_DIR" "$NP_DIR/goscope" stats "$BG_PID"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == *"CAP_SYS_PTRACE"* ]]
}
