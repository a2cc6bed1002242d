/**
 * A DENO_DIR prepared on the host for the guest: every module the guest may
 * run, transpiled once here (`deno cache`), so Deno under TCG does not
 * transpile them again at each boot. It goes to the guest as one tar file
 * (one 9p read, not hundreds), unpacked into the guest's own writable
 * DENO_DIR before the command starts (guest/init.sh, `DENO_SEED`).
 * Deno keys each emitted file by its source's hash, so an edited module is
 * transpiled again on the host and a stale entry is never used.
 *
 * @module
 */
import { ROOT } from "../paths.ts";
import { withLock } from "../lock.ts";

/** Where the prepared DENO_DIR lives: per checkout, as the module paths are. */
export const DENO_SEED = `${ROOT}/out/deno-dir`;
/** The same, as the tar file the guest unpacks. */
export const DENO_SEED_TAR = `${DENO_SEED}.tar`;

/** Folders whose modules never run in the guest. */
const SKIP = new Set(["node_modules", "out", "reports", "docs", "tools", "testdata", ".git"]);

/**
 * The modules the guest may load (pure but for the directory walk): every
 * `.ts` of the checkout but tests run on the host and what {@linkcode SKIP}
 * names. The suites' own rule and check files are plain modules, so they
 * are in; host-side `_test.ts` files are not.
 */
export async function guestModules(root = ROOT): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory && !SKIP.has(e.name)) await walk(`${dir}/${e.name}`);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        out.push(`${dir}/${e.name}`);
      }
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Brings {@linkcode DENO_SEED} and its tar file up to date (a fraction of a
 * second when little changed) and returns the tar file's path; null, with
 * the reason on stderr, when `deno cache` or `tar` failed: the guest then
 * transpiles for itself, as before.
 */
export async function prepareDenoDir(): Promise<string | null> {
  const modules = await guestModules();
  // Two runs of one checkout may prepare it at once.
  return await withLock(DENO_SEED, async () => {
    const steps: [string, string[], Record<string, string>][] = [
      [Deno.execPath(), ["cache", "--quiet", ...modules], { DENO_DIR: DENO_SEED }],
      ["tar", ["-C", DENO_SEED, "-cf", `${DENO_SEED_TAR}.tmp`, "."], {}],
      ["mv", ["-f", `${DENO_SEED_TAR}.tmp`, DENO_SEED_TAR], {}],
    ];
    for (const [cmd, args, env] of steps) {
      const { code, stderr } = await new Deno.Command(cmd, {
        args,
        cwd: ROOT,
        env,
        stdout: "null",
        stderr: "piped",
      }).output();
      if (code === 0) continue;
      const why = new TextDecoder().decode(stderr).trim().split("\n")[0];
      console.error(
        `udiag-fuzz: cannot prepare the guest's DENO_DIR (${cmd}: ${why}); it transpiles itself`,
      );
      return null;
    }
    return DENO_SEED_TAR;
  });
}
