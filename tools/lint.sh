#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clang-tidy over goscope's C files (make lint). The analyser also walks the
# static inline functions of bpftool's generated skeletons ($BUILD/*.skel.h)
# and reports there; those are not ours to fix, so they are dropped, and the
# exit status counts our own diagnostics only.
set -uo pipefail
build=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
clang-tidy --quiet "$@" >"$out" 2>&1
awk -v b="$build/" '
	/^[^ ]+:[0-9]+:[0-9]+: (warning|error):/ { skip = index($0, b) > 0 || $0 ~ /^[^ ]*\.skel\.h:/ }
	!skip && !/^[0-9]+ warnings? generated\.$/ && !/^Suppressed [0-9]+ warnings/ && !/^Use -header-filter/
' "$out"
if grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$out" | grep -v '\.skel\.h:' | grep -q .; then
	exit 1
fi
exit 0
