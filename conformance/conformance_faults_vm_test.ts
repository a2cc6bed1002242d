/**
 * The fault-injection rules on the `faults` kernel (`deno task test:faults`):
 * our module passes them, a module that swallows a failed copy fails them,
 * and they run on user_events as shipped. Without the broken module's
 * failure, a clean pass would prove nothing.
 */
import assert from "node:assert/strict";
import { conformance } from "./run.ts";
import { listFindings } from "../harness/report/store.ts";
import { resolveSubject } from "../abi/mod.ts";

/** The rules only the faults profile runs. */
async function faultRules(abi: string): Promise<string[]> {
  const s = await resolveSubject({ abi, target: target(abi), profile: "faults" });
  return s.abi.conformance.rules.all.filter((r) => r.profile === "faults").map((r) => r.id);
}

const target = (abi: string) => abi === "udiag" ? "kmod" : "kernel";

async function run(abi: string, broken?: string) {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-reports-" });
  const outDir = await Deno.makeTempDir({ prefix: "udiag-conf-faults-" });
  const subject = await resolveSubject({
    abi,
    target: target(abi),
    profile: "faults",
    ...(broken ? { broken } : {}),
  });
  const ruleIds = await faultRules(abi);
  assert.ok(ruleIds.length >= 2, ruleIds.join());
  const code = await conformance({ subject, ruleIds, outDir, reportsDir, echo: false });
  const v = JSON.parse(await Deno.readTextFile(`${outDir}/verdicts.json`));
  const rows = v.rows as {
    rule: { id: string };
    verdict: string;
    evidence: { what: string; got: string }[];
  }[];
  return { code, rows, titles: (await listFindings(reportsDir)).map((m) => m.title) };
}

Deno.test("conformance --profile faults: our module fails no write's, registration's or load's fault point, and each rule reached one", async () => {
  const r = await run("udiag");
  assert.deepEqual(r.rows.map((x) => `${x.rule.id}: ${x.verdict}`), [
    "UD-FI-001: pass",
    "UD-FI-002: pass",
    "UD-FI-003: pass",
    "UD-FI-005: pass",
    "UD-FI-004: pass",
  ]);
  // DIAG_IOCSREG reaches at least strndup_user's allocation and copy and the
  // event's own allocation.
  const reg = r.rows.find((x) => x.rule.id === "UD-FI-003")!.evidence
    .filter((e) => e.what.startsWith("DIAG_IOCSREG, a call whose fault point"));
  assert.ok(reg.length >= 3, JSON.stringify(reg));
  // Some of them failed the call: the rule went through its error paths.
  assert.ok(
    reg.filter((e) => e.got === "ENOMEM, EFAULT or ENODEV").length >= 2,
    JSON.stringify(reg),
  );
  // memdup_user()'s allocation fails the write with ENOMEM and its copy with
  // EFAULT; other fault points of the write are absorbed (it returns its
  // count, the record whole), and which ones varies: one run here reached
  // ENOMEM and EFAULT for each sink, a later one the perf rule's copy not at all.
  for (const row of r.rows.filter((x) => ["UD-FI-001", "UD-FI-002"].includes(x.rule.id))) {
    const failed = row.evidence.filter((e) => e.what.startsWith("a write whose fault point"))
      .map((e) => e.got);
    assert.ok(failed.includes("ENOMEM"), `${row.rule.id}: ${failed}`);
    assert.deepEqual(failed.filter((e) => e !== "ENOMEM" && e !== "EFAULT"), [], row.rule.id);
  }
  // The module loads whose late fault points failed went through init's
  // error paths and the loader's, and some loads failed.
  const loads = r.rows.find((x) => x.rule.id === "UD-FI-004")!.evidence
    .filter((e) => e.what.startsWith("finit_module, a load whose fault point"));
  assert.ok(loads.length >= 10, JSON.stringify(loads.slice(0, 5)));
  // The type-id growth point was reached, as its own count shows.
  const grew = r.rows.find((x) => x.rule.id === "UD-FI-005")!.evidence
    .find((e) => e.what.startsWith("more fault points where the IDA grows"));
  assert.equal(grew?.got, "true");
  assert.deepEqual(r.titles, []);
  assert.equal(r.code, 0);
});

Deno.test("conformance --profile faults: a module whose write returns its count when the copy fails fails UD-FI-001 and UD-FI-002", async () => {
  const r = await run("udiag", "SWALLOW_FAULT");
  assert.equal(r.code, 1);
  assert.deepEqual(r.titles.sort(), [
    "conformance UD-FI-001: ftrace records of a write whose fault point 1 failed that returned 64 returned 0, expected 1",
    "conformance UD-FI-002: perf records of a write whose fault point 1 failed that returned 64 returned 0, expected 1",
  ]);
});

Deno.test("conformance --abi user_events --profile faults: the shipped kernel's writes fail with an errno at each fault point", async () => {
  const r = await run("user_events");
  assert.deepEqual(r.rows.map((x) => `${x.rule.id}: ${x.verdict}`), [
    "UE-FI-001: pass",
    "UE-FI-002: pass",
  ]);
  assert.deepEqual(r.titles, []);
  assert.equal(r.code, 0);
});
