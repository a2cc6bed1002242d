/**
 * The security suite against the kernel: our module exposes nothing, and the
 * moves the ABI allows on purpose come out as "by design", each with its
 * conformance rule; a module that skips the EBUSY check is caught with the
 * use-after-free KASAN sees, filed with its severity and class.
 */
import assert from "node:assert/strict";
import { security } from "./run.ts";
import { allChecks } from "../abi/udiag/security/catalog.ts";
import { listFindings } from "../harness/report/store.ts";
import { resolveSubject } from "../abi/mod.ts";

const udiag = (broken?: string) =>
  resolveSubject({ abi: "udiag", target: "kmod", profile: "base", ...(broken ? { broken } : {}) });

Deno.test("deno task security: our module exposes nothing; by-design moves are listed with their rule", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-sec-" });
  const r = await security({
    subject: await udiag(),
    checkIds: [],
    outDir: `${reportsDir}/out`,
    reportsDir,
    echo: false,
  });
  const verdict = (id: string) => r.outcomes.findLast((o) => o.id === id)?.verdict;
  for (const c of allChecks()) {
    const want = c.byDesign ? "by design" : "pass";
    assert.equal(
      verdict(c.id),
      want,
      `${c.id}: ${JSON.stringify(r.outcomes.find((o) => o.id === c.id))}`,
    );
  }
  assert.equal(r.exitCode, 0);
  // Only what is wrong is a finding: the by-design moves are listed, not filed.
  assert.deepEqual((await listFindings(reportsDir)).map((f) => f.title), []);
  const md = await Deno.readTextFile(`${reportsDir}/out/summary.md`);
  assert.match(md, /## Weaknesses found\n\nNone\./);
  for (const c of allChecks().filter((c) => c.byDesign)) {
    assert.match(md, new RegExp(`\\| ${c.id} \\| CWE-\\d+ .*\\| ${c.byDesign!.rule} \\|`));
  }
  assert.match(md, /\| SEC-CAP-001 \| CWE-400 .*\| UD-CAP-001 \|.*events per second: \d+/);
});

Deno.test("deno task security: a module that deletes held events is caught as a use-after-free", async () => {
  const reportsDir = await Deno.makeTempDir({ prefix: "udiag-sec-" });
  const r = await security({
    subject: await udiag("SKIP_EBUSY"),
    checkIds: ["SEC-XU-001", "SEC-HD-002"],
    outDir: `${reportsDir}/out`,
    reportsDir,
    echo: false,
  });
  assert.equal(r.exitCode, 1);
  const xu = r.outcomes.find((o) => o.id === "SEC-XU-001");
  assert.equal(xu?.verdict, "exposed");
  assert.ok(xu.kernel.some((k) => /use-after-free/.test(k)), JSON.stringify(xu));
  assert.equal(r.outcomes.find((o) => o.id === "SEC-HD-002")?.verdict, "exposed");
  const filed = await listFindings(reportsDir);
  const uaf = filed.find((f) => f.title.startsWith("security SEC-XU-001: exposed:"));
  assert.ok(uaf, filed.map((f) => f.title).join("; "));
  assert.deepEqual(uaf.security, { severity: "high", cwe: "CWE-416 Use After Free" });
  // The use-after-free KASAN saw is filed from the console as well.
  assert.ok(filed.some((f) => /^KASAN: slab-use-after-free/.test(f.title)));
});
