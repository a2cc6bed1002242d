import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { attachStderr, ktapVerdict, parseKtap, type Verdict } from "./ktap.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);

function testdata(name: string): string {
  return Deno.readTextFileSync(new URL(name, TESTDATA));
}

/** Real output of the selftests in the KASAN guest, 6.12.117 as shipped. */
const REAL: {
  file: string;
  plan: number;
  counts: Record<Verdict, number>;
  verdict: Verdict | "error";
  failed: string[];
}[] = [
  {
    file: "6.12.117-ftrace_test",
    plan: 6,
    counts: { pass: 6, fail: 0, skip: 0 },
    verdict: "pass",
    failed: [],
  },
  {
    file: "6.12.117-dyn_test",
    plan: 4,
    counts: { pass: 2, fail: 2, skip: 0 },
    verdict: "fail",
    failed: ["user.basic_types", "user.loc_types"],
  },
  {
    file: "6.12.117-perf_test",
    plan: 2,
    counts: { pass: 2, fail: 0, skip: 0 },
    verdict: "pass",
    failed: [],
  },
  {
    file: "6.12.117-abi_test",
    plan: 6,
    counts: { pass: 5, fail: 1, skip: 0 },
    verdict: "fail",
    failed: ["user.flags"],
  },
  // The same binaries under strace in the guest (stdout and stderr in one
  // file): slowed down, the cases that fail above pass.
  {
    file: "6.12.117-strace-dyn_test",
    plan: 4,
    counts: { pass: 4, fail: 0, skip: 0 },
    verdict: "pass",
    failed: [],
  },
  {
    file: "6.12.117-strace-abi_test",
    plan: 6,
    counts: { pass: 6, fail: 0, skip: 0 },
    verdict: "pass",
    failed: [],
  },
  // abi_test on 6.12.117 + reverts/02-unreg-clear-bit.patch: enablement catches it.
  {
    file: "revert02-abi_test",
    plan: 6,
    counts: { pass: 4, fail: 2, skip: 0 },
    verdict: "fail",
    failed: ["user.enablement", "user.flags"],
  },
];

for (const t of REAL) {
  Deno.test(`real KTAP: ${t.file}`, () => {
    const doc = parseKtap(testdata(`${t.file}.ktap`));
    assertEquals(doc.errors, []);
    assertEquals(doc.version, 13);
    assertEquals(doc.plan?.count, t.plan);
    assertEquals(doc.counts, t.counts);
    assertEquals(ktapVerdict(doc), t.verdict);
    assertEquals(doc.results.filter((r) => r.verdict === "fail").map((r) => r.name), t.failed);
    assertEquals(doc.results.map((r) => r.number), [...Array(t.plan).keys()].map((i) => i + 1));
    // The harness's RUN and OK/FAIL lines belong to the result that follows them.
    for (const r of doc.results) {
      assertEquals(r.diagnostics.some((d) => d.includes(`RUN           ${r.name}`)), true);
    }
    assertEquals(doc.totals?.pass, t.counts.pass);
    // Every stderr line of a failure is claimed by a failed case.
    const a = attachStderr(doc, testdata(`${t.file}.stderr`));
    assertEquals(a.unclaimed, []);
    assertEquals(
      a.results.filter((r) => r.stderr.length > 0).map((r) => r.name),
      t.failed,
    );
  });
}

Deno.test("real KTAP: abi_test flags failure is attached with its line", () => {
  const doc = parseKtap(testdata("6.12.117-abi_test.ktap"));
  const a = attachStderr(doc, testdata("6.12.117-abi_test.stderr"));
  const flags = a.results.find((r) => r.name === "user.flags")!;
  assertEquals(flags.stderr[0], "abi_test.c:265:flags:Expected 0 (0) == event_delete() (-1)");
});

/** Malformed and edge inputs: what the parser must say. */
const CASES: {
  name: string;
  text: string;
  verdict: Verdict | "error";
  errors: RegExp[];
  counts?: Record<Verdict, number>;
}[] = [
  { name: "empty output", text: "", verdict: "error", errors: [/no output/] },
  {
    name: "version only (died before the plan)",
    text: "TAP version 13\n",
    verdict: "error",
    errors: [/no plan/],
  },
  {
    name: "no version line",
    text: "1..1\nok 1 a\n",
    verdict: "error",
    errors: [/no version/],
  },
  {
    name: "results but no plan",
    text: "TAP version 13\nok 1 a\nok 2 b\n",
    verdict: "error",
    errors: [/no plan.*2 results/],
  },
  {
    name: "truncated: fewer results than planned",
    text: "TAP version 13\n1..3\nok 1 a\n#  RUN           user.b ...\n",
    verdict: "error",
    errors: [/plan says 3 tests.*1 results: truncated/],
  },
  {
    name: "more results than planned",
    text: "TAP version 13\n1..1\nok 1 a\nok 2 b\n",
    verdict: "error",
    errors: [/more results than planned/],
  },
  {
    name: "numbers out of order",
    text: "TAP version 13\n1..2\nok 2 b\nok 1 a\n",
    verdict: "error",
    errors: [/result number 2, expected 1/, /result number 1, expected 2/],
  },
  {
    name: "bail out",
    text: "TAP version 13\n1..2\nok 1 a\nBail out! tracefs missing\n",
    verdict: "error",
    errors: [/bail out: tracefs missing/, /plan says 2/],
  },
  {
    name: "second plan",
    text: "TAP version 13\n1..1\nok 1 a\n1..1\n",
    verdict: "error",
    errors: [/second plan/],
  },
  {
    name: "totals disagree with results",
    text: "TAP version 13\n1..1\nok 1 a\n# Totals: pass:0 fail:1 xfail:0 xpass:0 skip:0 error:0\n",
    verdict: "error",
    errors: [/totals line says fail:1/],
  },
  {
    name: "skip with reason",
    text: "TAP version 13\n1..2\nok 1 a # SKIP no user_events\nok 2 b # skip\n",
    verdict: "skip",
    errors: [],
    counts: { pass: 0, fail: 0, skip: 2 },
  },
  {
    name: "skipped plan",
    text: "TAP version 13\n1..0 # SKIP not root\n",
    verdict: "skip",
    errors: [],
    counts: { pass: 0, fail: 0, skip: 0 },
  },
  {
    name: "not ok with TODO and XFAIL is not a failure",
    text: "TAP version 13\n1..2\nnot ok 1 a # TODO later\nok 2 b # XFAIL known\n",
    verdict: "pass",
    errors: [],
    counts: { pass: 2, fail: 0, skip: 0 },
  },
  {
    name: "failure beats skip",
    text: "KTAP version 1\n1..2\nnot ok 1 a\nok 2 b # SKIP x\n",
    verdict: "fail",
    errors: [],
    counts: { pass: 0, fail: 1, skip: 1 },
  },
  {
    name: "trailing plan, no numbers, CRLF, escaped hash in a name",
    text: "TAP version 13\r\nok - a \\# b\r\nnot ok\r\n1..2\r\n",
    verdict: "fail",
    errors: [],
    counts: { pass: 1, fail: 1, skip: 0 },
  },
  {
    name: "indented subtest lines are diagnostics, not results",
    text: "TAP version 13\n1..1\n    1..1\n    ok 1 sub\nok 1 top\n",
    verdict: "pass",
    errors: [],
    counts: { pass: 1, fail: 0, skip: 0 },
  },
];

for (const c of CASES) {
  Deno.test(`malformed/edge KTAP: ${c.name}`, () => {
    const doc = parseKtap(c.text);
    assertEquals(ktapVerdict(doc), c.verdict);
    assertEquals(doc.errors.length, c.errors.length, doc.errors.join(" | "));
    c.errors.forEach((re, i) => assertEquals(re.test(doc.errors[i]!), true, doc.errors[i]));
    if (c.counts) assertEquals(doc.counts, c.counts);
  });
}

Deno.test("skip reason and trailing diagnostics", () => {
  const doc = parseKtap(
    "TAP version 13\n1..1\n# RUN a\nok 1 a # SKIP no perf\n# PASSED: 1 / 1\n",
  );
  assertEquals(doc.results[0]!.reason, "no perf");
  assertEquals(doc.results[0]!.directive, "SKIP");
  assertEquals(doc.results[0]!.diagnostics, ["RUN a"]);
  assertEquals(doc.trailing, ["PASSED: 1 / 1"]);
});

Deno.test("attachStderr keeps lines of unknown tests apart", () => {
  const doc = parseKtap("TAP version 13\n1..1\nnot ok 1 user.a\n");
  const a = attachStderr(doc, "# x.c:1:a:Expected 1\n# a: Test terminated\nstray\n# x.c:2:b:no\n");
  assertEquals(a.results[0]!.stderr, ["x.c:1:a:Expected 1", "a: Test terminated"]);
  assertEquals(a.unclaimed, ["stray", "x.c:2:b:no"]);
});
