#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh (make run): boot the test VM, run skbfactory once with ARGS
# ("key=value ...", e.g. ARGS="mode=all size=64") and show its results: a
# line naming the kernel, the measuring CPUs and the accelerator, then the
# main columns.  build/run/<time>/ keeps results.txt (byte for byte what the
# module printed, for scripts) and console.log.  On failure: the module's
# last_error, then the console's tail.  KVER, VM_CPUS, VM_MEM, VM_NIC_CPU
# and ACCEL work as for scripts/vm.sh.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

say "checking packages"
"$SCRIPTS/deps.sh" vm

out=$BUILD_DIR/run/$(date +%Y%m%d-%H%M%S)
[ ! -e "$out" ] || out=$out-$$
mkdir -p "$out"
cat >"$out/job.sh" <<'JOB'
# The guest's part: one run; its results, or the module's last error, on VM_OUT.
d=$SKBFACTORY_DEBUGFS
# No budget: a run takes what ARGS ask; the guest's heartbeat shows it alive.
echo "run 0" >/tmp/vm-budget
echo "SKBFACTORY-RUN: 1 $ARGS"
if ! echo "1 $ARGS" >"$d/run"; then
	echo "SKBFACTORY-RUN: writing '1 $ARGS' to $d/run failed"
	grep '^last_error:' "$d/stats" >"$VM_OUT"
	exit 1
fi
cat "$d/results" >"$VM_OUT"
JOB

say "running skbfactory ${ARGS:+($ARGS) }in the VM"
vm=$BUILD_DIR/vm/run
rm -f "$vm/console.log" "$vm/out.txt"
rc=0
"$SCRIPTS/vm.sh" --quiet --no-tail --name run --job "$out/job.sh" --env "ARGS=${ARGS:-}" \
	>"$out/results.txt" || rc=$?
cp "$vm/console.log" "$out/" 2>/dev/null || true
if [ "$rc" != 0 ] && [ -f "$out/console.log" ]; then
	grep -a '^last_error:' "$vm/out.txt" >&2 || echo "(no last_error: the job did not get that far)" >&2
	echo "---- last console lines ($out/console.log) ----" >&2
	tr -d '\r' <"$out/console.log" | tail -n 40 >&2
fi
[ "$rc" = 0 ] || die "make run failed (logs: $out)"
say "results in $out/results.txt"

# The columns that say most, picked by name: the module's set changes, and
# a column that is absent or "-" in every row is left out.
python3 - "$out/results.txt" "$(cat "$vm/accel" 2>/dev/null || echo '?')" <<'PY'
import sys

path, accel = sys.argv[1:3]
meta, head, rows = {}, None, []
for line in open(path):
    if line.startswith("#"):
        key, _, value = line[1:].strip().partition(": ")
        meta[key] = value
    elif line.split():
        if head is None:
            head = line.split()
        else:
            rows.append(dict(zip(head, line.split())))
want = ("mode ctx cpu size batch ns_per_op cv_pct alloc_ns free_ns ops_per_sec "
        "tsc_per_op csw irqs fails p99_ns").split()
cols = [c for c in want if any(r.get(c, "-") != "-" for r in rows)]
rule = meta.get("cpu_rule", "").split(":")[0]
cpus = meta.get("cpu_list", meta.get("cpus", "?"))
print(f"kernel {meta.get('kernel', '?').split(',')[0]}; measured on CPU {cpus}"
      f"{f' ({rule})' if rule else ''}; {accel}")
if accel == "tcg":
    print("TCG emulates the CPU: absolute times say little about hardware;"
          " compare the ratios within one run.")
table = [cols] + [[r.get(c, "-") for c in cols] for r in rows]
width = [max(len(t[i]) for t in table) for i in range(len(cols))]
for t in table:
    print("  ".join(v.ljust(w) if c in ("mode", "ctx") else v.rjust(w)
                    for v, w, c in zip(t, width, cols)).rstrip())
PY
