/**
 * Report identity (pure): a finding's folder name comes from its title alone,
 * so runs, VMs and shards that find the same problem merge into one folder.
 *
 * @module
 */

/** FNV-1a 32-bit of the title's UTF-8 bytes, as 8 hex digits: stable across runs and machines. */
export function hash8(title: string): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(title)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** A filesystem-safe, readable prefix of a title. */
export function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")
    .slice(0, 60).replace(/-$/, "");
}

/**
 * The report folder name for a title.
 *
 * @example
 * ```ts
 * import { reportDirName } from "./dedup.ts";
 * const a = reportDirName("KASAN: slab-use-after-free Read in diag_dev_write");
 * if (!a.startsWith("kasan-slab-use-after-free-read-in-diag-dev-write-")) throw new Error(a);
 * ```
 */
export function reportDirName(title: string): string {
  return `${slug(title) || "untitled"}-${hash8(title)}`;
}

/**
 * Collapses a list that repeats one item (`N=N,N=N,N=N` or `a; a; a`) to
 * its first item and an ellipsis, so a title does not depend on how many
 * times the kernel showed the same thing (pure).
 *
 * @example
 * ```ts
 * import { collapseRepeats } from "./dedup.ts";
 * if (collapseRepeats("returned N=N,N=N,N=N, expected none") !== "returned N=N,…, expected none") {
 *   throw new Error();
 * }
 * ```
 */
export function collapseRepeats(s: string): string {
  return s.replace(/([^,;\s][^,;]*?)(?:(?:, ?|; )\1)+(?=[,;]|$|…)/g, "$1,…");
}

/** The key two titles must share to be the same finding (used by repro and regression checks). */
export function titleKey(title: string): string {
  return collapseRepeats(title).replace(/,…(,…)+/g, ",…");
}

/**
 * Whether a replayed kernel report is the finding's (pure): the same title,
 * or for "BUG: scheduling while atomic" (a leaked preempt count noticed
 * wherever the task next schedules) the same report class in another frame.
 */
export function sameReport(got: string, want: string): boolean {
  if (titleKey(got) === titleKey(want)) return true;
  return reportClass(want) === "BUG: scheduling while atomic" &&
    reportClass(got) === reportClass(want);
}

/**
 * A kernel report's class: its title without where it was noticed (pure).
 *
 * @example
 * ```ts
 * import { reportClass } from "./dedup.ts";
 * const want = "BUG: scheduling while atomic";
 * if (reportClass("BUG: scheduling while atomic in foo") !== want) throw new Error();
 * if (reportClass("BUG: scheduling while atomic on return to user mode") !== want) throw new Error();
 * ```
 */
export function reportClass(title: string): string {
  return title.replace(/ (?:in [^ ]+|on return to user mode)$/, "");
}
