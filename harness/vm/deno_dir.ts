/**
 * The Deno cache a guest starts from. A guest's DENO_DIR is a fresh tmpfs,
 * so every boot's Deno transpiled the checkout's TypeScript again before the
 * first case: under TCG that was a third of its start-up (one rule's
 * `deno test`, one guest on a loaded host: 47 s cold, 31 s with the emits
 * ready). The host transpiles once
 * into `out/deno-dir` (`deno cache --no-check`, incremental: an unchanged
 * file is not redone), and each boot's initramfs carries the emits and the
 * module-analysis caches into the guest's DENO_DIR. The guest runs the same
 * Deno binary on the same paths (a chroot of the host root), so the emits'
 * keys match; Deno checks each emit against its source, so a stale one is
 * only redone, never used.
 *
 * @module
 */
import { ROOT } from "../paths.ts";
import { withLock } from "../lock.ts";

/**
 * What of a DENO_DIR the guest gets: the emits, the analysis caches and V8's
 * code cache (not the npm cache).
 */
const KEPT = /^(gen|((dep|node)_analysis|v8_code)_cache_v\d+(-wal|-shm)?)$/;

/** Folders of the checkout with no module a guest runs. */
const SKIP = new Set([".git", "node_modules", "out", "reports", "testdata", "tools", "docs"]);

/**
 * The modules a guest may load: every `.ts` file of the checkout but tests
 * (those run on the host) and what `SKIP` names.
 */
export async function guestModules(root: string = ROOT): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory && !SKIP.has(e.name)) await walk(p);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(p);
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Brings `out/deno-dir` up to date with the checkout and copies what the
 * guest needs of it to `dest`. Returns false, having said why, when Deno
 * cannot cache the modules: the guest then transpiles them itself, as
 * before, and meets the same error if it loads the broken module.
 */
export async function stageDenoDir(dest: string): Promise<boolean> {
  const dir = `${ROOT}/out/deno-dir`;
  // One writer at a time: jobs and parallel runs share the cache's SQLite files.
  // Deno with this cache; null when it succeeded, else the first line it printed.
  const deno = async (args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      env: { DENO_DIR: dir, NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    return r.success
      ? null
      : new TextDecoder().decode(r.stderr).split("\n").find((l) => l.trim()) ?? "";
  };
  return await withLock(dir, async () => {
    const cached = await deno(["cache", "--no-check", "--quiet", ...await guestModules()]);
    if (cached !== null) {
      console.error(`udiag-fuzz: no prepared Deno cache for the guest (deno cache: ${cached})`);
      return false;
    }
    // V8's code cache of the entry modules: compiled once here, not in every boot.
    const warm = await deno(["run", "-A", "--no-check", `${ROOT}/harness/vm/code_cache_warm.ts`]);
    if (warm !== null) console.error(`udiag-fuzz: no V8 code cache for the guest (${warm})`);
    await Deno.mkdir(dest, { recursive: true });
    const kept = [...Deno.readDirSync(dir)].filter((e) => KEPT.test(e.name)).map((e) => e.name);
    const cp = await new Deno.Command("cp", {
      args: ["-a", ...kept.map((k) => `${dir}/${k}`), dest],
    }).output();
    return cp.success;
  });
}
