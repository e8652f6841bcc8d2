# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # variables are for tests/cases.sh
#
# tests/lib.sh: helpers for the integration tests, sourced by tests/job.sh
# inside the test VM (busybox sh, as root).  They drive skbfactory the way a
# user at the VM's shell would: echo, cat and redirections on its debugfs
# files.  Shell builtins are preferred over commands: a fork costs ~10 ms
# on a stock kernel under TCG and ~70 ms on the debug kernel.
#
# Results go to $VM_OUT (the host reads them) and to the console:
#   ok - NAME (T s)       not ok - NAME (T s)       skip - NAME # WHY
#   # anything else: diagnostics
#
# Writes use busybox's echo builtin (echo -n, echo -ne), not printf: it
# writes its output with one write(2) and reports a failed write with the
# errno's text ("sh: write error: Invalid argument"); printf says nothing.
# Hence the SC3037 exceptions below.

D=${SKBFACTORY_DEBUGFS:-/sys/kernel/debug/skbfactory}
KO=/skbfactory/skbfactory.ko
T=/tmp/skbf-tests
OUT=${VM_OUT:-/dev/null}
# What counts as the kernel complaining (the patterns of scripts/vm.sh, and
# the stall and lockup reports).
SPLAT='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|UBSAN:|KASAN|'
SPLAT="${SPLAT}soft lockup|hard LOCKUP|detected stall|rcu: INFO|rcu_.*stall|blocked for more than|"
SPLAT="${SPLAT}possible recursive locking|inconsistent lock state|circular locking|"
SPLAT="${SPLAT}list_(add|del) corruption|Bad page|suspected memory leak|invalid opcode"

# emit LINE: one line for the host (VM_OUT) and for the console.
emit() {
	echo "$*" >"$OUT"
	echo "skbf-test: $*"
}

diag() {
	emit "# $*"
}

# fail MESSAGE: the current case fails; the message is shown at once.
fail() {
	FAILED="${FAILED}x"
	diag "  $CASE: $*"
}

# skip WHY: the current case does not apply here.
skip() {
	SKIPPED=$*
}

# kmark TEXT: a line in the kernel log, so the log can be cut by case.
kmark() {
	echo "skbf-test: $*" >/dev/kmsg
}

# up_cs: UP = the uptime in centiseconds.
up_cs() {
	read -r _u _rest </proc/uptime
	_u=${_u%.*}${_u#*.}
	while [ "${_u#0}" != "$_u" ] && [ ${#_u} -gt 1 ]; do _u=${_u#0}; done
	UP=$_u
}

# now_ns: NS = the monotonic clock in ns ("now at" of /proc/timer_list),
# read with builtins so no fork sits inside a measurement.
now_ns() {
	NS=
	while read -r _a _b _c _rest; do
		if [ "$_a $_b" = "now at" ]; then
			NS=$_c
			break
		fi
	done </proc/timer_list
	if [ -z "$NS" ]; then
		up_cs
		NS=$((UP * 10000000))
	fi
}

# cs_str CS: "1.23" for 123 centiseconds, in CS_STR.
cs_str() {
	CS_STR=$(($1 / 100)).$(($1 / 10 % 10))$(($1 % 10))
}

# slurp FILE: FILE's text in SLURP (lines joined by newlines), READ_RC its
# read status.  Reading with builtins opens the file once, as cat would.
slurp() {
	SLURP=
	{
		while IFS= read -r _l; do
			SLURP="$SLURP$_l
"
		done
		[ -z "$_l" ] || SLURP="$SLURP$_l"
	} <"$1" 2>"$T/read.err"
	READ_RC=$?
}

# read_err FILE: the lines of FILE in WR_ERR, joined by " | ".
read_err() {
	WR_ERR=
	while IFS= read -r _l; do
		WR_ERR="$WR_ERR${WR_ERR:+ | }$_l"
	done <"$1"
}

# wr FILE TEXT: one write(2) of TEXT to the debugfs file FILE (busybox's
# echo builtin writes its whole output at once).  WR_RC is the status,
# WR_ERR the shell's complaint ("sh: write error: Invalid argument").
wr() {
	# shellcheck disable=SC3037 # busybox echo
	echo -n "$2" 2>"$T/err" >"$D/$1"
	# shellcheck disable=SC2320 # echo's status is the point
	WR_RC=$?
	WR_ERR=
	[ "$WR_RC" = 0 ] || read_err "$T/err"
}

# wre FILE ESCAPED: as wr, with echo -e escapes (\0NNN is the byte NNN).
wre() {
	# shellcheck disable=SC3037 # busybox echo
	echo -ne "$2" 2>"$T/err" >"$D/$1"
	# shellcheck disable=SC2320 # echo's status is the point
	WR_RC=$?
	WR_ERR=
	[ "$WR_RC" = 0 ] || read_err "$T/err"
}

# wrfile FILE DATAFILE: one write(2) of DATAFILE's bytes, with dd.
wrfile() {
	dd if="$2" of="$D/$1" bs=65536 count=1 2>"$T/err"
	WR_RC=$?
	WR_ERR=
	[ "$WR_RC" = 0 ] || read_err "$T/err"
}

# errno_text NAME: strerror of a name, as the shell prints it.
errno_text() {
	case $1 in
	EINVAL) ERRNO_TEXT="Invalid argument" ;;
	EBUSY) ERRNO_TEXT="Device or resource busy" ;;
	ENODEV) ERRNO_TEXT="No such device" ;;
	ENOMEM) ERRNO_TEXT="Cannot allocate memory" ;;
	EINTR) ERRNO_TEXT="Interrupted system call" ;;
	*) ERRNO_TEXT=$1 ;;
	esac
}

# expect_err ERRNO WHAT: the last write failed with ERRNO.
expect_err() {
	errno_text "$1"
	if [ "$WR_RC" = 0 ]; then
		fail "$2: the write succeeded, expected $1"
		return 1
	fi
	case $WR_ERR in
	*"$ERRNO_TEXT"*) return 0 ;;
	esac
	fail "$2: expected $1 ($ERRNO_TEXT), got: $WR_ERR"
	return 1
}

# expect_ok WHAT: the last write succeeded.
expect_ok() {
	[ "$WR_RC" = 0 ] && return 0
	fail "$1: the write failed: $WR_ERR"
	return 1
}

# stats_load: the stats file, read once, in STATS.
stats_load() {
	slurp "$D/stats"
	STATS=$SLURP
}

# stat_of KEY: STAT = the value of "KEY: value" in STATS.
stat_of() {
	STAT=
	_rest=${STATS#*"
$1: "}
	[ "$_rest" != "$STATS" ] || _rest=${STATS#"$1: "}
	[ "$_rest" != "$STATS" ] || return 1
	STAT=${_rest%%"
"*}
}

# stat_get KEY: STAT = KEY's value in a fresh read of stats.
stat_get() {
	stats_load
	stat_of "$1"
}

# check_idle WHAT: no run in progress and no skb outstanding.
check_idle() {
	stats_load
	stat_of skbs_outstanding
	[ "$STAT" = 0 ] || fail "$1: skbs_outstanding is '$STAT', not 0"
	stat_of running
	[ "$STAT" = no ] || fail "$1: stats says running: $STAT"
}

# res_load: the results file into shell variables: RES_<key> for each
# "# key: value" line, RES_HEADER, RES_ROWS, and R<i>_<column> for row i
# (from 1) and each column of the header row.
res_load() {
	RES_ROWS=0
	RES_HEADER=
	RES_nic='' RES_nic_irq='' RES_cpus='' RES_cpu_rule='' RES_config='' RES_latency=''
	while IFS= read -r _l; do
		case $_l in
		"# "*": "*)
			_k=${_l#"# "}
			_k=${_k%%": "*}
			case $_k in *[!a-z_]* | '') continue ;; esac
			_v=${_l#"# $_k: "}
			eval "RES_$_k=\$_v"
			;;
		"#"* | '') ;;
		*)
			if [ -z "$RES_HEADER" ]; then
				RES_HEADER=$_l
				continue
			fi
			RES_ROWS=$((RES_ROWS + 1))
			# shellcheck disable=SC2086 # split the row into its columns
			set -- $_l
			for _c in $RES_HEADER; do
				eval "R${RES_ROWS}_$_c=\${1-}"
				[ $# = 0 ] || shift
			done
			;;
		esac
	done <"$D/results"
}

# row I COL: VAL = column COL of row I.
row() {
	eval "VAL=\${R$1_$2-}"
}

# row_times I: ns, lo and hi = ns_per_op, ns_min and ns_max of row I.
row_times() {
	row "$1" ns_per_op
	ns=$VAL
	row "$1" ns_min
	lo=$VAL
	row "$1" ns_max
	hi=$VAL
}

# row_find MODE CPU: ROW = the row of that mode and cpu (a number or
# "sum"), empty when there is none.
row_find() {
	ROW=
	_i=1
	while [ "$_i" -le "$RES_ROWS" ]; do
		row "$_i" mode
		_m=$VAL
		row "$_i" cpu
		if [ "$_m" = "$1" ] && [ "$VAL" = "$2" ]; then
			ROW=$_i
			return 0
		fi
		_i=$((_i + 1))
	done
	return 1
}

# int X: INT = the integer part of a decimal such as 1234.56.
int() {
	INT=${1%%.*}
}

# run1 TOKENS...: a run that must succeed ("1 TOKENS" to run); loads the
# results and checks every row's fails is 0 and nothing is outstanding.
run1() {
	wr run "1 $*"
	expect_ok "run '1 $*'" || return 1
	res_load
	_i=1
	while [ "$_i" -le "$RES_ROWS" ]; do
		row "$_i" fails
		[ "$VAL" = 0 ] || fail "run '1 $*': row $_i has fails=$VAL"
		_i=$((_i + 1))
	done
	check_idle "after run '1 $*'"
	return 0
}

# The kernel log, as the cases need it, without running dmesg (a fork
# costs ~70 ms on the debug kernel): klog_start runs one reader of
# /dev/kmsg for the whole job, which files every line logged during case
# NAME (between the "case NAME begin" and "case NAME end" marks) that is a
# mark or says "skbfactory: " into $KL/NAME, every complaint (SPLAT, not
# the module's own lines, which may quote what was written) into
# $KL/NAME.splat too, and acknowledges each "sync" mark in $KL/ack.
KL=$T/klog

klog_start() {
	mkdir -p "$KL"
	: >"$KL/ack"
	# cat reads /dev/kmsg a whole record at a time, as it must be read.
	# shellcheck disable=SC2002
	cat /dev/kmsg | awk -v dir="$KL" -v re="$SPLAT" '
		{ i = index($0, ";"); if (!i || substr($0, 1, 1) == " ") next; m = substr($0, i + 1) }
		m ~ /^skbf-test: case [A-Za-z0-9_]+ begin$/ {
			split(m, a, " "); cur = dir "/" a[3]; print m > cur; next }
		m ~ /^skbf-test: case [A-Za-z0-9_]+ end$/ {
			if (cur != "") close(cur); cur = ""; print m > (dir "/ack"); close(dir "/ack"); next }
		m ~ /^skbf-test: sync / { print m > (dir "/ack"); close(dir "/ack"); next }
		cur != "" && (m ~ /skbfactory: / || m ~ /^skbf-test: / || m ~ /Long readout interval/) { print m >> cur }
		m !~ /^skbfactory: / && m ~ re {
			f = (cur != "") ? cur ".splat" : dir "/outside.splat"
			print m >> f; close(f) }' &
	KLOG_PID=$!
}

# klog_wait MARK: until the reader has filed everything up to MARK (a
# "sync" or "case ... end" mark just written); it may lag a few seconds
# behind a flood such as the fuzz's, so give it a minute.
klog_wait() {
	_n=0
	up_cs
	_end=$((UP + 6000))
	while :; do
		read -r _ack <"$KL/ack"
		[ "$_ack" != "$1" ] || return 0
		_n=$((_n + 1))
		[ $((_n % 50)) = 0 ] || continue
		up_cs
		if [ "$UP" -gt "$_end" ]; then
			fail "the kernel log reader never saw '$1'"
			return 1
		fi
	done
}

# klog_sync: every line logged so far is filed.
klog_sync() {
	KSYNC=$((${KSYNC:-0} + 1))
	kmark "sync $KSYNC"
	klog_wait "skbf-test: sync $KSYNC"
}

# klog_after MARK: KLOG = the skbfactory lines this case logged after the
# mark "skbf-test: MARK" (a newline after each).
klog_after() {
	klog_sync
	KLOG=
	_on=0
	while IFS= read -r _l; do
		case $_l in
		"skbf-test: $1") _on=1 KLOG= ;;
		"skbfactory: "*) [ "$_on" = 0 ] || KLOG="$KLOG$_l
" ;;
		esac
	done <"$KL/$CASE"
}

# count_for MS: COUNT = alloc_skb operations that take about MS ms here
# (from NSOP, the calibration), within the module's bounds.
count_for() {
	COUNT=$(($1 * 1000000 / NSOP))
	[ "$COUNT" -ge 1 ] || COUNT=1
	[ "$COUNT" -le 100000000 ] || COUNT=100000000
}

# calibrate: NSOP = ns per alloc_skb(1500) op on the NIC's CPU in this VM.
calibrate() {
	NSOP=
	wr run "1 mode=alloc_skb size=1500 headroom=14 put=100 batch=1 latency=0 cpu=nic dev= repeat=1 count=$CAL_COUNT"
	if [ "$WR_RC" = 0 ]; then
		res_load
		row 1 ns_per_op
		int "$VAL"
		NSOP=$INT
	fi
	case $NSOP in
	'' | *[!0-9]* | 0)
		diag "calibration failed ($WR_ERR); assuming 5000 ns per op"
		NSOP=5000
		;;
	esac
}

# bg_run TOKENS: "1 TOKENS" to run from a background subshell, the writer;
# BG is its pid, its stderr goes to $T/bg.err.
bg_run() {
	: >"$T/bg.err"
	# shellcheck disable=SC3037 # busybox echo
	(echo -n "1 $*" >"$D/run") 2>"$T/bg.err" &
	BG=$!
}

# wait_stat PATTERN SECONDS: until stats' running: line matches PATTERN
# (a case pattern); 1 when it does not within SECONDS.
wait_stat() {
	up_cs
	_end=$((UP + $2 * 100))
	while :; do
		stat_get running
		# shellcheck disable=SC2254 # the pattern is the point
		case $STAT in $1) return 0 ;; esac
		up_cs
		[ "$UP" -lt "$_end" ] || return 1
		sleep 0.02
	done
}

# wait_running SECONDS: until stats shows a run measuring.
wait_running() {
	wait_stat 'mode*' "$1"
}

# proc_alive PID: PID exists and is not a zombie.
proc_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	read -r _p _c _s _rest <"/proc/$1/stat" 2>/dev/null || return 1
	[ "$_s" != Z ]
}

# wait_gone PID SECONDS: until PID has exited (it is reaped after); 1 when
# it is still there after SECONDS.  Polls with builtins only, no sleep: a
# fork would blur a measurement by up to a tenth of a second.
wait_gone() {
	up_cs
	_end=$((UP + $2 * 100))
	_n=0
	while proc_alive "$1"; do
		_n=$((_n + 1))
		[ $((_n % 20)) = 0 ] || continue
		up_cs
		[ "$UP" -lt "$_end" ] || return 1
	done
	wait "$1" 2>/dev/null
	return 0
}

# wait_idle SECONDS: until stats says running: no.
wait_idle() {
	wait_stat no "$1"
}

# bg_cleanup: end a background writer left by a case.
bg_cleanup() {
	[ -n "${BG:-}" ] || return 0
	if proc_alive "$BG"; then
		kill -9 "$BG" 2>/dev/null
		wait_gone "$BG" 10 || fail "the background writer $BG does not go away"
	fi
	wait "$BG" 2>/dev/null
	BG=
}

# loaded: skbfactory is loaded (its debugfs directory exists).
loaded() {
	[ -d "$D" ]
}

# ensure_loaded: load skbfactory when a case left it unloaded.
ensure_loaded() {
	loaded && return 0
	insmod "$KO" 2>"$T/err" || {
		read_err "$T/err"
		fail "insmod failed: $WR_ERR"
		return 1
	}
}

# run_case NAME: run case_NAME and report it.  Each case starts with the
# default config and skbfactory loaded; after it, no run may be in progress,
# no skb outstanding, and the kernel log must hold no complaint.
run_case() {
	CASE=$1
	FAILED=
	SKIPPED=
	BG=
	up_cs
	_rc_t0=$UP
	kmark "case $CASE begin"
	if ensure_loaded; then
		wr config reset
		expect_ok "resetting config before the case"
		"case_$CASE"
	fi
	bg_cleanup
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
		_n=0
		while IFS= read -r _l && [ "$_n" -lt 5 ]; do
			diag "    $_l"
			_n=$((_n + 1))
		done <"$KL/$CASE.splat"
		# A lockup or stall report while QEMU itself was not scheduled
		# (a loaded host) says nothing about the module: say so.
		while IFS= read -r _l; do
			case $_l in *"Long readout interval"*)
				diag "    (meanwhile the host stalled the guest: $_l)"
				break
				;;
			esac
		done <"$KL/$CASE"
	fi
	up_cs
	cs_str $((UP - _rc_t0))
	if [ -n "$SKIPPED" ] && [ -z "$FAILED" ]; then
		emit "skip - $CASE # $SKIPPED"
	elif [ -z "$FAILED" ]; then
		emit "ok - $CASE ($CS_STR s)"
	else
		emit "not ok - $CASE ($CS_STR s)"
	fi
}
