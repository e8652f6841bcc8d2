#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# race.sh (make race): the lifetime cases, and race_storm (runs, stops,
# config writes, readers and CPU hotplug all at once), on the kcsan variant
# of the debug kernel: KCSAN, the kernel's data-race detector, with lockdep,
# kmemleak and DEBUG_NET, instead of KASAN (the two exclude each other).
# That kernel is built once (scripts/debug-kernel.sh --variant kcsan, about
# as long as the debug kernel) and cached.
#
# Prints each data race KCSAN reported, once: "race: A / B", marked
# "(skbfactory)" when a frame of the module is in its stacks, else
# "(elsewhere in the kernel ...)"; "N data races, M in skbfactory"; a
# "FAIL ..." line per failure that counts; then tests/integration.sh's
# lines (where a case that saw the kernel complain, a KCSAN report
# included, fails, and so does the VM).  The reports in full go to
# build/race/kcsan.txt.  Exit 1 on a race of skbfactory's, a failed or
# missing case, or a VM failure, but those that are only KCSAN reports of
# races elsewhere in the kernel: with KCSAN watching this closely, the
# kernel's own show up now and then, and they are listed, not failed on.
#
# Environment: RACE_CASES (the cases; default below), RACE (rmmod_race's
# reloads, 50), STORM and RACE_SECONDS (race_storm's rounds, 30, and
# seconds a data path, 10), TESTS_TIMEOUT (1200), and
# what tests/integration.sh and scripts/vm.sh read.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

export DEBUG_VARIANT=kcsan
export TESTS_ONLY=${RACE_CASES:-free_cpu run_ebusy run_kill9 run_killterm eintr_trapped freeze_cgroup stop_write cpu_offline link_del nic_driver_unload rmmod_during_run rmmod_race race_storm}
export RACE=${RACE:-50} TESTS_TIMEOUT=${TESTS_TIMEOUT:-1200}
# KCSAN's reports are judged here, with their stacks, not by the cases.
export SPLAT_SKIP='BUG: KCSAN: '
out=$BUILD_DIR/race
mkdir -p "$out"
start=$SECONDS
say "make race: the kcsan debug kernel (built once: $("$SCRIPTS/debug-kernel.sh" --variant kcsan | sed -n 's/^KREL=//p'))"
rc=0
"$ROOT/tests/integration.sh" debug >"$out/integration.txt" || rc=$?
vm=$BUILD_DIR/vm/tests-debug-kcsan
# The reports, each once, marked when a frame of the module is in it; then
# the verdict: the cases ignore KCSAN's reports (SPLAT_SKIP), and a VM
# that failed only for reports of races elsewhere in the kernel (with
# KCSAN watching this closely, the kernel's own show up now and then)
# does not fail make race.
verdict=0
python3 - "$vm/console.log" "$vm/out.txt" "$BUILD_DIR/check/tests-debug-kcsan.vm.log" \
	"$out/integration.txt" "$out/kcsan.txt" "$rc" <<'PY' || verdict=$?
import re, sys
console, ktap, vmlog, lines, full, rc = sys.argv[1:]
stamp = re.compile(r"^\[ *[0-9]+\.[0-9]+\] ")
ours = lambda text: "[skbfactory]" in text or " skbf_" in text
reports, cur = {}, None
for line in open(console, errors="replace"):
    line = stamp.sub("", line.rstrip("\r\n"))
    if line.startswith("BUG: KCSAN: "):
        cur = [line]
        reports.setdefault(line[len("BUG: KCSAN: "):], cur)
    elif cur is not None:
        cur.append(line)
        if line.startswith("=" * 10):
            cur = None
with open(full, "w") as f:
    for body in reports.values():
        f.write("\n".join(body) + "\n\n")
mine = {head for head, body in reports.items() if ours("\n".join(body))}
# A foreign complaint: a KCSAN report's headline without the module.
foreign = lambda text: "BUG: KCSAN: " in text and not ours(text) and \
    not any(ours("\n".join(b)) for h, b in reports.items() if h in text)
bad = [f"a race of skbfactory's: {head}" for head in mine]
for line in open(lines):
    parts = line.split()
    if len(parts) == 2 and parts[1] in ("FAIL", "MISSING") and parts[0] != "vm":
        bad.append(f"{parts[0]}: {parts[1]}")
# The VM: every reason vm.sh gave, but foreign KCSAN reports.
reason = None
for line in open(vmlog, errors="replace"):
    line = line.rstrip("\n")
    m = re.match(r"^skbfactory: VM \S+: (.*)", line)
    if m:
        reason = m[1]
        if reason != "the kernel complained:":
            bad.append(f"vm: {reason}")
    elif reason == "the kernel complained:" and stamp.match(line) and not foreign(line):
        bad.append(f"vm: {stamp.sub('', line)}")
if int(rc) and not bad and not open(ktap, errors="replace").read().strip():
    bad.append("no KTAP from the job")
for head, body in reports.items():
    print(f"race: {head}" + (" (skbfactory)" if head in mine else " (elsewhere in the kernel: listed, not failed on)"))
print(f"{len(reports)} data races, {len(mine)} in skbfactory")
for b in bad:
    print(f"FAIL {b}")
sys.exit(1 if bad else 0)
PY
cat "$out/integration.txt"
say "make race took $((SECONDS - start)) s; reports in full: $out/kcsan.txt"
exit "$verdict"
