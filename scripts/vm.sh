#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm.sh [OPTIONS]: boot a kernel under QEMU with skbfactory and run a job.
# The one VM runner: run, shell, KUnit, tests and bench all use it.
#
#   --kernel NAME|RELEASE  kernel of scripts/kernels (debug = the debug
#                          kernel) or a release unpacked in the cache;
#                          default $KVER, else the first stock kernel
#   --job FILE             busybox sh script run as root in /skbfactory after
#                          setup; its output goes to the console (no job:
#                          boot, load skbfactory, check the kernel, stop)
#   --shell                interactive shell on the terminal instead;
#                          poweroff (or Ctrl-D) ends it, Ctrl-A x kills QEMU
#   --add SRC[:DEST]       copy a file or directory into the guest; DEST
#                          relative to /skbfactory/, default its basename
#   --modules "M1 M2"      in-tree modules of that kernel to include, with
#                          their dependencies; the job loads them: modprobe M1
#   --no-load              do not load skbfactory.ko before the job
#   --env NAME=VALUE       exported to the job (repeatable)
#   --append "ARGS"        more kernel command line
#   --name NAME            log directory build/vm/NAME/ (default: the job's
#                          basename, or "shell")
#   --stall SECONDS        the guest stalls when neither its console nor the
#                          job's output grows for that long (default 120;
#                          0: never): its tasks are dumped to the console
#                          (SysRq w, l, t) and QEMU is stopped, a failure.
#                          A slow guest that prints is no stall; a job
#                          with long silent stretches writes its budget
#                          to /tmp/vm-budget and gets a heartbeat
#                          (scripts/guest/init)
#   --timeout SECONDS      stop QEMU after that long however it progresses
#                          (default 0: never; a bound for CI only)
#   --make "ARGS"          extra make arguments for the module build (W=1)
#   --no-kmemleak          where the kernel has kmemleak, init clears it
#                          before the job and scans twice after it (about
#                          15 s under TCG); this skips both
#   --quiet                do not copy the console to stderr
#   --no-tail              on failure, do not show the console's last lines
#                          (the caller shows what it needs first)
#
# Environment: VM_CPUS (2), VM_MEM (1G), VM_NODES (1: NUMA nodes, the CPUs
# and the memory split evenly among them), VM_NIC_CPU (the last vCPU), ACCEL
# (kvm or tcg; default: KVM when a probe shows it works, remembered for the
# machine in $CACHE_DIR).
#
# In the guest: /skbfactory/ holds skbfactory.ko (and skbfactory_kunit.ko
# when built; both also load with modprobe), the job, and the --add files.
# The job sees VM_NIC_CPU, VM_NIC_IRQS, VM_CPUS, SKBFACTORY_DEBUGFS and
# VM_OUT=/dev/ttyS1: what it writes there lands in build/vm/NAME/out.txt,
# free of kernel messages, and vm.sh prints it on stdout when all went well.
#
# The console (ttyS0) carries the kernel log at loglevel 7 and the guest's
# own lines, which start with "SKBFACTORY-VM: ".  Exit 0 only when it shows
# "SKBFACTORY-VM: job exit 0" and no kernel line (one with a [ time ]
# stamp, on the console or in the final dmesg) reports a BUG, WARNING,
# Oops, panic, GPF, UBSAN, lockdep splat, RCU stall, lockup, hung task or
# kmemleak leak, kmemleak's own scan found nothing, and the taint has no
# M, B, D, W or L.  Otherwise it says why and shows the console's last 40
# lines.  A stalled guest (--stall) or a QEMU past --timeout is stopped:
# a failure.  Logs in
# build/vm/NAME/: console.log, dmesg.log (the whole kernel log, dumped at
# the end), out.txt, qemu.log, accel (kvm or tcg).  Ctrl-C or a TERM stops
# QEMU (its own process group) and removes the temporary files.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

kernel=$(default_kernel)
job='' shell=0 load=1 name='' timeout=0 stall=${VM_STALL:-120} quiet=0 tail=1 kmemleak=1 append='' modules=''
adds=() envs=() make_args=()
while [ $# -gt 0 ]; do
	opt=$1
	shift
	case $opt in
	--shell) shell=1 && continue ;;
	--no-load) load=0 && continue ;;
	--no-kmemleak) kmemleak=0 && continue ;;
	--quiet) quiet=1 && continue ;;
	--no-tail) tail=0 && continue ;;
	-h | --help) usage ;;
	esac
	[ $# -gt 0 ] || die "vm.sh: $opt needs a value (--help)"
	val=$1
	shift
	case $opt in
	--kernel) kernel=$val ;;
	--job) job=$val ;;
	--add) adds+=("$val") ;;
	--modules) modules="$modules $val" ;;
	--env) envs+=("$val") ;;
	--append) append="$append $val" ;;
	--name) name=$val ;;
	--timeout) timeout=$val ;;
	--stall) stall=$val ;;
	--make) read -ra make_args <<<"$val" ;;
	*) die "vm.sh: unknown option '$opt' (--help)" ;;
	esac
done
[ -z "$job" ] || [ -f "$job" ] || die "no job file $job"
[ "$shell" = 0 ] || [ -t 0 ] || die "--shell needs a terminal"
[ "$shell" = 0 ] || timeout=0 stall=0 tail=0
if [ -z "$name" ]; then
	if [ "$shell" = 1 ]; then name=shell; else name=$(basename "${job:-vm}" .sh); fi
fi
[[ "$timeout $stall" =~ ^[0-9]+\ [0-9]+$ ]] || die "--timeout and --stall need seconds"

cpus=${VM_CPUS:-2}
mem=${VM_MEM:-1G}
nodes=${VM_NODES:-1}
nic_cpu=${VM_NIC_CPU:-$((cpus - 1))}
[[ "$cpus $nic_cpu" =~ ^[1-9][0-9]*\ [0-9]+$ ]] || die "VM_CPUS and VM_NIC_CPU must be numbers"
[ "$nic_cpu" -lt "$cpus" ] || die "VM_NIC_CPU=$nic_cpu but the VM has $cpus CPUs"
if ! [[ "$nodes" =~ ^[1-9][0-9]*$ ]] || [ $((cpus % nodes)) != 0 ]; then
	die "VM_NODES=$nodes: a number that divides VM_CPUS=$cpus"
fi
dir=$BUILD_DIR/vm/$name
cache=$BUILD_DIR/vm/cache
mkdir -p "$dir" "$cache"
on_exit

resolve_kernel "$kernel"
say "building skbfactory for $KREL"
build_module "$KBUILD" "$KREL" ${make_args[@]+"${make_args[@]}"}
moddir=$KMODS/lib/modules/$KREL

# The in-tree modules: the NIC's, the ones asked for, and what skbfactory's
# modules need.
nic_modules="virtio_pci virtio_net"
deps=$(for ko in "${KO_FILES[@]}"; do modinfo -F depends "$ko"; done | tr ',' ' ')
# ... but not skbfactory's own modules, which come from build/ko.
for ko in "${KO_FILES[@]}"; do
	own=$(basename "$ko" .ko)
	deps=$(tr ' ' '\n' <<<"$deps" | grep -vx -e "$own" -e "${own//_/-}" | xargs || true)
done
# shellcheck disable=SC2086 # one word a module
list=$(module_paths "$KMODS" "$KREL" $nic_modules $modules $deps) || die "kernel $KREL lacks a module (modprobe's message above)"
paths=()
while read -r p m; do
	case $p in
	builtin) [[ " $modules " != *" $m "* ]] || say "$m is built into $KREL" ;;
	*) paths+=("$p") ;;
	esac
done < <(sort -u <<<"$list")

# mkcpio DIR FILE: DIR's tree as an initramfs (newc, root's files).
mkcpio() {
	(cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

# base_cpio: sets base, the cpio of busybox, init and the in-tree modules
# (decompressed); cached, named by everything that goes in.
base_cpio() {
	local key stage p
	key=$(
		{
			echo "$KREL $moddir ${paths[*]}"
			stat -Lc '%s %Y' /bin/busybox "$moddir/modules.dep"
			cat "$SCRIPTS/guest/init" "$SCRIPTS/guest/finish"
		} | sha256sum | cut -c1-16
	)
	base=$cache/base-$KREL-$key.cpio
	[ ! -f "$base" ] || return 0
	say "building the initramfs base for $KREL"
	stage=$(mktemp -d "$cache/stage.XXXXXX") && TEMPS+=("$stage" "$stage.cpio")
	mkdir -p "$stage/bin" "$stage/usr/local/sbin" "$stage/lib/modules/$KREL"
	cp /bin/busybox "$stage/bin/"
	cp "$SCRIPTS/guest/init" "$stage/init"
	cp "$SCRIPTS/guest/finish" "$stage/usr/local/sbin/vm-finish"
	modules_stage "$KMODS" "$KREL" "$stage" ${paths[@]+"${paths[@]}"}
	chmod 755 "$stage/init" "$stage/usr/local/sbin/"*
	mkcpio "$stage" "$stage.cpio"
	# Bases differ by the modules asked for; drop only stale ones.
	find "$cache" -name "base-*.cpio" -mtime +2 -delete
	mv "$stage.cpio" "$base"
}

# shell_quote VALUE: VALUE in single quotes for sh.
shell_quote() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# run_cpio FILE: this run's part: skbfactory, job, settings, added files.
run_cpio() {
	local stage=$dir/initramfs ko a src dest e
	rm -rf "$stage"
	mkdir -p "$stage/skbfactory" "$stage/lib/modules/$KREL/extra"
	for ko in "${KO_FILES[@]}"; do
		cp "$ko" "$stage/skbfactory/"
		ln -s "/skbfactory/${ko##*/}" "$stage/lib/modules/$KREL/extra/${ko##*/}"
	done
	if [ -n "$job" ]; then cp "$job" "$stage/skbfactory/job"; else echo true >"$stage/skbfactory/job"; fi
	for a in ${adds[@]+"${adds[@]}"}; do
		src=${a%%:*} dest=''
		[[ $a != *:* ]] || dest=${a#*:}
		[ -e "$src" ] || die "--add: no $src"
		[ -n "$dest" ] || dest=$(basename "$src")
		case $dest in */) dest=$dest$(basename "$src") ;; esac
		case $dest in /*) ;; *) dest=/skbfactory/$dest ;; esac
		mkdir -p "$stage$(dirname "$dest")"
		cp -a "$src" "$stage$dest"
	done
	{
		echo "VM_MODE=$([ "$shell" = 1 ] && echo shell || echo job)"
		echo "VM_LOAD=$load VM_KMEMLEAK=$kmemleak"
		echo "VM_CPUS=$cpus VM_NIC_CPU=$nic_cpu VM_NODES=$nodes"
		echo "VM_NIC_MODULES='$nic_modules'"
		if [ "$shell" = 1 ]; then
			echo "VM_TTY_SIZE='$(stty size | awk '{ print "rows", $1, "cols", $2 }')'"
			echo "export TERM=$(shell_quote "${TERM:-vt100}")"
		fi
	} >"$stage/skbfactory/vm.conf"
	for e in ${envs[@]+"${envs[@]}"}; do
		[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--env wants NAME=VALUE, not '$e'"
		echo "export ${e%%=*}=$(shell_quote "${e#*=}")"
	done >"$stage/skbfactory/env"
	mkcpio "$stage" "$1"
}

base_cpio
run_cpio "$dir/run.cpio"
cat "$base" "$dir/run.cpio" >"$dir/initrd.cpio"

# The accelerator: ACCEL, else the remembered verdict, else a probe: a KVM
# boot of this kernel with a tiny initramfs must print a marker in time.
probe_kvm() {
	local pcpio=$cache/probe.cpio plog=$dir/probe.log pid stage
	if [ ! -f "$pcpio" ]; then
		stage=$(mktemp -d "$cache/stage.XXXXXX") && TEMPS+=("$stage" "$stage.cpio")
		mkdir -p "$stage/bin"
		cp /bin/busybox "$stage/bin/"
		printf '#!/bin/busybox sh\n/bin/busybox echo SKBFACTORY-PROBE-OK\n/bin/busybox poweroff -f\n' >"$stage/init"
		chmod 755 "$stage/init"
		mkcpio "$stage" "$stage.cpio"
		mv "$stage.cpio" "$pcpio"
	fi
	# A KVM guest boots this in about a second; give it 10.  timeout puts
	# it in a process group of its own, which on_exit stops.  QEMU ends
	# by SIGABRT where KVM is broken (-cpu host on an MSR it cannot set):
	# the expected outcome, so the shell's job report ("Aborted ...") goes
	# to the probe's log with QEMU's own output, not to the terminal.
	{
		timeout 10 qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
			-accel kvm -cpu host -smp 1 -m 256M -kernel "$KIMAGE" -initrd "$pcpio" \
			-append "console=ttyS0 panic=-1 loglevel=1" -serial "file:$plog" \
			</dev/null >"$plog.err" 2>&1 &
		pid=$!
		PGROUPS+=("$pid")
		until grep -qs SKBFACTORY-PROBE-OK "$plog" || ! kill -0 "$pid" 2>/dev/null ||
			grep -qs 'internal error' "$plog.err"; do
			sleep 0.25
		done
		kill -TERM -- "-$pid" 2>/dev/null || true
		wait "$pid" || true
		PGROUPS=()
	} 2>"$plog.jobs"
	grep -qs SKBFACTORY-PROBE-OK "$plog"
}

# choose_accel: sets accel.
choose_accel() {
	local verdict
	case ${ACCEL:-} in
	kvm | tcg) accel=$ACCEL && return ;;
	'') ;;
	*) die "ACCEL must be kvm or tcg, not '$ACCEL'" ;;
	esac
	accel=tcg
	[ -w /dev/kvm ] || return 0
	verdict=$CACHE_DIR/accel-$(host_key)
	if [ -s "$verdict" ]; then
		accel=$(cat "$verdict")
	else
		mkdir -p "$CACHE_DIR"
		if probe_kvm; then
			accel=kvm
			say "KVM boots a guest here: using it (remembered in $verdict)"
		else
			accel=tcg
			why=$(sed -n 's/^qemu-system-x86_64: //p' "$dir/probe.log.err" 2>/dev/null | head -n 1)
			say "KVM is not usable here (a probe guest did not boot${why:+: $why}; $dir/probe.log*): using TCG, remembered in $verdict"
		fi
		echo "$accel" >"$verdict"
	fi
}

choose_accel
echo "$accel" >"$dir/accel"
# cryptomgr.notests: the crypto self-tests take about 1 s of a TCG boot.
# sysrq_always_enabled: the stall detector's SysRq w, l and t.
# ipv6=off: QEMU's user network sends no router advertisements (every
# 200-600 s otherwise); with the guest's IPv6 off too (scripts/guest/init)
# the NIC is silent, and no packet's skb is freed on the measuring CPU.
# watchdog_thresh=60: a guest the host starves (TCG on a busy machine) sees
# tens of seconds pass in a boot loop of the debug kernel's; its soft
# lockup detector reports after 120 s, not 20, and still catches a CPU
# that never schedules.
# A node is a socket of its own: CPUs of one LLC on two nodes make the
# kernel warn (topology_sane).
smp=$cpus
[ "$nodes" = 1 ] || smp="$cpus,sockets=$nodes,cores=$((cpus / nodes)),threads=1"
qemu=(qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot
	-smp "$smp" -m "$mem"
	-kernel "$KIMAGE" -initrd "$dir/initrd.cpio"
	-append "console=ttyS0 panic=-1 oops=panic loglevel=7 printk.time=1 edd=off cryptomgr.notests sysrq_always_enabled watchdog_thresh=60$append"
	-netdev "user,id=n0,restrict=on,ipv6=off" -device "virtio-net-pci,netdev=n0"
	-chardev "file,id=out,path=$dir/out.txt"
	-chardev "file,id=kmsg,path=$dir/dmesg.log")
# VM_NODES: node i has CPUs i*k .. i*k+k-1 and its share of the memory.
if [ "$nodes" -gt 1 ]; then
	case $mem in
	*[0-9]M) mib=${mem%M} ;;
	*[0-9]G) mib=$((${mem%G} * 1024)) ;;
	*) die "VM_NODES=$nodes needs VM_MEM in M or G, not $mem" ;;
	esac
	[ $((mib % nodes)) = 0 ] || die "VM_NODES=$nodes does not divide VM_MEM=$mem"
	k=$((cpus / nodes))
	for ((i = 0; i < nodes; i++)); do
		qemu+=(-object "memory-backend-ram,id=m$i,size=$((mib / nodes))M"
			-numa "node,nodeid=$i,cpus=$((i * k))-$((i * k + k - 1)),memdev=m$i")
	done
fi
case $accel in
kvm) qemu+=(-accel kvm -cpu host) ;;
tcg) qemu+=(-accel "tcg,thread=multi") ;;
esac
if [ "$shell" = 1 ]; then
	qemu+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$dir/console.log"
		-mon "chardev=con,mode=readline")
else
	# The monitor watch_qemu sends SysRq through when the guest stalls.
	qemu+=(-chardev "stdio,id=con,logfile=$dir/console.log"
		-monitor "unix:$dir/monitor.sock,server=on,wait=off")
fi
# ttyS0 the console, ttyS1 the job's VM_OUT, ttyS2 the final dmesg.
qemu+=(-serial chardev:con -serial chardev:out -serial chardev:kmsg)

numa=
[ "$nodes" = 1 ] || numa=" in $nodes NUMA nodes"
say "booting $KIMAGE ($accel, $cpus CPUs, $mem$numa, NIC IRQs on CPU $nic_cpu)"
rm -f "$dir/console.log" "$dir/out.txt" "$dir/dmesg.log"
start=$SECONDS
rc=0
if [ "$shell" = 1 ]; then
	"${qemu[@]}" 2>"$dir/qemu.log" || rc=$?
else
	# timeout puts QEMU in a process group of its own: on_exit stops it.
	if [ "$quiet" = 1 ]; then exec 3>/dev/null; else exec 3>&2; fi
	rm -f "$dir/monitor.sock"
	timeout -k 5 "$timeout" "${qemu[@]}" </dev/null >&3 2>"$dir/qemu.log" &
	PGROUPS+=("$!")
	watch_qemu "$!" "$stall" "$dir/monitor.sock" "$dir/console.log" "$dir/out.txt" || rc=$?
	PGROUPS=()
fi
elapsed=$((SECONDS - start))

# The verdict.
failures=()
if [ "${STALLED:-0}" = 1 ] && [ "$STALL_KREPORT" = 1 ]; then
	failures+=("stalled: the guest's kernel reported a stall or lockup (console.log), and then its job made no progress for $stall s; SysRq w, l and t added $STALL_DUMP bytes of task and CPU state")
elif [ "${STALLED:-0}" = 1 ]; then
	if [ "$STALL_DUMP" -gt 0 ]; then
		failures+=("stalled: no console or job output for $stall s (no heartbeat: a job within its budget has one); the guest's kernel answered SysRq w, l and t with $STALL_DUMP bytes of task and CPU state in console.log")
	else
		failures+=("stalled: no console or job output for $stall s, and the guest's kernel did not answer SysRq: it is stuck itself (console.log)")
	fi
elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	failures+=("timed out after $timeout s (--timeout)")
fi
[ "$rc" = 0 ] || [ ${#failures[@]} -gt 0 ] || failures+=("qemu exited with $rc: $(head -c 300 "$dir/qemu.log")")
log=$(tr -d '\r' <"$dir/console.log" 2>/dev/null || true)
setup=$(sed -n 's/.*SKBFACTORY-VM: setup failed: //p' <<<"$log")
[ -z "$setup" ] || failures+=("guest setup failed: $setup")
status=$(sed -n 's/.*SKBFACTORY-VM: job exit \([0-9]*\)$/\1/p' <<<"$log" | tail -n 1)
if [ "$shell" = 0 ]; then
	if [ -z "$status" ]; then
		[ -n "$setup" ] || failures+=("the job did not finish")
	elif [ "$status" != 0 ]; then
		failures+=("the job exited with $status")
	fi
fi
grep -q 'SKBFACTORY-VM: kmemleak' <<<"$log" && failures+=("kmemleak found suspected leaks")
# Taints that mean trouble: M (4) machine check, B (5) bad page, D (7) died,
# W (9) warning, L (14) soft lockup.
taint=$(sed -n 's/.*SKBFACTORY-VM: tainted \([0-9]*\)$/\1/p' <<<"$log" | tail -n 1)
[ -z "$taint" ] || [ $((taint & 17072)) = 0 ] || failures+=("kernel tainted $taint")
# Report headers (KASAN, KCSAN, KFENCE and lockdep print "BUG:" or
# "WARNING:"), on timestamped kernel lines only, so a job's own text never
# counts; nor do skbfactory's own messages, which may quote what root wrote.
kpat='BUG:|WARNING:|Oops|Kernel panic|kernel BUG at|general protection fault|UBSAN:'
kpat+='|suspected memory leak|soft lockup|hard LOCKUP|detected stall|blocked for more than'
kpat+='|possible recursive locking|inconsistent lock state|circular locking'
kpat+='|list_(add|del) corruption|Bad page|unregister_netdevice: waiting'
splats=$({ echo "$log"; tr -d '\r' <"$dir/dmesg.log" 2>/dev/null; } |
	grep -E '^\[ *[0-9]+\.[0-9]+\] ' | grep -vE '^\[ *[0-9.]+\] skbfactory: ' |
	grep -E "$kpat" | awk '!seen[$0]++' | head -n 10 || true)
[ -z "$splats" ] || failures+=("the kernel complained:"$'\n'"$splats")

if [ ${#failures[@]} -gt 0 ]; then
	if [ "$tail" = 1 ]; then
		echo "---- last console lines ($dir/console.log) ----" >&2
		tail -n 40 <<<"$log" >&2
		echo "----" >&2
	fi
	for f in "${failures[@]}"; do
		printf 'skbfactory: VM %s: %s\n' "$name" "$f" >&2
	done
	exit 1
fi
say "VM $name passed on $KREL ($accel, ${elapsed} s)"
cat "$dir/out.txt" 2>/dev/null || true
