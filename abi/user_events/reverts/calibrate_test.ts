import assert from "node:assert/strict";
import {
  calibrationMarkdown,
  conformanceResult,
  type KernelRow,
  newOver,
  type SuiteResult,
} from "./calibrate.ts";

const suite = (found: string[], secs = 60): SuiteResult => ({
  ran: true,
  found,
  seconds: Object.fromEntries(found.map((f) => [f, secs])),
});

Deno.test("newOver(): what a revert's run finds that the shipped kernel's does not", () => {
  const base = suite(["UE-DEL-004"]);
  assert.deepEqual(newOver(suite(["UE-DEL-004", "UE-REG-003"]), base), ["UE-REG-003"]);
  assert.deepEqual(newOver(suite(["UE-DEL-004"]), base), []);
  assert.deepEqual(newOver(null, base), []);
  // A timing-dependent rule that passed on the shipped run is still not the revert's doing.
  assert.deepEqual(newOver(suite(["UE-DEL-004", "UE-REG-014"]), suite(["UE-REG-014"])), []);
});

Deno.test("calibrationMarkdown(): the baseline's own failures, and per revert only what is new", () => {
  const rows: KernelRow[] = [
    {
      revert: null,
      buildSeconds: 0,
      conformance: suite(["UE-DEL-004"]),
      peer: suite(["abi_test/user.flags"]),
      fuzz: null,
    },
    {
      revert: "03-same-addr-bit.patch",
      buildSeconds: 85,
      conformance: suite(["UE-DEL-004", "UE-REG-003"], 170),
      peer: suite(["abi_test/user.flags", "ftrace_test/user.register_events"], 200),
      fuzz: null,
    },
    {
      revert: "07-create-name-leak.patch",
      buildSeconds: 80,
      conformance: suite(["UE-DEL-004"]),
      peer: { ran: false, found: [], seconds: {}, note: "peer exited 255, no results" },
      fuzz: null,
    },
  ];
  const md = calibrationMarkdown(rows, "2026-12-02", "deno task calibrate");
  assert.match(
    md,
    /\| shipped \(baseline\) \| 0 \| UE-DEL-004 \| abi_test\/user.flags \| not run \|/,
  );
  assert.match(
    md,
    /\| `03-same-addr-bit.patch` \| 85 \| UE-REG-003 \(170 s\) \| ftrace_test\/user.register_events \(200 s\) \| not run \|/,
  );
  assert.match(
    md,
    /\| `07-create-name-leak.patch` \| 80 \| nothing new \| nothing new; did not run to its end \(peer exited 255, no results\) \| not run \|/,
  );
});

Deno.test("conformanceResult(): a run that rebooted after a kernel report still ran to its end", () => {
  const row = (id: string, verdict: string) => ({ rule: { id }, verdict });
  const r = conformanceResult([row("UE-WRITE-001", "fail"), row("UE-WRITE-002", "pass")], 255, 90);
  assert.deepEqual(r, { ran: true, found: ["UE-WRITE-001"], seconds: { "UE-WRITE-001": 90 } });
  const part = conformanceResult(
    [row("UE-WRITE-001", "fail"), row("UE-WRITE-002", "not run")],
    255,
    90,
  );
  assert.equal(part.ran, false);
  assert.equal(part.note, "1 rule(s) without a verdict, exit 255");
});
