#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest's part of make bench (scripts/bench.sh): runs the steps of
# /skbfactory/plan.txt in order, one line each:
#
#   ID KIND WEIGHT ARGS...
#
# KIND sweep, latency or scaling (the host's labels; all alike here): ARGS
# are key=value tokens written as "1 ARGS" to the run file; the results
# file follows.  KIND pktgen: ARGS are size=BYTES seconds=S:
# the kernel's pktgen sends clone_skb 0 packets of that size to dummy0 from
# the pktgen thread of the CPU our runs used (kpktgend_<cpu>), with a count
# calibrated by a short pilot so the point lasts about S seconds; the
# device's /proc/net/pktgen file follows.  WEIGHT is the host's estimate of
# the step's milliseconds, unused here.
#
# On VM_OUT: "@@ info ..." once, then per step "@@ begin ID KIND ARGS", its
# raw text, "@@ end ID rc=RC secs=S".  On the console, which the host shows
# as progress: "SKBFACTORY-BENCH: step ID of N: KIND ARGS" per step, and
# "SKBFACTORY-BENCH: mode NAME I/N" as a mode=all run moves on,
# "SKBFACTORY-BENCH: again: ..." when a sweep run is repeated (see
# SPREAD_MAX).  Exits 1 when a step failed (after trying every step).
# shellcheck shell=sh

d=${SKBFACTORY_DEBUGFS:-/sys/kernel/debug/skbfactory}
plan=/skbfactory/plan.txt
pg=/proc/net/pktgen
out=${VM_OUT:-/dev/null}

say() {
	echo "SKBFACTORY-BENCH: $*"
}

# now: seconds since boot, to 10 ms.
now() {
	cut -d' ' -f1 /proc/uptime
}

# The CPU our cpu=nic runs used, from the last results; else VM_NIC_CPU.
run_cpu=''

# watch_modes: while a mode=all run goes on, "SKBFACTORY-BENCH: mode NAME
# I/N" on the console at each change of mode (the stats file's running
# line), for the host's progress display.
watch_modes() {
	last=''
	while :; do
		m=$(sed -n 's/^running: mode \([^ ]*\) (\([0-9]*\) of \([0-9]*\)).*/\1 \2\/\3/p' "$d/stats")
		if [ -n "$m" ] && [ "$m" != "$last" ] && [ "${m#* 0/}" = "$m" ]; then
			say "mode $m"
			last=$m
		fi
		usleep 250000
	done
}

# run_step ARGS...: one skbfactory run.
run_step() {
	watcher=''
	# Watch from a CPU the run does not measure (only cpu=nic runs of
	# every mode; none with one vCPU).
	case " $* " in
	*" mode=all "*" cpu=nic "*)
		wcpu=0
		[ "${VM_NIC_CPU:-0}" != 0 ] || wcpu=1
		if [ "${VM_CPUS:-1}" -gt 1 ]; then
			watch_modes >/dev/console 2>&1 &
			watcher=$!
			taskset -p -c "$wcpu" "$watcher" >/dev/null 2>&1 || true
		fi
		;;
	esac
	ok=1
	echo "1 $*" >"$d/run" || ok=0
	[ -z "$watcher" ] || { kill "$watcher"; wait "$watcher"; } 2>/dev/null
	if [ "$ok" = 0 ]; then
		echo "# bench: run failed: $(grep '^last_error' "$d/stats")"
		return 1
	fi
	cat "$d/results" || return 1
	case " $* " in
	*" cpu=nic "*)
		run_cpu=$(sed -n 's/^# cpus: \([0-9]*\)$/\1/p' "$d/results")
		;;
	esac
}

# A sweep run whose repetitions spread more than SPREAD_MAX (slowest over
# fastest, any mode but empty) was disturbed, most likely by the host: it
# runs once more, up to RETRIES times a VM, and the steadier result stays.
SPREAD_MAX=2.5
retries=${BENCH_RETRIES:-6}

# spread FILE: the largest ns_max / ns_min of the results in FILE.
spread() {
	awk '$1 == "mode" && $2 == "cpu" { for (i = 1; i <= NF; i++) c[$i] = i; next }
		c["ns_min"] && $1 !~ /^#/ && $1 != "empty" && $(c["ns_min"]) > 0 {
			s = $(c["ns_max"]) / $(c["ns_min"])
			if (s > m) m = s
		}
		END { printf "%.2f\n", m + 0 }' "$1"
}

# sweep_step ID ARGS...: run_step, and once more when the first was noisy.
sweep_step() {
	id=$1
	shift
	run_step "$@" >/tmp/bench-a 2>&1 || { cat /tmp/bench-a; return 1; }
	s1=$(spread /tmp/bench-a)
	if [ "$retries" -gt 0 ] && awk -v s="$s1" -v m="$SPREAD_MAX" 'BEGIN { exit !(s > m) }'; then
		retries=$((retries - 1))
		say "again: step $id, repetitions ${s1}x apart" >/dev/console
		if run_step "$@" >/tmp/bench-b 2>&1; then
			s2=$(spread /tmp/bench-b)
			echo "# bench: measured twice, repetitions ${s1}x then ${s2}x apart; kept the steadier"
			if awk -v a="$s1" -v b="$s2" 'BEGIN { exit !(b < a) }'; then
				mv /tmp/bench-b /tmp/bench-a
			fi
		fi
	fi
	cat /tmp/bench-a
}

pg_ready=''

# pg_init: pktgen and dummy0, once.
pg_init() {
	[ -z "$pg_ready" ] || return 0
	modprobe pktgen || { echo "# bench: modprobe pktgen failed"; return 1; }
	modprobe dummy || { echo "# bench: modprobe dummy failed"; return 1; }
	# dummy makes dummy0 itself unless numdummies=0.
	[ -e /sys/class/net/dummy0 ] || ip link add dummy0 type dummy ||
		{ echo "# bench: cannot add dummy0"; return 1; }
	ip link set dummy0 up || return 1
	pg_ready=1
}

# pg_attach CPU: dummy0 on the pktgen thread of CPU, where it then stays.
# Removing a device is asynchronous (the thread does it when it next runs,
# which under TCG can take longer than pktgen's own 125 ms wait), so wait
# for dummy0's proc file to go before adding it again.
pg_attach() {
	t=$pg/kpktgend_$1
	[ -w "$t" ] || { echo "# bench: no $t" >&2; return 1; }
	! grep -qw dummy0 "$t" || return 0
	for x in "$pg"/kpktgend_*; do
		echo rem_device_all >"$x"
	done
	i=0
	while [ -e "$pg/dummy0" ] && [ "$i" -lt 100 ]; do
		usleep 100000
		i=$((i + 1))
	done
	echo "add_device dummy0" >"$t"
}

# pg_send CPU SIZE COUNT: one pktgen run of COUNT packets; prints the pps.
pg_send() {
	pg_attach "$1" || { echo "# bench: cannot put dummy0 on kpktgend_$1" >&2; return 1; }
	for c in "count $3" "clone_skb 0" "pkt_size $2" "delay 0" \
		"dst 198.18.0.1" "dst_mac 02:00:00:00:00:01"; do
		echo "$c" >"$pg/dummy0" || { echo "# bench: pktgen '$c' failed" >&2; return 1; }
	done
	echo start >"$pg/pgctrl" || return 1
	# pgctrl returns once the device stops running, which pktgen marks
	# just before it writes the result: wait for the pps line.  (Each
	# write above replaced the last result, so it cannot be a stale one.)
	i=0
	while ! grep -q '^ *[0-9][0-9]*pps ' "$pg/dummy0" && [ "$i" -lt 50 ]; do
		usleep 100000
		i=$((i + 1))
	done
	sed -n 's/^ *\([0-9][0-9]*\)pps .*/\1/p' "$pg/dummy0"
}

# pktgen_step size=BYTES seconds=S
pktgen_step() {
	size='' secs=1
	for a in "$@"; do
		case $a in
		size=*) size=${a#size=} ;;
		seconds=*) secs=${a#seconds=} ;;
		esac
	done
	[ -n "$size" ] || return 1
	pg_init || return 1
	cpu=${run_cpu:-$VM_NIC_CPU}
	# The MTU counts no Ethernet header, pkt_size does.  pktgen hands
	# packets to the driver without checking the MTU, but keep the device
	# honest: an MTU that fits the packet.
	mtu=1500
	[ "$size" -le 1514 ] || mtu=$((size - 14))
	ip link set dummy0 mtu "$mtu" || { echo "# bench: mtu $mtu refused"; return 1; }
	pilot=$(pg_send "$cpu" "$size" 2000) || return 1
	[ -n "$pilot" ] || { echo "# bench: pilot run gave no pps"; cat "$pg/dummy0"; return 1; }
	n=$((pilot * secs))
	[ "$n" -ge 2000 ] || n=2000
	echo "# pktgen: cpu $cpu thread kpktgend_$cpu dev dummy0 mtu $mtu pilot_pps $pilot count $n"
	pg_send "$cpu" "$size" "$n" >/dev/null || return 1
	cat "$pg/dummy0"
}

[ -r "$plan" ] || { say "no $plan"; exit 1; }
total=$(grep -c . "$plan")
# init_on_alloc zeroes every buffer the allocators hand out: it decides how
# cost grows with size, so say whether it is on.
ioa=$(dmesg | sed -n 's/.*mem auto-init:.*heap alloc:\([a-z]*\).*/\1/p' | head -n 1)
echo "@@ info release=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"nic_cpu=$VM_NIC_CPU steps=$total init_on_alloc=${ioa:-unknown}" >"$out"
failed=0
while read -r id kind _weight args; do
	[ -n "$id" ] || continue
	say "step $id of $total: $kind $args"
	echo "@@ begin $id $kind $args" >"$out"
	t0=$(now)
	rc=0
	# shellcheck disable=SC2086 # one word a token
	case $kind in
	pktgen) pktgen_step $args </dev/null >"$out" 2>&1 || rc=$? ;;
	sweep) sweep_step "$id" $args </dev/null >"$out" 2>&1 || rc=$? ;;
	*) run_step $args </dev/null >"$out" 2>&1 || rc=$? ;;
	esac
	echo "@@ end $id rc=$rc secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')" >"$out"
	if [ "$rc" != 0 ]; then
		say "step $id failed ($rc)"
		failed=1
	fi
done <"$plan"
say "done"
exit "$failed"
