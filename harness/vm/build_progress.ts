/**
 * How far a kernel build is, from its log: the `  CC  ` lines Kbuild prints,
 * against the count a full build of the profile printed (measured on
 * 6.12.118). A cold build takes 5–20 minutes; a user sees a line every 30 s
 * instead of only a log path.
 *
 * @module
 */

/** `  CC      <object>` lines of a cold build, per profile (6.12.118, trimmed config, 2026-12-06). */
export const COLD_BUILD_OBJECTS: Readonly<Record<string, number>> = { base: 1220 };

/** The compile lines in a piece of a build log (pure). */
export function countCompiled(text: string): number {
  return text.match(/^ {2}CC {6}/gm)?.length ?? 0;
}

/** One progress line (pure). */
export function progressLine(done: number, expected: number | null, seconds: number): string {
  const mins = `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  if (!expected) return `udiag-fuzz: kernel build: ${done} objects compiled, ${mins}`;
  const pct = Math.min(99, Math.floor((100 * done) / expected));
  const eta = done > 50 && done < expected
    ? `, about ${Math.ceil(((expected - done) * seconds) / done / 60)} min left`
    : "";
  return `udiag-fuzz: kernel build: ${done}/${expected} objects (${pct} %), ${mins}${eta}`;
}

/**
 * Prints a progress line every `everyMs` while the build writes `logFile`;
 * returns the function that stops it.
 */
export function watchBuild(
  logFile: string,
  expected: number | null,
  log: (line: string) => void,
  everyMs = 30_000,
): () => void {
  const started = Date.now();
  let offset = 0;
  let done = 0;
  const timer = setInterval(() => {
    try {
      const bytes = Deno.readFileSync(logFile);
      done += countCompiled(new TextDecoder().decode(bytes.subarray(offset)));
      offset = bytes.length;
    } catch {
      return;
    }
    log(progressLine(done, expected, (Date.now() - started) / 1000));
  }, everyMs);
  return () => clearInterval(timer);
}
