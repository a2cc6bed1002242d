/**
 * One boot to the first fuzz case, timed on the host through the one VM
 * runner (`harness/vm/runner.ts`): the kernel command line of a
 * {@linkcode CmdlineVariant}, every console line and results record stamped
 * when it arrived (seconds since QEMU was spawned), results read every 50 ms,
 * and the guest stopped once the first case has ended.
 *
 * @module
 */
import { runVm, type VmOutcome } from "../harness/vm/runner.ts";
import { kernelCmdline } from "../harness/vm/qemu.ts";
import { guestPath } from "../harness/vm/initramfs.ts";
import type { KernelBuild } from "../harness/vm/kernel.ts";
import { type CmdlineVariant, type TimedLine, type TimedRecord, variantCmdline } from "./stages.ts";

/** Options of {@linkcode measureBoot}. */
export interface BootOptions {
  readonly kernel: KernelBuild;
  readonly modules: readonly string[];
  readonly variant: CmdlineVariant;
  /** The guest command: the fuzz guest, as `deno task fuzz` starts it. */
  readonly command: string;
  readonly cwd: string;
  readonly outDir: string;
  readonly timeoutSeconds: number;
  readonly onLine?: (l: TimedLine) => void;
  /** Kernel arguments added to the variant's line (`initcall_debug`). */
  readonly extraCmdline?: readonly string[];
}

/** How a boot ended: `first-case` when it was stopped after the first case, as planned. */
export type BootOutcome = "first-case" | "timeout" | "exited" | "panic" | "interrupted";

/** What one boot left. */
export interface BootRun {
  readonly variant: CmdlineVariant;
  readonly cmdline: string;
  readonly command: string;
  readonly outcome: BootOutcome;
  readonly wallSeconds: number;
  readonly lines: TimedLine[];
  readonly records: TimedRecord[];
  /** Every console line as `<host seconds> <line>` (`parseTimedLog` reads it back). */
  readonly consoleFile: string;
}

/** The benchmark's name for a runner outcome (pure). */
export function bootOutcome(o: VmOutcome): BootOutcome {
  switch (o.kind) {
    case "stopped":
      return "first-case";
    case "timeout":
    case "silent":
      return "timeout";
    case "panic":
    case "lost":
      return "panic";
    case "exited":
      return "exited";
    case "interrupted":
      return "interrupted";
  }
}

/** Boots once and stops after the first fuzz case, or at the timeout. */
export async function measureBoot(o: BootOptions): Promise<BootRun> {
  await Deno.mkdir(o.outDir, { recursive: true });
  const cmdline = variantCmdline(kernelCmdline(o.extraCmdline), o.variant);
  const lines: TimedLine[] = [];
  const records: TimedRecord[] = [];
  const run = await runVm({
    kernel: o.kernel,
    outDir: o.outDir,
    plan: {
      command: o.command,
      cwd: o.cwd,
      modules: o.modules,
      guestPath: guestPath(),
      kmemleak: false,
    },
    cmdline,
    timeoutSeconds: o.timeoutSeconds,
    silenceSeconds: o.timeoutSeconds,
    pollMs: 50,
    onConsoleLine: (line, t) => {
      const l = { t, line };
      lines.push(l);
      o.onLine?.(l);
    },
    onResult: (record, t) => records.push({ t, record }),
    // The first progress record is sent when the first case has ended.
    stopWhen: (r) => r.event === "progress" ? "first case done" : null,
  });
  const consoleFile = `${o.outDir}/console.timed.log`;
  await Deno.writeTextFile(consoleFile, lines.map((l) => `${l.t.toFixed(3)} ${l.line}\n`).join(""));
  await Deno.writeTextFile(
    `${o.outDir}/records.timed.jsonl`,
    records.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  return {
    variant: o.variant,
    cmdline,
    command: o.command,
    outcome: bootOutcome(run.outcome),
    wallSeconds: run.seconds,
    lines,
    records,
    consoleFile,
  };
}
