// The SARIF logs of a security run and of a review, built from the real
// catalogs and validated against the SARIF 2.1.0 JSON schema
// (testdata/sarif-schema-2.1.0.json; testdata/README.md says where it comes
// from). This test reaches up into the suites (security/, review/) and the
// ABIs on purpose: what must validate is the log they write, not a toy one.
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { FINGERPRINT_KEY, type SarifLog, sarifLog, type SarifSpot } from "./sarif.ts";
import { patchPath, readIdSpots } from "./sarif_io.ts";
import { ROOT } from "../paths.ts";
import { reportDirName } from "./dedup.ts";
import type { FindingMeta } from "./store.ts";
import type { AbiPlugin } from "../../abi/plugin.ts";
import udiag from "../../abi/udiag/plugin.ts";
import userEvents from "../../abi/user_events/plugin.ts";
import type { CheckOutcome } from "../../security/check_context.ts";
import { type SecurityRow, securityRows, securityTitle } from "../../security/summary.ts";
import { securitySarif } from "../../security/sarif.ts";
import { reviewSarif, type ReviewSarifFinding } from "../../review/sarif.ts";

const schema = JSON.parse(
  await Deno.readTextFile(new URL("./testdata/sarif-schema-2.1.0.json", import.meta.url)),
);
// The schema declares draft 2020-12 and uses formats (uri, uri-reference,
// date-time): both are checked, not ignored.
const ajv = new Ajv2020({ allErrors: true });
// ajv-formats is CommonJS: its plugin is the default export of its default export.
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** The schema's complaints about a log, one line each; [] when it is valid. */
function schemaErrors(log: unknown): string[] {
  return validate(log)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? e.keyword}`);
}

// deno-lint-ignore no-explicit-any
type Json = any;

const run0 = (log: SarifLog): Json => log.runs[0];

function outcome(
  id: string,
  verdict: CheckOutcome["verdict"],
  more: Partial<CheckOutcome> = {},
): CheckOutcome {
  return {
    event: "check",
    id,
    verdict,
    evidence: [],
    exposures: [],
    kernel: [],
    measured: {},
    ...more,
  };
}

function security(abi: AbiPlugin) {
  const part = abi.security!;
  return { part, ids: part.checks.all.map((c) => c.id) };
}

async function spotsOf(abi: AbiPlugin): Promise<Map<string, SarifSpot>> {
  const sec = abi.security?.files ?? [];
  const ids = [
    ...abi.conformance.rules.all.map((r) => r.id),
    ...(abi.security?.checks.all.map((c) => c.id) ?? []),
  ];
  return await readIdSpots([...abi.conformance.files, ...sec], ids);
}

interface SecurityCase {
  readonly name: string;
  readonly abi: AbiPlugin;
  /** Check ID → its outcome; a check without one did not run. */
  readonly outcomes: readonly CheckOutcome[];
  readonly checks: readonly string[];
  readonly patch?: string;
  /** Check IDs of the results, in order, with their levels. */
  readonly want: readonly [string, string][];
  readonly notRun: readonly string[];
}

const SECURITY_CASES: readonly SecurityCase[] = [
  {
    name: "udiag, our module: exposed, a kernel report, pass, by design, error, not run",
    abi: udiag,
    checks: ["SEC-XU-001", "SEC-ACC-001", "SEC-PG-001", "SEC-XU-002", "SEC-HD-001", "SEC-PG-002"],
    outcomes: [
      outcome("SEC-XU-001", "exposed", { exposures: ["uid 1002 deleted uid 1001's held event"] }),
      outcome("SEC-ACC-001", "exposed", {
        kernel: ["KASAN: slab-use-after-free Read in diag_dev_write"],
      }),
      outcome("SEC-PG-001", "pass"),
      outcome("SEC-XU-002", "by design", { exposures: ["deleted"] }),
      outcome("SEC-HD-001", "error", { error: "actor exited 1\nstack" }),
    ],
    want: [["SEC-XU-001", "error"], ["SEC-ACC-001", "error"], ["SEC-HD-001", "note"]],
    notRun: ["SEC-PG-002"],
  },
  {
    name: "udiag, a driver patch: every result points at the patch",
    abi: udiag,
    checks: ["SEC-XU-003", "SEC-CAP-001", "SEC-XU-004"],
    patch: "abi/udiag/rfc/000_aa391f59f6e4613c.txt",
    outcomes: [
      outcome("SEC-XU-003", "by design", { exposures: ["joined"] }),
      outcome("SEC-CAP-001", "by design", { measured: { events: 4095 } }),
      outcome("SEC-XU-004", "exposed", {
        exposures: ["read the enable byte"],
        kernel: ["WARNING in diag_dev_release"],
      }),
    ],
    // SEC-XU-004 is by design in the catalog, so its exposure is not its own:
    // the kernel report makes it a finding, severity high.
    want: [["SEC-XU-004", "error"]],
    notRun: [],
  },
  {
    name: "user_events, a kernel patch outside the checkout, nothing exposed",
    abi: userEvents,
    checks: security(userEvents).ids.slice(0, 3),
    patch: "/tmp/revert-01.patch",
    outcomes: security(userEvents).ids.slice(0, 3).map((id) => outcome(id, "pass")),
    want: [],
    notRun: [],
  },
];

for (const c of SECURITY_CASES) {
  Deno.test(`securitySarif() validates against the SARIF 2.1.0 schema: ${c.name}`, async () => {
    const { part } = security(c.abi);
    const rows = securityRows(c.checks.map((id) => part.checks.get(id)), c.outcomes);
    const log = securitySarif(rows, {
      abi: c.abi.name,
      checks: part.checks.all,
      spots: await spotsOf(c.abi),
      fallback: { path: part.files[0]! },
      ...(c.patch !== undefined ? { patch: c.patch } : {}),
      findingDirs: new Map([["SEC-XU-001", "reports/security-sec-xu-001-x"]]),
      informationUri: "https://github.com/o/udiag-fuzz",
    });
    assert.deepEqual(schemaErrors(log), []);
    const run = run0(log);
    // One rule per check of the catalog, each tagged with its CWE.
    assert.equal(run.tool.driver.rules.length, part.checks.all.length);
    for (const [i, r] of run.tool.driver.rules.entries()) {
      const check = part.checks.all[i]!;
      assert.equal(r.id, check.id);
      assert.ok(r.properties.tags.includes("security"), r.id);
      assert.ok(r.properties.tags.includes(check.cwe.id), r.id);
      assert.match(r.helpUri, /^https:\/\/cwe\.mitre\.org\/data\/definitions\/\d+\.html$/);
    }
    // One result per weakness: no pass, no verdict "by design".
    assert.deepEqual(run.results.map((r: Json) => [r.ruleId, r.level]), c.want);
    for (const r of run.results) {
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
      const loc = r.locations[0].physicalLocation.artifactLocation;
      if (c.patch === undefined) {
        assert.deepEqual(loc.uriBaseId, "%SRCROOT%");
        assert.ok(part.files.includes(loc.uri), loc.uri);
        assert.ok(r.locations[0].physicalLocation.region.startLine > 0);
      } else if (c.patch.startsWith("/")) {
        assert.deepEqual(loc, { uri: `file://${c.patch}` });
      } else {
        assert.deepEqual(loc, { uri: c.patch, uriBaseId: "%SRCROOT%" });
        assert.ok(part.files.includes(r.relatedLocations[0].physicalLocation.artifactLocation.uri));
      }
      // The fingerprint is the finding's reports/ folder name, from its stable title.
      const row = rows.find((x: SecurityRow) => x.check.id === r.ruleId)!;
      assert.equal(r.partialFingerprints[FINGERPRINT_KEY], reportDirName(securityTitle(row)));
    }
    const notes = run.invocations[0].toolExecutionNotifications ?? [];
    assert.deepEqual(notes.map((n: Json) => n.associatedRule.id), c.notRun);
    assert.equal(run.invocations[0].executionSuccessful, c.notRun.length === 0);
    assert.deepEqual(
      run.properties.byDesign.map((b: Json) => b.check),
      rows.filter((r) => r.verdict === "by design").map((r) => r.check.id),
    );
  });
}

function meta(kind: FindingMeta["kind"], type: string, title: string, more = {}): FindingMeta {
  return {
    title,
    kind,
    type,
    firstSeen: "2026-12-01T00:00:00.000Z",
    lastSeen: "2026-12-01T00:00:00.000Z",
    count: 2,
    cases: [],
    corrupted: false,
    ...more,
  };
}

interface ReviewCase {
  readonly name: string;
  readonly abi: AbiPlugin;
  readonly patch: string;
  readonly findings: readonly FindingMeta[];
  /** Rule ID and level of each result, in order. */
  readonly want: readonly [string, string][];
  /** Rules beyond the catalogs', for the classes of the other findings. */
  readonly classRules: readonly string[];
}

const REVIEW_CASES: readonly ReviewCase[] = [
  {
    name: "the udiag RFC: conformance, security, fuzz, kernel and runner findings",
    abi: udiag,
    patch: "abi/udiag/rfc/000_aa391f59f6e4613c.txt",
    findings: [
      meta(
        "conformance",
        "CONFORMANCE",
        'conformance UD-DEL-003: delete("e1") returned 0, expected EBUSY',
        { cases: ["conformance/UD-DEL-003"], breaks: "rule UD-DEL-003: …" },
      ),
      meta("security", "SECURITY", "security SEC-PG-001: exposed: enable page cannot be mapped", {
        cases: ["security/SEC-PG-001"],
        security: { severity: "high", cwe: "CWE-732 Incorrect Permission Assignment" },
      }),
      meta("fuzz", "MISMATCH", "fuzz: write returned N, expected EINVAL", {
        cases: ["model/42"],
      }),
      meta("kernel", "KASAN", "KASAN: slab-use-after-free Read in diag_dev_write", {
        cases: ["model/7"],
      }),
      meta("kernel", "KMEMLEAK", "memory leak in diag_reg", { cases: ["boot"] }),
      meta("runner", "LOST", "lost connection to test machine"),
    ],
    want: [
      ["UD-DEL-003", "error"],
      ["SEC-PG-001", "error"],
      ["fuzz/MISMATCH", "error"],
      ["kernel/KASAN", "error"],
      ["kernel/KMEMLEAK", "error"],
      ["runner/LOST", "warning"],
    ],
    classRules: ["fuzz/MISMATCH", "kernel/KASAN", "kernel/KMEMLEAK", "runner/LOST"],
  },
  {
    name: "user_events with a kernel patch: a low-severity security finding, a WARNING",
    abi: userEvents,
    patch: "abi/user_events/reverts/01.patch",
    findings: [
      meta("security", "SECURITY", "security UE-SEC-ACC-001: the check could not run", {
        cases: ["security/UE-SEC-ACC-001"],
        security: { severity: "info", cwe: "CWE-284 Improper Access Control" },
      }),
      meta("kernel", "WARNING", "WARNING in user_event_enabler_write", { cases: ["raw/3"] }),
    ],
    want: [["UE-SEC-ACC-001", "note"], ["kernel/WARNING", "error"]],
    classRules: ["kernel/WARNING"],
  },
];

for (const c of REVIEW_CASES) {
  Deno.test(`reviewSarif() validates against the SARIF 2.1.0 schema: ${c.name}`, async () => {
    const findings: ReviewSarifFinding[] = c.findings.map((m) => ({
      meta: m,
      reproduce: `deno task repro docs/x-findings/${reportDirName(m.title)}`,
      folder: `docs/x-findings/${reportDirName(m.title)}`,
    }));
    const log = reviewSarif(findings, {
      abi: c.abi.name,
      rules: c.abi.conformance.rules.all,
      ruleSource: c.abi.conformance.source,
      checks: c.abi.security?.checks.all ?? [],
      spots: await spotsOf(c.abi),
      patch: c.patch,
    });
    assert.deepEqual(schemaErrors(log), []);
    const run = run0(log);
    const catalog = c.abi.conformance.rules.all.length + (c.abi.security?.checks.all.length ?? 0);
    assert.deepEqual(run.tool.driver.rules.slice(catalog).map((r: Json) => r.id), c.classRules);
    assert.deepEqual(run.results.map((r: Json) => [r.ruleId, r.level]), c.want);
    for (const [i, r] of run.results.entries()) {
      assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
      assert.deepEqual(r.locations[0].physicalLocation, {
        artifactLocation: { uri: c.patch, uriBaseId: "%SRCROOT%" },
        region: { startLine: 1 },
      });
      assert.equal(r.partialFingerprints[FINGERPRINT_KEY], reportDirName(c.findings[i]!.title));
      // A catalog rule's result names the test that checks it.
      if (!r.ruleId.includes("/")) {
        assert.match(
          r.relatedLocations[0].physicalLocation.artifactLocation.uri,
          /^abi\/.*_(rules|checks)\.ts$/,
        );
      }
    }
    const kasan = run.tool.driver.rules.find((r: Json) => r.id === "kernel/KASAN");
    if (kasan) assert.ok(kasan.properties.tags.includes("CWE-416"));
  });
}

Deno.test("sarifLog() gives a finding the same fingerprint in every run", () => {
  const build = (message: string) =>
    sarifLog({
      automationId: "udiag-fuzz/security/udiag/",
      rules: [{ id: "SEC-A-001", short: "s", tags: [], level: "error" }],
      results: [{
        ruleId: "SEC-A-001",
        level: "error",
        message,
        location: { path: "a.ts" },
        title: "security SEC-A-001: exposed: s",
      }],
    });
  assert.deepEqual(
    run0(build("first run")).results[0].partialFingerprints,
    run0(build("second run, other evidence")).results[0].partialFingerprints,
  );
});

Deno.test("sarifLog() refuses a result whose rule is not in the log", () => {
  assert.throws(
    () =>
      sarifLog({
        automationId: "x/",
        rules: [],
        results: [{
          ruleId: "SEC-A-001",
          level: "error",
          message: "m",
          location: { path: "a.ts" },
          title: "t",
        }],
      }),
    TypeError,
    '"SEC-A-001"',
  );
});

// The schema can fail: a log without what 2.1.0 requires is refused.
const BROKEN: readonly [string, (log: Json) => void, RegExp][] = [
  ["no version", (l) => delete l.version, /must have required property 'version'/],
  ["no tool name", (l) => delete l.runs[0].tool.driver.name, /required property 'name'/],
  ["a result without message", (l) => delete l.runs[0].results[0].message, /'message'/],
  ["an unknown level", (l) => (l.runs[0].results[0].level = "fatal"), /allowed values/],
  ["a rule without id", (l) => delete l.runs[0].tool.driver.rules[0].id, /'id'/],
];

for (const [what, breakIt, want] of BROKEN) {
  Deno.test(`the SARIF 2.1.0 schema refuses a log with ${what}`, async () => {
    const part = udiag.security!;
    const rows = securityRows([part.checks.get("SEC-XU-001")], [
      outcome("SEC-XU-001", "exposed", { exposures: ["deleted"] }),
    ]);
    const log: Json = structuredClone(securitySarif(rows, {
      abi: "udiag",
      checks: part.checks.all,
      spots: await spotsOf(udiag),
      fallback: { path: part.files[0]! },
    }));
    assert.deepEqual(schemaErrors(log), []);
    breakIt(log);
    const errors = schemaErrors(log);
    assert.ok(errors.some((e) => want.test(e)), errors.join("\n"));
  });
}

Deno.test("patchPath() gives a patch target's file from the checkout, or absolute outside it", () => {
  assert.equal(patchPath({ kind: "kernel", patch: `${ROOT}/abi/x.patch` }), "abi/x.patch");
  assert.equal(patchPath({ kind: "patch", file: "/tmp/x.patch" }), "/tmp/x.patch");
  assert.equal(patchPath({ kind: "kernel", patch: null }), undefined);
  assert.equal(patchPath({ kind: "kmod" }), undefined);
});
