#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/retry.sh: tests/retry.sh decides which integration VMs boot
# again, and from which case, on guests' logs made up here: an int3 Oops,
# a CPU stuck on such an int3, a kernel that answers no SysRq and a job
# that reported nothing boot again; a KASAN report, or a BUG before the
# int3, and a guest that failed its cases do not.  A resumed boot starts
# at the first case no earlier boot reported.  KTAP on stdout; exit 1 on
# a failure.

set -eu
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"
# shellcheck source=tests/retry.sh
. "$ROOT/tests/retry.sh"

on_exit
tmp=$(mktemp -d) && TEMPS+=("$tmp")
n=0 failed=0
# is WHAT GOT WANT: one KTAP result.
is() {
	n=$((n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $n $1"
	else
		echo "not ok $n $1"
		echo "# got '$2', want '$3'"
		failed=1
	fi
}
# guest CONSOLE VMLOG OUT: a guest's console, vm.sh's stderr and its KTAP
# (each text; "-" for no file).
guest() {
	rm -f "$tmp"/{console,vmlog,out}
	[ "$1" = - ] || printf '%b' "$1" >"$tmp/console"
	[ "$2" = - ] || printf '%b' "$2" >"$tmp/vmlog"
	[ "$3" = - ] || printf '%b' "$3" >"$tmp/out"
}
why() { emulator_failed "$tmp/console" "$tmp/vmlog" "$tmp/out"; }
ktap='KTAP version 1\n1..3\nok 1 files_mode # 1 s\n'
int3='[    8.5] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n'
complained='skbfactory: VM tests-6.12: the kernel complained:\n'

echo "KTAP version 1"
echo "1..9"
guest "$int3" "$complained$int3" "$ktap"
is "an int3 Oops boots again" "$(why)" "an int3 Oops: TCG's stale patched text"
guest "[ 30.1] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n RIP: 0010:asm_exc_int3+0x1/0x40\n smp_text_poke_batch_finish+0x1a/0x300\n" \
	"${complained}[ 30.1] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n" "$ktap"
is "a CPU stuck on a patched int3 boots again" "$(why)" "a CPU stuck on an int3 the kernel patched: TCG's stale patched text"
guest "[ 1.0] Linux version\n" "skbfactory: VM x: stalled: the guest's kernel did not answer SysRq\n" "$ktap"
is "a kernel that answers no SysRq boots again" "$(why)" "its kernel stuck, answering no SysRq"
guest "[ 1.0] Linux version\n" "skbfactory: VM x: the job did not finish\n" -
is "a job that reported nothing boots again" "$(why)" "nothing reported"
guest "[ 7.5] BUG: KASAN: slab-use-after-free in skbf_run_exec\n$int3" \
	"${complained}[ 7.5] BUG: KASAN: slab-use-after-free in skbf_run_exec\n$int3" "$ktap"
is "a KASAN report before the int3 does not" "$(why)" ""
guest "[ 7.5] kernel BUG at net/core/skbuff.c:200!\n" "${complained}[ 7.5] kernel BUG at net/core/skbuff.c:200!\n" "$ktap"
is "a BUG does not" "$(why)" ""
guest "[ 1.0] Linux version\n" "skbfactory: VM x: the job exited 1\n" "${ktap}not ok 2 config_roundtrip # 1 s\n"
is "a guest whose cases failed does not" "$(why)" ""
printf 'KTAP version 1\n1..80\nok 1 files_mode # 1 s\nok 2 config_roundtrip # 1 s\n' >"$tmp/boot1"
printf 'KTAP version 1\n1..78\nok 1 bad_unknown_key # 1 s\nnot ok 2 bad_duplicate_key # 1 s\n' >"$tmp/boot2"
is "the next boot starts at the first case no boot reported" \
	"$(first_unreported stock '' "$tmp/boot2" "$tmp/boot1")" bad_number
# shellcheck disable=SC2046 # a word a case
printf 'ok 1 %s # 1 s\n' $(TESTS_KIND=stock busybox sh "$ROOT/tests/job.sh" --list) >"$tmp/all"
is "a VM that reported every case does not boot again" "$(first_unreported stock '' "$tmp/all")" ""
exit "$failed"
