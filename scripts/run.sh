#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh (make run): boot the test VM, run skbfactory once with ARGS
# ("key=value ...", e.g. ARGS="mode=all size=64") and print its results.
# Keeps results.txt and console.log in build/run/<time>/.  KVER, VM_CPUS,
# VM_MEM, VM_NIC_CPU and ACCEL work as for scripts/vm.sh.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

say "checking packages"
"$SCRIPTS/deps.sh" vm

out=$BUILD_DIR/run/$(date +%Y%m%d-%H%M%S)
[ ! -e "$out" ] || out=$out-$$
mkdir -p "$out"
cat >"$out/job.sh" <<'JOB'
# The guest's part: one run, then its results on VM_OUT and the console.
d=$SKBFACTORY_DEBUGFS
echo "SKBFACTORY-RUN: 1 $ARGS"
echo "1 $ARGS" >"$d/run" || { echo "SKBFACTORY-RUN: writing '1 $ARGS' to $d/run failed"; exit 1; }
cat "$d/results" >"$VM_OUT" || exit 1
cat "$d/results"
JOB

say "running skbfactory ${ARGS:+($ARGS) }in the VM"
rc=0
"$SCRIPTS/vm.sh" --quiet --name run --job "$out/job.sh" --env "ARGS=${ARGS:-}" \
	>"$out/results.txt" || rc=$?
cp "$BUILD_DIR/vm/run/console.log" "$out/" 2>/dev/null || true
[ "$rc" = 0 ] || die "make run failed (logs: $out)"
say "results in $out/results.txt"
cat "$out/results.txt"
