#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command line across commands (user/cliopt.c): every command takes its
# own options and the global ones (-j/--json, -p/--pretty, -v/--verbose,
# -h/--help) before and after its operands, '--' ends the options, and a
# negative number is an operand. Each check compares the same request
# written with the options in different places.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	T=$BATS_TEST_TMPDIR
	export GOPS_CONFIG_DIR=$T/cfg
	mkdir -p "$GOPS_CONFIG_DIR"
}

# same_json CMD...: CMD's stdout is one JSON document; prints its top-level keys.
json_keys() {
	"$GOSCOPE" "$@" 2>/dev/null | jq -r 'keys_unsorted | join(",")'
}

# start_demo: agentdemo with its port file in our config dir; sets DEMO_PID, DEMO_PORT.
start_demo() {
	require_fixture agentdemo || return 1
	"$FIXTURES/agentdemo" "$@" </dev/null >"$T/demo.log" 2>&1 3>&- &
	DEMO_PID=$!
	BG_PIDS+=("$DEMO_PID")
	wait_for 15 grep -q '^ready ' "$T/demo.log"
	DEMO_PORT=$(sed -n 's/^ready //p' "$T/demo.log")
}

@test "list, tree: --json, -j, -p, -v after the command as before it" {
	require_fixture hello
	start_fixture hello sleep 30
	local k
	k=$(json_keys --json tree)
	[ -n "$k" ]
	[ "$(json_keys tree --json)" = "$k" ]
	[ "$(json_keys tree -j)" = "$k" ]
	[ "$(json_keys tree -v -j)" = "$k" ]
	run --separate-stderr "$GOSCOPE" tree --pretty
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == '  "'* ]]	# indented
	jq -e --argjson p "$BG_PID" '[.processes[].pid] | index($p) != null' <<<"$output"

	k=$(json_keys --json list)
	[ "$(json_keys list --json)" = "$k" ]
	[ "$(json_keys list -jv)" = "$k" ]
	run --separate-stderr "$GOSCOPE" list --check-agents --json
	[ "$status" -eq 0 ]
	jq -e --argjson p "$BG_PID" '[.processes[].pid] | index($p) != null' <<<"$output"
	run --separate-stderr "$GOSCOPE" list --json --check-agents
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null
	# the global --check-agents, then list's own options
	run --separate-stderr "$GOSCOPE" --check-agents list --json
	[ "$status" -eq 0 ]
	jq -e --argjson p "$BG_PID" '[.processes[].pid] | index($p) != null' <<<"$output"
	run --separate-stderr "$GOSCOPE" --check-agents list extra
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" --check-agents tree
	[ "$status" -eq 2 ]
}

@test "version: -m and --json before, between and after the files; -- before a file named like an option" {
	require_fixture hello
	local a b c
	a=$("$GOSCOPE" --json version -m "$FIXTURES/hello")
	b=$("$GOSCOPE" version -m "$FIXTURES/hello" --json)
	c=$("$GOSCOPE" version "$FIXTURES/hello" -m -j)
	[ "$a" = "$b" ] && [ "$a" = "$c" ]
	[ "$(jq -r '.files[0].go.version | startswith("go1.")' <<<"$a")" = true ]
	run "$GOSCOPE" version "$FIXTURES/hello" -m
	[ "$status" -eq 0 ]
	[[ ${lines[1]} == *"path"* ]]	# `go version -m`'s second line
	cp "$FIXTURES/hello" "$T/-m"
	run --separate-stderr "$GOSCOPE" version -- "$T/-m"
	[ "$status" -eq 0 ]
	cd "$T"
	run --separate-stderr "$GOSCOPE" version -- -m
	[ "$status" -eq 0 ]
	[[ $output == "-m: go1."* ]]
	run --separate-stderr "$GOSCOPE" version -m
	[ "$status" -eq 2 ]
}

@test "audit: --path, --format, --json in any order; operands after --" {
	require_fixture hello
	mkdir -p "$T/bins"
	cp "$FIXTURES/hello" "$T/bins/"
	local a b
	a=$("$GOSCOPE" --json audit --path "$T/bins" | jq -c '[.binaries[].path]')
	b=$("$GOSCOPE" audit --path "$T/bins" --json | jq -c '[.binaries[].path]')
	[ "$a" = "[\"$T/bins/hello\"]" ]
	[ "$a" = "$b" ]
	b=$("$GOSCOPE" audit "$T/bins" -j | jq -c '[.binaries[].path]')
	[ "$a" = "$b" ]
	b=$("$GOSCOPE" audit -j -- "$T/bins" | jq -c '[.binaries[].path]')
	[ "$a" = "$b" ]
	# an explicit --format wins over --json wherever each is
	run --separate-stderr "$GOSCOPE" audit --path "$T/bins" --json --format csv
	[ "$status" -eq 0 ]
	[[ ${lines[0]} != "{"* ]] && [[ ${lines[0]} == *,* ]]
	run --separate-stderr "$GOSCOPE" audit --path "$T/bins" --format
	[ "$status" -eq 2 ]
}

@test "process and gops' 'goscope PID [PERIOD]': options anywhere, a negative period is an operand" {
	require_fixture hello
	start_fixture hello sleep 30
	local k
	k=$(json_keys --json process "$BG_PID")
	[[ $k == pid,* ]]
	[ "$(json_keys process "$BG_PID" --json)" = "$k" ]
	[ "$(json_keys "$BG_PID" --json)" = "$k" ]
	[ "$(json_keys "$BG_PID" -j 100ms)" = "$k" ]
	[ "$(json_keys "$BG_PID" 100ms --json)" = "$k" ]
	[ "$("$GOSCOPE" "$BG_PID" 100ms -j | jq -r .cpu_period)" != null ]
	run --separate-stderr "$GOSCOPE" "$BG_PID" -- 100ms
	[ "$status" -eq 0 ]
	[[ $output == *"cpu usage (100ms):"* ]]
	run --separate-stderr "$GOSCOPE" process -v "$BG_PID"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "parent PID:"* ]]
	run --separate-stderr "$GOSCOPE" "$BG_PID" -1s
	[ "$status" -eq 1 ]
	[ "$stderr" = "Error: Cannot determine CPU usage for negative duration -1s" ]
	run --separate-stderr "$GOSCOPE" "$BG_PID" --frob
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" "$BG_PID" --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: goscope [OPTIONS] process PID"* ]]
}

@test "stats, stack, memstats: options after the PID as before it" {
	require_fixture hello
	start_fixture hello sleep 30
	local a b
	a=$("$GOSCOPE" --json stats --agentless "$BG_PID" | jq -c '.values.gomaxprocs')
	b=$("$GOSCOPE" stats "$BG_PID" --agentless --json | jq -c '.values.gomaxprocs')
	[ "$a" = "$b" ]
	[ "$(jq -r .value <<<"$a")" -ge 1 ]
	b=$("$GOSCOPE" stats "$BG_PID" -j | jq -r '.source')
	[ "$b" = agentless ]

	a=$("$GOSCOPE" --json stack --agentless "$BG_PID" | jq -r '.goroutines | length')
	b=$("$GOSCOPE" stack "$BG_PID" --json --agentless | jq -r '.goroutines | length')
	[ "$a" -ge 1 ] && [ "$a" = "$b" ]

	run --separate-stderr "$GOSCOPE" memstats "$BG_PID" --agentless
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "alloc: "* ]]
	run --separate-stderr "$GOSCOPE" memstats "$BG_PID" --agentless -j
	[ "$status" -eq 0 ]
	jq -e . <<<"$output" >/dev/null

	run --separate-stderr "$GOSCOPE" stats "$BG_PID" --frob
	[ "$status" -eq 2 ]
	# after --, --agentless is a target (that gops cannot parse either)
	run --separate-stderr "$GOSCOPE" stats -- --agentless
	[ "$status" -eq 1 ]
	[[ $stderr == "Error: couldn't resolve addr or pid --agentless to TCPAddress: couldn't parse PID"* ]]
}

@test "setgc, gc, version: options after the target; negative percents and 'off' are operands" {
	require_cmd jq
	start_demo
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" -5 -j
	[ "$status" -eq 0 ]
	[ "$(jq -r .percent <<<"$output")" = -5 ]
	run --separate-stderr "$GOSCOPE" setgc -j "$DEMO_PID" off
	[ "$status" -eq 0 ]
	[ "$(jq -r .reply <<<"$output")" = "New GC percent set to -1. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" setgc -- "$DEMO_PID" -7
	[ "$status" -eq 0 ]
	[ "$output" = "New GC percent set to -7. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" setgc "$DEMO_PID" 100 --timeout 5s
	[ "$output" = "New GC percent set to 100. Previous value was -1." ]
	run --separate-stderr "$GOSCOPE" gc "$DEMO_PID" -v
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr "$GOSCOPE" version "$DEMO_PID" --agent
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$FIXTURES/GOVERSION")" ]
	run --separate-stderr "$GOSCOPE" agent version "$DEMO_PID" --json
	[ "$status" -eq 0 ]
	[ "$(jq -r .command <<<"$output")" = version ]
}

@test "probe: -d after the PID as before it, and -- before the PIDs" {
	require_root
	require_fixture gcload
	start_fixture gcload -duration 60s
	local a
	run --separate-stderr "$GOSCOPE" probe "$BG_PID" -d 1 --json
	[ "$status" -eq 0 ]
	a=$(jq -r 'select(.type == "interval") | .processes[0].pid' <<<"$output" | head -1)
	[ "$a" = "$BG_PID" ]
	run --separate-stderr "$GOSCOPE" probe -d 1 -j -- "$BG_PID"
	[ "$status" -eq 0 ]
	a=$(jq -r 'select(.type == "interval") | .processes[0].pid' <<<"$output" | head -1)
	[ "$a" = "$BG_PID" ]
	run --separate-stderr "$GOSCOPE" probe "$BG_PID" -d
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" probe -- -d 1
	[ "$status" -eq 2 ]
}

@test "watch, selftest, exporter: global options after the command" {
	require_root
	run --separate-stderr timeout 10 "$GOSCOPE" watch --new-only --duration 0.3 --json -v
	[ "$status" -eq 0 ]
	run --separate-stderr timeout 10 "$GOSCOPE" watch --duration 0.3 extra
	[ "$status" -eq 2 ]
	run --separate-stderr timeout 20 "$GOSCOPE" selftest --json
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	jq -e . <<<"$output" >/dev/null
	run --separate-stderr "$GOSCOPE" exporter --listen 127.0.0.1:0 --help
	[ "$status" -eq 0 ]
	[[ $output == "Usage: goscope "*exporter* ]]
	run --separate-stderr "$GOSCOPE" exporter -- extra
	[ "$status" -eq 2 ]
}

@test "pprof-cpu, pprof-heap, trace: -o, -d, --no-launch before or after the PID" {
	require_root
	require_fixture cpuburn/cpuburn-1.19.plain
	start_fixture cpuburn/cpuburn-1.19.plain
	run --separate-stderr "$GOSCOPE" pprof-cpu "$BG_PID" -d 1 -o "$T/a.pb.gz" --json
	[ "$status" -eq 0 ]
	gzip -t "$T/a.pb.gz"
	[ "$(jq -r .file <<<"$output")" = "$T/a.pb.gz" ]
	run --separate-stderr "$GOSCOPE" pprof-cpu -d 1 -o "$T/b.pb.gz" -- "$BG_PID"
	[ "$status" -eq 0 ]
	gzip -t "$T/b.pb.gz"
	stop_fixtures
	start_demo
	run --separate-stderr "$GOSCOPE" pprof-heap --no-launch -o "$T/h.pb.gz" "$DEMO_PID"
	[ "$status" -eq 0 ]
	gzip -t "$T/h.pb.gz"
}

@test "help: -h and --help after other options and operands; 'goscope help [COMMAND]'; --version anywhere" {
	local v
	v=$("$GOSCOPE" --version)
	[[ $v =~ ^goscope\ [0-9]+\.[0-9]+ ]]
	[ "$("$GOSCOPE" tree --version)" = "$v" ]
	[ "$("$GOSCOPE" stack 1 --version)" = "$v" ]
	[ "$("$GOSCOPE" probe -d 1 --version 1)" = "$v" ]
	[ "$("$GOSCOPE" version --version)" = "$v" ]
	run "$GOSCOPE" help
	[ "$status" -eq 0 ]
	[[ $output == *"Commands:"* ]]
	run "$GOSCOPE" help stats
	[ "$status" -eq 0 ]
	[[ $output == "Usage: goscope [OPTIONS] stats "* ]]
	local c
	for c in list tree version process stack gc setgc memstats trace pprof-heap pprof-cpu \
		agent selftest audit watch probe stats exporter completion; do
		run --separate-stderr "$GOSCOPE" "$c" -j --help
		[ "$status" -eq 0 ] || { echo "$c -j --help: $status $stderr"; return 1; }
		[ -n "$output" ] || { echo "$c: no help"; return 1; }
		run --separate-stderr "$GOSCOPE" "$c" -h
		[ "$status" -eq 0 ] || { echo "$c -h: $status"; return 1; }
	done
}

@test "agent commands and version: grouped short options; a missing value, a stray value and an unknown option named" {
	require_fixture hello
	run --separate-stderr "$GOSCOPE" version -mj "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	jq -e '.files[0].go.deps | length > 0' <<<"$output" >/dev/null
	run --separate-stderr "$GOSCOPE" pprof-cpu 1 -d
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: option '-d' needs a value"* ]]
	run --separate-stderr "$GOSCOPE" stack --summary=3 1
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: option '--summary' takes no value"* ]]
	# trace sends no binary: the options for one are not trace's
	run --separate-stderr "$GOSCOPE" trace 1 --binary-output x
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unknown option '--binary-output'"* ]]
	run --separate-stderr "$GOSCOPE" memstats -jx 1
	[ "$status" -eq 2 ]
	jq -e '.error | test("unknown option .-x.")' <<<"$output" >/dev/null
}

@test "'--' ends the options: what follows is an operand, even --json" {
	run --separate-stderr "$GOSCOPE" tree -- --json
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unexpected argument '--json'"* ]]
	run --separate-stderr "$GOSCOPE" list -- -x
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unexpected argument '-x'"* ]]
	run --separate-stderr "$GOSCOPE" tree --frob
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unknown option '--frob'"* ]]
	run --separate-stderr "$GOSCOPE" tree -xj
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unknown option '-x'"* ]]
	# an error after --json is a JSON error, wherever --json was
	run --separate-stderr "$GOSCOPE" tree extra --json
	[ "$status" -eq 2 ]
	jq -e .error <<<"$output" >/dev/null
}

# ---- completion and the man page: every command of --help ----

# comp WORDS...: what the sourced bash completion offers for the last word
# (in COMPREPLY); compgen fails when nothing matches, which is no error here.
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	set +e
	_goscope
	set -e
}

# help_commands: the command names `goscope --help` lists.
help_commands() {
	"$GOSCOPE" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }'
}

@test "completion bash: sourced, it completes command names, options, Go PIDs and files" {
	require_fixture hello
	start_fixture hello sleep 30
	local gopid=$BG_PID
	start_command sleep 30
	local other=$BG_PID
	"$GOSCOPE" completion bash >"$T/goscope.bash"
	bash -n "$T/goscope.bash"
	# shellcheck disable=SC1091
	source "$T/goscope.bash"
	[ "$(complete -p goscope)" = "complete -o filenames -F _goscope goscope" ]

	comp "$GOSCOPE" st
	[ "${COMPREPLY[*]}" = "stack stats" ]
	comp "$GOSCOPE" pprof-
	[ "${COMPREPLY[*]}" = "pprof-heap pprof-cpu" ]

	comp "$GOSCOPE" stats ""
	[[ " ${COMPREPLY[*]} " == *" $gopid "* ]]
	[[ " ${COMPREPLY[*]} " != *" $other "* ]]	# not Go
	comp "$GOSCOPE" -j stack "${gopid:0:3}"
	[[ " ${COMPREPLY[*]} " == *" $gopid "* ]]
	comp "$GOSCOPE" agent gc ""
	[[ " ${COMPREPLY[*]} " == *" $gopid "* ]]
	comp "$GOSCOPE" agent me
	[ "${COMPREPLY[*]}" = memstats ]

	comp "$GOSCOPE" stack --ag
	[ "${COMPREPLY[*]}" = "--agent --agentless" ]
	comp "$GOSCOPE" tree --js
	[ "${COMPREPLY[*]}" = "--json" ]

	touch "$T/file-one"
	comp "$GOSCOPE" version -m "$T/file-o"
	[ "${COMPREPLY[*]}" = "$T/file-one" ]
	comp "$GOSCOPE" completion ""
	[ "${COMPREPLY[*]}" = "bash zsh fish" ]

	# every command of --help completes
	local c
	for c in $(help_commands); do
		comp "$GOSCOPE" "$c"
		[[ " ${COMPREPLY[*]} " == *" $c "* ]] || { echo "$c does not complete"; return 1; }
	done
}

@test "completion zsh, fish: every command of --help, with its description; bad shells" {
	local c z f
	z=$("$GOSCOPE" completion zsh)
	f=$("$GOSCOPE" completion fish)
	[[ ${z%%$'\n'*} == "#compdef goscope" ]]
	for c in $(help_commands); do
		grep -q "^"$'\t\t'"'$c:" <<<"$z" || { echo "zsh: no $c"; return 1; }
		grep -q -- "-a $c -d '" <<<"$f" || { echo "fish: no $c"; return 1; }
	done
	require_cmd zsh fish
	zsh -n <<<"$z"
	fish -n <<<"$f"
	# fish completes from the script as it would at a prompt
	local dir=$T/fishbin
	mkdir -p "$dir"
	ln -s "$GOSCOPE" "$dir/goscope"
	require_fixture hello
	start_fixture hello sleep 30
	printf '%s\n' "$f" >"$T/goscope.fish"
	run env PATH="$dir:$PATH" fish -c 'source $argv[1]; complete -C"goscope st"' "$T/goscope.fish"
	[ "$status" -eq 0 ]
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "stack stats " ]
	run env PATH="$dir:$PATH" fish -c 'source $argv[1]; complete -C"goscope stats "' "$T/goscope.fish"
	grep -q "^$BG_PID"$'\t' <<<"$output"
	run env PATH="$dir:$PATH" fish -c 'source $argv[1]; complete -C"goscope stack --ag"' "$T/goscope.fish"
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "--agent --agentless " ]
	run --separate-stderr "$GOSCOPE" completion
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" completion tcsh
	[ "$status" -eq 2 ]
	[[ $stderr == "Error: unknown shell 'tcsh'"* ]]
	require_fixture hello
	start_fixture hello sleep 30
	run "$GOSCOPE" completion --pids
	[ "$status" -eq 0 ]
	grep -qx "$BG_PID" <<<"$output"
	! grep -qvE '^[0-9]+$' <<<"$output"
}

@test "man page: built, no warnings from man, every command and every option of every --help" {
	local page
	page=${BUILD:-$GS_ROOT/build}/goscope.1	# the build directory: $GOSCOPE may be a copy
	require_file "$page"
	require_cmd man
	run man --warnings -l "$page"
	[ "$status" -eq 0 ]
	# man --warnings prints groff's warnings on stderr
	run bash -c 'man --warnings -l "$1" 2>&1 >/dev/null' _ "$page"
	[ -z "$output" ] || { echo "warnings: $output"; return 1; }
	local text c o missing=
	# one line per paragraph: nothing hyphenated or broken
	text=$(MANWIDTH=10000 man -l "$page" 2>/dev/null)
	[[ $text == *"EXIT STATUS"* && $text == *ENVIRONMENT* && $text == *FILES* ]]
	for c in $(help_commands) help; do
		grep -q -e "^ *$c\b" <<<"$text" || missing+=" $c"
		for o in $("$GOSCOPE" "$c" --help | grep -o -e '--[a-z][a-z0-9-]*' | sort -u); do
			grep -q -e "$o\b" <<<"$text" || missing+=" $c:$o"
		done
	done
	for o in GOPS_CONFIG_DIR XDG_CONFIG_HOME TMPDIR GOSCOPE_BTF GOSCOPE_BPF_ATTACH; do
		grep -q "$o" <<<"$text" || missing+=" $o"
	done
	[ -z "$missing" ] || { echo "not in the man page:$missing"; return 1; }
	for c in 0 1 2 3 4; do
		grep -q "^ *$c$" <<<"$text" || { echo "exit $c"; return 1; }
	done
}

@test "make install: the binary, goscope(1), the bash and zsh completions where those look" {
	local build
	# the build directory itself: $GOSCOPE may be tests/run.sh's world-readable copy
	build=${BUILD:-$GS_ROOT/build}
	require_cmd make
	# what `make` built is installed as is: nothing may be rebuilt here
	make -C "$GS_ROOT" -q BUILD="$build" "$build/goscope.1" "$build/completion/goscope" \
		"$build/completion/_goscope" || { echo "run make first"; return 1; }
	run make -C "$GS_ROOT" --no-print-directory install BUILD="$build" PREFIX=/usr \
		DESTDIR="$T/inst"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	cmp "$T/inst/usr/bin/goscope" "$build/goscope"
	cmp "$T/inst/usr/share/man/man1/goscope.1" "$build/goscope.1"
	[ "$(stat -c %a "$T/inst/usr/share/man/man1/goscope.1")" = 644 ]
	"$GOSCOPE" completion bash | cmp - "$T/inst/usr/share/bash-completion/completions/goscope"
	"$GOSCOPE" completion zsh | cmp - "$T/inst/usr/share/zsh/site-functions/_goscope"
	MANPATH=$T/inst/usr/share/man run man -w goscope
	[ "$output" = "$T/inst/usr/share/man/man1/goscope.1" ]
}

# zsh_comp WORDS...: what the zsh script offers for the last word, run by zsh
# with compadd, _describe and _files stubbed to print their candidates (the
# matching against the prefix is zsh's own work, not the script's).
zsh_comp() {
	zsh -c '
compadd() {
	if [[ $1 == -a ]]; then print -l -- ${(P)2}; return; fi
	while [[ $# -gt 0 && $1 != -- ]]; do shift; done
	shift
	print -l -- "$@"
}
_describe() { print -l -- ${${(P)2}%%:*}; }
_files() { print -- "<files>"; }
script=$1
shift
words=("$@")
CURRENT=${#words}
PREFIX=${words[CURRENT]}
source $script' zsh "$T/_goscope" "$@" | tr '\n' ' '
}

@test "completion zsh: commands, Go PIDs, a command's options, files, agent commands" {
	require_cmd zsh
	require_fixture hello
	start_fixture hello sleep 30
	"$GOSCOPE" completion zsh >"$T/_goscope"
	local out c
	out=$(zsh_comp "$GOSCOPE" st)
	for c in $(help_commands) help "$BG_PID"; do
		[[ " $out" == *" $c "* ]] || { echo "no $c in: $out"; return 1; }
	done
	out=$(zsh_comp "$GOSCOPE" stats "")
	[[ " $out" == *" $BG_PID "* ]]
	[[ $out != *stack* ]]
	out=$(zsh_comp "$GOSCOPE" stack --ag)
	[[ " $out" == *" --agent --agentless "* && $out == *" --json "* ]]
	[ "$(grep -o -- '--json' <<<"$out" | wc -l)" -eq 1 ]
	out=$(zsh_comp "$GOSCOPE" version -m x)
	[[ $out == *"<files>"* ]]
	out=$(zsh_comp "$GOSCOPE" agent "")
	[ "$out" = "stack gc setgc memstats stats version trace pprof-heap pprof-cpu " ]
	out=$(zsh_comp "$GOSCOPE" agent gc "")
	[[ " $out" == *" $BG_PID "* ]]
	out=$(zsh_comp "$GOSCOPE" tree "")
	[ -z "$out" ]
}
