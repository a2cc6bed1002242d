/**
 * Builds the guest's bundles (harness/vm/guest_bundle.ts says why and what
 * they are) with esbuild, on the host before each boot.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { ROOT } from "../paths.ts";
import {
  BUNDLE_NAMESPACE as VIRTUAL,
  BUNDLED_ENTRIES,
  type BundledEntry,
  bundleEntrySources,
  bundlePath,
  pinImportMeta,
} from "./guest_bundle.ts";

/** Names of the ABIs under `root`'s abi/: folders with a plugin.ts (as abi/mod.ts finds them). */
function abiFolders(root: string): string[] {
  return [...Deno.readDirSync(`${root}/abi`)]
    .filter((e) => e.isDirectory && isFile(`${root}/abi/${e.name}/plugin.ts`))
    .map((e) => e.name)
    .sort();
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Serves the generated entry and registration modules, and pins
 * `import.meta` in every module of the checkout as it is bundled. Each
 * module's size and mtime go into `seen` before it is read: a file edited
 * while the bundle is built then differs from its record, and the next
 * build redoes the bundle.
 */
function guestPlugin(
  root: string,
  entry: BundledEntry,
  abis: readonly string[],
  seen: Map<string, [number, number]>,
): esbuild.Plugin {
  const entryFile = `${root}/${entry}`;
  const sources = bundleEntrySources(root, entry, abis);
  return {
    name: "udiag-guest-bundle",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${VIRTUAL}:`) }, (args) => ({
        path: args.path.slice(VIRTUAL.length + 1),
        namespace: VIRTUAL,
      }));
      build.onLoad({ filter: /.*/, namespace: VIRTUAL }, (args) => ({
        contents: args.path === "register" ? sources.register : sources.entry,
        loader: "ts",
        resolveDir: root,
      }));
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        const key = statKey(args.path);
        if (key) seen.set(args.path, key);
        const source = await Deno.readTextFile(args.path);
        return {
          contents: pinImportMeta(source, `file://${args.path}`, args.path === entryFile),
          loader: "ts",
        };
      });
    },
  };
}

/**
 * The bundler's own modules: a change to how bundles are made (esbuild's
 * options, the pinning) makes every bundle stale, as a changed source does.
 */
const BUNDLER_FILES = [
  new URL(import.meta.url).pathname,
  new URL("./guest_bundle.ts", import.meta.url).pathname,
];

/** What a bundle was built from: its generated sources and each input file's size and mtime. */
interface Stamp {
  readonly register: string;
  readonly inputs: Record<string, readonly [number, number]>;
}

function statKey(path: string): [number, number] | null {
  try {
    const st = Deno.statSync(path);
    return [st.size, st.mtime?.getTime() ?? 0];
  } catch {
    return null;
  }
}

/** True when the bundle at `out` was built from the files as they are now. */
function fresh(out: string, stampFile: string, register: string): boolean {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(Deno.readTextFileSync(stampFile));
  } catch {
    return false;
  }
  if (stamp.register !== register || statKey(out) === null) return false;
  return Object.entries(stamp.inputs).every(([path, key]) => {
    const now = statKey(path);
    return now !== null && now[0] === key[0] && now[1] === key[1];
  });
}

/**
 * Brings the bundle of each entry up to date (a bundle whose input files
 * are unchanged is kept); throws an Error naming the entry and esbuild's
 * first message when one does not build (a module that does not parse would
 * fail the guest's run the same way).
 */
export async function buildGuestBundles(root: string = ROOT): Promise<void> {
  const abis = abiFolders(root);
  try {
    for (const entry of BUNDLED_ENTRIES) {
      const out = `${root}/${bundlePath(entry)}`;
      const stampFile = `${out}.inputs.json`;
      const { register } = bundleEntrySources(root, entry, abis);
      if (fresh(out, stampFile, register)) continue;
      const tmp = `${out}.tmp-${Deno.pid}`;
      let meta: esbuild.Metafile;
      const seen = new Map<string, [number, number]>();
      try {
        const r = await esbuild.build({
          entryPoints: [`${VIRTUAL}:entry`],
          outfile: tmp,
          bundle: true,
          format: "esm",
          platform: "node",
          target: "esnext",
          // node: built-ins and Deno's own globals come from the runtime.
          external: ["node:*"],
          plugins: [guestPlugin(root, entry, abis, seen)],
          // Stack traces name the source files and lines, not the bundle's.
          sourcemap: "inline",
          keepNames: true,
          metafile: true,
          logLevel: "silent",
          absWorkingDir: root,
        });
        meta = r.metafile;
      } catch (e) {
        await Deno.remove(tmp).catch(() => {});
        const first = (e as { errors?: esbuild.Message[] }).errors?.[0];
        const where = first?.location ? `${first.location.file}:${first.location.line}: ` : "";
        throw new Error(
          `cannot bundle ${entry} for the guest: ${
            first ? `${where}${first.text}` : (e as Error).message
          }`,
        );
      }
      const inputs: Record<string, [number, number]> = {};
      for (const p of [...Object.keys(meta.inputs), ...BUNDLER_FILES]) {
        if (p.startsWith(`${VIRTUAL}:`)) continue;
        const abs = p.startsWith("/") ? p : `${root}/${p}`;
        // The checkout's modules as they were read; node_modules' files as they are now.
        const key = seen.get(abs) ?? statKey(abs);
        if (key) inputs[abs] = key;
      }
      // Renamed into place: a guest booted by a parallel run never reads half a bundle.
      await Deno.rename(tmp, out);
      await Deno.writeTextFile(stampFile, JSON.stringify({ register, inputs } satisfies Stamp));
    }
  } finally {
    await esbuild.stop();
  }
}
