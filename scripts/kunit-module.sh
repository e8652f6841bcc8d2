#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kunit-module.sh (make kunit-module): the KUnit suite as modules on the
# debug kernel, for what the built-in route of make kunit cannot see:
# kmemleak.  kunit.py's kernel reboots as soon as its suite ends, so nothing
# can ask kmemleak to scan; here the modules are unloaded and then it scans.
#
#  1. builds or reuses the debug kernel (scripts/debug-kernel.sh);
#  2. builds skbfactory.ko and skbfactory_kunit.ko against it (build_module);
#  3. boots it in QEMU (scripts/vm.sh --kernel debug).  The guest job makes
#     kmemleak forget the boot's objects, loads skbfactory then
#     skbfactory_kunit (whose suites run while it loads, printed on the
#     console), unloads both, waits, scans for leaks twice and reports;
#  4. feeds the module's KTAP block from the console to the kernel's own
#     `kunit.py parse` and shows its report.
#
# Fails when a case fails, crashes or is missing from the plan, when the
# kernel log shows a KASAN report, a lockdep splat, a BUG: or WARNING: line,
# an oops, a stall or a lockup, or when kmemleak reports anything after both
# modules are gone.  Logs: build/vm/kunit/ (console.log, dmesg.log, out.txt)
# and build/kunit/ (ktap.log, kunit.txt).
#
# Environment: KUNIT_TIMEOUT (seconds the guest may take, default 600),
# SKBFACTORY_SRC, VM_CPUS, VM_MEM, ACCEL (see vm.sh).
#
# Nothing here loads a module into this machine's kernel.

set -eu

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=kunit-lib.sh
. "$SCRIPTS/kunit-lib.sh"

NAME=kunit
OUT="$BUILD_DIR/kunit"
VMDIR="$BUILD_DIR/vm/$NAME"
KTAP="$OUT/ktap.log"
REPORT="$OUT/kunit.txt"
JOB="$OUT/job.sh"
TIMEOUT="${KUNIT_TIMEOUT:-600}"

# The guest writes these markers to /dev/kmsg, so they sit in order among
# the kernel's own lines in the console and in dmesg.log.
MARK=skbfactory-kunit

failures=()

fail_because() {
	failures+=("$*")
}

# write_job: the guest's part (busybox sh, run by scripts/guest/init).
# Results for the host go to $VM_OUT (build/vm/kunit/out.txt).
write_job() {
	{
		echo '#!/bin/sh'
		echo '# Written by scripts/kunit.sh; runs inside the debug-kernel guest.'
		echo "MARK=$MARK"
		cat <<'EOF'
KL=/sys/kernel/debug/kmemleak
rc=0
mark() { echo "$MARK: $*" >/dev/kmsg; }
result() { echo "$*" >"$VM_OUT"; }
problem() { mark "$*"; result "$*"; rc=1; }
uptime_s() { cut -d. -f1 /proc/uptime; }

# kmemleak reports an object once it is older than 5 s, unreferenced, and
# unchanged since the previous scan; "clear" makes it forget what it has
# reported.  So first forget what the boot left behind.
if ! { echo scan >$KL && echo scan >$KL && echo clear >$KL; }; then
	problem "kmemleak unusable"
fi

mark "loading skbfactory"
insmod /skbfactory/skbfactory.ko || problem "insmod skbfactory failed"
# KUnit prints at KERN_INFO: let it reach the console while the suites run.
level=$(cut -f1 /proc/sys/kernel/printk)
echo 7 >/proc/sys/kernel/printk
mark "ktap begin"
insmod /skbfactory/skbfactory_kunit.ko || problem "insmod skbfactory_kunit failed"
mark "ktap end"
echo "$level" >/proc/sys/kernel/printk
rmmod skbfactory_kunit || problem "rmmod skbfactory_kunit failed"
rmmod skbfactory || problem "rmmod skbfactory failed"
mark "modules unloaded"

# The first scan records the objects' checksums at any age; the second,
# at least 6 s after the unload, reports.
unloaded=$(uptime_s)
if echo scan >$KL; then
	wait=$((unloaded + 6 - $(uptime_s)))
	[ "$wait" -le 0 ] || sleep "$wait"
fi
if echo scan >$KL; then
	n=$(grep -c '^unreferenced object' $KL)
	result "kmemleak leaks=$n"
	if [ "$n" -gt 0 ]; then
		mark "kmemleak found $n leak(s)"
		cat $KL >"$VM_OUT"
		rc=1
	fi
else
	problem "kmemleak scan failed"
fi
mark "done"
exit $rc
EOF
	} >"$JOB"
}

# klog FILE: a kernel log without CRs and printk timestamps.
klog() {
	tr -d '\r' <"$1" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //'
}

# ktap_block FILE: the lines after the "ktap begin" marker, up to the "ktap
# end" marker or the end of the log (a crash).
ktap_block() {
	klog "$1" | awk -v b="$MARK: ktap begin" -v e="$MARK: ktap end" '
		index($0, e) == 1 { exit }
		on { print }
		index($0, b) == 1 { on = 1 }'
}

# extract_ktap: skbfactory_kunit's KTAP block into $KTAP, from the console,
# else from the kernel log dumped at the end; a top-level KTAP header is
# added when the block lacks one (kernels whose modules print none).
extract_ktap() {
	local block='' f
	for f in "$VMDIR/console.log" "$VMDIR/dmesg.log"; do
		[ -f "$f" ] || continue
		block=$(ktap_block "$f")
		grep -q 'KTAP version' <<<"$block" && break
	done
	: >"$KTAP"
	grep -q 'KTAP version' <<<"$block" || return 1
	if ! grep -qE '^K?TAP version [0-9]+$' <<<"$block"; then
		printf 'KTAP version 1\n1..%s\n' \
			"$(grep -cE '^    # Subtest: ' <<<"$block")" >"$KTAP"
	fi
	printf '%s\n' "$block" >>"$KTAP"
}

# check_logs: KASAN, lockdep, BUG/WARNING, oopses, stalls, panics in the
# console and the kernel log.
check_logs() {
	local bad
	bad=$(kernel_problems "$VMDIR/console.log" "$VMDIR/dmesg.log")
	if [ -n "$bad" ]; then
		printf '%s\n' "---- kernel problems in the logs ----" "$bad" >&2
		fail_because "the kernel log shows a problem (above)"
	fi
}

# check_job: the guest job's own results.
check_job() {
	local m n
	for m in "loading skbfactory" "ktap end" "modules unloaded" "done"; do
		if ! grep -q "$MARK: $m" "$VMDIR/console.log" 2>/dev/null; then
			fail_because "the guest never got to '$m' (crash, hang or timeout)"
			break
		fi
	done
	for m in "kmemleak unusable" "insmod skbfactory failed" "insmod skbfactory_kunit failed" \
		"rmmod skbfactory_kunit failed" "rmmod skbfactory failed" "kmemleak scan failed"; do
		if grep -q "^$m" "$VMDIR/out.txt" 2>/dev/null; then
			fail_because "$m"
		fi
	done
	n=$(sed -n 's/\r$//; s/^kmemleak leaks=\([0-9]*\)$/\1/p' "$VMDIR/out.txt" 2>/dev/null | tail -n 1)
	case "$n" in
	'') ;;
	0) say "kmemleak: nothing leaked once both modules were unloaded" ;;
	*)
		printf '%s\n' "---- kmemleak report ----" >&2
		tr -d '\r' <"$VMDIR/out.txt" | sed -n '/^unreferenced object/,$p' | head -n 80 >&2
		fail_because "kmemleak found $n leaked object(s) after both modules were unloaded"
		;;
	esac
}

main() {
	local start t0 rc vm_rc m kunit_py
	start=$SECONDS
	mkdir -p "$OUT"
	rm -f "$KTAP" "$REPORT"

	resolve_kernel debug
	kunit_py=$("$SCRIPTS/debug-kernel.sh" --kunit-tool 2>/dev/null) ||
		die "debug-kernel.sh --kunit-tool failed"
	[ -f "$kunit_py" ] || die "no kunit.py at '$kunit_py'"

	[ -f "${SKBFACTORY_SRC:-$ROOT}/skbfactory_kunit.c" ] ||
		die "no skbfactory_kunit.c yet: nothing to run"
	say "building skbfactory.ko and skbfactory_kunit.ko for $KREL"
	build_module "$KBUILD" "$KREL"
	for m in skbfactory skbfactory_kunit; do
		[ -f "$KO_DIR/$m.ko" ] || die "the build made no $m.ko (is CONFIG_KUNIT set in $KBUILD/.config?)"
	done

	write_job
	t0=$SECONDS
	vm_rc=0
	"$SCRIPTS/vm.sh" --kernel debug --name "$NAME" --job "$JOB" \
		--no-load --no-kmemleak --quiet --timeout "$TIMEOUT" >/dev/null || vm_rc=$?
	say "guest done in $((SECONDS - t0))s (vm.sh exit $vm_rc)"
	[ "$vm_rc" -eq 0 ] || fail_because "vm.sh failed (exit $vm_rc; its reasons and the console's tail above)"

	if extract_ktap; then
		say "python3 kunit.py parse $KTAP"
		rc=0
		python3 "$kunit_py" parse "$KTAP" >"$REPORT" 2>&1 || rc=$?
		cat "$REPORT"
		if [ "$rc" -ne 0 ]; then
			fail_because "kunit.py: a case failed, crashed or is missing (exit $rc)"
		elif ! grep -E 'Testing complete\. Ran [1-9][0-9]* tests: passed: [1-9]' "$REPORT" |
			grep -qvE 'failed|crashed|errors'; then
			fail_because "kunit.py did not report every test passing"
		fi
	else
		fail_because "no KTAP block from skbfactory_kunit in the console"
	fi

	check_job
	check_logs

	if [ "${#failures[@]}" -gt 0 ]; then
		if [ "$vm_rc" -eq 0 ]; then
			printf '%s\n' "---- last 40 console lines ($VMDIR/console.log) ----" >&2
			sed 's/\r$//' "$VMDIR/console.log" 2>/dev/null | tail -n 40 >&2
			printf '%s\n' "----" >&2
		fi
		for m in "${failures[@]}"; do
			printf 'skbfactory: kunit: %s\n' "$m" >&2
		done
		die "make kunit-module FAILED (${#failures[@]} reason(s), $((SECONDS - start))s)"
	fi
	say "make kunit-module passed in $((SECONDS - start))s"
}

main "$@"
