/**
 * The strict debug profile (kmod/kernel/strict.config) against a target that
 * only it sees die at load: `deno task test:strict` (a second kernel build,
 * so not in CI's `deno task test`).
 */
import assert from "node:assert/strict";
import { conformance } from "./run.ts";
import { listFindings } from "../harness/report/store.ts";
import { resolveSubject } from "../abi/mod.ts";

const subject = (profile: string) =>
  resolveSubject({ abi: "udiag", target: "kmod", profile, broken: "STRICT_LOAD" });

async function run(profile: string) {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const outDir = await Deno.makeTempDir({ prefix: "udiag-conf-" });
  const code = await conformance({
    subject: await subject(profile),
    ruleIds: ["UD-WR-001"],
    outDir,
    reportsDir,
    echo: false,
  });
  const v = JSON.parse(await Deno.readTextFile(`${outDir}/verdicts.json`));
  return { code, findings: await listFindings(reportsDir), verdicts: v.rows, header: v.header };
}

Deno.test("a module whose load only DEBUG_VM_PGFLAGS sees fail: under strict, a finding made at load with its console evidence; under base, it loads and passes", async () => {
  const strict = await run("strict");
  assert.equal(strict.code, 1);
  assert.equal(strict.header.profile, "strict");
  const atLoad = strict.findings.filter((f) => f.cases.includes("load"));
  assert.equal(atLoad.length, 1, strict.findings.map((f) => f.title).join("\n"));
  assert.equal(atLoad[0]!.type, "BUG");
  // No device was left to test.
  assert.deepEqual(strict.verdicts.map((r: { verdict: string }) => r.verdict), ["skip"]);

  const base = await run("base");
  assert.deepEqual(base.findings.map((f) => f.title), []);
  assert.deepEqual(base.verdicts.map((r: { verdict: string }) => r.verdict), ["pass"]);
  assert.equal(base.code, 0);
});
