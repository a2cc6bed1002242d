/**
 * Helpers the udiag checks run in the guest, built on the host first: the
 * fork helper is C because a Deno process cannot fork (a child forked through
 * FFI dies before its first call returns).
 *
 * @module
 */
import { capture } from "../../../harness/proc.ts";
import { ROOT } from "../../../harness/paths.ts";

/** Where the fork helper is built (page_checks.ts runs it from there). */
export const FORK_HELPER = `${ROOT}/out/security/fork_page`;

/** Builds the fork helper (`gcc -static`) and returns its path. */
export async function buildForkHelper(): Promise<string> {
  await Deno.mkdir(`${ROOT}/out/security`, { recursive: true });
  await capture("gcc", [
    "-O2",
    "-Wall",
    "-Werror",
    "-static",
    "-o",
    FORK_HELPER,
    new URL("./helpers/fork_page.c", import.meta.url).pathname,
  ]);
  return FORK_HELPER;
}
