/**
 * The C helpers of the user_events rules, built on the host before the guest
 * boots (the plug-in's conformance `prepare`): `ue_proc` forks, clones and
 * execs around an enable word, which a Deno process cannot do (a child forked
 * through FFI dies before its first call returns). The guest runs the binary
 * from the same path over 9p.
 *
 * @module
 */
import { capture } from "../../../harness/proc.ts";
import { ROOT } from "../../../harness/paths.ts";

/** Where `ue_proc` is built, and where conformance/ue_proc.ts runs it from. */
export const UE_PROC_PATH = `${ROOT}/out/build/user_events/ue_proc`;

/** The flags every helper is built with. */
export const HELPER_CFLAGS: readonly string[] = ["-static", "-O2", "-Wall", "-Werror"];

const UE_PROC_SOURCE = new URL("./ue_proc.c", import.meta.url).pathname;

async function sha256Hex(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Builds `ue_proc` with gcc unless the binary at `out` was built from the same
 * source and flags (a `.sha256` stamp beside it); returns its path.
 */
export async function buildUeProc(out: string = UE_PROC_PATH): Promise<string> {
  const source = await Deno.readTextFile(UE_PROC_SOURCE);
  const stamp = await sha256Hex(`${HELPER_CFLAGS.join(" ")}\n${source}`);
  const stampFile = `${out}.sha256`;
  const built = await Deno.readTextFile(stampFile).catch(() => "");
  const present = await Deno.stat(out).then((s) => s.isFile, () => false);
  if (present && built.trim() === stamp) return out;
  await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
  await capture("gcc", [...HELPER_CFLAGS, "-o", out, UE_PROC_SOURCE]);
  await Deno.writeTextFile(stampFile, `${stamp}\n`);
  return out;
}
