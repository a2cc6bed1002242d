/**
 * One process of UD-REG-011: opens a file per name, says `ready`, waits for
 * `go` on stdin so that every process registers at once, registers its names
 * as fast as it can and prints one JSON line: each name's answer.
 *
 *     deno run -A abi/udiag/conformance/reg_race_worker.ts --device /dev/udiag a b c
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UdiagFile } from "../device.ts";
import { showResult } from "../../../harness/errno.ts";

/** What one worker prints last: `{"a": "ok 3", "b": "EMFILE"}`, answers shown as the suites show them. */
export type RegRaceAnswers = Record<string, string>;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    options: { device: { type: "string" } },
    allowPositionals: true,
  });
  const files = positionals.map(() => UdiagFile.openOrThrow(values.device));
  console.log("ready");
  // The parent writes one line once every worker is ready.
  const buf = new Uint8Array(16);
  await Deno.stdin.read(buf);
  const results = positionals.map((name, i) => files[i]!.register(name));
  const answers: RegRaceAnswers = {};
  positionals.forEach((name, i) => answers[name] = showResult(results[i]!));
  console.log(JSON.stringify(answers));
  for (const f of files) f.close();
}
