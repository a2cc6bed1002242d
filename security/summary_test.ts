import assert from "node:assert/strict";
import { allChecks, checkById } from "../abi/udiag/security/catalog.ts";
import type { CheckOutcome } from "./check_context.ts";
import { verdictOf } from "./check_context.ts";
import {
  rowClass,
  securityMarkdown,
  securityRows,
  securityTally,
  securityTitle,
} from "./summary.ts";

const outcome = (id: string, o: Partial<CheckOutcome>): CheckOutcome => ({
  event: "check",
  id,
  verdict: "pass",
  evidence: [],
  exposures: [],
  kernel: [],
  measured: {},
  ...o,
});

Deno.test("verdictOf: exposures of by-design checks are 'by design'; kernel reports always expose", () => {
  assert.equal(verdictOf(checkById("SEC-PG-001"), [], []), "pass");
  assert.equal(verdictOf(checkById("SEC-PG-001"), ["writable"], []), "exposed");
  assert.equal(verdictOf(checkById("SEC-XU-002"), ["deleted"], []), "by design");
  assert.equal(
    verdictOf(checkById("SEC-XU-002"), [], ["KASAN: slab-use-after-free Read in f"]),
    "exposed",
  );
});

Deno.test("securityRows/securityTally: the last outcome wins; missing checks are not run", () => {
  const wanted = ["SEC-PG-001", "SEC-XU-002", "SEC-HD-001"].map(checkById);
  const rows = securityRows(wanted, [
    outcome("SEC-PG-001", { verdict: "error", error: "boom" }),
    outcome("SEC-PG-001", { verdict: "exposed", exposures: ["mapped writable"] }),
    outcome("SEC-XU-002", { verdict: "by design", exposures: ["deleted"] }),
  ]);
  assert.deepEqual(rows.map((r) => r.verdict), ["exposed", "by design", "not run"]);
  assert.deepEqual(securityTally(rows), {
    pass: 0,
    "by design": 1,
    exposed: 1,
    error: 0,
    "not run": 1,
  });
});

Deno.test("securityTitle/rowClass: stable titles; kernel reports classed by the report", () => {
  const [pg, hd] = securityRows(["SEC-PG-001", "SEC-HD-001"].map(checkById), [
    outcome("SEC-PG-001", { verdict: "exposed", exposures: ["x"] }),
    outcome("SEC-HD-001", {
      verdict: "exposed",
      kernel: ["KASAN: slab-use-after-free Write in diag_dev_write"],
    }),
  ]);
  assert.equal(
    securityTitle(pg!),
    "security SEC-PG-001: exposed: the enable page cannot be mapped writable, shared or private",
  );
  assert.deepEqual(rowClass(pg!), {
    severity: "high",
    cwe: "CWE-732 " + checkById("SEC-PG-001").cwe.name,
  });
  assert.equal(
    securityTitle(hd!),
    "security SEC-HD-001: kernel report: KASAN: slab-use-after-free Write in diag_dev_write",
  );
  assert.equal(rowClass(hd!).cwe, "CWE-416 Use After Free");
  // The check's own weakness names the finding; a kernel report beside it is evidence.
  const [nm] = securityRows([checkById("SEC-NM-001")], [
    outcome("SEC-NM-001", {
      verdict: "exposed",
      exposures: ['names with / accepted: "a/b"'],
      kernel: ["WARNING in trace_add_event_call"],
    }),
  ]);
  assert.match(securityTitle(nm!), /^security SEC-NM-001: exposed: /);
  assert.equal(rowClass(nm!).cwe.split(" ")[0], "CWE-22");
  // A by-design move that also made a kernel report is filed for the report.
  const [xu] = securityRows([checkById("SEC-XU-002")], [
    outcome("SEC-XU-002", {
      verdict: "exposed",
      exposures: ["deleted"],
      kernel: ["WARNING in trace_add_event_call"],
    }),
  ]);
  assert.equal(
    securityTitle(xu!),
    "security SEC-XU-002: kernel report: WARNING in trace_add_event_call",
  );
});

Deno.test("securityMarkdown: weaknesses, by-design properties with their rule, every check", () => {
  const rows = securityRows(["SEC-PG-001", "SEC-CAP-001"].map(checkById), [
    outcome("SEC-PG-001", { verdict: "exposed", exposures: ["alice | mapped it"] }),
    outcome("SEC-CAP-001", {
      verdict: "by design",
      exposures: ["took all"],
      measured: { "events per second": 494 },
    }),
  ]);
  const md = securityMarkdown(
    rows,
    { target: "kmod" },
    { abi: "udiag", attackers: "root and alice." },
    new Map([["SEC-PG-001", "reports/x"]]),
  );
  assert.match(md, /^# udiag security summary$/m);
  assert.match(md, /plays an attacker in the VM: root and alice\. `deno task/);
  // udiag's catalog names no attacker per check: the table has no such columns.
  assert.match(md, /^\| check \| verdict \| statement \|$/m);
  assert.match(md, /\| SEC-PG-001 \| high \| CWE-732 .* \| alice \\\| mapped it \| reports\/x \|/);
  assert.match(md, /\| SEC-CAP-001 \| CWE-400 .* \| UD-CAP-001 \| .* \| events per second: 494 \|/);
  assert.match(md, /checks: 2: 0 pass, 1 by design, 1 exposed, 0 error, 0 not run/);
});

Deno.test("securityMarkdown: a catalog with attacker, expected answer and source shows them", () => {
  const [c] = allChecks();
  const check = { ...c!, attacker: "fd holder", expected: "EPERM", source: "U:1 | U:2" };
  const rows = securityRows([check], [outcome(check.id, { verdict: "pass" })]);
  const md = securityMarkdown(rows, {}, { abi: "user_events", attackers: "users." });
  assert.match(md, /^# user_events security summary$/m);
  assert.match(md, /^\| check \| verdict \| statement \| attacker \| expected \| source \|$/m);
  assert.match(
    md,
    new RegExp(
      `^\\| ${check.id} \\| pass \\| .* \\| fd holder \\| EPERM \\| U:1 \\\\\\| U:2 \\|$`,
      "m",
    ),
  );
});

Deno.test("securityTitle: no title ends in whitespace (a title file is read back trimmed)", () => {
  for (const c of allChecks()) {
    for (const verdict of ["exposed", "by design"] as const) {
      const [row] = securityRows([c], [outcome(c.id, { verdict, exposures: ["x"] })]);
      const title = securityTitle(row!);
      assert.equal(title, title.trim(), c.id);
    }
  }
});
