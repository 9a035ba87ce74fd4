# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# What the benchmark scripts share, sourced after `set -euo pipefail`:
#   . "$(dirname "$0")/lib.sh"
# Sets root (the tree) and BUILD (absolute; from the environment, default
# build), and defines need_root, median and waitfor.

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
