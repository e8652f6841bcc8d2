# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# tests/job.sh: the integration tests' job in the test VM (busybox sh, run
# by scripts/vm.sh --job with tests/ added as /skbfactory/tests).
#
#   job.sh            run the cases of TESTS_KIND (stock or debug), or only
#                     those in TESTS_ONLY (names, space separated)
#   job.sh --list     print the cases it would run, one a line, and exit
#                     (the host runs this too: plain sh, touches nothing)
#
# Environment (vm.sh --env): TESTS_KIND, TESTS_ONLY, CYCLES (insmod/rmmod
# cycles, default 50), FUZZ_SEED (default: the time), FUZZ_WRITES (2000).
# The job leaves skbfactory unloaded when the last case is kmemleak.

TESTS_DIR=$(dirname "$0")
[ -f "$TESTS_DIR/cases.sh" ] || TESTS_DIR=/skbfactory/tests
# shellcheck source=tests/lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=tests/cases.sh
. "$TESTS_DIR/cases.sh"

KIND=${TESTS_KIND:-stock}

# plan: the cases to run, one a line.
plan() {
	if [ -n "${TESTS_ONLY:-}" ]; then
		for c in $TESTS_ONLY; do echo "$c"; done
	else
		for c in $(cases_plan "$KIND"); do echo "$c"; done
	fi
}

if [ "${1:-}" = --list ]; then
	plan
	exit 0
fi

mkdir -p "$T"
klog_start

# How big the runs are: the debug kernel (KASAN, kmemleak, lockdep under
# TCG) makes an skb in ~0.5 ms, a stock kernel in ~1-4 us.
if [ "$KIND" = debug ]; then
	CAL_COUNT=100 QCOUNT=20 BIGCAL=4 LONG_MS=1000 CYCLES=${CYCLES:-50} KILL_BATCH=256
else
	CAL_COUNT=20000 QCOUNT=2000 BIGCAL=200 LONG_MS=2000 CYCLES=${CYCLES:-50} KILL_BATCH=4096
fi

# kmemleak: forget what the boot left (scripts/kunit.sh does the same).
if [ "$KIND" = debug ] && [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	echo clear >/sys/kernel/debug/kmemleak
fi

PLAN=$(plan)
N=0
for c in $PLAN; do N=$((N + 1)); done
emit "1..$N"
diag "kernel $(uname -r), $KIND, $VM_CPUS CPUs, NIC IRQs $VM_NIC_IRQS on CPU $VM_NIC_CPU"
ensure_loaded
NSOP=

for c in $PLAN; do
	# Calibrate after files_mode, which wants to see no run yet.
	if [ -z "$NSOP" ] && [ "$c" != files_mode ]; then
		ensure_loaded
		calibrate
		diag "calibration: alloc_skb(1500) takes about $NSOP ns here"
	fi
	if type "case_$c" >/dev/null 2>&1; then
		run_case "$c"
	else
		emit "not ok - $c # no such case"
	fi
done
if [ -s "$KL/outside.splat" ]; then
	diag "the kernel complained outside the cases:"
	while IFS= read -r l; do diag "  $l"; done <"$KL/outside.splat"
fi
emit "# done"
exit 0
