/**
 * Where the kernel's boot time goes, from one boot with `initcall_debug`
 * (pure): each initcall's own time as the kernel measured it, and the boot
 * cut into the stretch before the first initcall (memory and KASAN shadow
 * set-up, CPUs), the initcalls, and what follows the last one until our
 * init says it booted (initramfs unpacked by then; the rest of init.sh).
 * The times are the guest's printk clock, so the console's own cost is in
 * them: `initcall_debug` prints two lines per initcall, and that boot is
 * kept out of the boot-to-first-case figures.
 *
 * @module
 */
import { printkTime } from "./stages.ts";

/** One initcall, as `initcall foo+0x0/0x40 returned 0 after 123 usecs` says. */
export interface Initcall {
  readonly fn: string;
  readonly usecs: number;
  readonly ret: number;
  /** printk seconds when it returned. */
  readonly at: number;
}

/** A boot's time, cut where its initcalls start and end (printk seconds; null when unseen). */
export interface BootProfile {
  readonly firstInitcall: number | null;
  readonly lastInitcall: number | null;
  /** `Run /init as init process`: the initramfs is unpacked, init starts. */
  readonly runInit: number | null;
  /** init.sh's `udiag-vm: booted`. */
  readonly booted: number | null;
  /** Every initcall, slowest first. */
  readonly initcalls: readonly Initcall[];
  /** Their times summed (async ones overlap others, so this can exceed the span). */
  readonly totalSeconds: number;
}

// Right after the printk time: PCI quirks print "pci …: calling  quirk_…" too.
const CALLING = /^\[\s*\d+\.\d+\] calling\s+\S+ @ \d+/;
const RETURNED =
  /^\[\s*\d+\.\d+\] initcall (\S+?)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[[^\]]+\])? returned (-?\d+) after (\d+) usecs/;
const RUN_INIT = /Run \S+ as init process/;
const BOOTED = /udiag-vm: booted\b/;

/**
 * The profile of one boot's console lines.
 *
 * @example
 * ```ts
 * import { parseInitcalls } from "./initcalls.ts";
 * const p = parseInitcalls([
 *   "[    1.000000] calling  kasan_init+0x0/0x10 @ 1",
 *   "[    1.500000] initcall kasan_init+0x0/0x10 returned 0 after 500000 usecs",
 * ]);
 * if (p.initcalls[0]!.fn !== "kasan_init" || p.totalSeconds !== 0.5) throw new Error();
 * ```
 */
export function parseInitcalls(lines: readonly string[]): BootProfile {
  let firstInitcall: number | null = null;
  let lastInitcall: number | null = null;
  let runInit: number | null = null;
  let booted: number | null = null;
  const initcalls: Initcall[] = [];
  for (const line of lines) {
    const t = printkTime(line);
    if (t === null) continue;
    if (CALLING.test(line)) {
      firstInitcall ??= t;
      continue;
    }
    const m = RETURNED.exec(line);
    if (m) {
      initcalls.push({ fn: m[1]!, ret: Number(m[2]), usecs: Number(m[3]), at: t });
      lastInitcall = t;
    } else if (RUN_INIT.test(line)) runInit ??= t;
    else if (BOOTED.test(line)) booted ??= t;
  }
  initcalls.sort((a, b) => b.usecs - a.usecs || a.at - b.at);
  const totalSeconds = initcalls.reduce((s, c) => s + c.usecs, 0) / 1e6;
  return { firstInitcall, lastInitcall, runInit, booted, initcalls, totalSeconds };
}

/** The boot's stretches, in order, with their lengths in seconds (pure). */
export function bootStretches(p: BootProfile): { name: string; seconds: number | null }[] {
  const span = (a: number | null, b: number | null) => a === null || b === null ? null : b - a;
  return [
    { name: "kernel start to the first initcall", seconds: p.firstInitcall },
    {
      name: "initcalls (first called to last returned)",
      seconds: span(p.firstInitcall, p.lastInitcall),
    },
    { name: "last initcall to `Run /init`", seconds: span(p.lastInitcall, p.runInit) },
    { name: "`Run /init` to `udiag-vm: booted`", seconds: span(p.runInit, p.booted) },
  ];
}

/** Markdown: the stretches and the `top` slowest initcalls with their share of all initcall time. */
export function initcallsMarkdown(p: BootProfile, top = 15): string {
  const s = (x: number | null) => x === null ? "–" : `${x.toFixed(2)} s`;
  const rows = p.initcalls.slice(0, top).map((c) =>
    `| \`${c.fn}\` | ${(c.usecs / 1000).toFixed(0)} ms | ${
      p.totalSeconds > 0 ? ((c.usecs / 1e6 / p.totalSeconds) * 100).toFixed(0) : "–"
    } % | ${c.ret} |`
  );
  return [
    "| stretch (guest printk clock) | seconds |",
    "| --- | ---: |",
    ...bootStretches(p).map((x) => `| ${x.name} | ${s(x.seconds)} |`),
    "",
    `${p.initcalls.length} initcalls, ${p.totalSeconds.toFixed(2)} s summed; the ${
      Math.min(top, p.initcalls.length)
    } slowest:`,
    "",
    "| initcall | time | share | returned |",
    "| --- | ---: | ---: | ---: |",
    ...rows,
  ].join("\n");
}
