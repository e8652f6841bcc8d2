#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# under-load.sh [N] CMD...: run CMD beside N CPU hogs (default: one per
# core), each a busy loop pinned to its core with taskset, at the same
# priority as CMD: a busy machine, as a shared CI runner is.  The hogs end
# with CMD however it ends (Ctrl-C too); CMD's exit status is kept, and one
# line says how long it took and the load average before and after.
#   scripts/under-load.sh make check

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

n=$(nproc)
if [[ ${1:-} =~ ^[0-9]+$ ]]; then
	n=$1
	shift
fi
[ $# -gt 0 ] || die "usage: scripts/under-load.sh [N] CMD..."

on_exit
for i in $(seq 0 $((n - 1))); do
	# In a process group of its own, which on_exit ends.
	set -m
	taskset -c $((i % $(nproc))) bash -c 'while :; do :; done' &
	PGROUPS+=($!)
	set +m
done
before=$(cut -d' ' -f1-3 /proc/loadavg)
say "$n CPU hog(s) running; load average $before"
start=$SECONDS rc=0
"$@" || rc=$?
say "$* took $(((SECONDS - start) / 60)):$(printf %02d $(((SECONDS - start) % 60))) beside $n CPU hog(s); load average $before, then $(cut -d' ' -f1-3 /proc/loadavg); exit $rc"
exit "$rc"
