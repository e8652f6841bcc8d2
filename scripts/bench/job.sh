#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's part of make bench: the steps of /skbfactory/plan.txt, a line
# each, "ID KIND WEIGHT ARGS...".  pktgen (ARGS size=BYTES seconds=S): the
# kernel's pktgen sends clone_skb 0 packets to dummy0 from the pktgen thread
# of our runs' CPU, a count a 2000-packet pilot sets to last S s.  Any other
# KIND: "1 ARGS" to run; free_cpu=other is the vCPU after the one cpu=nic
# measured on, free_cpu=other:K the K vCPUs after it (wrapping) as a
# cpulist, and a step that asks more than the VM has is skipped.  A release
# or returning step the module refuses with EINVAL is skipped (a module
# without free_cpu lists refuses them), and so is a bulk step it refuses
# with EOPNOTSUPP (release=list before 6.3).  On VM_OUT "@@ info ...", then per step "@@ begin ID KIND ARGS", its text (results or
# pktgen's), "@@ skip ID WHY", "@@ end ID rc=RC secs=S".  On the console the
# progress: "SKBFACTORY-BENCH: step ID of N: KIND ARGS", "...: again: ...".
# shellcheck shell=sh

d=${SKBFACTORY_DEBUGFS:-/sys/kernel/debug/skbfactory}
plan=/skbfactory/plan.txt
pg=/proc/net/pktgen
out=${VM_OUT:-/dev/null}
run_cpu=${VM_NIC_CPU:-0}

say() {
	echo "SKBFACTORY-BENCH: $*"
}

# run_step ARGS...: one skbfactory run and its results; 2 when the module
# refused it with EINVAL, 3 with EOPNOTSUPP.
run_step() {
	if ! echo "1 $*" 2>/tmp/bench-err >"$d/run"; then
		echo "# bench: run failed: $(cat /tmp/bench-err); $(grep '^last_error' "$d/stats")"
		! grep -q 'Invalid argument' /tmp/bench-err || return 2
		! grep -q 'Operation not supported' /tmp/bench-err || return 3
		return 1
	fi
	cat "$d/results" || return 1
	# The CPU of cpu=nic runs: the first row's "cpu" column.
	case " $* " in *" cpu=nic "*)
		c=$(awk '/^#/ { next } !h { for (h = 1; h <= NF; h++) if ($h == "cpu") break; next } { print $h; exit }' "$d/results")
		run_cpu=${c:-$run_cpu}
		;;
	esac
}

# others K: the K CPUs after run_cpu, wrapping round VM_CPUS, in the
# kernel's cpulist syntax ("0-2", "0,2-3"); nothing when there are fewer.
others() {
	awk -v k="$1" -v c="$run_cpu" -v n="${VM_CPUS:-1}" 'BEGIN {
		if (k < 1 || k > n - 1) exit
		for (i = 1; i <= k; i++) on[(c + i) % n] = 1
		for (i = 0; i < n; i++) {
			if (!on[i] || on[i - 1]) continue
			for (j = i; on[j + 1]; j++);
			s = s (s == "" ? "" : ",") i (j > i ? "-" j : "")
		}
		print s
	}'
}

# A sweep point whose repetitions lie more than SPREAD_MAX apart was likely
# disturbed by the host: measured once more (RETRIES a VM), the steadier kept.
SPREAD_MAX=2.5
retries=${BENCH_RETRIES:-6}

# spread FILE: the largest ns_max / ns_min of the results in FILE.
spread() {
	awk '$1 == "mode" && $2 == "cpu" { for (i = 1; i <= NF; i++) c[$i] = i; next }
		c["ns_min"] && $1 !~ /^#/ && $1 != "empty" && $(c["ns_min"]) > 0 {
			s = $(c["ns_max"]) / $(c["ns_min"]); if (s > m) m = s }
		END { printf "%.2f\n", m + 0 }' "$1"
}

# sweep_step ID ARGS...: run_step, and once more when the first was noisy.
sweep_step() {
	id=$1
	shift
	run_step "$@" >/tmp/bench-a 2>&1 || { cat /tmp/bench-a && return 1; }
	s1=$(spread /tmp/bench-a)
	if [ "$retries" -gt 0 ] && awk -v s="$s1" -v m="$SPREAD_MAX" 'BEGIN { exit !(s > m) }'; then
		retries=$((retries - 1))
		say "again: step $id, repetitions ${s1}x apart" >/dev/console
		if run_step "$@" >/tmp/bench-b 2>&1; then
			s2=$(spread /tmp/bench-b)
			echo "# bench: measured twice, repetitions ${s1}x then ${s2}x apart; kept the steadier"
			! awk -v a="$s1" -v b="$s2" 'BEGIN { exit !(b < a) }' || mv /tmp/bench-b /tmp/bench-a
		fi
	fi
	cat /tmp/bench-a
}

# pg_attach CPU: dummy0 on the pktgen thread of CPU.  Removing it is
# asynchronous (slower under TCG than pktgen's own wait): wait for it.
pg_attach() {
	if [ ! -e "$pg/pgctrl" ]; then
		modprobe -a pktgen dummy || { echo "# bench: modprobe pktgen dummy failed" && return 1; }
		# dummy makes dummy0 itself unless numdummies=0.
		[ -e /sys/class/net/dummy0 ] || ip link add dummy0 type dummy || return 1
		ip link set dummy0 up || return 1
	fi
	t=$pg/kpktgend_$1
	[ -w "$t" ] || { echo "# bench: no $t" && return 1; }
	! grep -qw dummy0 "$t" || return 0
	for x in "$pg"/kpktgend_*; do echo rem_device_all >"$x"; done
	i=0
	while [ -e "$pg/dummy0" ] && [ "$i" -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	echo "add_device dummy0" >"$t"
}

# pg_send CPU SIZE COUNT: one pktgen run of COUNT packets; prints the pps.
pg_send() {
	pg_attach "$1" >&2 || return 1
	for c in "count $3" "clone_skb 0" "pkt_size $2" "delay 0" "dst 198.18.0.1" "dst_mac 02:00:00:00:00:01"; do
		echo "$c" >"$pg/dummy0" || { echo "# bench: pktgen '$c' failed" >&2 && return 1; }
	done
	echo start >"$pg/pgctrl" || return 1
	# pgctrl returns just before pktgen writes the result: wait for it.
	i=0
	while ! grep -q '^ *[0-9][0-9]*pps ' "$pg/dummy0" && [ "$i" -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	sed -n 's/^ *\([0-9][0-9]*\)pps .*/\1/p' "$pg/dummy0"
}

# pktgen_step size=BYTES seconds=S (an MTU that fits, though unchecked).
pktgen_step() {
	size=${1#size=} secs=${2#seconds=} mtu=1500
	[ "$size" -le 1514 ] || mtu=$((size - 14))
	pg_attach "$run_cpu" || return 1
	ip link set dummy0 mtu "$mtu" || { echo "# bench: dummy0 mtu $mtu refused" && return 1; }
	pilot=$(pg_send "$run_cpu" "$size" 2000) || return 1
	[ -n "$pilot" ] || { echo "# bench: the pilot run gave no pps" && cat "$pg/dummy0" && return 1; }
	n=$((pilot * secs))
	[ "$n" -ge 2000 ] || n=2000
	echo "# pktgen: cpu $run_cpu thread kpktgend_$run_cpu dev dummy0 mtu $mtu pilot_pps $pilot count $n"
	pg_send "$run_cpu" "$size" "$n" >/dev/null || return 1
	cat "$pg/dummy0"
}

[ -r "$plan" ] || { say "no $plan" && exit 1; }
total=$(grep -c . "$plan")
# init_on_alloc (zeroing every buffer) decides how cost grows with size.
ioa=$(dmesg | sed -n 's/.*mem auto-init:.*heap alloc:\([a-z]*\).*/\1/p' | head -n 1)
echo "@@ info release=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"nic_cpu=$VM_NIC_CPU steps=$total init_on_alloc=${ioa:-unknown}" >"$out"
failed=0
# No budget per step (a loaded host stretches them): the heartbeat shows
# the guest alive, bench.sh's --timeout bounds the whole.
echo "bench 0" >/tmp/vm-budget
while read -r id kind _weight args; do
	[ -n "$id" ] || continue
	rc=0 why=''
	case " $args " in *" free_cpu=other "* | *" free_cpu=other:"*)
		k=$(echo "$args" | sed -n 's/.* free_cpu=other:\([0-9]*\).*/\1/p')
		fc=$(others "${k:-1}")
		[ -n "$fc" ] || why="it asks for ${k:-1} releasing CPU(s) besides CPU $run_cpu; the VM has ${VM_CPUS:-1} vCPUs"
		args=$(echo "$args" | sed "s/free_cpu=other[:0-9]*/free_cpu=${fc:-none}/")
		;;
	esac
	say "step $id of $total: $kind $args"
	echo "@@ begin $id $kind $args" >"$out"
	t0=$(cut -d' ' -f1 /proc/uptime)
	# shellcheck disable=SC2086 # one word a token
	case $kind/$why in
	*/?*) ;;
	pktgen/*) pktgen_step $args </dev/null >"$out" 2>&1 || rc=$? ;;
	sweep/*) sweep_step "$id" $args </dev/null >"$out" 2>&1 || rc=$? ;;
	*) run_step $args </dev/null >"$out" 2>&1 || rc=$? ;;
	esac
	case $kind/$rc in
	release/2 | returning/2) rc=0 why="the module refuses it with EINVAL: $(grep '^last_error' "$d/stats")" ;;
	bulk/3) rc=0 why="this kernel has no release=list (EOPNOTSUPP): $(grep '^last_error' "$d/stats")" ;;
	esac
	[ -z "$why" ] || echo "@@ skip $id $why" >"$out"
	echo "@@ end $id rc=$rc secs=$(awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.2f", b - a }')" >"$out"
	[ "$rc" = 0 ] || { say "step $id failed ($rc)" && failed=1; }
done <"$plan"
say "done"
exit "$failed"
