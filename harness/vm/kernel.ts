/**
 * The project's test kernel: Debian's linux-source-6.12, `tinyconfig` plus
 * the profile's fragments from `kmod/kernel/`, with the patches there applied.
 * Built once per (source version, fragments, patches) and cached outside the
 * checkout, so a fresh clone on the same machine reuses it.
 *
 * @module
 */
import { kconfigMismatches, parseKconfig } from "./kconfig.ts";
import { capture, runLogged } from "../proc.ts";
import { ensurePackages, exists, KERNEL_BUILD_PACKAGES } from "../tools.ts";
import { withLock } from "../lock.ts";
import { COLD_BUILD_OBJECTS, countCompiled, watchBuild } from "./build_progress.ts";
import { tempPath } from "../interrupt.ts";
import { sha256Hex } from "../sha256.ts";

const KMOD_KERNEL = new URL("../../kmod/kernel/", import.meta.url);
const SOURCE_TARBALL = "/usr/src/linux-source-6.12.tar.xz";
const SOURCE_PACKAGE = "linux-source-6.12";
/** Bump when the build procedure itself changes meaning. */
const RECIPE = "udiag-fuzz-kernel-v1";

/**
 * Debug profiles, each a stack of fragments: a target that dies at load under
 * a strict profile can still be tested under the base one.
 */
export const PROFILES: Readonly<Record<string, readonly string[]>> = {
  base: ["base.config"],
  strict: ["base.config", "strict.config"],
  faults: ["base.config", "faults.config"],
};

/** A built kernel in the cache. */
export interface KernelBuild {
  readonly profile: string;
  /** Cache key: source version, fragments and patches (and a target's kernel patch). */
  readonly key: string;
  /** A `kernel:PATCH` target's patch, applied on top of the profile's kernel; null for none. */
  readonly patch: string | null;
  readonly sourceVersion: string;
  /** Kernel tree (for `make -C <tree> M=…`). */
  readonly tree: string;
  readonly bzImage: string;
  readonly release: string;
}

/** Root of the cache: `$UDIAG_CACHE`, else `$XDG_CACHE_HOME/udiag-fuzz`. */
export function cacheRoot(): string {
  const explicit = Deno.env.get("UDIAG_CACHE");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME") ??
    `${Deno.env.get("HOME") ?? "/root"}/.cache`;
  return `${xdg}/udiag-fuzz`;
}

/** Inputs that decide the kernel's bits, in a fixed order. */
function kernelInputs(profile: string): { name: string; text: string }[] {
  const fragments = PROFILES[profile];
  if (!fragments) {
    throw new Error(
      `Unknown kernel profile "${profile}": expected one of ${Object.keys(PROFILES).join(", ")}`,
    );
  }
  const patches = [...Deno.readDirSync(KMOD_KERNEL)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".patch"))
    .sort();
  return [...fragments, ...patches].map((name) => ({
    name,
    text: Deno.readTextFileSync(new URL(name, KMOD_KERNEL)),
  }));
}

/** The cache key: source version, fragments and patches, hashed. */
export async function kernelKey(
  profile: string,
  sourceVersion: string,
): Promise<string> {
  const parts = [RECIPE, SOURCE_PACKAGE, sourceVersion];
  for (const { name, text } of kernelInputs(profile)) parts.push(name, text);
  return (await sha256Hex(parts.join("\0"))).slice(0, 16);
}

/** Options for {@linkcode ensureKernel}. */
export interface EnsureKernelOptions {
  readonly profile?: string;
  /** A patch to the kernel source (`--target kernel:PATCH`), built from the profile's tree. */
  readonly patch?: string;
  readonly jobs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Returns the cached kernel for `profile` (and `patch`), building it first
 * when absent: a patched kernel is built incrementally from a copy of the
 * profile's built tree, so a change to one file costs its objects and a
 * relink, not a cold build.
 */
export async function ensureKernel(
  opts: EnsureKernelOptions = {},
): Promise<KernelBuild> {
  const base = await ensureBaseKernel(opts);
  return opts.patch ? await ensurePatchedKernel(base, opts.patch, opts) : base;
}

/** The kernel of `opts.patch` on top of `base`. */
async function ensurePatchedKernel(
  base: KernelBuild,
  patchFile: string,
  opts: EnsureKernelOptions,
): Promise<KernelBuild> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const text = await Deno.readTextFile(patchFile);
  const key = `${base.key}-p${(await sha256Hex(text)).slice(0, 12)}`;
  const dir = `${cacheRoot()}/kernels/${base.profile}-${key}`;
  const build: KernelBuild = {
    ...base,
    key,
    patch: patchFile,
    tree: `${dir}/tree`,
    bzImage: `${dir}/tree/arch/x86/boot/bzImage`,
  };
  if (exists(`${dir}/done.json`)) return build;
  return await withLock(dir, async () => {
    // Another run may have built it while we waited for the lock.
    if (exists(`${dir}/done.json`)) return build;
    return await buildPatched(base, { ...build, patch: patchFile }, dir, log, opts);
  }, () => log(`udiag-fuzz: waiting for another run building ${dir}`));
}

/** How long each step of a patched kernel's incremental build took, in seconds. */
export interface PatchedBuildTimes {
  /** Copying the profile's built tree (`cp -a`). */
  readonly copy: number;
  /** Applying the patch. */
  readonly apply: number;
  /** `make bzImage modules` on the copy: the changed objects and a relink. */
  readonly make: number;
  /** Objects make compiled (its `CC` lines). */
  readonly compiled: number;
  readonly total: number;
}

/**
 * Builds `patchFile` on a copy of `base`'s built tree at `work/tree`, its log
 * at `work/build.log`: the steps a `kernel:PATCH` target costs, timed.
 */
async function buildPatchedTree(
  base: KernelBuild,
  patchFile: string,
  work: string,
  log: (l: string) => void,
  jobs: number,
): Promise<PatchedBuildTimes> {
  const logFile = `${work}/build.log`;
  const t0 = performance.now();
  // A full copy, not hard links: make rewrites objects in place.
  await runLogged("cp", ["-a", base.tree, `${work}/tree`], { logFile });
  const t1 = performance.now();
  const step = (cmd: string, args: string[]) =>
    runLogged(cmd, args, { cwd: `${work}/tree`, logFile });
  await step("patch", ["-p1", "--forward", "-i", await Deno.realPath(patchFile)]);
  const t2 = performance.now();
  const before = countCompiled(await Deno.readTextFile(logFile));
  const stop = watchBuild(logFile, null, log);
  try {
    await step("make", [`-j${jobs}`, "bzImage", "modules"]);
  } finally {
    stop();
  }
  const t3 = performance.now();
  const s = (ms: number) => Math.round(ms / 100) / 10;
  return {
    copy: s(t1 - t0),
    apply: s(t2 - t1),
    make: s(t3 - t2),
    compiled: countCompiled(await Deno.readTextFile(logFile)) - before,
    total: s(t3 - t0),
  };
}

/** Builds the patched kernel `build` into `dir` (the caller holds its lock). */
async function buildPatched(
  base: KernelBuild,
  build: KernelBuild & { readonly patch: string },
  dir: string,
  log: (l: string) => void,
  opts: EnsureKernelOptions,
): Promise<KernelBuild> {
  const { key, patch: patchFile } = build;
  const work = `${dir}.tmp-${Deno.pid}`;
  const forget = tempPath(work);
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  log(
    `udiag-fuzz: building kernel ${base.profile}-${key} from the cached ${base.key} tree + ${patchFile}; log: ${work}/build.log`,
  );
  const times = await buildPatchedTree(
    base,
    patchFile,
    work,
    log,
    opts.jobs ?? navigator.hardwareConcurrency,
  );
  const release = Deno.readTextFileSync(`${work}/tree/include/config/kernel.release`).trim();
  const seconds = Math.round(times.total);
  await Deno.writeTextFile(
    `${work}/done.json`,
    JSON.stringify(
      { profile: base.profile, key, base: base.key, patch: patchFile, release, seconds, times },
      null,
      2,
    ) + "\n",
  );
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(work, dir);
  forget();
  log(`udiag-fuzz: kernel ${base.profile}-${key} built in ${seconds} s`);
  return { ...build, release };
}

/**
 * Times the incremental build of `patch` from the profile's cached tree, in
 * `scratch` (removed afterwards, its log kept): what a `kernel:PATCH` target
 * costs when its kernel is not cached yet, measured again on every call
 * (`deno task bench --parts kbuild`). Builds the profile's kernel first if
 * it is not cached.
 */
export async function timePatchedBuild(opts: {
  readonly profile: string;
  readonly patch: string;
  readonly scratch: string;
  readonly jobs?: number;
  readonly log?: (line: string) => void;
}): Promise<PatchedBuildTimes & { readonly logFile: string }> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const base = await ensureBaseKernel({ profile: opts.profile, log });
  const forget = tempPath(`${opts.scratch}/tree`);
  await Deno.remove(opts.scratch, { recursive: true }).catch(() => {});
  await Deno.mkdir(opts.scratch, { recursive: true });
  try {
    const times = await buildPatchedTree(
      base,
      opts.patch,
      opts.scratch,
      log,
      opts.jobs ?? navigator.hardwareConcurrency,
    );
    return { ...times, logFile: `${opts.scratch}/build.log` };
  } finally {
    // The tree is the size of the cached one (2 GB): keep only the log.
    await Deno.remove(`${opts.scratch}/tree`, { recursive: true }).catch(() => {});
    forget();
  }
}

/** The profile's kernel, built cold when it is not cached. */
async function ensureBaseKernel(opts: EnsureKernelOptions): Promise<KernelBuild> {
  const profile = opts.profile ?? "base";
  const log = opts.log ?? ((l: string) => console.error(l));
  await ensurePackages(KERNEL_BUILD_PACKAGES, log);
  const sourceVersion = await capture("dpkg-query", [
    "-W",
    "-f=${Version}",
    SOURCE_PACKAGE,
  ]);
  const key = await kernelKey(profile, sourceVersion);
  const dir = `${cacheRoot()}/kernels/${profile}-${key}`;
  const tree = `${dir}/tree`;
  const build: KernelBuild = {
    profile,
    key,
    patch: null,
    sourceVersion,
    tree,
    bzImage: `${tree}/arch/x86/boot/bzImage`,
    release: exists(`${tree}/include/config/kernel.release`)
      ? Deno.readTextFileSync(`${tree}/include/config/kernel.release`).trim()
      : "",
  };
  if (exists(`${dir}/done.json`)) return build;
  // One build per cache entry at a time: a second run waits, then finds it built.
  return await withLock(dir, async () => {
    // Built by the run we waited for: its release was not there to read above.
    if (exists(`${dir}/done.json`)) {
      return {
        ...build,
        release: Deno.readTextFileSync(`${tree}/include/config/kernel.release`).trim(),
      };
    }
    return await buildBase(build, dir, log, opts);
  }, () => log(`udiag-fuzz: waiting for another run building ${dir}`));
}

/** Builds the base kernel `build` cold into `dir` (the caller holds its lock). */
async function buildBase(
  build: KernelBuild,
  dir: string,
  log: (l: string) => void,
  opts: EnsureKernelOptions,
): Promise<KernelBuild> {
  const { profile, key, sourceVersion } = build;
  // Build in a private directory and rename at the end, so an interrupted
  // build never leaves a half-built tree under the final name; a stopped
  // task removes it (harness/interrupt.ts).
  const work = `${dir}.tmp-${Deno.pid}`;
  const forget = tempPath(work);
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${work}/tree`, { recursive: true });
  const logFile = `${work}/build.log`;
  const wt = `${work}/tree`;
  const started = Date.now();
  log(
    `udiag-fuzz: building kernel ${profile}-${key} (cold build, 5–20 min on 2 cores: 468 s seen on a fresh machine, 1102 s on a busy one); log: ${logFile}`,
  );
  const step = (cmd: string, args: string[]) => runLogged(cmd, args, { cwd: wt, logFile });
  await step("tar", ["xf", SOURCE_TARBALL, "--strip-components=1"]);
  for (const { name } of kernelInputs(profile)) {
    if (!name.endsWith(".patch")) continue;
    log(`udiag-fuzz: applying kmod/kernel/${name}`);
    await step("patch", [
      "-p1",
      "--forward",
      "-i",
      new URL(name, KMOD_KERNEL).pathname,
    ]);
  }
  await step("make", ["tinyconfig"]);
  const fragmentPaths = PROFILES[profile]!.map((f) => new URL(f, KMOD_KERNEL).pathname);
  await step("scripts/kconfig/merge_config.sh", [
    "-m",
    ".config",
    ...fragmentPaths,
  ]);
  await step("make", ["olddefconfig"]);
  const wanted = parseKconfig(
    fragmentPaths.map((p) => Deno.readTextFileSync(p)).join("\n"),
  );
  const got = parseKconfig(Deno.readTextFileSync(`${wt}/.config`));
  const bad = kconfigMismatches(wanted, got);
  if (bad.length > 0) {
    throw new Error(
      `Kernel config dropped options of profile "${profile}" (unmet dependencies): ${
        bad.map((m) => `${m.option}=${m.wanted ?? "n"} (got ${m.got ?? "n"})`)
          .join(", ")
      }`,
    );
  }
  const jobs = opts.jobs ?? navigator.hardwareConcurrency;
  const stop = watchBuild(logFile, COLD_BUILD_OBJECTS[profile] ?? null, log);
  try {
    await step("make", [`-j${jobs}`, "bzImage", "modules"]);
  } finally {
    stop();
  }
  const release = Deno.readTextFileSync(
    `${wt}/include/config/kernel.release`,
  ).trim();
  await Deno.writeTextFile(
    `${work}/done.json`,
    JSON.stringify(
      {
        profile,
        key,
        sourceVersion,
        release,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      null,
      2,
    ) + "\n",
  );
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(work, dir);
  forget();
  log(
    `udiag-fuzz: kernel ${release} built in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  return { ...build, release };
}
