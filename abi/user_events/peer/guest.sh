#!/bin/sh
# Runs in the guest (harness/vm/guest/init.sh chroot, as root): each kernel
# user_events selftest binary of $1, one at a time, with a timeout, its stdout
# and stderr to $UDIAG_OUT/<name>.ktap / .stderr and its status to .rc.
# A kmsg mark before each binary names it in the console, so a kernel report
# is filed against the binary that was running (harness/marks.ts).
# Usage: sh guest.sh BIN_DIR TIMEOUT_SECONDS NAME...
bin=$1
limit=$2
shift 2
out=${UDIAG_OUT:?UDIAG_OUT not set}
if [ ! -e /sys/kernel/tracing/README ]; then
	mount -t tracefs nodev /sys/kernel/tracing
fi
for t in "$@"; do
	echo "udiag-fuzz[$$]: peer/$t: start" > /dev/kmsg
	start=$(cut -d' ' -f1 /proc/uptime)
	timeout -k 5 "$limit" "$bin/$t" > "$out/$t.ktap" 2> "$out/$t.stderr" < /dev/null
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	echo "$rc $start $end" > "$out/$t.rc"
	echo "udiag-fuzz[$$]: peer/$t: end" > /dev/kmsg
	echo "peer: $t exited $rc"
done
