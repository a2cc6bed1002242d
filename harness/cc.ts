/**
 * Compiling and running small C programs with the host's gcc: the C headers
 * are the reference the harness's constants are checked against, and C is the
 * baseline of the benchmarks.
 *
 * @module
 */
import { capture } from "./proc.ts";

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
