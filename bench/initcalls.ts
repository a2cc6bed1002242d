/**
 * Where the kernel's boot time goes, from one boot with `initcall_debug`
 * (pure): each initcall's own time as the kernel measured it, and the boot
 * cut where the last built-in initcall returns (console initcalls run at
 * time 0 in start_kernel, so "before the first initcall" is no stretch),
 * where init starts, and where our init says it booted (module loads are
 * in that last stretch; their initcalls are listed with their module).
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
  /** The module it belongs to (`udiag_init [udiag]`), or null when built in. */
  readonly module: string | null;
  readonly usecs: number;
  readonly ret: number;
  /** printk seconds when it returned. */
  readonly at: number;
}

/** A boot's time, cut where its initcalls start and end (printk seconds; null when unseen). */
export interface BootProfile {
  /** When the last built-in initcall returned. */
  readonly lastBuiltin: number | null;
  /** `Run /init as init process`: the initramfs is unpacked, init starts. */
  readonly runInit: number | null;
  /** init.sh's `udiag-vm: booted`. */
  readonly booted: number | null;
  /** Every initcall, slowest first. */
  readonly initcalls: readonly Initcall[];
  /** The built-in ones' times summed (async ones overlap others). */
  readonly builtinSeconds: number;
  /** All of their times summed. */
  readonly totalSeconds: number;
}

// Right after the printk time: PCI quirks print "pci …: calling  quirk_…" too.
const CALLING = /^\[\s*\d+\.\d+\] calling\s+\S+ @ \d+/;
const RETURNED =
  /^\[\s*\d+\.\d+\] initcall (\S+?)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?: \[([^\]]+)\])? returned (-?\d+) after (\d+) usecs/;
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
 * if (p.initcalls[0]!.fn !== "kasan_init" || p.builtinSeconds !== 0.5) throw new Error();
 * ```
 */
export function parseInitcalls(lines: readonly string[]): BootProfile {
  let lastBuiltin: number | null = null;
  let runInit: number | null = null;
  let booted: number | null = null;
  const initcalls: Initcall[] = [];
  for (const line of lines) {
    const t = printkTime(line);
    if (t === null) continue;
    if (CALLING.test(line)) continue;
    const m = RETURNED.exec(line);
    if (m) {
      const module = m[2] ?? null;
      initcalls.push({ fn: m[1]!, module, ret: Number(m[3]), usecs: Number(m[4]), at: t });
      if (module === null) lastBuiltin = t;
    } else if (RUN_INIT.test(line)) runInit ??= t;
    else if (BOOTED.test(line)) booted ??= t;
  }
  initcalls.sort((a, b) => b.usecs - a.usecs || a.at - b.at);
  const sum = (cs: readonly Initcall[]) => cs.reduce((s, c) => s + c.usecs, 0) / 1e6;
  return {
    lastBuiltin,
    runInit,
    booted,
    initcalls,
    builtinSeconds: sum(initcalls.filter((c) => c.module === null)),
    totalSeconds: sum(initcalls),
  };
}

/** The boot's stretches, in order, with their lengths in seconds (pure). */
export function bootStretches(p: BootProfile): { name: string; seconds: number | null }[] {
  const span = (a: number | null, b: number | null) => a === null || b === null ? null : b - a;
  return [
    { name: "kernel start to the last built-in initcall", seconds: p.lastBuiltin },
    { name: "… of which in built-in initcalls (their times summed)", seconds: p.builtinSeconds },
    { name: "last built-in initcall to `Run /init`", seconds: span(p.lastBuiltin, p.runInit) },
    {
      name: "`Run /init` to `udiag-vm: booted` (init.sh, modules)",
      seconds: span(p.runInit, p.booted),
    },
  ];
}

/** Markdown: the stretches and the `top` slowest initcalls with their share of all initcall time. */
export function initcallsMarkdown(p: BootProfile, top = 15): string {
  const s = (x: number | null) => x === null ? "–" : `${x.toFixed(2)} s`;
  const rows = p.initcalls.slice(0, top).map((c) =>
    `| \`${c.fn}\`${c.module ? ` [${c.module}]` : ""} | ${(c.usecs / 1000).toFixed(0)} ms | ${
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
