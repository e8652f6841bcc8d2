# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# tests/retry.sh: which integration VMs boot again, and from where; sourced
# by tests/integration.sh, checked by tests/host/retry.sh.

# emulator_failed CONSOLE VMLOG OUT: why a guest (its console, vm.sh's
# stderr, its KTAP) died of the emulator rather than of anything it ran
# (../shared/PLATFORM.md), or nothing.  An int3 Oops is QEMU's TCG running
# stale text the kernel had patched (at boot too): it happens at a jump
# label or tracepoint flipped while the other vCPU runs that code.  The
# same stale text can also hold a CPU taking the patch's int3 again and
# again (an RCU stall whose NMI backtrace is in asm_exc_int3, at its RIP
# or, entering it, in its call trace, while the other CPU waits in
# text_poke_bp's IPI: seen twice, on 6.1, enabling a trace event).  A
# kernel stuck so that it answers no SysRq, and a job that never wrote its
# KTAP header (seen once in many runs on the debug kernel: an idle guest,
# nothing on its console after "job start"), count too.  A kernel that
# complained before the emulator failed it (the first complaint vm.sh
# names is not the int3 or the stall) failed itself.
emulator_failed() {
	local console=$1 vmlog=$2 out=$3 first
	first=$(grep -A1 'the kernel complained:' "$vmlog" 2>/dev/null | sed -n 2p)
	if [ -n "$first" ] && [[ $first != *'Oops: int3'* ]] && [[ $first != *'detected stall'* ]]; then
		return 0
	fi
	if grep -qa 'Oops: int3' "$console" 2>/dev/null; then
		echo "an int3 Oops: TCG's stale patched text"
	elif grep -qa 'detected stall' "$console" 2>/dev/null &&
		grep -qaE '(RIP: 0010:| )asm_exc_int3' "$console" 2>/dev/null &&
		grep -qaE 'text_poke_bp|smp_text_poke' "$console" 2>/dev/null; then
		echo "a CPU stuck on an int3 the kernel patched: TCG's stale patched text"
	elif grep -q 'did not answer SysRq' "$vmlog" 2>/dev/null; then
		echo "its kernel stuck, answering no SysRq"
	elif ! grep -qa '^KTAP version' "$out" 2>/dev/null; then
		echo "nothing reported"
	fi
}

# first_unreported KIND PART OUT...: the first case of the plan of KIND
# (stock or debug) and PART (tests/job.sh's TESTS_PART) that no OUT (the
# KTAP of each boot of that VM) reports: the one the guest died in, or
# nothing.
first_unreported() {
	local kind=$1 part=$2 c
	shift 2
	while read -r c; do
		grep -qE "^(not )?ok [0-9]+ $c( |\$)" "$@" 2>/dev/null || { echo "$c" && return; }
	done < <(TESTS_KIND=$kind TESTS_PART=$part busybox sh "$ROOT/tests/job.sh" --list)
}
