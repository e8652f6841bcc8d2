# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034,SC3037 # variables for cases.sh; busybox echo -n/-e
#
# tests/lib.sh: the integration tests' helpers, sourced by tests/job.sh in
# the VM (busybox sh, root).  They use skbfactory's debugfs files as a user
# would, with builtins where they can: a fork costs ~10 ms under TCG, ~70 ms
# on the debug kernel.  Writes use busybox's echo builtin: one write(2), and
# a failure prints the errno's text ("sh: write error: Invalid argument").
# The report is KTAP on $VM_OUT, copied to the console.

D=${SKBFACTORY_DEBUGFS:-/sys/kernel/debug/skbfactory}
KO=/skbfactory/skbfactory.ko
T=/tmp/skbf-tests
KL=$T/klog
OUT=${VM_OUT:-/dev/null}
# The kernel complaining: scripts/vm.sh's patterns, stalls, lockups.
SPLAT='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|UBSAN:|KASAN|soft lockup|'
SPLAT="${SPLAT}hard LOCKUP|detected stall|rcu: INFO|rcu_.*stall|blocked for more than|possible recursive locking|"
SPLAT="${SPLAT}inconsistent lock state|circular locking|list_(add|del) corruption|Bad page|suspected memory leak|invalid opcode|"
SPLAT="${SPLAT}unregister_netdevice: waiting|Out of memory|oom-kill"

emit() {
	echo "$*" >"$OUT"
	echo "skbf-test: $*"
}

diag() { emit "# $*"; }

# fail MESSAGE: the current case fails.  skip WHY: it does not apply.
fail() {
	FAILED=1
	diag "$CASE: $*"
}

skip() { SKIPPED=$*; }

# eq GOT WANT WHAT / like GOT PATTERN WHAT: fail unless GOT is WANT, or
# matches PATTERN.
eq() { [ "$1" = "$2" ] || fail "$3: '$1', want '$2'"; }
# shellcheck disable=SC2254 # the pattern is the point
like() { case $1 in $2) ;; *) fail "$3: '$1', want $2" ;; esac; }

# kmark TEXT: a mark in the kernel log.
kmark() { echo "skbf-test: $*" >/dev/kmsg; }

# up_cs: UP = the uptime in centiseconds.
up_cs() {
	read -r _u _rest </proc/uptime
	_u=${_u%.*}${_u#*.}
	while [ "${_u#0}" != "$_u" ] && [ ${#_u} -gt 1 ]; do _u=${_u#0}; done
	UP=$_u
}

# now_ns: NS = the monotonic clock in ns, without a fork.
now_ns() {
	while read -r _a _b _c _rest; do
		[ "$_a $_b" != "now at" ] || { NS=$_c && return; }
	done </proc/timer_list
	up_cs
	NS=$((UP * 10000000))
}

# cs_str CS: CS_STR = "1.23" for 123 centiseconds.  tic, then toc: TOC =
# the centiseconds between them, CS_STR the same.
cs_str() { CS_STR=$(($1 / 100)).$(($1 / 10 % 10))$(($1 % 10)); }
tic() { up_cs && _tic=$UP; }
toc() { up_cs && TOC=$((UP - _tic)) && cs_str "$TOC"; }

# slurp FILE: SLURP = FILE's text (one open, as cat), READ_RC the status.
slurp() {
	SLURP=
	{
		while IFS= read -r _l; do SLURP="$SLURP$_l
"; done
		SLURP="$SLURP$_l"
	} <"$1" 2>"$T/read.err"
	READ_RC=$?
}

# read_err FILE: WR_ERR = FILE's lines joined by " | ".
read_err() {
	WR_ERR=
	while IFS= read -r _l; do WR_ERR="$WR_ERR${WR_ERR:+ | }$_l"; done <"$1"
}

# wr FILE TEXT / wre FILE ESCAPED (echo -e: \0NNN is byte NNN) / wrfile
# FILE DATAFILE (dd): one write(2); WR_RC its status, WR_ERR the complaint.
wr() { _wr -n "$@"; }
wre() { _wr -ne "$@"; }
_wr() {
	echo "$1" "$3" 2>"$T/err" >"$D/$2"
	# shellcheck disable=SC2320 # echo's status is the point
	_wr_end $?
}
wrfile() {
	dd if="$2" of="$D/$1" bs=65536 count=1 2>"$T/err"
	_wr_end $?
}
# A failed write also notes when (BAD_CS), for bad_begin.
_wr_end() {
	WR_RC=$1 WR_ERR=
	[ "$1" = 0 ] || { read_err "$T/err" && up_cs && BAD_CS=$UP; }
}

# expect_err ERRNO WHAT / expect_ok WHAT: the last write failed with ERRNO,
# or succeeded; else fail, and 1.
expect_err() {
	case $1 in
	EINVAL) _t="Invalid argument" ;;
	EBUSY) _t="Device or resource busy" ;;
	ENODEV) _t="No such device" ;;
	EAGAIN) _t="Resource temporarily unavailable" ;;
	ECANCELED) _t="Operation canceled" ;;
	ESRCH) _t="No such process" ;;
	*) _t=$1 ;;
	esac
	[ "$WR_RC" != 0 ] || { fail "$2: the write succeeded, expected $1" && return 1; }
	case $WR_ERR in *"$_t"*) return 0 ;; esac
	fail "$2: expected $1 ($_t), got: $WR_ERR"
	return 1
}

expect_ok() {
	[ "$WR_RC" = 0 ] && return 0
	fail "$1: the write failed: $WR_ERR"
	return 1
}

# stat_get KEY: STAT = KEY's value in a fresh read of stats (STATS); 1 when
# there is none.  stat_of KEY: the same from STATS as it is.
stat_get() {
	slurp "$D/stats"
	STATS=$SLURP
	stat_of "$1"
}

stat_of() {
	STAT='' _rest=${STATS#*"
$1: "}
	[ "$_rest" != "$STATS" ] || _rest=${STATS#"$1: "}
	[ "$_rest" != "$STATS" ] || return 1
	STAT=${_rest%%"
"*}
}

# last_error_is PATTERN WHAT: stats' last_error matches PATTERN.
# shellcheck disable=SC2254 # the pattern is the point
last_error_is() {
	stat_get last_error
	case $STAT in $1) ;; *) fail "$2: last_error '$STAT', want $1" ;; esac
}

# check_idle WHAT: no run in progress and no skb outstanding.
check_idle() {
	stat_get skbs_outstanding
	eq "$STAT" 0 "$1: skbs_outstanding"
	stat_of running
	eq "$STAT" no "$1: stats' running"
}

# res_load: results as RES_<key> ("# key: value" lines; those of
# RES_KEYS empty when absent), RES_HEADER, RES_ROWS and R<i>_<column> for
# row i (from 1).
RES_KEYS="version kernel machine allocator mitigations nic nic_irq cpu_list cpu_rule free_cpu free_cpus release alloc numa skb_clone config timing calibrate bh_off counters fails concurrency page_pool latency reps"
res_load() {
	RES_ROWS=0 RES_HEADER=''
	for _k in $RES_KEYS; do eval "RES_$_k="; done
	while IFS= read -r _l; do
		case $_l in
		"# "*": "*)
			_k=${_l#"# "}
			_k=${_k%%": "*}
			case $_k in *[!a-z_]* | '') continue ;; esac
			eval "RES_$_k=\${_l#\"# \$_k: \"}"
			;;
		"#"* | '') ;;
		*)
			[ -n "$RES_HEADER" ] || { RES_HEADER=$_l && continue; }
			RES_ROWS=$((RES_ROWS + 1))
			# shellcheck disable=SC2086 # a row's columns
			set -- $_l
			for _c in $RES_HEADER; do
				eval "R${RES_ROWS}_$_c=\${1-}"
				[ $# = 0 ] || shift
			done
			;;
		esac
	done <"$D/results"
}

# row I COL: VAL = column COL of row I.  row_is I COL WANT: fail unless so.
row() { eval "VAL=\${R$1_$2-}"; }
row_is() {
	row "$1" "$2"
	eq "$VAL" "$3" "row $1's $2"
}

# row_find MODE CPU: ROW = the row of MODE and CPU (or "sum"); 1 if none.
row_find() {
	ROW=1
	while [ "$ROW" -le "$RES_ROWS" ]; do
		eval "[ \"\$R${ROW}_mode \$R${ROW}_cpu\" = \"\$1 \$2\" ]" && return 0
		ROW=$((ROW + 1))
	done
	ROW=
	return 1
}

# run1 TOKENS...: "1 TOKENS" to run must succeed, without fails; then
# res_load and check_idle.
run1() {
	wr run "1 $*"
	expect_ok "run '1 $*'" || return 1
	res_load
	_i=1
	while [ "$_i" -le "$RES_ROWS" ]; do
		row "$_i" fails
		eq "$VAL" 0 "run '1 $*': row $_i's fails"
		_i=$((_i + 1))
	done
	check_idle "after run '1 $*'"
}

# klog_start: one reader of /dev/kmsg for the job (dmesg is a fork) files
# the marks and the module's lines of case NAME in $KL/NAME, complaints
# (not the module's lines, which may quote what was written) in
# $KL/NAME.splat, and acknowledges marks in $KL/ack as "MARK|TS|BAD": the
# mark's kernel time and that of the last rejection the module logged, in
# us (the module logs 10 a 5 s window: see klog_quiet).  SPLAT_SKIP: a
# regex of complaints the host judges instead (make race's KCSAN reports).
klog_start() {
	mkdir -p "$KL"
	: >"$KL/ack"
	# cat reads /dev/kmsg a whole record at a time, as it must be read.
	# shellcheck disable=SC2002
	cat /dev/kmsg | awk -v dir="$KL" -v re="$SPLAT" -v skip="${SPLAT_SKIP:-}" '
		{ i = index($0, ";"); if (!i || substr($0, 1, 1) == " ") next; m = substr($0, i + 1); split(substr($0, 1, i - 1), h, ",") }
		m ~ /^skbfactory: [a-z]+: .* \((E[A-Z]+|error)\)$/ { bad = h[3] }
		m ~ /^skbf-test: case [A-Za-z0-9_]+ begin$/ { split(m, a, " "); cur = dir "/" a[3]; print m > cur; next }
		m ~ /^skbf-test: (sync |case [A-Za-z0-9_]+ end$)/ {
			if (m ~ / end$/ && cur != "") { close(cur); cur = "" }
			print m "|" h[3] "|" (bad + 0) > (dir "/ack"); close(dir "/ack"); next }
		cur != "" && m ~ /skbfactory: |^skbf-test: |Long readout interval/ { print m >> cur }
		m !~ /^skbfactory: / && m ~ re && (skip == "" || m !~ skip) { f = (cur != "") ? cur ".splat" : dir "/outside.splat"; print m >> f; close(f) }' &
}

# klog_wait MARK: until the reader has filed MARK (it may lag behind a
# flood such as the fuzz's: a minute at most).  klog_has MARK: it has.
klog_wait() {
	poll 60 klog_has "$1" || { fail "the kernel log reader never saw '$1'" && return 1; }
}
klog_has() { read -r _ack <"$KL/ack" && [ "${_ack%%|*}" = "$1" ]; }

# klog_sync: every line logged so far is filed.
klog_sync() {
	KSYNC=$((${KSYNC:-0} + 1))
	kmark "sync $KSYNC"
	klog_wait "skbf-test: sync $KSYNC"
}

# klog_quiet: after klog_sync, true when the module logged no rejection in
# the last 5 s: its next one is sure to be logged.  (A 5 s window begins
# with a logged line; up to 10 are logged in it.)
klog_quiet() {
	_r=${_ack#*|}
	[ "${_r#*|}" = 0 ] || [ $((${_r%|*} - ${_r#*|})) -gt 5200000 ]
}

# klog_after MARK: KLOG = the module's lines of this case after MARK.
klog_after() {
	klog_sync
	KLOG='' _on=0
	while IFS= read -r _l; do
		case $_l in
		"skbf-test: $1") _on=1 KLOG= ;;
		"skbfactory: "*) [ "$_on" = 0 ] || KLOG="$KLOG$_l
" ;;
		esac
	done <"$KL/$CASE"
}

# count_for MS [NS]: COUNT = operations of NS ns (default NSOP, alloc_skb's)
# that take about MS ms here.
# STOP_COUNT: the count of a run that a stop (a signal, stop, hotplug, a
# device going) must end: the largest, so that it never ends first however
# fast or slow the guest is today (a count sized by the calibration ended
# before the stop under a busy host).  A stop that does not come is the
# case's budget's to catch.
STOP_COUNT=100000000

count_for() {
	COUNT=$(($1 * 1000000 / ${2:-$NSOP}))
	[ "$COUNT" -ge 1 ] || COUNT=1
	[ "$COUNT" -le 100000000 ] || COUNT=100000000
}

# calibrate: NSOP = ns per alloc_skb(1500) op on the NIC's CPU here.
calibrate() {
	NSOP=
	wr run "1 mode=alloc_skb size=1500 headroom=14 put=100 batch=1 latency=0 cpu=nic dev= repeat=1 count=$CAL_COUNT"
	[ "$WR_RC" != 0 ] || { res_load && row 1 ns_per_op && NSOP=${VAL%%.*}; }
	case $NSOP in '' | *[!0-9]* | 0)
		diag "calibration failed ($WR_ERR); assuming 5000 ns per op"
		NSOP=5000
		;;
	esac
}

# ns_of MODE [TOKENS [COUNT]]: NSM = ns per op of MODE (with TOKENS) on
# the NIC's CPU, from a short run (of COUNT ops) after a warmup one.
ns_of() {
	wr run "1 mode=$1 repeat=1 count=${3:-$CAL_COUNT} ${2:-}"
	NSM=
	[ "$WR_RC" != 0 ] || { res_load && row 1 ns_per_op && NSM=${VAL%%.*}; }
	case $NSM in '' | *[!0-9]* | 0)
		fail "calibrating mode=$1 ${2:+$2 }failed ($WR_ERR)"
		NSM=$NSOP
		;;
	esac
}

# bg_run TOKENS: "1 TOKENS" to run from a background writer, BG.
bg_run() {
	(echo -n "1 $*" >"$D/run") 2>"$T/bg.err" &
	BG=$!
}

# nap SECONDS: sleep without a fork (busybox's sleep is one): a read
# that times out on a FIFO nobody writes, open on fd 8 (nap_init).
nap_init() { mkfifo "$T/nap" && exec 8<>"$T/nap"; }
# shellcheck disable=SC3045 # busybox read -t takes fractions
nap() { read -r -t "$1" _ <&8; }

# poll SECONDS CMD...: until CMD succeeds, every 10 ms; 1 after SECONDS.
# Builtins only: a fork would blur a timing, spinning would slow a run.
poll() {
	up_cs
	_end=$((UP + $1 * 100))
	shift
	until "$@"; do
		up_cs
		[ "$UP" -lt "$_end" ] || return 1
		nap 0.01
	done
	return 0
}

# running_is PATTERN: stats' running line matches PATTERN.
running_is() {
	stat_get running
	# shellcheck disable=SC2254 # the pattern is the point
	case $STAT in $1) return 0 ;; esac
	return 1
}
wait_running() { poll "$1" running_is 'mode*'; }
wait_idle() { poll "$1" running_is no; }

# thread_of COMM: PID = the task named COMM, if there is one; else 1.
thread_of() {
	PID=
	for _p in /proc/[0-9]*; do
		read -r _c 2>/dev/null <"$_p/comm" || continue
		[ "$_c" != "$1" ] || { PID=${_p#/proc/} && return 0; }
	done
	return 1
}

# thread_or_gone COMM PID: thread_of COMM, or else process PID has exited
# (PID then empty): a run's thread, or the end of the writer that failed.
thread_or_gone() { thread_of "$1" || gone "$2"; }

# proc_alive PID: PID exists and is no zombie.  wait_gone PID SECONDS: until
# it has exited, then reaps it; else 1.
proc_alive() { read -r _p _c _s _rest 2>/dev/null <"/proc/$1/stat" && [ "$_s" != Z ]; }
gone() { ! proc_alive "$1"; }
wait_gone() { poll "$2" gone "$1" && { wait "$1" 2>/dev/null || true; }; }

# cpu_set CPU 0|1: take CPU offline, or bring it back.
cpu_set() {
	echo "$2" 2>"$T/err" >"/sys/devices/system/cpu/cpu$1/online" && return 0
	read_err "$T/err"
	fail "echo $2 > cpu$1/online: $WR_ERR"
	return 1
}

# nic_repin: VM_NIC_IRQS = eth0's IRQs, found again (a driver reload
# renumbers them), each pinned to VM_NIC_CPU as scripts/guest/init does
# (they stay where hotplug or a reload put them).
nic_repin() {
	_d=$(readlink /sys/class/net/eth0/device) || { fail "no eth0" && return 1; }
	VM_NIC_IRQS=$(awk -v d="${_d##*/}-" 'index($NF, d) == 1 { sub(":", "", $1); printf "%s ", $1 }' /proc/interrupts)
	VM_NIC_IRQS=${VM_NIC_IRQS% }
	[ -n "$VM_NIC_IRQS" ] || fail "no IRQs of eth0 (${_d##*/}) in /proc/interrupts"
	for _i in $VM_NIC_IRQS; do
		echo "$VM_NIC_CPU" >"/proc/irq/$_i/smp_affinity_list" || fail "cannot pin IRQ $_i to CPU $VM_NIC_CPU"
	done
}

# trace_on EVENT...: tracefs mounted, every event off but EVENTs
# (GROUP/NAME), the trace empty.  trace_off: every event off.
TR=/sys/kernel/tracing
trace_on() {
	[ -e $TR/trace ] || mount -t tracefs none $TR || { fail "cannot mount tracefs" && return 1; }
	echo 0 >$TR/events/enable
	: >$TR/trace
	for _e in "$@"; do
		echo 1 >"$TR/events/$_e/enable" || { fail "cannot enable $_e" && return 1; }
	done
}
trace_off() { echo 0 >$TR/events/enable; }

# ensure_loaded: load skbfactory when a case left it unloaded.
ensure_loaded() {
	[ -d "$D" ] || insmod "$KO" 2>"$T/err" || {
		read_err "$T/err"
		fail "insmod failed: $WR_ERR"
		return 1
	}
}

# budget_of NAME: BUDGET = case NAME's budget in seconds here: its time at
# the reference speed (case_budget in tests/cases.sh: a warm, idle 2-core
# machine, where alloc_skb(1500) calibrates to NSOP_REF ns) times how much
# slower this guest is, NSOP / NSOP_REF (never below 1: a fast guest keeps
# the reference budget).  SPEED says it, for the messages.
budget_of() {
	_base=$(case_budget "$1")
	slowness
	BUDGET=$((_base * SLOW / 100))
	SPEED="$_base s at the reference speed x $((SLOW / 100)).$((SLOW / 10 % 10))$((SLOW % 10)), this guest's calibration ${NSOP:-(none yet)} ns against $NSOP_REF"
}

# slowness: SLOW = how much slower this guest is than the reference, in
# percent: 100 * NSOP / NSOP_REF, never below 100 (and 100 before the
# calibration).
slowness() {
	SLOW=100
	[ -z "${NSOP:-}" ] || [ $((NSOP * 100 / NSOP_REF)) -le 100 ] || SLOW=$((NSOP * 100 / NSOP_REF))
}

# scaled SECONDS: SCALED = SECONDS at the reference speed, on this guest
# (whole seconds, rounded up), SCALED_CS the same in centiseconds.  A bound
# on the wall clock in a case is one of these: a slow guest is no failure.
scaled() {
	slowness
	SCALED_CS=$(($1 * SLOW))
	SCALED=$(((SCALED_CS + 99) / 100))
}

# over_budget CS: the case took CS centiseconds, over its budget at the
# speed calibrated before the plan.  One calibration of 100 ops is a
# rough speed (the same guest gave 1.1 to 6.1 ms in CI runs), and the
# host's load changes while a case runs: the guest calibrates again, and
# the case fails only if it is over its budget at the slower of the two.
# (NSOP, which sizes the runs, stays the first one.)
over_budget() {
	_first=$NSOP _budget=$BUDGET _speed=$SPEED
	ensure_loaded && calibrate
	[ "$NSOP" -ge "$_first" ] || NSOP=$_first
	budget_of "$CASE"
	NSOP=$_first
	if [ "$1" -le $((BUDGET * 100)) ]; then
		note "took $CS_STR s, over its budget of $_budget s ($_speed), within $BUDGET s at the speed calibrated again now"
	else
		fail "took $CS_STR s, over its budget of $BUDGET s ($SPEED; calibrated again after the case)"
	fi
}

# run_case N NAME: case_NAME as test N, with skbfactory loaded and the
# default config; after it no writer, run or skb may be left (unless it set
# CASE_UNLOADS) and the kernel must not have complained, and it must end
# within its budget (budget_of).  The budget goes to /tmp/vm-budget for
# the guest's heartbeat (scripts/guest/init): past it, the guest falls
# silent and the host's stall detector dumps its tasks.
run_case() {
	CASE=$2 FAILED='' SKIPPED='' BG=''
	up_cs
	_t0=$UP
	budget_of "$CASE"
	echo "$CASE $((_t0 / 100 + BUDGET))" >/tmp/vm-budget
	kmark "case $CASE begin"
	if ensure_loaded; then
		wr config reset
		expect_ok "resetting config before the case" && "case_$CASE"
	fi
	if [ -n "$BG" ] && proc_alive "$BG"; then
		kill -9 "$BG" 2>/dev/null
		wait_gone "$BG" 10 || fail "the background writer $BG does not go away"
	fi
	for _o in /sys/devices/system/cpu/cpu[1-9]*/online; do
		read -r _v <"$_o" && [ "$_v" = 1 ] && continue
		fail "the case left ${_o%/online} offline"
		echo 1 >"$_o"
	done
	if [ "${CASE_UNLOADS:-0}" = 1 ]; then
		CASE_UNLOADS=0
	elif ensure_loaded; then
		wait_idle 10 || fail "a run is still in progress after the case"
		check_idle "after the case"
	fi
	kmark "case $CASE end"
	klog_wait "skbf-test: case $CASE end"
	if [ -s "$KL/$CASE.splat" ]; then
		fail "the kernel complained:"
		head -n 5 "$KL/$CASE.splat" | while IFS= read -r _l; do diag "    $_l"; done
		# A stall while the host did not run QEMU is no module's fault.
		grep -m1 'Long readout interval' "$KL/$CASE" | while IFS= read -r _l; do
			diag "    (meanwhile the host stalled the guest: $_l)"
		done
	fi
	up_cs
	cs_str $((UP - _t0))
	[ $((UP - _t0)) -le $((BUDGET * 100)) ] || over_budget $((UP - _t0))
	rm -f /tmp/vm-budget
	if [ -n "$SKIPPED" ] && [ -z "$FAILED" ]; then
		emit "ok $1 $CASE # SKIP $SKIPPED"
	else
		emit "${FAILED:+not }ok $1 $CASE # $CS_STR s"
	fi
}
