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

/** Finding classes, most severe first (syzkaller orders memory safety before leaks and hangs). */
export const TYPE_ORDER = [
  "KASAN",
  "BUG",
  "PANIC",
  "LOCKDEP",
  "WARNING",
  "HANG",
  "KMEMLEAK",
  "CONFORMANCE",
  "SECURITY",
  "LOST",
  "UNKNOWN",
] as const;

/** Sort key of a finding type (unknown types last). */
export function typeRank(type: string): number {
  const i = (TYPE_ORDER as readonly string[]).indexOf(type);
  return i < 0 ? TYPE_ORDER.length : i;
}
