#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# shell.sh (make shell): the test VM with skbfactory loaded and a busybox
# shell on this terminal.  poweroff (or Ctrl-D) ends it; Ctrl-A x kills
# QEMU.  KVER, VM_CPUS, VM_MEM, VM_NODES, VM_NIC_CPU and ACCEL work as for vm.sh.

set -eu
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

"$SCRIPTS/deps.sh" vm
say "try: cat /sys/kernel/debug/skbfactory/layout; echo '1 mode=all' > /sys/kernel/debug/skbfactory/run"
exec "$SCRIPTS/vm.sh" --shell "$@"
