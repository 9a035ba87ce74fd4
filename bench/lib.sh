# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What the benchmark scripts share, sourced after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
# Sets root (the tree) and BUILD (absolute; from the environment, default
# build), and defines need_root, median, waitfor and control_pairs.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$root/$BUILD ;; esac

# need_root [WHY]: exit 3 with one line unless run as root.
need_root() {
	[ "$(id -u)" -eq 0 ] || { echo "$(basename "$0"): needs root${1:+ ($1)}" >&2; exit 3; }
}

# median: the middle one of the numbers on stdin (of an even count, the upper).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# waitfor CMD...: poll CMD for up to 20 s; else say so, run the script's
# waitfor_failed when it has one (to show logs), and exit 1.
waitfor() {
	local _
	for _ in $(seq 400); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "$(basename "$0"): timed out waiting for: $*" >&2
	if declare -F waitfor_failed >/dev/null; then
		waitfor_failed
	fi
	exit 1
}

# _control_units PID LOG: gcload PID's work so far, from a fresh "stats" line.
_control_more() { [ "$(grep -c '^stats ' "$1")" -gt "$2" ]; }
_control_units() {
	local n
	n=$(grep -c '^stats ' "$2")
	kill -USR1 "$1"
	waitfor _control_more "$2" "$n"
	grep '^stats ' "$2" | tail -n 1 | sed 's/.*\bunits=\([0-9]*\).*/\1/'
}
# _control_window [PID]: "dA dB" over win seconds, PID observed meanwhile
# (control_pairs' locals, seen through bash's dynamic scope).
_control_window() {
	local a0 b0 a1 b1
	OBS=
	[ -n "${1:-}" ] && "$observe" "$1" "$((win + 3))"
	a0=$(_control_units "$pa" "$ga"); b0=$(_control_units "$pb" "$gb")
	sleep "$win"
	a1=$(_control_units "$pa" "$ga"); b1=$(_control_units "$pb" "$gb")
	if [ -n "$OBS" ]; then
		kill -INT "$OBS" 2>/dev/null || true
		wait "$OBS" || true
	fi
	echo "$((a1 - a0)) $((b1 - b0))"
}
# _control_line LABEL FIELD SUFFIX: median, mean and range of one column.
_control_line() {
	printf '  %s median %+.2f%%, mean %+.2f%% (rounds %+.2f%% to %+.2f%%%s)\n' "$1" \
		"$(cut -d' ' -f"$2" "$t/control.c" | median)" \
		"$(awk -v f="$2" '{ s += $f } END { if (NR) print s / NR; else print 0 }' "$t/control.c")" \
		"$(cut -d' ' -f"$2" "$t/control.c" | sort -g | head -n 1)" \
		"$(cut -d' ' -f"$2" "$t/control.c" | sort -g | tail -n 1)" "$3"
}

# control_pairs GCLOAD PAIRS WIN OBSERVE TMP: the cost of being observed,
# measured against a concurrent control. Two copies of one program run side
# by side, each pinned to its own CPU (GOMAXPROCS=1, one worker), and the
# observer goes to one of them at a time. Whatever slows the machine down in
# a window (other guests, the host, frequency) slows both, so the ratio of
# their work in that window cancels it, which separate runs one after the
# other cannot do. With k the two CPUs' ratio unobserved and c the cost of
# being observed, a window with A observed gives A/B = k(1 - c), one with B
# observed B/A = (1 - c)/k: c = 1 - sqrt of their product. The two windows
# with neither observed give the same formula's noise floor (its true value
# is 0). What this leaves out is what every process pays while an observer
# runs at all (a per-CPU timer, say).
#
# OBSERVE PID SECS starts the observer on PID in the background, for at
# least SECS seconds, returns once it observes, and sets OBS to its pid (the
# caller's to kill, or to wait for if it ends on its own). Each round is
# four windows: A observed, B observed, neither, neither. Prints two lines
# (median, mean and range of c over the rounds, and of the noise floor).
# The gcload pids are in CONTROL_PIDS while they run, for the caller's trap.
# shellcheck disable=SC2034 # read by the sourcing script
CONTROL_PIDS=()
control_pairs() {
	local gcload=$1 pairs=$2 win=$3 observe=$4 t=$5 pa pb _ wa wb n1 n2
	local ga=$t/control.a.log gb=$t/control.b.log

	taskset -c 0 env GOMAXPROCS=1 "$gcload" -duration 0 -workers 1 >"$ga" 2>&1 </dev/null &
	pa=$!
	taskset -c 1 env GOMAXPROCS=1 "$gcload" -duration 0 -workers 1 >"$gb" 2>&1 </dev/null &
	pb=$!
	CONTROL_PIDS=("$pa" "$pb")
	sleep 2
	: >"$t/control.pairs"
	for _ in $(seq "$pairs"); do
		wa=$(_control_window "$pa"); wb=$(_control_window "$pb")
		n1=$(_control_window); n2=$(_control_window)
		echo "$wa $wb $n1 $n2" >>"$t/control.pairs"
	done
	kill "$pa" "$pb"
	wait "$pa" "$pb" 2>/dev/null || true
	# shellcheck disable=SC2034 # read by the sourcing script
	CONTROL_PIDS=()
	# Per round: c from the observed windows, and the same from the others.
	awk '{ if ($2 > 0 && $3 > 0 && $6 > 0 && $7 > 0) {
		c = 1 - sqrt(($1 / $2) * ($4 / $3)); z = 1 - sqrt(($5 / $6) * ($8 / $7))
		printf "%.5f %.5f\n", c * 100, z * 100 } }' "$t/control.pairs" >"$t/control.c"
	_control_line "cost of being observed:" 1 ""
	_control_line "the method unobserved:  " 2 "; its noise, true value 0"
}
