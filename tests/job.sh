# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# tests/job.sh: the integration tests' job in the test VM (busybox sh, run
# by scripts/vm.sh --job, tests/ added as /skbfactory/tests).  Runs the
# cases of tests/cases.sh for TESTS_KIND (stock or debug), or those named in
# TESTS_ONLY, and prints a KTAP document on VM_OUT.  With --list it prints
# the plan, a case a line, and touches nothing (the host runs that too);
# with --apart, cases_apart's.
# Environment (vm.sh --env): TESTS_KIND, TESTS_ONLY, TESTS_PART, TESTS_FROM,
# CYCLES (insmod/rmmod cycles, 25), RACE (rmmod_race's iterations: 25, 50
# on the debug kernel, where KASAN and lockdep watch the race), KUNIT_SUITES
# (kunit_module's), FUZZ_SEED, FUZZ_WRITES (the fuzz's writes: 20000, 1000
# on the debug kernel, where each costs ~70 ms), FUZZ_ARGS.

TESTS_DIR=$(dirname "$0")
[ -f "$TESTS_DIR/cases.sh" ] || TESTS_DIR=/skbfactory/tests
# shellcheck source=tests/lib.sh
. "$TESTS_DIR/lib.sh"
# shellcheck source=tests/cases.sh
. "$TESTS_DIR/cases.sh"

KIND=${TESTS_KIND:-stock}
PLAN=${TESTS_ONLY:-$(cases_plan "$KIND")}
# TESTS_PART: first (the plan less cases_apart) or apart (those, with
# kmemleak), for the two VMs of a plan split in two (tests/integration.sh).
APART=$(cases_apart "$KIND")
case ${TESTS_PART:-} in
first) PLAN=$(for c in $PLAN; do case " $APART " in *" $c "*) ;; *) echo "$c" ;; esac; done) ;;
apart) PLAN=$(for c in $PLAN; do case " $APART kmemleak " in *" $c "*) echo "$c" ;; esac; done) ;;
esac
# TESTS_FROM: the plan from that case on (tests/integration.sh resumes
# there a VM the emulator failed).
if [ -n "${TESTS_FROM:-}" ]; then
	PLAN=$(for c in $PLAN; do echo "$c"; done | awk -v f="$TESTS_FROM" '$0 == f { on = 1 } on')
fi
if [ "${1:-}" = --apart ]; then
	echo "$APART"
	exit 0
fi
if [ "${1:-}" = --list ]; then
	for c in $PLAN; do echo "$c"; done
	exit 0
fi

mkdir -p "$T"
nap_init
klog_start
# How big the runs are: the debug kernel (KASAN, kmemleak, lockdep under
# TCG) makes an skb in ~0.5 ms, a stock kernel in ~1-4 us.
# NSOP_REF: alloc_skb(1500)'s calibration on a warm, idle 2-core host, the
# speed case_budget's times are for (tests/lib.sh budget_of).
if [ "$KIND" = debug ]; then
	CAL_COUNT=100 QCOUNT=20 KILL_BATCH=256 RACE=${RACE:-50} NSOP_REF=800000 FUZZ_DEFAULT=1000
	# kmemleak: nothing to forget of the boot.  A scan and a clear here
	# (12 s beside make check's other guests) only hid zero-filled
	# objects (the others a first scan never reports); three scans after
	# boot report none.  case_kmemleak's leaks are the whole kernel's.
else
	CAL_COUNT=20000 QCOUNT=2000 KILL_BATCH=4096 NSOP_REF=3000 FUZZ_DEFAULT=20000
fi
CYCLES=${CYCLES:-25} RACE=${RACE:-25}
KREL=$(uname -r)

# shellcheck disable=SC2086 # a word a case
set -- $PLAN
emit "KTAP version 1"
emit "1..$#"
diag "kernel $KREL, $KIND, $VM_CPUS CPUs, NIC IRQs $VM_NIC_IRQS on CPU $VM_NIC_CPU"
N=0 NSOP=
for c in $PLAN; do
	N=$((N + 1))
	# Calibrate after files_mode, which wants to see no run yet.
	if [ -z "$NSOP" ] && [ "$c" != files_mode ] && ensure_loaded; then
		calibrate
		diag "calibration: alloc_skb(1500) takes about $NSOP ns here"
	fi
	if type "case_$c" >/dev/null 2>&1; then
		run_case "$N" "$c"
	else
		emit "not ok $N $c # no such case"
	fi
done
[ ! -s "$KL/outside.splat" ] || while IFS= read -r l; do
	diag "the kernel complained outside the cases: $l"
done <"$KL/outside.splat"
exit 0
