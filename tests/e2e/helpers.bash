# SPDX-License-Identifier: MIT
# Shared set-up for goscope's end-to-end tests. In a .bats file:
#
#	load helpers
#
#	@test "list sees hello" {
#		start_fixture hello sleep 30
#		run "$GOSCOPE" list
#		[ "$status" -eq 0 ]
#		[[ "$output" == *"$BG_PID"* ]]
#	}
#
# Prerequisites (require_root, require_cmd, require_file) skip a test, but
# fail it under CI (env CI non-empty): CI must never pass by skipping.
# Processes started with start_fixture are killed in teardown; a file that
# defines its own teardown() must call stop_fixtures in it.

GS_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
GOSCOPE=${GOSCOPE:-$GS_ROOT/build/goscope}
FIXTURES=${GOSCOPE_FIXTURES:-$GS_ROOT/build/fixtures}
CORPUS=${GOSCOPE_CORPUS:-/var/cache/goscope/corpus}
# selfstat per toolchain and build mode: $MATRIX/1.NN/selfstat[.MODE]
MATRIX=${GOSCOPE_MATRIX:-$(dirname "$FIXTURES")/matrix}
export GOSCOPE FIXTURES CORPUS MATRIX

# Pids started by start_fixture in this test.
BG_PIDS=()
BG_PID=

under_ci() { [ -n "${CI:-}" ]; }

# missing WHAT: skip the test, or fail it under CI.
missing() {
	if under_ci; then
		echo "missing prerequisite under CI: $*" >&2
		return 1
	fi
	skip "missing $*"
}

require_root() {
	[ "$(id -u)" -eq 0 ] || missing "root privileges"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || missing "command $c" || return 1
	done
}

require_file() {
	local f
	for f in "$@"; do
		[ -e "$f" ] || missing "file $f" || return 1
	done
}

require_fixture() {
	local f
	for f in "$@"; do
		require_file "$FIXTURES/$f" || return 1
	done
}

require_corpus() {
	local f
	for f in "$@"; do
		require_file "$CORPUS/$f" || return 1
	done
}

require_goscope() {
	require_file "$GOSCOPE"
}

# wait_for SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_for() {
	local limit=$(($1 * 20)) i=0
	shift
	until "$@"; do
		i=$((i + 1))
		if [ $i -ge $limit ]; then
			echo "timed out waiting for: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# Is PID running PROGRAM (already past exec, not a zombie)?
gs_pid_runs() {
	local pid=$1 want=$2 exe state
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	[ "$exe" = "$want" ] || return 1
	state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# start_fixture NAME [ARGS...]: run $FIXTURES/NAME in the background (an
# absolute path works too), wait until it has exec'd, set BG_PID.
# Its output goes to $BATS_TEST_TMPDIR/NAME.PID.log (or BATS_TMPDIR).
# Closing fd 3 matters: bats waits for it, so a child holding it hangs bats.
start_fixture() {
	local name=$1 path log
	shift
	case $name in
	/*) path=$name ;;
	*) path=$FIXTURES/$name ;;
	esac
	require_file "$path" || return 1
	path=$(readlink -f "$path")
	log=${BATS_TEST_TMPDIR:-${BATS_TMPDIR:-/tmp}}/$(basename "$path").$$.$RANDOM.log
	"$path" "$@" </dev/null >"$log" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
	if ! wait_for 10 gs_pid_runs "$BG_PID" "$path"; then
		echo "start_fixture: $path $* did not start; its output:" >&2
		cat "$log" >&2 || true
		return 1
	fi
	# The first thread is enough for /proc and ELF; Go programs also start
	# their runtime threads within a few milliseconds.
	return 0
}

# start_command CMD [ARGS...]: like start_fixture for any program on PATH.
start_command() {
	local cmd
	cmd=$(command -v "$1") || { missing "command $1"; return 1; }
	shift
	start_fixture "$cmd" "$@"
}

stop_fixtures() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
	BG_PID=
}

teardown() {
	stop_fixtures
}
