#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/host/stall.sh: scripts/vm.sh fails a guest on lack of progress, not
# on a slow clock.  Two guests of the first stock kernel at once, with
# --stall 35 (heartbeats come every 30 s):
#   progress: a job that prints a line every 5 s for 20 s, then sets a
#     budget of 90 s and is silent for 45 s: only init's heartbeat keeps
#     it alive.  It must pass.
#   stall: a job that sets a budget of 10 s and then sleeps forever,
#     silent: past its budget it gets no heartbeat.  It must fail as
#     stalled within a minute or two, and its console must hold the
#     guest's answer to SysRq w and t (the blocked tasks and every task,
#     the sleeping job among them).
#   kstall: a job whose kernel reports an RCU stall (a line written to
#     /dev/kmsg, as the kernel's own would read) and then goes on printing
#     kernel lines every 5 s, its job silent: what a guest with a CPU
#     stuck looks like (an RCU stall report repeats every minute).  It
#     must fail as stalled: kernel lines after a report are no progress.
# KTAP on stdout; exit 1 on a failure.  Logs in build/vm/stall-*/ and
# build/check/stall-*.log.

set -eu
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib.sh
. "$(dirname "$0")/../../scripts/lib.sh"

on_exit
tmp=$(mktemp -d) && TEMPS+=("$tmp")
logs=$BUILD_DIR/check
mkdir -p "$logs"
kernel=$(kernel_names stock | head -n 1)

cat >"$tmp/progress.sh" <<'EOF'
for i in 1 2 3 4; do
	echo "progress: line $i"
	sleep 5
done
read -r up _ </proc/uptime
echo "quiet $((${up%.*} + 90))" >/tmp/vm-budget
sleep 45
echo "progress: done"
EOF
cat >"$tmp/stall.sh" <<'EOF'
read -r up _ </proc/uptime
echo "stall $((${up%.*} + 10))" >/tmp/vm-budget
echo "stall: sleeping forever"
exec sleep 1000000
EOF

cat >"$tmp/kstall.sh" <<'EOF'
read -r up _ </proc/uptime
echo "kstall $((${up%.*} + 10))" >/tmp/vm-budget
echo "kstall: the kernel reports a stall"
echo "<4>rcu: INFO: rcu_preempt self-detected stall on CPU" >/dev/kmsg
while :; do
	sleep 5
	echo "<4>rcu: still stalled" >/dev/kmsg
done
EOF

# vm NAME: the job NAME in a guest of its own, in the background; the
# --timeout only bounds a broken stall detector.  One vCPU and 256 MB
# each: make check runs them beside other guests, and they mostly sleep.
vm() {
	set -m
	VM_CPUS=1 VM_MEM=256M "$SCRIPTS/vm.sh" --kernel "$kernel" --name "stall-$1" --job "$tmp/$1.sh" --no-load \
		--no-kmemleak --quiet --no-tail --stall 35 --timeout 600 \
		</dev/null >/dev/null 2>"$logs/stall-$1.log" &
	PGROUPS+=($!)
	set +m
}
vm progress
vm stall
vm kstall
start=$SECONDS
rc_progress=0 rc_stall=0 rc_kstall=0
wait "${PGROUPS[0]}" || rc_progress=$?
wait "${PGROUPS[1]}" || rc_stall=$?
wait "${PGROUPS[2]}" || rc_kstall=$?
took=$((SECONDS - start))
PGROUPS=()

failed=0
echo "KTAP version 1"
echo "1..4"
if [ "$rc_progress" = 0 ]; then
	echo "ok 1 a guest that prints slowly, then is silent within its budget, passes"
else
	failed=1
	echo "not ok 1 a guest that prints slowly, then is silent within its budget, passes"
	grep '^skbfactory: ' "$logs/stall-progress.log" | sed 's/^/# /'
fi
console=$BUILD_DIR/vm/stall-stall/console.log
if [ "$rc_stall" != 0 ] && grep -q 'VM stall-stall: stalled: .*answered SysRq' "$logs/stall-stall.log"; then
	echo "ok 2 a guest silent past its budget fails as stalled (after $took s)"
else
	failed=1
	echo "not ok 2 a guest silent past its budget fails as stalled (vm.sh exit $rc_stall after $took s)"
	grep '^skbfactory: ' "$logs/stall-stall.log" | sed 's/^/# /'
fi
# SysRq w prints "Show Blocked State", t "Show State"; the job's sleep is
# a task of t's dump.
if tr -d '\r' <"$console" | grep -q 'sysrq: Show Blocked State' &&
	tr -d '\r' <"$console" | grep -q 'sysrq: Show State' &&
	tr -d '\r' <"$console" | grep -qE 'task:sleep +state:S'; then
	echo "ok 3 the stalled guest's tasks are in its console"
else
	failed=1
	echo "not ok 3 the stalled guest's tasks are in its console ($console)"
	tr -d '\r' <"$console" | tail -n 15 | sed 's/^/# /'
fi
if [ "$rc_kstall" != 0 ] &&
	grep -q "VM stall-kstall: stalled: the guest's kernel reported a stall" "$logs/stall-kstall.log"; then
	echo "ok 4 a guest whose kernel reports a stall, then only prints kernel lines, fails as stalled"
else
	failed=1
	echo "not ok 4 a guest whose kernel reports a stall, then only prints kernel lines, fails as stalled (vm.sh exit $rc_kstall)"
	grep '^skbfactory: ' "$logs/stall-kstall.log" | sed 's/^/# /'
fi
exit "$failed"
