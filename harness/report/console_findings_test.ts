import assert from "node:assert/strict";
import { consoleFindings } from "./console_findings.ts";

const EXITED = { kind: "exited", code: 0 } as const;

/** A real kernel BUG report (testdata captured in the VM), without the lines around it. */
const BUG = Deno.readTextFileSync(new URL("../console/testdata/bug", import.meta.url))
  .split("\n").filter((l) => /^\[\s*\d+\.\d+\]/.test(l)).slice(278, 318).join("\n");

const BOOTED = "[   11.002218] udiag-vm: booted 6.12.118 cpus=2";
const RUNNING = "[   12.040811] udiag-vm: running: deno test -A conformance";
const MARK = "[   12.842116] udiag-fuzz[70]: conformance/UD-WR-001: start";

/** Where each finding is attributed, and what it is called, for a console and failed modules. */
const TABLE: [string, string[], string[], string[]][] = [
  ["a clean load", [BOOTED, RUNNING, MARK], [], []],
  ["insmod refused with no kernel report", [BOOTED, RUNNING], ["udiag.ko"], [
    "load: udiag.ko failed to load @load",
  ]],
  ["a BUG while loading: the report is the finding", [BOOTED, BUG, RUNNING], ["udiag.ko"], [
    "kernel BUG in lkdtm_BUG @load",
  ]],
  ["a BUG in a rule", [BOOTED, RUNNING, MARK, BUG], [], [
    "kernel BUG in lkdtm_BUG @conformance/UD-WR-001",
  ]],
  ["a BUG while booting", [BUG, BOOTED, RUNNING], [], ["kernel BUG in lkdtm_BUG @boot"]],
];

for (const [name, lines, failed, want] of TABLE) {
  Deno.test(`consoleFindings(): ${name}`, () => {
    const got = consoleFindings(lines.join("\n"), EXITED, {}, failed);
    assert.deepEqual(got.map((f) => `${f.title} @${f.case}`), want);
  });
}

Deno.test("consoleFindings(): a load failure keeps the console up to the command as evidence", () => {
  const [f] = consoleFindings([BOOTED, "[ 11.5] insmod: ENOMEM", RUNNING].join("\n"), EXITED, {}, [
    "udiag.ko",
  ]);
  assert.equal(f?.type, "LOAD");
  assert.match(f?.log ?? "", /insmod: ENOMEM[\s\S]*running:/);
});
