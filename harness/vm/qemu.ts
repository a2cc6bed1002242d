/**
 * The QEMU command line for a guest run (pure): TCG with 2 vCPUs (KVM does
 * not boot here), the host root read-only over 9p, a writable share for the
 * run's output, and a virtio-serial port for results.
 *
 * @module
 */

/** vCPUs of a guest whose config names none (every suite's VM). */
export const DEFAULT_CPUS = 2;

/** Inputs of {@linkcode qemuArgs}. */
export interface QemuConfig {
  readonly bzImage: string;
  readonly initrd: string;
  readonly outDir: string;
  readonly resultsFile: string;
  readonly memoryMiB?: number;
  readonly cpus?: number;
  readonly extraCmdline?: readonly string[];
  /** The whole kernel command line (instead of `kernelCmdline(extraCmdline)`). */
  readonly cmdline?: string;
}

/**
 * Kernel command line. `panic=-1` with QEMU's `-no-reboot` turns a panic into
 * QEMU exiting; `oops`/`panic_on_warn` stay off so one WARN does not end a run.
 */
export function kernelCmdline(extra: readonly string[] = []): string {
  return [
    "console=ttyS0,115200",
    "earlyprintk=serial,ttyS0,115200",
    "rdinit=/init",
    "panic=-1",
    "panic_on_warn=0",
    "printk.time=1",
    "loglevel=7",
    "kasan.fault=report",
    "random.trust_cpu=on",
    "no_hash_pointers",
    // Case marks go through /dev/kmsg; ratelimiting would drop them.
    "printk.devkmsg=on",
    // ACPI stays on (SeaBIOS' MP table alone brings up one CPU), but its PCI
    // interrupt routing (_PRT) runs the AML interpreter for over a minute
    // under KASAN on TCG and trips the soft-lockup detector; virtio uses MSI-X.
    "acpi=noirq",
    ...extra,
  ].join(" ");
}

/** argv (without the binary) for qemu-system-x86_64. */
export function qemuArgs(c: QemuConfig): string[] {
  return [
    "-accel",
    "tcg",
    "-cpu",
    // 4-level paging, as syzbot's x86 guests: with LA57 a timer interrupt in
    // early boot once hit a KASAN wild-memory-access in handle_edge_irq.
    "max,la57=off",
    "-smp",
    String(c.cpus ?? DEFAULT_CPUS),
    "-m",
    String(c.memoryMiB ?? 2048),
    "-nodefaults",
    // QEMU's DSDT describes a hot-pluggable PCI slot per device number, and
    // the kernel's AML interpreter walks them all: with these off, acpi_init
    // took 1.7-2.3 s instead of 3.9-4.3 s of a TCG boot (initcall_debug).
    // Every device here is present at boot; none is plugged later.
    "-global",
    "PIIX4_PM.acpi-pci-hotplug-with-bridge-support=off",
    "-global",
    "PIIX4_PM.acpi-root-pci-hotplug=off",
    "-display",
    "none",
    "-no-reboot",
    "-serial",
    "stdio",
    "-kernel",
    c.bzImage,
    "-initrd",
    c.initrd,
    "-append",
    c.cmdline ?? kernelCmdline(c.extraCmdline),
    "-virtfs",
    "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap",
    "-virtfs",
    `local,path=${c.outDir},mount_tag=out,security_model=none,multidevs=remap`,
    "-device",
    "virtio-serial-pci",
    "-chardev",
    `file,id=results,path=${c.resultsFile}`,
    "-device",
    "virtserialport,chardev=results,name=udiag.results",
  ];
}
