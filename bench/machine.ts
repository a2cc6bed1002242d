/**
 * What the benchmark ran on (host side): CPU, kernels, tool versions, and
 * whether other engineers' QEMU guests shared the 2 cores.
 *
 * @module
 */
import { capture } from "../harness/proc.ts";

/** The host and tools of a run. */
export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memTotalKiB: number | null;
  readonly hostKernel: string;
  readonly qemu: string;
  readonly deno: string;
  readonly v8: string;
  readonly gcc: string;
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    return (await capture(cmd, args)).split("\n")[0]!.trim();
  } catch (e) {
    return `unknown (${(e as Error).message.split("\n")[0]})`;
  }
}

/** Reads the machine's facts. */
export async function machineInfo(): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo");
  const meminfo = await Deno.readTextFile("/proc/meminfo");
  const mem = /^MemTotal:\s+(\d+) kB/m.exec(meminfo);
  return {
    nproc: navigator.hardwareConcurrency,
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memTotalKiB: mem ? Number(mem[1]) : null,
    hostKernel: Deno.osRelease(),
    qemu: await firstLine("qemu-system-x86_64", ["--version"]),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    gcc: await firstLine("gcc", ["--version"]),
  };
}

async function pgrep(args: string[]): Promise<number[]> {
  const { stdout } = await new Deno.Command("pgrep", {
    args,
    stdin: "null",
    stderr: "null",
  }).output();
  // pgrep exits 1 and prints nothing when nothing matches.
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean).map(Number);
}

/** QEMU guests running now that this process did not start (`pgrep qemu-system` minus ours). */
export async function qemuCount(): Promise<number> {
  const all = await pgrep(["qemu-system"]);
  const ours = new Set(await pgrep(["-P", String(Deno.pid), "qemu-system"]));
  return all.filter((p) => !ours.has(p)).length;
}

/** Other QEMU guests seen by the checks of one phase of the run. */
export interface PhaseCounts {
  readonly checks: number;
  /** Checks that saw at least one. */
  readonly busy: number;
  readonly max: number;
}

/** Counts of other QEMU guests, sampled every 10 s while the benchmark runs, by phase. */
export class QemuMonitor implements Disposable {
  /** What the run is doing now; each check is filed under it. */
  phase = "set-up";
  readonly byPhase: Record<string, PhaseCounts> = {};
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(intervalMs = 10_000) {
    this.#timer = setInterval(() => this.check(), intervalMs);
  }

  /** Takes one count now, filed under the current phase. */
  async check(): Promise<number> {
    const phase = this.phase;
    const n = await qemuCount().catch(() => 0);
    const p = this.byPhase[phase] ?? { checks: 0, busy: 0, max: 0 };
    this.byPhase[phase] = {
      checks: p.checks + 1,
      busy: p.busy + (n > 0 ? 1 : 0),
      max: Math.max(p.max, n),
    };
    return n;
  }

  /** The largest count seen, 0 when none ran. */
  get max(): number {
    return Object.values(this.byPhase).reduce((a, p) => Math.max(a, p.max), 0);
  }

  [Symbol.dispose](): void {
    clearInterval(this.#timer);
  }
}

/** The 1-minute load average. */
export async function loadAverage(): Promise<number> {
  return Number((await Deno.readTextFile("/proc/loadavg")).split(" ")[0]);
}

/**
 * Polls every 2 s (other engineers' runs restart their VMs back to back, with
 * short gaps) until no other QEMU runs or `maxSeconds` passed; returns the
 * seconds waited and the count at the end.
 */
export async function waitForIdle(
  maxSeconds: number,
  log: (s: string) => void,
): Promise<{ waitedSeconds: number; others: number }> {
  const t0 = Date.now();
  let others = await qemuCount();
  let lastLog = 0;
  while (others > 0 && (Date.now() - t0) / 1000 < maxSeconds) {
    if (Date.now() - lastLog >= 60_000) {
      lastLog = Date.now();
      log(`bench: ${others} other QEMU guest(s) running; waiting (up to ${maxSeconds} s)`);
    }
    await new Promise((r) => setTimeout(r, 2_000));
    others = await qemuCount();
  }
  return { waitedSeconds: Math.round((Date.now() - t0) / 1000), others };
}
