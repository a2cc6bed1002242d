import assert from "node:assert/strict";
import { confirmationRule, rerunRules } from "./confirm.ts";

const IDS = ["UD-WR-005", "UD-WR-007", "UD-DEL-001", "UD-REG-011"];
const BASE = [
  "WARNING in trace_add_event_call",
  "conformance UD-WR-005: the test process or the kernel died during this rule (exit 139); see the kernel reports",
  "health: ftrace stopped working on CPU 1 after conformance UD-WR-007",
];

const CASES: readonly { name: string; title: string; want: string | null }[] = [
  {
    name: "a rule the baseline failed, failing another way",
    title: "conformance UD-WR-005: write from NULL, traced returned ok 16, expected EFAULT",
    want: "UD-WR-005",
  },
  {
    name: "a broken consumer after a rule the baseline left one broken after",
    title: "health: perf event counter stopped working on CPU 0 after conformance UD-WR-007",
    want: "UD-WR-007",
  },
  {
    name: "a rule the baseline passed: any failure is new",
    title: "conformance UD-REG-011: indexes shared among 32 names registered at once",
    want: null,
  },
  {
    name: "a kernel report names no rule",
    title: "KASAN: use-after-free in diag_dev_ioctl",
    want: null,
  },
  {
    name: "an ID inside a longer one is not the rule",
    title: "conformance UD-WR-0055: x",
    want: null,
  },
];

for (const { name, title, want } of CASES) {
  Deno.test(`confirmationRule(): ${name}`, () => {
    assert.equal(confirmationRule(title, BASE, IDS), want);
  });
}

const RAN = ["UD-REG-008", "UD-WR-005", "UD-WR-006", "UD-WR-007", "UD-MM-003"];

const RERUNS: readonly { name: string; rule: string; ran: readonly string[]; want: string[] }[] = [
  {
    name: "the rules before it in the mutant's run come first, the ones after do not run",
    rule: "UD-WR-007",
    ran: RAN,
    want: ["UD-REG-008", "UD-WR-005", "UD-WR-006", "UD-WR-007"],
  },
  {
    name: "the first rule of the run reruns alone",
    rule: "UD-REG-008",
    ran: RAN,
    want: ["UD-REG-008"],
  },
  {
    name: "a rule the run did not have reruns alone",
    rule: "UD-DEL-001",
    ran: RAN,
    want: ["UD-DEL-001"],
  },
];

for (const { name, rule, ran, want } of RERUNS) {
  Deno.test(`rerunRules(): ${name}`, () => {
    assert.deepEqual(rerunRules(rule, ran), want);
  });
}
