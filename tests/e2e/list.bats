#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope list, tree and version against live fixtures: gops' formats field
# by field, deleted binaries, other mount namespaces, nesting of Go parents,
# JSON, and the error paths.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	require_fixture hello GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	HELLO=$(readlink -f "$FIXTURES/hello")
	# Our own, empty gops config dir: no stray '*' from the host.
	export GOPS_CONFIG_DIR=$BATS_TEST_TMPDIR/gops
	mkdir -p "$GOPS_CONFIG_DIR"
}

# list_fields PID: split PID's line of $output into L_PID L_PPID L_NAME L_VER
# L_PATH (the path keeps its inner spaces). Fails when PID is not listed.
list_fields() {
	local line
	line=$(grep -E "^$1 " <<<"$output") || {
		echo "pid $1 not in:"
		echo "$output"
		return 1
	}
	read -r L_PID L_PPID L_NAME L_VER L_PATH <<<"$line"
}

ppid_of() {
	ps -o ppid= -p "$1" | tr -d ' '
}

# child_of PID: the single child of PID, once it has exec'd PROGRAM.
child_of() {
	local c
	c=$(pgrep -P "$1" | head -n 1)
	[ -n "$c" ] && gs_pid_runs "$c" "$2" && CHILD=$c
}

# start_go_pair [LOW]: a hello whose child is a hello. sh forks the child and
# then execs itself into the parent. With LOW, the next PID is set to LOW+1
# first, so the child gets a smaller PID than its parent.
start_go_pair() {
	sh -c '[ -n "$1" ] && echo "$1" >/proc/sys/kernel/ns_last_pid
		"$0" sleep 60 &
		exec "$0" sleep 60' "$HELLO" "${1:-}" </dev/null >/dev/null 2>&1 3>&- &
	PARENT=$!
	BG_PIDS+=("$PARENT")
	wait_for 10 gs_pid_runs "$PARENT" "$HELLO"
	wait_for 10 child_of "$PARENT" "$HELLO"
	BG_PIDS+=("$CHILD")
}

# tree_line PID: PID's line in the tree in $output.
tree_line() {
	grep -E "(├── |└── )(\[\*\]  )?$1 \(" <<<"$output"
}

# check_nested PARENT CHILD NAME: CHILD is drawn as the last child of PARENT.
check_nested() {
	local pline cline prefix indent
	pline=$(tree_line "$1") || { echo "parent $1 missing:"; echo "$output"; return 1; }
	cline=$(grep -A1 -F -- "$pline" <<<"$output" | tail -n 1)
	prefix=$(sed -E 's/(├── |└── ).*//' <<<"$pline")
	case $pline in
	*"└── "*) indent="    " ;;
	*) indent="│   " ;;
	esac
	[ "$cline" = "$prefix$indent└── $2 ($3) {$GOVER}" ] || {
		echo "expected under '$pline':"
		echo "$prefix$indent└── $2 ($3) {$GOVER}"
		echo "got: $cline"
		echo "$output"
		return 1
	}
	[ "$(grep -cE "── $2 \(" <<<"$output")" -eq 1 ]
}

@test "list: hello, hello.stripped and hello.pie, field by field" {
	require_fixture hello.stripped hello.pie
	local f pid
	declare -A pids
	for f in hello hello.stripped hello.pie; do
		start_fixture "$f" sleep 60
		pids[$f]=$BG_PID
	done
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	for f in hello hello.stripped hello.pie; do
		pid=${pids[$f]}
		list_fields "$pid"
		[ "$L_PID" = "$pid" ]
		[ "$L_PPID" = "$(ppid_of "$pid")" ]
		[ "$L_NAME" = "$f" ]
		[ "$L_VER" = "$GOVER" ]
		[ "$L_PATH" = "$(readlink -f "$FIXTURES/$f")" ]
	done
	# `goscope list` is the same thing.
	run --separate-stderr "$GOSCOPE" list
	[ "$status" -eq 0 ]
	list_fields "${pids[hello.pie]}"
	[ "$L_NAME" = hello.pie ]
}

@test "list: sorted by PID, no header, columns aligned as gops pads them" {
	start_fixture hello sleep 60
	start_fixture hello sleep 60
	start_go_pair
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	# Every line starts with a PID, in increasing order.
	[ -z "$(grep -vE '^[0-9]+ ' <<<"$output")" ]
	cut -d' ' -f1 <<<"$output" | sort -n -c
	# Padded columns: the path starts at the same offset on every line.
	[ "$(awk '{ print index($0, " /") }' <<<"$output" | sort -u | wc -l)" -eq 1 ]
	# The name column: padded name, then ' ' (no agent), then one space.
	local line width
	line=$(grep -E "^$BG_PID " <<<"$output")
	width=$(awk '{ print length($3) }' <<<"$output" | sort -n | tail -n 1)
	[[ $line =~ ^$BG_PID\ +[0-9]+\ +hello\ +$GOVER\ +/ ]]
	local want
	want=$(printf '%-*s  %s' "$width" hello "$GOVER")
	[[ $line == *" $want"* ]]
}

@test "list: a 15-character comm shows argv[0]'s whole basename" {
	require_cmd jq
	local long=$BATS_TEST_TMPDIR/hello-with-a-long-name
	cp "$FIXTURES/hello" "$long"
	start_fixture "$long" sleep 60
	[ "$(cat "/proc/$BG_PID/comm")" = hello-with-a-lo ]
	run --separate-stderr "$GOSCOPE"
	list_fields "$BG_PID"
	[ "$L_NAME" = hello-with-a-long-name ]
	run --separate-stderr "$GOSCOPE" --json
	[ "$(jq -r ".processes[] | select(.pid == $BG_PID) | .comm" <<<"$output")" = hello-with-a-lo ]
}

@test "list --json: a name that is not UTF-8 keeps its valid characters, '?' for each bad byte" {
	require_cmd jq
	# é, a stray \xff, a C1 control (valid UTF-8: JSON keeps it, escaped or not)
	local odd=$BATS_TEST_TMPDIR/$'caf\xc3\xa9\xff\xc2\x85x'
	cp "$FIXTURES/hello" "$odd"
	start_fixture "$odd" sleep 60
	run --separate-stderr "$GOSCOPE" --json
	[ "$status" -eq 0 ]
	jq -e --argjson pid "$BG_PID" --arg dir "$BATS_TEST_TMPDIR" '
		.processes[] | select(.pid == $pid) |
		.comm == "café?\u0085x" and .name == "café?\u0085x" and .exe == $dir + "/café?\u0085x"' <<<"$output"
}

@test "list, tree, version: controls in a name, C1 included, are '?' in a pipe too" {
	# a newline (forging a line), NEL (U+0085) and CSI (U+009B) in C1; é and \xff pass
	local odd=$BATS_TEST_TMPDIR/$'ev\nil\xc2\x85\xc2\x9b\xc3\xa9\xff'
	local shown=$BATS_TEST_TMPDIR/$'ev?il??\xc3\xa9\xff'
	cp "$FIXTURES/hello" "$odd"
	start_fixture "$odd" sleep 60
	local line
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	# (grep -a: \xff makes grep call the text binary)
	line=$(grep -aE "^$BG_PID " <<<"$output")
	read -r L_PID L_PPID L_NAME L_VER L_PATH <<<"$line"
	[ "$L_NAME" = $'ev?il??\xc3\xa9\xff' ]
	[ "$L_PATH" = "$shown" ]
	[[ $output != *$'\xc2\x85'* && $output != *$'\xc2\x9b'* ]]
	run --separate-stderr "$GOSCOPE" tree
	[ "$status" -eq 0 ]
	grep -aqF "$BG_PID ("$'ev?il??\xc3\xa9\xff'") {$GOVER}" <<<"$output"
	run --separate-stderr "$GOSCOPE" version "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$shown: $GOVER" ]
}

@test "list: a deleted binary is listed with its version and ' (deleted)'" {
	require_cmd jq
	local copy=$BATS_TEST_TMPDIR/gone
	cp "$FIXTURES/hello" "$copy"
	start_fixture "$copy" sleep 60
	copy=$(readlink -f "$copy")
	rm -f "$copy"
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	list_fields "$BG_PID"
	[ "$L_NAME" = gone ]
	[ "$L_VER" = "$GOVER" ]
	[ "$L_PATH" = "$copy (deleted)" ]

	run --separate-stderr "$GOSCOPE" --json
	local p
	p=$(jq -c ".processes[] | select(.pid == $BG_PID)" <<<"$output")
	[ "$(jq -r .exe <<<"$p")" = "$copy" ]
	[ "$(jq -r .deleted <<<"$p")" = true ]
	[ "$(jq -r .go.version <<<"$p")" = "$GOVER" ]

	run --separate-stderr "$GOSCOPE" version "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$copy (deleted): $GOVER" ]
}

@test "list: a process in another mount namespace is classified through /proc/PID/exe" {
	require_root
	require_cmd unshare pgrep jq
	local d=$BATS_TEST_TMPDIR/mntns
	mkdir -p "$d"
	d=$(readlink -f "$d")
	# The binary exists only on a tmpfs mounted inside the new namespace.
	unshare --mount --kill-child sh -c 'mount -t tmpfs none "$0" && cp "$1" "$0/hello" &&
		exec "$0/hello" sleep 60' "$d" "$HELLO" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_for 10 child_of "$!" "$d/hello"
	BG_PIDS+=("$CHILD")
	[ ! -e "$d/hello" ]
	[ "$(stat -L -c %i "/proc/$CHILD/ns/mnt")" != "$(stat -L -c %i /proc/self/ns/mnt)" ]

	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	list_fields "$CHILD"
	[ "$L_NAME" = hello ]
	[ "$L_VER" = "$GOVER" ]
	[ "$L_PATH" = "$d/hello" ]

	run --separate-stderr "$GOSCOPE" --json
	local p
	p=$(jq -c ".processes[] | select(.pid == $CHILD)" <<<"$output")
	[ "$(jq -r .namespaces.mnt <<<"$p")" = "$(stat -L -c %i "/proc/$CHILD/ns/mnt")" ]
	[ "$(jq -r .go.path <<<"$p")" = example.com/goscope/hello ]
	[ "$(jq -r .deleted <<<"$p")" = false ]
}

@test "list: '*' marks a live gops agent, never a stale port file" {
	require_fixture agentdemo
	start_fixture hello sleep 60
	local plain=$BG_PID
	# A port file for a process that listens on no such port: stale.
	start_fixture hello sleep 60
	local stale=$BG_PID
	printf 36473 >"$GOPS_CONFIG_DIR/$stale"
	start_fixture agentdemo
	wait_for 10 test -s "$GOPS_CONFIG_DIR/$BG_PID"
	run --separate-stderr "$GOSCOPE"
	[ "$status" -eq 0 ]
	[[ $(grep -E "^$BG_PID " <<<"$output") =~ ^$BG_PID\ +[0-9]+\ +agentdemo\ *\*\ $GOVER\ / ]]
	[[ $(grep -E "^$plain " <<<"$output") =~ ^$plain\ +[0-9]+\ +hello\ +$GOVER\ / ]]
	[[ $(grep -E "^$stale " <<<"$output") =~ ^$stale\ +[0-9]+\ +hello\ +$GOVER\ / ]]
	run --separate-stderr "$GOSCOPE" tree
	tree_line "$BG_PID" | grep -qF "[*]  $BG_PID (agentdemo) {$GOVER}"
	tree_line "$plain" | grep -qE "── $plain \(hello\)"
	tree_line "$stale" | grep -qE "── $stale \(hello\)"
}

@test "tree: gops' shape, and a Go child nests under its Go parent" {
	start_fixture hello sleep 60
	local lone=$BG_PID
	start_go_pair
	run --separate-stderr "$GOSCOPE" tree
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "..." ]
	# A trailing empty line (bats drops it from lines; the raw output has it).
	[ "$("$GOSCOPE" tree 2>/dev/null | tail -n 1)" = "" ]
	# Roots are the non-Go parents, as bare PIDs.
	grep -qE "^(├── |└── )$(ppid_of "$PARENT")$" <<<"$output"
	grep -qE "^(├── |└── )$(ppid_of "$lone")$" <<<"$output"
	tree_line "$lone" | grep -qF "$lone (hello) {$GOVER}"
	check_nested "$PARENT" "$CHILD" hello
	# The last root is drawn with └── and its subtree with blank indents.
	[ "$(grep -cE '^└── ' <<<"$output")" -eq 1 ]
}

@test "tree: a Go parent whose PID is larger than its child's is not dropped" {
	require_root
	require_cmd pgrep
	[ -w /proc/sys/kernel/ns_last_pid ] || missing "writable /proc/sys/kernel/ns_last_pid"
	local low=$(( $$ > 1000 ? 300 : $$ / 2 ))
	start_go_pair "$low"
	[ "$CHILD" -lt "$PARENT" ] || skip "could not get a smaller PID for the child"
	run --separate-stderr "$GOSCOPE" tree
	[ "$status" -eq 0 ]
	check_nested "$PARENT" "$CHILD" hello
	grep -qE "^(├── |└── )$(ppid_of "$PARENT")$" <<<"$output"
}

@test "list --json: the documented fields" {
	require_cmd jq
	require_fixture hello.stripped
	start_fixture hello sleep 60
	local pid=$BG_PID
	start_fixture hello.stripped sleep 60
	local spid=$BG_PID
	run --separate-stderr "$GOSCOPE" --json
	[ "$status" -eq 0 ]
	jq -e '(.processes | type == "array") and (.uninspectable | type == "number")' <<<"$output"
	# Sorted by PID.
	jq -e '[.processes[].pid] == ([.processes[].pid] | sort)' <<<"$output"
	local p
	p=$(jq -c ".processes[] | select(.pid == $pid)" <<<"$output")
	jq -e --argjson ppid "$(ppid_of "$pid")" --arg exe "$HELLO" --arg v "$GOVER" \
		--argjson uid "$(id -u)" --argjson mnt "$(stat -L -c %i "/proc/$pid/ns/mnt")" \
		--argjson pidns "$(stat -L -c %i "/proc/$pid/ns/pid")" --argjson pid "$pid" '
		.ppid == $ppid and .name == "hello" and .comm == "hello" and .exe == $exe and
		.deleted == false and .agent == false and .uid == $uid and
		.namespaces.mnt == $mnt and .namespaces.pid == $pidns and
		.namespaces.in_ns_pid == $pid and
		(.container_id == null or (.container_id | test("^[0-9a-f]{64}$"))) and
		.go.verdict == "go" and .go.version == $v and .go.version_source == "buildinfo" and
		.go.path == "example.com/goscope/hello" and
		.go.module.path == "example.com/goscope/hello" and .go.module.version == "(devel)" and
		(.go.deps | length) == 1 and .go.deps[0].path == "example.com/goscope/greet" and
		.go.deps[0].replace.path == "../greet" and
		.go.build.GOOS == "linux" and .go.build.GOARCH == "amd64" and
		(.go.evidence | index("buildinfo")) != null and
		.go.flags.stripped == false and .go.flags.pie == false and
		(.go.flags | keys | sort) == ["cgo","dwarf","pie","shared","static","stripped"] and
		(.go.buildid | type) == "string"' <<<"$p"
	jq -e ".processes[] | select(.pid == $spid) | .go.flags.stripped == true and .name == \"hello.stripped\"" <<<"$output"
	run --separate-stderr "$GOSCOPE" --pretty
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "{" ]
	jq -e ".processes[] | select(.pid == $pid)" <<<"$output" >/dev/null
}

@test "tree --json: children and roots" {
	require_cmd jq pgrep
	start_go_pair
	run --separate-stderr "$GOSCOPE" --json tree
	[ "$status" -eq 0 ]
	jq -e --argjson p "$PARENT" --argjson c "$CHILD" --argjson pp "$(ppid_of "$PARENT")" '
		(.processes[] | select(.pid == $p) | .children) == [$c] and
		(.processes[] | select(.pid == $c) | .children) == [] and
		(.roots[] | select(.pid == $pp) | .children | index($p)) != null and
		([.roots[].pid] | index($p)) == null' <<<"$output"
}

# peak_rss CMD...: run CMD, its stdout counted (bytes in T_BYTES), its peak RSS in KiB in T_RSS.
peak_rss() {
	/usr/bin/time -f '%M' -o "$BATS_TEST_TMPDIR/rss" timeout 60 "$@" 2>/dev/null |
		wc -c >"$BATS_TEST_TMPDIR/bytes"
	T_RSS=$(tail -n 1 "$BATS_TEST_TMPDIR/rss")
	T_BYTES=$(cat "$BATS_TEST_TMPDIR/bytes")
}

@test "list, tree --json: a 4 MiB modinfo in 200 processes is rendered once, memory flat, deps capped" {
	# issue 16 item 9: a C program posing as a Go binary with ~48,000 deps
	local modbomb=$GS_ROOT/build/tests/modbomb b=$BATS_TEST_TMPDIR/modbomb
	require_file "$modbomb" /usr/bin/time
	require_cmd jq python3
	"$modbomb" -t 120 "$b"
	[ "$(stat -c %s "$b")" -gt $((4 << 20)) ]
	local n=0 first
	for n in $(seq 40); do start_fixture "$b"; done
	first=$BG_PID
	local cmd rss40 out40
	for cmd in list tree; do
		peak_rss "$GOSCOPE" --json "$cmd"
		rss40=$T_RSS out40=$T_BYTES
		for n in $(seq 160); do start_fixture "$b"; done
		peak_rss "$GOSCOPE" --json "$cmd"
		echo "$cmd: 40 processes $rss40 KiB, $out40 bytes; 200: $T_RSS KiB, $T_BYTES bytes"
		# memory does not grow with the processes sharing the binary (was 532 MB at 40)
		[ "$T_RSS" -lt 100000 ]
		[ "$T_RSS" -lt $((rss40 + 8192)) ]
		# output: 2,000 deps a process, not 48,000 (was 249 MB at 40)
		[ "$T_BYTES" -lt $((200 * 400000)) ]
		stop_fixtures
		for n in $(seq 40); do start_fixture "$b"; done
		first=$BG_PID
	done
	# every process of the binary: the same go object, 2,000 deps and the count of the rest
	run --separate-stderr timeout 60 "$GOSCOPE" --json tree
	[ "$status" -eq 0 ]
	jq -e --arg exe "$b" '[.processes[] | select(.exe == $exe) | .go] |
		length == 40 and (unique | length) == 1 and
		(.[0].deps | length) == 2000 and .[0].deps_truncated == 46208 and
		.[0].deps[1999].path == "example.com/modbomb/m001999" and
		.[0].version == "go1.22.0" and .[0].build.GOOS == "linux"' <<<"$output"
	run --separate-stderr timeout 60 "$GOSCOPE" --json list --max-deps 5
	jq -e --argjson p "$first" '.processes[] | select(.pid == $p) | .go |
		(.deps | length) == 5 and .deps_truncated == 48203' <<<"$output"
	# --max-deps 0: all of them, still within bounds for the one binary
	peak_rss "$GOSCOPE" --json list --max-deps 0
	echo "--max-deps 0, 40 processes: $T_RSS KiB, $T_BYTES bytes"
	[ "$T_BYTES" -gt $((40 * 4000000)) ]
	[ "$T_RSS" -lt 200000 ]
	run --separate-stderr "$GOSCOPE" --json list --max-deps -1
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" tree --max-deps x
	[ "$status" -eq 2 ]
	# a binary within the cap: nothing cut, deps_truncated 0
	start_fixture hello sleep 60
	run --separate-stderr "$GOSCOPE" --json list
	jq -e --argjson p "$BG_PID" '.processes[] | select(.pid == $p) | .go |
		(.deps | length) == 1 and .deps_truncated == 0' <<<"$output"
}

@test "list, tree --json and --pretty: the streamed document is laid out as one built whole" {
	require_cmd python3
	require_fixture hello.stripped
	start_fixture hello sleep 60
	start_fixture hello.stripped sleep 60
	local mode cmd
	for mode in --json --pretty; do
		for cmd in list tree; do
			"$GOSCOPE" "$mode" "$cmd" --max-deps 0 >"$BATS_TEST_TMPDIR/doc" 2>/dev/null
			# jansson's layout, as Python writes it: 2-space indent, ": ", ",";
			# \u escapes compared without regard to the case of their hex digits
			python3 - "$BATS_TEST_TMPDIR/doc" "$mode" <<'PY'
import json, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
doc = json.loads(text)
assert isinstance(doc["processes"], list) and "uninspectable" in doc
if sys.argv[2] == "--pretty":
    want = json.dumps(doc, indent=2, ensure_ascii=False)
else:
    want = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
norm = lambda t: re.sub(r"\\u[0-9a-fA-F]{4}", lambda m: m.group(0).lower(), t)
assert norm(text) == norm(want) + "\n", (len(text), len(want))
PY
		done
	done
}

@test "version -m: the same output as go version -m" {
	require_cmd go
	run --separate-stderr "$GOSCOPE" version -m "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "$(go version -m "$FIXTURES/hello")" ]
	run --separate-stderr "$GOSCOPE" version "$FIXTURES/hello"
	[ "$output" = "$FIXTURES/hello: $GOVER" ]
}

@test "version: a PID, several files, and what is not Go" {
	require_fixture cbin
	start_fixture hello sleep 60
	run --separate-stderr "$GOSCOPE" version "$BG_PID"
	[ "$status" -eq 0 ]
	[ "$output" = "$HELLO: $GOVER" ]

	run --separate-stderr "$GOSCOPE" version "$FIXTURES/cbin"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == "$FIXTURES/cbin: not a Go binary ("*")" ]]

	run --separate-stderr "$GOSCOPE" version "$FIXTURES/hello" "$FIXTURES/cbin" /nonexistent
	[ "$status" -eq 1 ]
	[ "$output" = "$FIXTURES/hello: $GOVER" ]
	[[ $stderr == *"/nonexistent: "* ]]

	run --separate-stderr "$GOSCOPE" version
	[ "$status" -eq 0 ]
	[[ $output == "goscope "* ]]
}

@test "version --json" {
	require_cmd jq
	require_fixture cbin
	run --separate-stderr "$GOSCOPE" --json version "$FIXTURES/hello" "$FIXTURES/cbin"
	[ "$status" -eq 1 ]
	jq -e --arg v "$GOVER" '
		.files[0].go.version == $v and .files[0].error == null and .files[0].pid == null and
		.files[0].go.module.path == "example.com/goscope/hello" and
		.files[1].go.verdict == "not-go" and (.files[1].error | startswith("not a Go binary"))
	' <<<"$output"
}

@test "errors: unknown command or option exits 2 with a hint" {
	run --separate-stderr "$GOSCOPE" frobnicate
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ ${stderr_lines[0]} == "Error: unknown command 'frobnicate'" ]]
	[[ $stderr == *"goscope --help"* ]]

	# A number is not a command but a PID: process details (cmd_process).
	run --separate-stderr "$GOSCOPE" 999999999
	[ "$status" -eq 1 ]
	[[ $stderr == *"no such process"* ]]

	run --separate-stderr "$GOSCOPE" --frob
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" list extra
	[ "$status" -eq 2 ]
	[[ $stderr == *"goscope list --help"* ]]
	run --separate-stderr "$GOSCOPE" tree -x
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" version -m
	[ "$status" -eq 2 ]

	run --separate-stderr "$GOSCOPE" --json frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = '{"error":"unknown command '"'frobnicate'"'"}' ]
}

@test "help and --version" {
	run --separate-stderr "$GOSCOPE" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^goscope\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run --separate-stderr "$GOSCOPE" --help
	[ "$status" -eq 0 ]
	[[ $output == *"Exit codes"* ]]
	local c
	for c in list tree version; do
		run --separate-stderr "$GOSCOPE" "$c" --help
		[ "$status" -eq 0 ] || { echo "$c --help: $status"; return 1; }
		[[ $output == *"Exit codes"* ]] || { echo "$c --help lacks exit codes"; return 1; }
	done
}
