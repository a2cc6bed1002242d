/**
 * One-file bundles of the guest's entry modules. Under TCG, Deno's start-up
 * in the guest is mostly the loading of modules one by one: in one boot
 * (2026-12-06), `fuzz/guest.ts --load-only` took 5.7–7.9 s from its 110
 * source modules and 3.1–5.3 s from one esbuild bundle of the same code,
 * against 2.2–2.9 s for `deno eval 0` (`deno task bench --parts startup`
 * measures both). The host bundles each entry before a boot when its
 * sources changed (harness/vm/bundle_build.ts, esbuild, about 0.5 s), into
 * `out/guest-bundle/`, and the guest runs the bundle (`guestDenoRun`). The
 * checkout stays a plain Deno project: the host runs the sources, and so do
 * the guest's `deno test` suites. This module is what both sides need
 * (paths, the command, the generated entry), so esbuild stays on the host.
 *
 * A bundle behaves as its sources do: each module's `import.meta.url` is
 * pinned to its own source file, so paths next to a module (the syscall
 * shim, kmod/, the race worker) resolve as before, and `import.meta.main`
 * is true only in the entry, so no other CLI's main runs.
 *
 * @module
 */

/** Entry modules the guest runs bundled, as paths from the checkout. */
export const BUNDLED_ENTRIES = ["fuzz/guest.ts", "bench/guest.ts"] as const;

/** An entry of {@linkcode BUNDLED_ENTRIES}. */
export type BundledEntry = typeof BUNDLED_ENTRIES[number];

/** The bundle of `entry`, from the checkout's root (`fuzz/guest.ts` → `out/guest-bundle/fuzz/guest.js`). */
export function bundlePath(entry: BundledEntry): string {
  return `out/guest-bundle/${entry.replace(/\.ts$/, ".js")}`;
}

/**
 * The guest's shell command that runs `entry` from its bundle, in the
 * checkout (the guest command's working directory), with `args` (already
 * quoted where they need it).
 *
 * @example
 * ```ts
 * const c = guestDenoRun("fuzz/guest.ts", "--abi udiag");
 * if (c !== "deno run -A out/guest-bundle/fuzz/guest.js --abi udiag") throw new Error(c);
 * ```
 */
export function guestDenoRun(entry: BundledEntry, args: string): string {
  return `deno run -A ${bundlePath(entry)}${args ? ` ${args}` : ""}`;
}

/**
 * A module's source with `import.meta.url` pinned to the module's own file
 * (pure: the bundler's load hook). Outside the entry, `import.meta.main` is
 * false; the entry's stays, so the bundle's main runs when Deno runs the
 * bundle, not when the code-cache warm-up imports it.
 *
 * @example
 * ```ts
 * const s = pinImportMeta('new URL("./x.c", import.meta.url); if (import.meta.main) f();',
 *   "file:///src/a.ts", false);
 * if (s !== 'new URL("./x.c", "file:///src/a.ts"); if (false) f();') throw new Error(s);
 * ```
 */
export function pinImportMeta(source: string, url: string, entry: boolean): string {
  // Regular expressions, not strings: this module is bundled too, and must not pin itself.
  const pinned = source.replace(/\bimport\.meta\.url\b/g, JSON.stringify(url));
  return entry ? pinned : pinned.replace(/\bimport\.meta\.main\b/g, "false");
}

/**
 * The bundle's entry (pure): it registers every ABI's plug-in with abi/mod.ts
 * first, in a module of its own, as ES modules run in import order, and then
 * imports the entry, whose main runs last.
 *
 * @example
 * ```ts
 * const { register, entry } = bundleEntrySources("/src", "fuzz/guest.ts", ["udiag"]);
 * if (!register.includes('registerBundledAbi("udiag", abi0)')) throw new Error(register);
 * if (!entry.endsWith('import "/src/fuzz/guest.ts";\n')) throw new Error(entry);
 * ```
 */
export function bundleEntrySources(
  root: string,
  entry: BundledEntry,
  abis: readonly string[],
): { register: string; entry: string } {
  const q = JSON.stringify;
  const register = [
    `import { registerBundledAbi } from ${q(`${root}/abi/mod.ts`)};`,
    ...abis.map((a, i) => `import * as abi${i} from ${q(`${root}/abi/${a}/plugin.ts`)};`),
    ...abis.map((a, i) => `registerBundledAbi(${q(a)}, abi${i});`),
  ].join("\n") + "\n";
  return {
    register,
    entry: `import ${q(`${BUNDLE_NAMESPACE}:register`)};\nimport ${q(`${root}/${entry}`)};\n`,
  };
}

/** esbuild namespace of the bundle's generated modules (harness/vm/bundle_build.ts). */
export const BUNDLE_NAMESPACE = "udiag-guest-bundle";
