/**
 * How far a boot's fuzz cases had come when a kernel report the host read on
 * the console was printed (pure): the guest stamps what it files itself
 * (`FuzzFinding.foundAfter`), but a report that kills or wedges the kernel is
 * read by the host alone. The console has both ends in the kernel's own
 * clock: the printk timestamp of the first fuzz case's start mark, and that
 * of the report's first line; the cases by then are the start marks before it.
 *
 * @module
 */
import { parseAll } from "../harness/console/parse.ts";
import { parseMark } from "../harness/marks.ts";
import type { FoundAfter } from "./campaign.ts";
import { FUZZ_SUITE } from "./campaign.ts";

// "[   12.345678]" at the start of a console line, after a "<4>" level if any.
const PRINTK_TIME = /^(?:<\d+>)?\[\s*(\d+\.\d+)\]/;

/** The printk timestamp of a console line, in seconds; null without one. */
export function printkSeconds(line: string): number | null {
  const m = PRINTK_TIME.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * When each report of the console came (its first, per title), from the
 * boot's first fuzz case on: one parse of the console for all of them. A
 * report with no fuzz case before it, or no timestamps to measure by, has
 * no entry.
 */
export function consoleFoundAfter(consoleText: string): Map<string, FoundAfter> {
  const lines = consoleText.split("\n");
  const out = new Map<string, FoundAfter>();
  let first: number | null = null;
  let cases = 0;
  let at = 0;
  for (const crash of parseAll(consoleText)) {
    for (; at < crash.startLine; at++) {
      const m = parseMark(lines[at]!);
      if (m?.suite !== FUZZ_SUITE || m.phase !== "start") continue;
      cases++;
      first ??= printkSeconds(lines[at]!);
    }
    const t = printkSeconds(lines[crash.startLine]!);
    if (first === null || t === null || out.has(crash.title)) continue;
    out.set(crash.title, { seconds: Math.round((t - first) * 10) / 10, cases });
  }
  return out;
}
