#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Run every goscope test and print one closing line: `N passed, N failed`
# (`, N skipped` appended when some were skipped).
#   BUILD=build tests/run.sh            everything
#   tests/run.sh build/tests/test_x tests/e2e/list.bats    just these
#
# Unit tests are cmocka binaries ($BUILD/tests/test_*, TAP output); e2e tests
# are bats files (tests/e2e/*.bats, bats --tap). Both are read as TAP: a
# test binary that crashes or stops early counts as failed, and under CI
# (env CI non-empty) a skip counts as failed too.
# Exit status 1 when anything failed or no test ran.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

BUILD=${BUILD:-build}
case $BUILD in
/*) ;;
*) BUILD=$root/$BUILD ;;
esac
export GOSCOPE=${GOSCOPE:-$BUILD/goscope}
export GOSCOPE_FIXTURES=${GOSCOPE_FIXTURES:-$BUILD/fixtures}
export GOSCOPE_CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
export GOSCOPE_MATRIX=${GOSCOPE_MATRIX:-$(dirname "$GOSCOPE_FIXTURES")/matrix}
# GOSCOPE_TEST_EXCLUDE_TAGS=TAG[,TAG]: bats tests tagged so (`# bats
# test_tags=` or `file_tags=`) are left out of this run. The sanitizer pass
# leaves out `first-pass`: tests whose code the first pass already ran
# (valgrind's, on the plain build) or the middle rows of the toolchain
# matrices (the oldest and newest rows run in both passes).
bats_filter=()
if [ -n "${GOSCOPE_TEST_EXCLUDE_TAGS:-}" ]; then
	f=
	IFS=, read -ra xtags <<<"$GOSCOPE_TEST_EXCLUDE_TAGS"
	for t in "${xtags[@]}"; do
		f+="${f:+,}!$t"
	done
	bats_filter=(--filter-tags "$f")
fi
# A hung test must not eat CI's whole budget.
limit=${GOSCOPE_TEST_TIMEOUT:-900}

under_ci() { [ -n "${CI:-}" ]; }

passed=0
failed=0
skipped=0

tmp=$(mktemp -d)
shared=
trap 'rm -rf "$tmp" ${shared:+"$shared"}' EXIT

# Tests run goscope and the fixtures as other users too. A checkout under a
# directory they may not enter (mktemp -d makes 0700 ones) gets a world-
# readable copy of those for the run, so such tests test goscope, not the
# permissions of the checkout's parents.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && [ -x "$GOSCOPE" ] &&
	! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$GOSCOPE" 2>/dev/null; then
	shared=$(mktemp -d /tmp/goscope-shared.XXXXXX)
	chmod 755 "$shared"
	mkdir -p "$shared/bench"
	cp -p "$GOSCOPE" "$shared/goscope"
	[ -d "$GOSCOPE_FIXTURES" ] && cp -a "$GOSCOPE_FIXTURES" "$shared/fixtures"
	[ -x "$BUILD/bench/watch_spawn" ] && cp -p "$BUILD/bench/watch_spawn" "$shared/bench/"
	chmod -R a+rX "$shared"
	export GOSCOPE=$shared/goscope GOSCOPE_FIXTURES=$shared/fixtures
	echo "  NOTE     $root is closed to other users: goscope and fixtures run from $shared"
fi

# show_tail FILE: the captured stderr of a failing run, indented.
show_tail() {
	[ -s "$1" ] || return 0
	echo "    --- stderr (last 60 lines) ---"
	tail -n 60 "$1" | sed 's/^/    /'
}

# tap_count NAME RC OUT ERR: read the TAP in OUT, add to the totals, print a
# line for the file and the blocks of every failed test.
tap_count() {
	local name=$1 rc=$2 out=$3 err=$4
	local plan=0 p=0 f=0 s=0 line in_fail=0 lower report=$tmp/report

	: >"$report"
	while IFS= read -r line || [ -n "$line" ]; do
		lower=${line,,}
		case $line in
		[0-9]*..[0-9]*)
			# cmocka prints one plan per group; they add up.
			[[ $line =~ ^[0-9]+\.\.([0-9]+) ]] && plan=$((plan + BASH_REMATCH[1]))
			in_fail=0
			;;
		"ok "* | "not ok "*)
			in_fail=0
			if [[ $lower == *" # skip"* ]]; then
				if under_ci; then
					f=$((f + 1))
					in_fail=1
					printf '    %s   (a skip fails under CI)\n' "$line" >>"$report"
				else
					s=$((s + 1))
				fi
			elif [[ $line == "ok "* ]]; then
				p=$((p + 1))
			else
				f=$((f + 1))
				in_fail=1
				printf '    %s\n' "$line" >>"$report"
			fi
			;;
		"# ok - "* | "# not ok - "*)
			# cmocka's per-group verdict, not a test.
			;;
		"#"*)
			[ $in_fail -eq 1 ] && printf '    %s\n' "$line" >>"$report"
			;;
		*)
			in_fail=0
			;;
		esac
	done <"$out"

	local seen=$((p + f + s)) why=
	if [ $seen -lt $plan ]; then
		why="stopped after $seen of $plan tests"
		f=$((f + plan - seen))
	fi
	if [ "$rc" -ne 0 ] && [ $f -eq 0 ]; then
		f=1
	fi
	if [ "$rc" -eq 124 ]; then
		why=${why:+$why; }"timed out after ${limit}s"
	elif [ "$rc" -gt 128 ]; then
		why=${why:+$why; }"killed by signal $((rc - 128))"
	elif [ "$rc" -ne 0 ] && [ -z "$why" ] && [ ! -s "$report" ]; then
		why="exit status $rc"
	fi

	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))

	local summary="$p ok" ms=$((($(date +%s%N) - t_start) / 1000000))
	[ $f -gt 0 ] && summary+=", $f failed"
	[ $s -gt 0 ] && summary+=", $s skipped"
	# How long the file took, for keeping CI within its budget.
	summary+=", $((ms / 1000)).$((ms % 1000 / 100)) s"
	if [ $f -gt 0 ]; then
		printf '  %-8s %s (%s)\n' FAIL "$name" "$summary"
		[ -n "$why" ] && printf '    %s\n' "$why"
		cat "$report"
		show_tail "$err"
	else
		printf '  %-8s %s (%s)\n' PASS "$name" "$summary"
	fi
}

run_unit() {
	local bin=$1 rc
	t_start=$(date +%s%N)
	# In a subshell, so bash's own "Killed" notice lands with the output.
	(CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 10 "$limit" "$bin" \
		</dev/null >"$tmp/out" 2>"$tmp/err"; exit $?) 2>>"$tmp/err"
	rc=$?
	tap_count "${bin#"$root"/}" "$rc" "$tmp/out" "$tmp/err"
}

run_bats() {
	local file=$1 rc
	if ! command -v bats >/dev/null 2>&1; then
		printf '  %-8s %s (bats not found: tools/deps.sh test)\n' FAIL "$file"
		failed=$((failed + 1))
		return
	fi
	t_start=$(date +%s%N)
	(timeout -k 10 "$limit" bats --tap ${bats_filter[@]+"${bats_filter[@]}"} "$file" </dev/null >"$tmp/out" \
		2>"$tmp/err"; exit $?) 2>>"$tmp/err"
	rc=$?
	tap_count "${file#"$root"/}" "$rc" "$tmp/out" "$tmp/err"
}

units=()
bats_files=()
if [ $# -gt 0 ]; then
	for t in "$@"; do
		case $t in
		*.bats) bats_files+=("$t") ;;
		*) units+=("$t") ;;
		esac
	done
else
	for t in "$BUILD"/tests/test_*; do
		[ -f "$t" ] && [ -x "$t" ] && units+=("$t")
	done
	for t in tests/e2e/*.bats; do
		[ -f "$t" ] && bats_files+=("$t")
	done
fi

[ ${#bats_filter[@]} -gt 0 ] &&
	echo "  NOTE     tests tagged $GOSCOPE_TEST_EXCLUDE_TAGS are left out of this run"
for t in ${units[@]+"${units[@]}"}; do
	run_unit "$t"
done
for t in ${bats_files[@]+"${bats_files[@]}"}; do
	run_bats "$t"
done

status=0
[ $failed -gt 0 ] && status=1
if [ $((passed + failed)) -eq 0 ]; then
	echo "no test ran" >&2
	status=1
fi
line="$passed passed, $failed failed"
[ $skipped -gt 0 ] && line+=", $skipped skipped"
echo "$line"
exit $status
