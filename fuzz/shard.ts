/**
 * Seeds for jobs and shards (pure): each VM of each shard gets a seed range of
 * its own, so a CI matrix or a cluster array runs one campaign without overlap,
 * and its reports merge by title.
 *
 * @module
 */

/** `--shard i/N`: this machine runs shard i (1-based) of N. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/N`; throws a TypeError on anything else. */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new TypeError(`Invalid --shard "${s}": expected i/N with 1 <= i <= N`);
  }
  return { index, count };
}

/** Seeds are this far apart, so one VM's consecutive seeds never reach the next VM's. */
export const SEED_STRIDE = 1_000_003;

/**
 * First seed of each job of a shard.
 *
 * @example
 * ```ts
 * import { shardSeeds } from "./shard.ts";
 * const a = shardSeeds(7, { index: 1, count: 2 }, 2);
 * const b = shardSeeds(7, { index: 2, count: 2 }, 2);
 * if (new Set([...a, ...b]).size !== 4) throw new Error();
 * ```
 */
export function shardSeeds(seed: number, shard: Shard, jobs: number): number[] {
  return Array.from(
    { length: jobs },
    (_, j) => (seed + SEED_STRIDE * ((shard.index - 1) * jobs + j)) | 0,
  );
}
