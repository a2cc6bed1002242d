/**
 * The I/O around `sarif.ts`: where each rule or check ID is registered in
 * its test files, the patch a target reads, what this run knows of its
 * repository, and writing a log.
 *
 * @module
 */
import { idSpots, repositoryUri, type SarifLog, type SarifSpot, sarifText } from "./sarif.ts";
import { resolve } from "node:path";
import { ROOT, rootRelative } from "../paths.ts";
import { type Target, targetFile } from "../target.ts";

/**
 * The first line naming each ID in `files` (paths from the checkout), the
 * first file that names it winning; an unreadable file names none.
 */
export async function readIdSpots(
  files: readonly string[],
  ids: readonly string[],
): Promise<Map<string, SarifSpot>> {
  const out = new Map<string, SarifSpot>();
  for (const f of files) {
    const text = await Deno.readTextFile(`${ROOT}/${f}`).catch(() => "");
    for (const [id, spot] of idSpots(f, text, ids.filter((i) => !out.has(i)))) out.set(id, spot);
  }
  return out;
}

/** The tool's `informationUri`: the repository's page when CI names it, else none. */
export function informationUri(): { informationUri?: string } {
  const uri = repositoryUri(Deno.env.toObject());
  return uri ? { informationUri: uri } : {};
}

/** Writes `log` to `path`. */
export async function writeSarif(path: string, log: SarifLog): Promise<void> {
  await Deno.writeTextFile(path, sarifText(log));
}

/**
 * The patch a target is (`patch:FILE`, `kernel:PATCH`) as a path from the
 * checkout, or absolute when it lies outside; undefined for other targets.
 */
export function patchPath(t: Target): string | undefined {
  const file = targetFile(t);
  return file === null ? undefined : rootRelative(resolve(file));
}
