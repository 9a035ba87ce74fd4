#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# goscope audit: exact facts for the fixtures and the corpus, processes,
# the --min-go policy and its exit codes, a hostile tree of 1,000 files
# (links in and out, FIFOs, devices, unreadable files), OSV matching with
# malformed records, and the prom and CSV formats read by their own tools.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	require_goscope
	require_cmd jq
	require_fixture hello GOVERSION
	GOVER=$(cat "$FIXTURES/GOVERSION")
	OSV=$GS_ROOT/tests/osv
	SCRATCH=
	MOUNTS=()
}

teardown() {
	stop_fixtures
	local m
	for m in ${MOUNTS[@]+"${MOUNTS[@]}"}; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	if [ -n "$SCRATCH" ]; then
		chmod -R u+rwx "$SCRATCH" 2>/dev/null || true
		rm -rf "$SCRATCH"
	fi
}

# A scratch directory every user may enter (bats' own are private to root).
make_scratch() {
	SCRATCH=$(mktemp -d /tmp/goscope-audit.XXXXXX)
	chmod 755 "$SCRATCH"
}

# The support status goscope's table (newest major: go1.27) gives a release.
support_of() {
	local minor=${1#go1.}
	minor=${minor%%[!0-9]*}
	if [ "$minor" -ge 26 ]; then echo supported; else echo unsupported; fi
}

# binary PATH: the JSON object of the binary at PATH in $output.
binary() {
	jq -ce --arg p "$1" '.binaries[] | select(.path == $p)' <<<"$output"
}

# check PATH JQ-EXPR: the binary at PATH satisfies the expression.
check() {
	local b
	b=$(binary "$1") || { echo "not listed: $1"; jq -r '.binaries[].path' <<<"$output"; return 1; }
	jq -e "$2" <<<"$b" >/dev/null || { echo "$1: failed $2"; jq . <<<"$b"; return 1; }
}

@test "fixtures: every Go build with its exact version, module, support and settings" {
	local sup f
	sup=$(support_of "$GOVER")
	run --separate-stderr "$GOSCOPE" --json audit --path "$FIXTURES"
	[ "$status" -eq 0 ]
	[ "$(jq -r .mode <<<"$output")" = files ]
	for f in hello hello.stripped hello.pie hello.cgo libhello.so hello.386 hello.arm64 \
		hello.ppc64 hello.nobuildinfo; do
		[ -e "$FIXTURES/$f" ] || continue
		check "$FIXTURES/$f" ".go_version == \"$GOVER\" and .support == \"$sup\" and
			.module.path == \"example.com/goscope/hello\" and .module.version == \"(devel)\" and
			.policy == null and .vulns == null and .go.verdict == \"go\""
	done
	for f in cbin script.sh empty random.bin GOVERSION; do
		! binary "$FIXTURES/$f"
	done
	check "$FIXTURES/hello" '.settings == {"cgo": false, "pie": false, "trimpath": false,
		"goamd64": "v1", "goexperiment": null} and .stripped == false and .pids == [] and
		.deleted == false and .vcs == null'
	check "$FIXTURES/hello.stripped" '.stripped == true'
	check "$FIXTURES/hello.pie" '.settings.pie == true'
	check "$FIXTURES/hello.cgo" '.settings.cgo == true'
	check "$FIXTURES/libhello.so" '.settings.cgo == true'
	check "$FIXTURES/hello.arm64" '.settings.goamd64 == null'
	# the release facts of go1.19.x
	if [[ $GOVER == go1.19.* ]]; then
		check "$FIXTURES/hello" '.latest_patch == "go1.19.13" and .end_of_support == "2023-08-08"'
	fi
	[ "$(jq .summary.unknown <<<"$output")" -le 1 ]	# "truncated" at most
}

@test "a Go binary without section headers still goes to the classifier" {
	require_cmd python3
	make_scratch
	cp "$FIXTURES/hello" "$SCRATCH/nosections"
	# zero e_shoff, e_shnum and e_shstrndx of the 64-bit little-endian header
	python3 -c 'import sys
f = open(sys.argv[1], "r+b")
f.seek(0x28); f.write(bytes(8))
f.seek(0x3c); f.write(bytes(4))' "$SCRATCH/nosections"
	run --separate-stderr "$GOSCOPE" --json audit --path "$SCRATCH"
	[ "$status" -eq 0 ]
	check "$SCRATCH/nosections" ".go_version == \"$GOVER\" and .module.path == \"example.com/goscope/hello\""
}

@test "corpus: versions, modules, VCS stamps and support status exact" {
	require_corpus buf-1.75.0/buf esbuild-0.8.57/esbuild esbuild-0.13.15/esbuild \
		esbuild-0.15.18/esbuild esbuild-0.19.12/esbuild
	run --separate-stderr "$GOSCOPE" --json audit --path "$CORPUS"
	[ "$status" -eq 0 ]
	local b
	for b in buf protoc-gen-buf-breaking protoc-gen-buf-lint; do
		[ -e "$CORPUS/buf-1.75.0/$b" ] || continue
		check "$CORPUS/buf-1.75.0/$b" '.go_version == "go1.27.3" and .support == "supported" and
			.module.path == "github.com/bufbuild/buf" and .settings.trimpath == true and
			.end_of_support == null and .release_date != null'
	done
	check "$CORPUS/esbuild-0.19.12/esbuild" '.go_version == "go1.20.12" and
		.support == "unsupported" and .module.path == "github.com/evanw/esbuild" and
		.vcs == {"system": "git", "revision": "d7fd1ad35715cda76eb33343b7c07b275e402a2e",
			 "time": "2024-01-23T17:38:57Z", "modified": false} and
		.latest_patch == "go1.20.14" and .end_of_support == "2024-02-06" and
		.settings.goamd64 == "v1" and .stripped == true'
	check "$CORPUS/esbuild-0.15.18/esbuild" '.go_version == "go1.19.3" and
		.support == "unsupported" and .vcs.revision == "2953831c60ea7e76dd1372204e23bdf7ff4ea459"'
	check "$CORPUS/esbuild-0.13.15/esbuild" '.go_version == "go1.17.2" and .support == "unsupported"
		and .module.path == "github.com/evanw/esbuild"'
	check "$CORPUS/esbuild-0.8.57/esbuild" '.go_version == "go1.16" and .support == "unsupported"'
	# nothing but these (and no marker files) is reported
	[ "$(jq '[.binaries[].path | select(test("/\\.fetched$"))] | length' <<<"$output")" -eq 0 ]
}

@test "processes: a running fixture is a row with its PID; --path attaches it too" {
	start_fixture hello sleep 30
	local hello
	hello=$(readlink -f "$FIXTURES/hello")
	run --separate-stderr "$GOSCOPE" --json audit
	[ "$status" -eq 0 ]
	[ "$(jq -r .mode <<<"$output")" = processes ]
	check "$hello" "(.pids | index($BG_PID)) != null and .go_version == \"$GOVER\" and
		.container_ids == [] and ([.processes[].pid] | index($BG_PID)) != null and
		(.processes[0] | has(\"go\") | not) and .processes[0].exe == \"$hello\""
	run --separate-stderr "$GOSCOPE" --json audit --path "$hello"
	[ "$status" -eq 0 ]
	check "$hello" "(.pids | index($BG_PID)) != null"
	run --separate-stderr "$GOSCOPE" audit
	[ "$status" -eq 0 ]
	grep -E "^$hello +([0-9]+,)*$BG_PID[ ,]" <<<"$output"
}

@test "--min-go: exit 0 when nothing is older, 4 when something is" {
	run --separate-stderr "$GOSCOPE" audit --min-go "$GOVER" --path "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	run --separate-stderr "$GOSCOPE" --json audit --min-go "$GOVER" --path "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	check "$FIXTURES/hello" '.policy == "ok"'
	run --separate-stderr "$GOSCOPE" audit --min-go go1.27.3 --path "$FIXTURES/hello"
	[ "$status" -eq 4 ]
	run --separate-stderr "$GOSCOPE" --json audit --min-go 1.27.3 --path "$FIXTURES/hello"
	[ "$status" -eq 4 ]
	check "$FIXTURES/hello" '.policy == "violation"'
	[ "$(jq .summary.violations <<<"$output")" -eq 1 ]
	[ "$(jq -r .min_go <<<"$output")" = 1.27.3 ]
	# a missing path still fails the run, but a violation is what the code says
	run --separate-stderr "$GOSCOPE" audit --min-go go1.27.3 --path "$FIXTURES/hello" /nonexistent
	[ "$status" -eq 4 ]
	if [ -e "$CORPUS/esbuild-0.8.57/esbuild" ]; then
		run --separate-stderr "$GOSCOPE" audit --min-go go1.16 --path "$CORPUS"
		[ "$status" -eq 0 ]
		run --separate-stderr "$GOSCOPE" audit --min-go go1.16.1 --path "$CORPUS"
		[ "$status" -eq 4 ]
		run --separate-stderr "$GOSCOPE" --json audit --min-go go1.20.12 --path "$CORPUS"
		[ "$status" -eq 4 ]
		check "$CORPUS/esbuild-0.19.12/esbuild" '.policy == "ok"'
		check "$CORPUS/esbuild-0.15.18/esbuild" '.policy == "violation"'
	fi
}

@test "--min-go that is not a Go version is a usage error (exit 2)" {
	local v
	for v in banana go1.x "" go2 "go1.22.4 X:foo" go1.22.4.5 v1.22.4 "devel go1.22-abc"; do
		run --separate-stderr "$GOSCOPE" audit --min-go "$v" --path "$FIXTURES/hello"
		[ "$status" -eq 2 ] || { echo "--min-go '$v': status $status"; return 1; }
		[[ $stderr == *"--min-go"* ]]
		[ -z "$output" ]
	done
	run --separate-stderr "$GOSCOPE" --json audit --min-go banana
	[ "$status" -eq 2 ]
	jq -e '.error | test("min-go")' <<<"$output"
}

# A tree of about 1,000 entries under $SCRATCH/tree: text files, C and
# script copies, Go copies and hard links, symbolic links inside and out,
# a loop, FIFOs and (as root) device nodes.
make_tree() {
	local t=$SCRATCH/tree i
	mkdir -p "$t"/a/b/c/d "$t"/e "$t"/f/g/h
	for i in $(seq 0 9); do mkdir -p "$t/d$i"; done
	for i in $(seq 1 940); do printf 'file %d\n' "$i" >"$t/d$((i % 10))/t$i.txt"; done
	for i in $(seq 1 20); do
		cp "$FIXTURES/cbin" "$t/d$((i % 10))/cbin$i"
		cp "$FIXTURES/script.sh" "$t/d$((i % 10))/script$i.sh"
	done
	cp "$FIXTURES/hello" "$t/a/hello"
	cp "$FIXTURES/hello.stripped" "$t/a/b/hello.stripped"
	cp "$FIXTURES/hello.pie" "$t/a/b/c/hello.pie"
	cp "$FIXTURES/libhello.so" "$t/f/libhello.so"
	# not binaries: a separate debug-info file of a Go binary
	objcopy --only-keep-debug "$FIXTURES/hello" "$t/f/hello.debug"
	ln "$t/a/hello" "$t/a/b/c/d/hello.hardlink1"
	ln "$t/a/hello" "$t/f/g/h/hello.hardlink2"
	ln -s ../a/hello "$t/e/link-inside"
	ln -s ../a "$t/e/link-inside-dir"
	ln -s /usr/bin "$t/e/link-usrbin"
	ln -s "$(readlink -f "$FIXTURES")" "$t/e/link-fixtures"
	ln -s "$(readlink -f "$FIXTURES/hello.cgo")" "$t/e/link-outside-go"
	[ -d "$CORPUS" ] && ln -s "$CORPUS" "$t/e/link-corpus"
	ln -s . "$t/e/loop"
	ln -s ../../.. "$t/a/b/up"
	mkfifo "$t/e/fifo" "$t/a/fifo.bin"
	if [ "$(id -u)" -eq 0 ]; then
		mknod "$t/e/null" c 1 3
		mknod "$t/e/zero" c 1 5
	fi
	TREE=$t
}

@test "a tree of 1,000 files: no link followed, FIFOs and devices skipped, no hang" {
	make_scratch
	make_tree
	[ "$(find "$TREE" | wc -l)" -ge 1000 ]
	run --separate-stderr timeout 30 "$GOSCOPE" --json audit --path "$TREE"
	[ "$status" -eq 0 ]
	local want got
	want=$(printf '%s\n' "$TREE/a/b/c/d/hello.hardlink1" "$TREE/a/b/c/hello.pie" \
		"$TREE/a/b/hello.stripped" "$TREE/a/hello" "$TREE/f/g/h/hello.hardlink2" \
		"$TREE/f/libhello.so" | sort)
	got=$(jq -r '.binaries[].path' <<<"$output" | sort)
	[ "$got" = "$want" ] || { echo "want:"; echo "$want"; echo "got:"; echo "$got"; return 1; }
	jq -e '.scan.links == 2 and .scan.symlinks >= 8 and .scan.files >= 960 and
		.scan.unreadable == 0 and .scan.dirs >= 17' <<<"$output"
	if [ "$(id -u)" -eq 0 ]; then
		jq -e '.scan.special == 4' <<<"$output"
	else
		jq -e '.scan.special == 2' <<<"$output"
	fi
	# the hard links share one classification: same build ID, same answer
	[ "$(jq -r '[.binaries[] | select(.path | test("hello(\\.hardlink[12])?$")) | .go.buildid] |
		unique | length' <<<"$output")" -eq 1 ]
	# the table and one thread: same rows, no hang either
	run --separate-stderr timeout 30 "$GOSCOPE" audit --threads 1 --path "$TREE"
	[ "$status" -eq 0 ]
	[ "$(grep -c "^$TREE/" <<<"$output")" -eq 6 ]
	# a FIFO or device named on the command line is skipped, not opened for reading forever
	run --separate-stderr timeout 10 "$GOSCOPE" audit --path "$TREE/e/fifo"
	[ "$status" -eq 0 ]
	[[ $stderr == *"not a regular file or directory"* ]]
}

@test "mount points: proc is never entered, --xdev stays on one file system" {
	require_root
	make_scratch
	local t=$SCRATCH/tree
	mkdir -p "$t/proc" "$t/tmp"
	cp "$FIXTURES/hello" "$t/hello"
	mount -t proc proc "$t/proc" && MOUNTS+=("$t/proc") || skip "cannot mount proc here"
	mount -t tmpfs -o size=16m tmpfs "$t/tmp" && MOUNTS+=("$t/tmp") || skip "cannot mount tmpfs here"
	cp "$FIXTURES/hello.stripped" "$t/tmp/hello.stripped"
	run --separate-stderr timeout 30 "$GOSCOPE" --json audit --path "$t"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.binaries[].path] | sort | join(" ")' <<<"$output")" = "$t/hello $t/tmp/hello.stripped" ]
	jq -e '.scan.pseudo_fs == 1 and .scan.other_fs == 0' <<<"$output"
	run --separate-stderr timeout 30 "$GOSCOPE" --json audit --xdev --path "$t"
	[ "$status" -eq 0 ]
	[ "$(jq -r '[.binaries[].path] | join(" ")' <<<"$output")" = "$t/hello" ]
	jq -e '.scan.other_fs == 2' <<<"$output"
}

@test "unreadable files and directories are counted once (as an unprivileged user)" {
	require_root
	require_cmd setpriv
	make_scratch
	local t=$SCRATCH/tree bin=$SCRATCH/bin/goscope
	mkdir -p "$t/open" "$t/closed" "$SCRATCH/bin"
	cp "$GOSCOPE" "$bin"
	chmod 755 "$SCRATCH/bin" "$bin"
	cp "$FIXTURES/hello" "$t/open/hello"
	cp "$FIXTURES/hello" "$t/secret-hello"
	cp "$FIXTURES/hello" "$t/closed/hello"
	chmod 000 "$t/secret-hello" "$t/closed"
	chmod -R o+rX "$t/open"
	chmod o+rx "$t"
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout 30 "$bin" audit --path "$t"
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
	grep -q "^$t/open/hello " <<<"$output"
	! grep -q "secret-hello\|closed/hello" <<<"$output"
	[ "$(grep -c "could not be read" <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"2 files or directories could not be read"* ]]
	run --separate-stderr setpriv --reuid=65534 --regid=65534 --clear-groups \
		timeout 30 "$bin" -v --json audit --path "$t"
	[ "$status" -eq 0 ]
	[ "$(jq .scan.unreadable <<<"$output")" -eq 2 ]
	[[ $stderr == *"cannot read $t/secret-hello: Permission denied"* ]]
	[[ $stderr == *"cannot read $t/closed: Permission denied"* ]]
}

@test "--osv: the records affecting each binary; malformed ones named and skipped" {
	run --separate-stderr "$GOSCOPE" --json audit --osv "$OSV" --path "$FIXTURES/hello"
	[ "$status" -eq 0 ]
	jq -e '.osv.records == 5 and .osv.skipped == 3 and .osv.withdrawn == 1' <<<"$output"
	# stdlib below go1.19.9 is affected; greet is replaced by a directory: not matched
	if [[ $GOVER =~ ^go1\.19\.[0-8]$ ]]; then
		check "$FIXTURES/hello" '.vulns == ["GOSCOPE-TEST-0001"]'
	fi
	check "$FIXTURES/hello" '(.vulns | index("GOSCOPE-TEST-0004")) == null and
		(.vulns | index("GOSCOPE-TEST-0005")) == null'
	local f
	for f in bad-syntax.json bad-version.json bad-noid.json; do
		[ "$(grep -c "$OSV/$f: .*; record skipped" <<<"$stderr")" -eq 1 ] ||
			{ echo "$f not reported once:"; echo "$stderr"; return 1; }
	done
	if [ -e "$CORPUS/buf-1.75.0/buf" ] && [ -e "$CORPUS/esbuild-0.19.12/esbuild" ]; then
		run --separate-stderr "$GOSCOPE" --json audit --osv "$OSV" --path "$CORPUS"
		[ "$status" -eq 0 ]
		check "$CORPUS/buf-1.75.0/buf" '.vulns == ["GOSCOPE-TEST-0003"]'
		check "$CORPUS/esbuild-0.19.12/esbuild" '.vulns == ["GOSCOPE-TEST-0002"]'
		check "$CORPUS/esbuild-0.15.18/esbuild" '.vulns == ["GOSCOPE-TEST-0001", "GOSCOPE-TEST-0002"]'
		jq -e '.summary.vulnerable >= 3' <<<"$output"
	fi
	run --separate-stderr "$GOSCOPE" audit --osv /nonexistent/osv --path "$FIXTURES/hello"
	[ "$status" -eq 1 ]
	[[ $stderr == *"/nonexistent/osv"* ]]
}

# Files whose names need quoting in every format.
make_weird() {
	make_scratch
	WEIRD=$SCRATCH/weird
	mkdir -p "$WEIRD"
	cp "$FIXTURES/hello" "$WEIRD/we\"ird\\back slash"
	cp "$FIXTURES/hello" "$WEIRD/comma,and\"quote"
	cp "$FIXTURES/hello" "$WEIRD/new"$'\n'"line"
	cp "$FIXTURES/hello" "$WEIRD/bad-utf8-"$'\xff\xfe'
}

@test "--format prom: promtool check metrics accepts it; label values escaped" {
	require_cmd promtool
	make_weird
	start_fixture hello sleep 30
	run --separate-stderr "$GOSCOPE" audit --format prom --min-go go1.21 --osv "$OSV" \
		--path "$WEIRD" "$FIXTURES"
	[ "$status" -eq 4 ]
	printf '%s\n' "$output" >"$SCRATCH/audit.prom"
	run promtool check metrics <"$SCRATCH/audit.prom"
	[ "$status" -eq 0 ] || { echo "$output"; cat "$SCRATCH/audit.prom"; return 1; }
	local p
	p=$(cat "$SCRATCH/audit.prom")
	grep -qF "path=\"$WEIRD/we\\\"ird\\\\back slash\"" <<<"$p"
	grep -qF "path=\"$WEIRD/new\\nline\"" <<<"$p"
	grep -qF "path=\"$WEIRD/bad-utf8-??\"" <<<"$p"
	grep -qE '^goscope_audit_policy_violations\{min_go="go1.21"\} [1-9][0-9]*$' <<<"$p"
	grep -qE "^goscope_audit_go_binary_info\{path=\"$FIXTURES/hello\",.*go_version=\"$GOVER\",support=\"$(support_of "$GOVER")\",policy=\"violation\"" <<<"$p"
	grep -qE "^goscope_audit_go_binary_processes\{path=\"$FIXTURES/hello\",container_id=\"\"\} 1$" <<<"$p"
	grep -qE "^goscope_audit_go_binary_vulnerability_info\{path=\"$FIXTURES/hello\",container_id=\"\",id=\"GOSCOPE-TEST-" <<<"$p" ||
		[[ ! $GOVER =~ ^go1\.19\.[0-8]$ ]]
	# every sample line is a metric we document, with a value
	! grep -vE '^(# (HELP|TYPE) goscope_audit_|goscope_audit_[a-z_]+(\{.*\})? [0-9]+$)' <<<"$p"
	# and for the processes of the host
	run --separate-stderr "$GOSCOPE" audit --format prom
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | promtool check metrics
}

@test "--format csv: RFC 4180 that Python's csv module reads back" {
	require_cmd python3
	make_weird
	run --separate-stderr "$GOSCOPE" --json audit --path "$WEIRD" "$FIXTURES"
	[ "$status" -eq 0 ]
	jq -r '.binaries[].path' <<<"$output" | sort >"$SCRATCH/json-paths"
	"$GOSCOPE" audit --format csv --path "$WEIRD" "$FIXTURES" >"$SCRATCH/audit.csv"
	python3 - "$SCRATCH/audit.csv" "$SCRATCH/json-paths" "$FIXTURES/hello" "$GOVER" <<'PY'
import csv, sys
raw = open(sys.argv[1], 'rb').read()
assert raw.endswith(b'\r\n'), 'records end in CRLF'
with open(sys.argv[1], newline='', encoding='utf-8', errors='surrogateescape') as f:
    rows = list(csv.reader(f, strict=True))
head = rows[0]
assert head[:6] == ['path', 'deleted', 'pids', 'verdict', 'go_version', 'support'], head
assert all(len(r) == len(head) for r in rows), 'ragged rows'
got = sorted(r[0] for r in rows[1:])
# json paths are one per line: the one with a newline spans two
want = open(sys.argv[2], encoding='utf-8', errors='surrogateescape').read().split('\n')
assert len(got) == len(rows) - 1
assert any('comma,and"quote' in p for p in got), got
assert any('new\nline' in p for p in got), got
assert any('we"ird\\back slash' in p for p in got), got
hello = [r for r in rows[1:] if r[0] == sys.argv[3]][0]
rec = dict(zip(head, hello))
assert rec['go_version'] == sys.argv[4], rec
assert rec['module'] == 'example.com/goscope/hello', rec
assert rec['cgo'] == 'false' and rec['stripped'] == 'false', rec
PY
}

@test "csv and prom on a terminal: no escape sequence from a file name or a module path gets through; piped, byte for byte" {
	require_cmd script python3
	make_scratch
	# A file name with a clear-screen, and a module path (same length, so
	# the build info stays valid) with an OSC title sequence ended by BEL.
	python3 - "$FIXTURES/hello" "$SCRATCH/mod"$'\x1b[2J'"name" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
old = b'example.com/goscope/hello'
new = b'ex\x1b]0;pwned\x07le.com/hello'
new += b'x' * (len(old) - len(new))
assert len(new) == len(old) and old in d
open(sys.argv[2], 'wb').write(d.replace(old, new))
PY
	local fmt
	for fmt in csv prom; do
		# on a pseudo-terminal (script's); the first run's stdout is a file
		run script -qec "\"$GOSCOPE\" audit --format $fmt --path \"$SCRATCH\" >\"$SCRATCH/$fmt.out\"; \"$GOSCOPE\" audit --format $fmt --path \"$SCRATCH\"" /dev/null
		[ "$status" -eq 0 ]
		[[ $output == *"mod?[2Jname"* ]]
		[[ $output == *"ex?]0;pwned?le.com/hello"* ]]
		[[ $output != *$'\x1b'* && $output != *$'\x07'* ]]
		# piped, the bytes are the file's and the module's own
		grep -qaF "mod"$'\x1b[2J'"name" "$SCRATCH/$fmt.out"
		grep -qaF "ex"$'\x1b]0;pwned\x07'"le.com/hello" "$SCRATCH/$fmt.out"
		"$GOSCOPE" audit --format "$fmt" --path "$SCRATCH" | cmp - "$SCRATCH/$fmt.out"
	done
	# CSV's CRLF record ends still reach the terminal as line ends
	run script -qec "\"$GOSCOPE\" audit --format csv --path \"$SCRATCH\"" /dev/null
	[[ $output != *"?"$'\r'* && $output != *'vulns?'* ]]
}

@test "table: a header, then one padded row per binary" {
	run --separate-stderr "$GOSCOPE" audit --path "$FIXTURES/hello" "$FIXTURES/hello.stripped"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == PATH\ *PIDS\ *GO\ *SUPPORT\ *MODULE\ *VERSION\ *REVISION\ *TIME\ *CGO\ *PIE\ *TRIMPATH\ *GOAMD64\ *GOEXPERIMENT\ *STRIPPED\ *CONTAINER ]]
	read -r -a f <<<"${lines[1]}"
	[ "${f[0]}" = "$FIXTURES/hello" ]
	[ "${f[2]}" = "$GOVER" ]
	[ "${f[3]}" = "$(support_of "$GOVER")" ]
	[ "${f[4]}" = example.com/goscope/hello ]
	read -r -a f <<<"${lines[2]}"
	[ "${f[0]}" = "$FIXTURES/hello.stripped" ]
	[ "${f[13]}" = yes ]
	# POLICY and VULNS columns appear with their options
	run --separate-stderr "$GOSCOPE" audit --min-go go1.2 --osv "$OSV" --path "$FIXTURES/hello"
	[[ ${lines[0]} == *" POLICY "*" VULNS" ]]
}

@test "bad command lines and paths" {
	run --separate-stderr "$GOSCOPE" audit --format xml
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" audit --bogus
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" audit --threads 0
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" audit --path
	[ "$status" -eq 2 ]
	run --separate-stderr "$GOSCOPE" audit --help
	[ "$status" -eq 0 ]
	[[ $output == *"--min-go"* ]]
	# a path that is not there fails the run, but the others are still reported
	run --separate-stderr "$GOSCOPE" audit --path /nonexistent "$FIXTURES/hello"
	[ "$status" -eq 1 ]
	[[ $stderr == *"/nonexistent: No such file or directory"* ]]
	grep -q "^$FIXTURES/hello " <<<"$output"
	# proc and sys are not walked
	run --separate-stderr timeout 10 "$GOSCOPE" audit --path /proc
	[ "$status" -eq 0 ]
	[[ $stderr == *"pseudo file system"* ]]
}
