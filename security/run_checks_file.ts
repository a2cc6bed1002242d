/**
 * For tests of the check runner (security/check_context.ts) on the host:
 * runs a file of checks in a child `deno test` whose results channel is a
 * file, and returns what the runner recorded. /dev/kmsg is not written (no
 * case marks on the host).
 *
 * @module
 */
import type { CheckOutcome } from "./check_context.ts";

/** What the child run said and what the runner recorded, one outcome per check. */
export interface ChecksFileRun {
  readonly success: boolean;
  /** Its stdout and stderr, for assertion messages. */
  readonly said: string;
  readonly outcomes: CheckOutcome[];
}

/** Runs the checks of `file` (a path) through the real runner. */
export async function runChecksFile(file: string): Promise<ChecksFileRun> {
  const dir = await Deno.makeTempDir({ prefix: "udiag-checks-file-" });
  try {
    const results = `${dir}/results.jsonl`;
    await Deno.writeTextFile(results, "");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--deny-write=/dev/kmsg", file],
      env: { UDIAG_RESULTS: results, TMPDIR: dir, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    return {
      success: out.success,
      said: dec.decode(out.stdout) + dec.decode(out.stderr),
      outcomes: (await Deno.readTextFile(results)).split("\n").filter(Boolean)
        .map((l) => JSON.parse(l) as CheckOutcome),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
