/**
 * The C helpers of the user_events rules, built on the host before the guest
 * boots (the plug-in's `prepare`): `ue_proc` forks, clones and execs around
 * an enable word, which a Deno process cannot do (a child forked through FFI
 * dies before its first call returns); `ue_race` is a racing process of the
 * fuzz race campaign. The guest runs the binaries from the same paths over 9p.
 *
 * @module
 */
import { buildCached } from "../../../harness/cc.ts";
import { ROOT } from "../../../harness/paths.ts";

/** Where `ue_proc` is built, and where conformance/ue_proc.ts runs it from. */
export const UE_PROC_PATH = `${ROOT}/out/build/user_events/ue_proc`;

/** Where `ue_race` is built, and where fuzz/race.ts runs it from. */
export const UE_RACE_PATH = `${ROOT}/out/build/user_events/ue_race`;

/** The flags every helper is built with (threads for ue_race). */
export const HELPER_CFLAGS: readonly string[] = ["-static", "-O2", "-Wall", "-Werror", "-pthread"];

/** Builds `ue_proc` (see {@linkcode buildHelper}). */
export function buildUeProc(out: string = UE_PROC_PATH): Promise<string> {
  return buildHelper("ue_proc", out);
}

/** Builds `ue_race` (see {@linkcode buildHelper}). */
export function buildUeRace(out: string = UE_RACE_PATH): Promise<string> {
  return buildHelper("ue_race", out);
}

/**
 * Builds helper `name` (`name.c` beside this file) with gcc unless the binary
 * at `out` was built from the same source and flags (a `.sha256` stamp beside
 * it); returns its path.
 */
function buildHelper(name: string, out: string): Promise<string> {
  const here = (f: string) => new URL(`./${f}`, import.meta.url).pathname;
  return buildCached(here(`${name}.c`), out, HELPER_CFLAGS, [here("ue_uapi.h")]);
}
