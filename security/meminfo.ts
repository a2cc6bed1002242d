/**
 * /proc/meminfo, for checks that measure what an attacker costs the kernel.
 *
 * @module
 */

/** The fields of a /proc/meminfo text, in KiB (pure). */
export function parseMemInfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^(\w+(?:\(\w+\))?):\s+(\d+)(?: kB)?$/gm)) {
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** This machine's /proc/meminfo, in KiB; throws when a field checks need is absent. */
export function memInfoKiB(): { MemAvailable: number; Slab: number; [k: string]: number } {
  const m = parseMemInfo(Deno.readTextFileSync("/proc/meminfo"));
  for (const k of ["MemAvailable", "Slab"]) {
    if (m[k] === undefined) throw new Error(`/proc/meminfo has no ${k}`);
  }
  return m as { MemAvailable: number; Slab: number };
}
