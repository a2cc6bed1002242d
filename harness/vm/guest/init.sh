#!/bin/busybox sh
# udiag-fuzz guest init: mounts, loads the target module, runs the command in
# a chroot of the host root (read-only 9p), then scans kmemleak and reboots.
# The serial console carries only what the kernel says; the command's output
# goes to $OUT/guest.log and its results to the virtio-serial port.
# Settings come from /run.env, written by harness/vm/initramfs.ts.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs none /sys/kernel/debug
mount -t tracefs none /sys/kernel/tracing
. /run.env

say() { echo "udiag-vm: $*" > /dev/kmsg; }

# The results port is named by QEMU; without udev, sysfs says which vport it is.
RESULTS=
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = udiag.results ] && RESULTS=/dev/${p##*/}
done
result() { [ -n "$RESULTS" ] && echo "$1" > "$RESULTS"; }

echo 20 > /proc/sys/kernel/hung_task_timeout_secs
echo 0 > /proc/sys/kernel/panic_on_warn
say "booted $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo)"
result "{\"event\":\"booted\",\"release\":\"$(uname -r)\",\"uptime\":\"$(cut -d' ' -f1 /proc/uptime)\"}"

# The host root first, and Deno's binary (95 MB) read into the page cache in
# the background while the modules load: its first run read it over 9p for
# 3.7 s of a TCG boot. The host runs Deno from the first directory of
# GUEST_PATH (harness/vm/initramfs.ts guestPath()).
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose host /host
cat "/host${GUEST_PATH%%:*}/deno" > /dev/null 2>&1 &

for m in $MODULES; do
	if insmod "/$m"; then
		say "loaded $m"
		result "{\"event\":\"module\",\"name\":\"$m\",\"ok\":true}"
	else
		say "insmod $m failed"
		result "{\"event\":\"module\",\"name\":\"$m\",\"ok\":false}"
	fi
done

mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t debugfs none /host/sys/kernel/debug
mount -t tracefs none /host/sys/kernel/tracing
# Writable scratch for Deno on /run, not /tmp: the checkout (and so $CWD and
# $OUT) may live under the host's /tmp, which must stay visible.
mount -t tmpfs -o mode=1777 run /host/run
mkdir -p /host/run/tmp /host/run/deno /host/run/modules
# The modules again, where a rule on their life cycle can reload them
# (harness/kmodule.ts).
GUEST_MODULES=
for m in $MODULES; do
	cp "/$m" /host/run/modules/ && GUEST_MODULES="$GUEST_MODULES /run/modules/$m"
done
# The host's transpiled modules (harness/vm/deno_dir.ts): Deno starts warm.
[ -d /deno ] && cp -a /deno/. /host/run/deno/
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out "/host$OUT"

# A heartbeat on the console: the host takes 120 s of silence for a dead
# machine, and a loaded host can stretch a quiet stretch of a healthy guest
# (a race round starting its workers, a slow 9p write) past that. A task
# stuck in the kernel is still caught: the hung-task detector reports it
# after 20 s, and the host's own timeout ends a guest that only spins.
( while sleep 30; do say "alive $(cut -d' ' -f1 /proc/uptime)"; done ) &

say "running: $CMD"
result "{\"event\":\"start\",\"uptime\":\"$(cut -d' ' -f1 /proc/uptime)\"}"
chroot /host /usr/bin/env -i HOME=/run DENO_DIR=/run/deno TMPDIR=/run/tmp NO_COLOR=1 \
	PATH="$GUEST_PATH" UDIAG_GUEST=1 UDIAG_RESULTS="$RESULTS" UDIAG_MODULES="$GUEST_MODULES" \
	UDIAG_OUT="$OUT" /bin/sh -c "cd \"$CWD\" && $CMD" \
	< /dev/null > "/host$OUT/guest.log" 2>&1
rc=$?
say "command exited $rc"
result "{\"event\":\"exit\",\"code\":$rc,\"uptime\":\"$(cut -d' ' -f1 /proc/uptime)\"}"

if [ "$KMEMLEAK" = 1 ] && [ -e /sys/kernel/debug/kmemleak ]; then
	# Objects younger than 5 s are never reported; scan twice, as the docs advise.
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /dev/console
	say "kmemleak scan done"
fi
result "{\"event\":\"done\"}"
sync
reboot -f
