/**
 * Compiling and running small C programs with the host's gcc: the C headers
 * are the reference the harness's constants are checked against, and C is the
 * baseline of the benchmarks.
 *
 * @module
 */
import { capture } from "./proc.ts";
import { sha256Hex } from "./sha256.ts";

/** Compiles `source` with gcc into a temporary directory and returns the binary's path. */
export async function compileC(
  source: string,
  flags: readonly string[] = ["-O2", "-Wall", "-Werror"],
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "udiag-cc-" });
  await Deno.writeTextFile(`${dir}/prog.c`, source);
  await capture("gcc", [...flags, "-o", `${dir}/prog`, `${dir}/prog.c`]);
  return `${dir}/prog`;
}

/** Compiles and runs `source`, returning its trimmed stdout. */
export async function runC(source: string): Promise<string> {
  const bin = await compileC(source);
  try {
    return await capture(bin, []);
  } finally {
    await Deno.remove(bin.replace(/\/prog$/, ""), { recursive: true });
  }
}

/**
 * Builds `source` (a C file) into `out` with gcc and `flags`, unless `out` was
 * built from the same source, `headers` and flags (a `.sha256` stamp beside
 * it); returns `out`. For the binaries and libraries the guest runs from the
 * checkout.
 */
export async function buildCached(
  source: string,
  out: string,
  flags: readonly string[],
  headers: readonly string[] = [],
): Promise<string> {
  const text = [source, ...headers].map((f) => Deno.readTextFileSync(f)).join("\n");
  const stamp = await sha256Hex(`${flags.join(" ")}\n${text}`);
  const stampFile = `${out}.sha256`;
  const built = await Deno.readTextFile(stampFile).catch(() => "");
  const present = await Deno.stat(out).then((s) => s.isFile, () => false);
  if (present && built.trim() === stamp) return out;
  await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
  await capture("gcc", [...flags, "-o", out, source]);
  await Deno.writeTextFile(stampFile, `${stamp}\n`);
  return out;
}
