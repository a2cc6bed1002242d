/**
 * Builds the kernel's own user_events selftests
 * (`tools/testing/selftests/user_events/`) from the same source tarball the
 * framework's kernel is built from, static, into `out/peer/user_events/`.
 *
 * Only what they need is extracted (the four tests, their header, the
 * kselftest harness headers and `include/uapi/linux/user_events.h`) into a
 * cache directory keyed on the source package version; the other uapi
 * headers come from the host's libc headers, as the Makefile's
 * `KHDR_INCLUDES` would only add the one the host lacks. The binaries are
 * rebuilt when the source version or this recipe changes.
 *
 * @module
 */
import { cacheRoot } from "../../../harness/vm/kernel.ts";
import { ROOT } from "../../../harness/paths.ts";

/** The source tarball of the framework's kernel (harness/vm/kernel.ts). */
export const SOURCE_TARBALL = "/usr/src/linux-source-6.12.tar.xz";
const SOURCE_PACKAGE = "linux-source-6.12";
const TOP = "linux-source-6.12";
const SELFTESTS = "tools/testing/selftests";

/** The selftest binaries, in the Makefile's `TEST_GEN_PROGS` order. */
export const PEER_TESTS = ["ftrace_test", "dyn_test", "perf_test", "abi_test"] as const;
export type PeerTest = typeof PEER_TESTS[number];

/** The Makefile's flags, plus `-static` (the guest runs them from a 9p share). */
const CFLAGS = ["-static", "-Wl,-no-as-needed", "-Wall", "-O2"];
const LDLIBS = ["-lrt", "-lpthread", "-lm"];
/** Bump when the recipe changes, so a cached build is redone. */
const RECIPE = "peer-user_events-1";

/** A finished build. */
export interface PeerBuild {
  readonly sourceVersion: string;
  /** Directory of the binaries (`out/peer/user_events`). */
  readonly binDir: string;
  /** Extracted source (`<cache>/peer/<version>/linux-source-6.12`). */
  readonly srcDir: string;
  readonly binaries: Readonly<Record<PeerTest, string>>;
  /** False when the cached build was reused. */
  readonly built: boolean;
}

async function capture(cmd: string, args: string[], cwd?: string) {
  const out = await new Deno.Command(cmd, {
    args,
    ...(cwd ? { cwd } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The installed source package's version (`6.12.117-1~deb12u1`). */
export async function sourceVersion(): Promise<string> {
  const r = await capture("dpkg-query", ["-W", "-f=${Version}", SOURCE_PACKAGE]);
  if (r.code !== 0 || !r.stdout.trim()) {
    throw new Error(`${SOURCE_PACKAGE} is not installed: ${r.stderr.trim()}`);
  }
  return r.stdout.trim();
}

/**
 * The first compiler error of gcc's output (`file:line:col: error: …`),
 * else its first non-empty line.
 *
 * @example
 * ```ts
 * import { firstCompilerError } from "./build.ts";
 * const e = firstCompilerError("a.c: In function 'f':\na.c:3:1: error: expected ';'\n");
 * if (e !== "a.c:3:1: error: expected ';'") throw new Error(e);
 * ```
 */
export function firstCompilerError(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "");
  return lines.find((l) => /\berror\b/.test(l)) ?? lines[0] ?? "(no compiler output)";
}

/** Extracts what the selftests need into `<cache>/peer/<version>/`. */
async function extract(version: string, log: (l: string) => void): Promise<string> {
  const dir = `${cacheRoot()}/peer/${version}`;
  const src = `${dir}/${TOP}`;
  if (exists(`${dir}/extracted`)) return src;
  const work = `${dir}.tmp-${Deno.pid}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  log(`peer: extracting the user_events selftests from ${SOURCE_TARBALL}`);
  const r = await capture("tar", [
    "-xJf",
    SOURCE_TARBALL,
    "-C",
    work,
    "--wildcards",
    `${TOP}/${SELFTESTS}/user_events/*`,
    `${TOP}/${SELFTESTS}/kselftest.h`,
    `${TOP}/${SELFTESTS}/kselftest_harness.h`,
    `${TOP}/include/uapi/linux/user_events.h`,
  ]);
  if (r.code !== 0) {
    throw new Error(`tar of ${SOURCE_TARBALL} failed (${r.code}): ${r.stderr.trim()}`);
  }
  await Deno.writeTextFile(`${work}/extracted`, `${version}\n`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(work, dir);
  return src;
}

/** Builds (or reuses) the four selftests; throws with gcc's first error. */
export async function buildPeer(
  opts: { readonly log?: (line: string) => void; readonly binDir?: string } = {},
): Promise<PeerBuild> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const version = await sourceVersion();
  const srcDir = await extract(version, log);
  const binDir = opts.binDir ?? `${ROOT}/out/peer/user_events`;
  const binaries = Object.fromEntries(PEER_TESTS.map((t) => [t, `${binDir}/${t}`])) as Record<
    PeerTest,
    string
  >;
  const stamp = `${binDir}/build.json`;
  const key = JSON.stringify({ recipe: RECIPE, version, CFLAGS, LDLIBS });
  let cached: string | null = null;
  try {
    cached = JSON.stringify(JSON.parse(Deno.readTextFileSync(stamp)).key);
  } catch { /* no build yet */ }
  if (cached === JSON.stringify(key) && PEER_TESTS.every((t) => exists(binaries[t]))) {
    return { sourceVersion: version, binDir, srcDir, binaries, built: false };
  }
  await Deno.remove(stamp).catch(() => {});
  await Deno.mkdir(binDir, { recursive: true });
  // Only linux/user_events.h from the source: the host's libc headers lack it.
  const inc = `${srcDir}/../include-peer`;
  await Deno.mkdir(`${inc}/linux`, { recursive: true });
  await Deno.copyFile(
    `${srcDir}/include/uapi/linux/user_events.h`,
    `${inc}/linux/user_events.h`,
  );
  const testDir = `${srcDir}/${SELFTESTS}/user_events`;
  for (const t of PEER_TESTS) {
    log(`peer: gcc -static ${t}.c`);
    const r = await capture(
      "gcc",
      [...CFLAGS, `-I${inc}`, `${t}.c`, "-o", binaries[t], ...LDLIBS],
      testDir,
    );
    if (r.code !== 0) {
      throw new Error(
        `building ${SELFTESTS}/user_events/${t}.c failed (gcc exit ${r.code}): ${
          firstCompilerError(r.stderr)
        }`,
      );
    }
  }
  await Deno.writeTextFile(
    stamp,
    JSON.stringify({ key, sourceVersion: version, builtAt: new Date().toISOString() }, null, 2) +
      "\n",
  );
  return { sourceVersion: version, binDir, srcDir, binaries, built: true };
}

if (import.meta.main) {
  const b = await buildPeer();
  console.log(`${b.built ? "built" : "cached"}: ${b.binDir} (${b.sourceVersion})`);
}
