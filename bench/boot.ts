/**
 * One boot to the first fuzz case, timed on the host: the same initramfs and
 * QEMU line as `harness/vm/runner.ts` (built with its `buildInitramfs` and
 * `qemuArgs`), with the kernel command line of a {@linkcode CmdlineVariant},
 * every console line and results record stamped when it arrives (seconds
 * since QEMU was spawned), and QEMU stopped once the first case has ended.
 *
 * This spawns QEMU itself because `runVm` can neither drop a command-line
 * argument nor say when it spawned QEMU, and reads results only every 500 ms.
 *
 * @module
 */
import { buildInitramfs, type GuestPlan } from "../harness/vm/initramfs.ts";
import { kernelCmdline, qemuArgs } from "../harness/vm/qemu.ts";
import { parseResults } from "../harness/vm/runner.ts";
import { ensurePackages, VM_PACKAGES } from "../harness/tools.ts";
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
  readonly guestPath: string;
  readonly outDir: string;
  readonly timeoutSeconds: number;
  readonly onLine?: (l: TimedLine) => void;
}

/** What one boot left. */
export interface BootRun {
  readonly variant: CmdlineVariant;
  readonly cmdline: string;
  readonly command: string;
  /** `first-case`: stopped after the first case ended; else why it stopped earlier. */
  readonly outcome: "first-case" | "timeout" | "exited" | "panic";
  readonly wallSeconds: number;
  readonly lines: TimedLine[];
  readonly records: TimedRecord[];
  /** Every console line as `<host seconds> <line>`. */
  readonly consoleFile: string;
}

/** Replaces the value after `-append` in a QEMU argv (pure). */
export function withCmdline(args: readonly string[], cmdline: string): string[] {
  const i = args.indexOf("-append");
  if (i < 0 || i + 1 >= args.length) throw new Error("QEMU arguments have no -append");
  return [...args.slice(0, i + 1), cmdline, ...args.slice(i + 2)];
}

/** Boots once and stops after the first fuzz case, or at the timeout. */
export async function measureBoot(o: BootOptions): Promise<BootRun> {
  await ensurePackages(VM_PACKAGES);
  await Deno.mkdir(o.outDir, { recursive: true });
  const plan: GuestPlan = {
    command: o.command,
    cwd: o.cwd,
    outDir: o.outDir,
    modules: o.modules,
    guestPath: o.guestPath,
    kmemleak: false,
  };
  const initrd = await buildInitramfs(plan, o.outDir);
  const resultsFile = `${o.outDir}/results.jsonl`;
  const consoleFile = `${o.outDir}/console.log`;
  await Deno.writeTextFile(resultsFile, "");
  await Deno.writeTextFile(`${o.outDir}/guest.log`, "");
  const cmdline = variantCmdline(kernelCmdline(), o.variant);
  const args = withCmdline(
    qemuArgs({ bzImage: o.kernel.bzImage, initrd, outDir: o.outDir, resultsFile }),
    cmdline,
  );
  await Deno.writeTextFile(`${o.outDir}/qemu.args.json`, JSON.stringify(args, null, 1) + "\n");

  const lines: TimedLine[] = [];
  const records: TimedRecord[] = [];
  let outcome: BootRun["outcome"] | null = null;
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const child = new Deno.Command("qemu-system-x86_64", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const stop = (why: BootRun["outcome"]) => {
    if (outcome) return;
    outcome = why;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };

  const consoleOut = await Deno.open(consoleFile, { create: true, write: true, truncate: true });
  const enc = new TextEncoder();
  const pump = (async () => {
    let pending = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const t = since();
      const text = chunk.replaceAll("\r", "");
      pending += text;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) {
        const l = { t, line };
        lines.push(l);
        o.onLine?.(l);
        await consoleOut.write(enc.encode(`${t.toFixed(3)} ${line}\n`));
        if (line.includes("Kernel panic - not syncing")) stop("panic");
      }
    }
    if (pending) lines.push({ t: since(), line: pending });
  })();

  // Results are polled every 50 ms (runVm polls every 500 ms).
  let consumed = 0;
  const poll = setInterval(() => {
    const text = Deno.readTextFileSync(resultsFile);
    const end = text.lastIndexOf("\n") + 1;
    if (end > consumed) {
      const t = since();
      for (const record of parseResults(text.slice(consumed, end))) {
        records.push({ t, record });
        if (record.event === "progress") stop("first-case");
        if (record.event === "exit") stop("exited");
      }
      consumed = end;
    }
    if (since() > o.timeoutSeconds) stop("timeout");
  }, 50);

  await child.status;
  const wallSeconds = since();
  clearInterval(poll);
  await pump;
  consoleOut.close();
  await Deno.writeTextFile(
    `${o.outDir}/records.timed.jsonl`,
    records.map((r) => JSON.stringify(r) + "\n").join(""),
  );
  return {
    variant: o.variant,
    cmdline,
    command: o.command,
    outcome: outcome ?? "exited",
    wallSeconds,
    lines,
    records,
    consoleFile,
  };
}
