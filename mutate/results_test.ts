import assert from "node:assert/strict";
import { mutants } from "./operators.ts";
import {
  byCause,
  killingFinding,
  mergeRuns,
  type MutantResult,
  type MutateRun,
  resultsJson,
  score,
  summaryMarkdown,
} from "./results.ts";

const SRC = "int f(int x)\n{\n\tif (x > MAX_X)\n\t\treturn -EBUSY;\n\tmutex_lock(&m);\n" +
  "\tx++;\n\tmutex_unlock(&m);\n\treturn 0;\n}\n";
const [negate, relax, plus, minus, drop, swap, lock] = mutants("kmod/f.c", SRC);

const RESULTS: readonly MutantResult[] = [
  {
    mutant: negate!,
    status: "killed",
    killedBy: {
      finding: "[UD-REG-001] register | returns an index",
      suite: "conformance",
      seconds: 12.4,
    },
  },
  { mutant: relax!, status: "survived" },
  { mutant: plus!, status: "timed-out" },
  { mutant: minus!, status: "equivalent", equivalentReason: "MAX_X - 1 is never reached" },
  {
    mutant: drop!,
    status: "did-not-build",
    buildError: "f.c:9:1: error: control reaches end\nmore",
  },
  {
    mutant: lock!,
    status: "killed",
    killedBy: { finding: "possible deadlock in f", suite: "fuzz", seconds: 61 },
  },
  { mutant: swap!, status: "survived" },
];

const RUN: MutateRun = {
  target: "kmod",
  command: "deno task mutate --target kmod --time 60",
  date: "2025-06-01T10:00:00Z",
  baseline: ["WARNING in diag_probe_perf"],
  results: RESULTS,
};

const SCORES: readonly { name: string; statuses: MutantResult["status"][]; want: number | null }[] =
  [
    { name: "no mutant", statuses: [], want: null },
    {
      name: "only unbuilt and equivalent mutants",
      statuses: ["did-not-build", "equivalent"],
      want: null,
    },
    { name: "all killed", statuses: ["killed", "killed", "did-not-build"], want: 1 },
    { name: "a timed-out mutant as not killed", statuses: ["killed", "timed-out"], want: 0.5 },
    { name: "survivors", statuses: ["killed", "survived", "survived", "equivalent"], want: 1 / 3 },
    { name: "duplicates count once", statuses: ["killed", "duplicate", "survived"], want: 1 / 2 },
  ];

for (const { name, statuses, want } of SCORES) {
  Deno.test(`score() counts ${name}`, () => {
    const s = score(statuses.map((status) => ({ mutant: negate!, status })));
    assert.equal(s.score, want);
    assert.equal(s.total, statuses.length);
    assert.equal(
      s.killed + s.survived + s.timedOut + s.didNotBuild + s.equivalent + s.duplicate,
      statuses.length,
    );
  });
}

Deno.test("score() gives every count", () => {
  assert.deepEqual(score(RESULTS), {
    total: 7,
    killed: 2,
    survived: 2,
    timedOut: 1,
    didNotBuild: 1,
    equivalent: 1,
    duplicate: 0,
    scored: 5,
    score: 0.4,
  });
});

Deno.test("a duplicate (the code of an earlier mutant) shares its verdict and counts once", () => {
  const dup: MutantResult = {
    mutant: swap!,
    status: "duplicate",
    duplicateOf: { id: negate!.id, status: "killed" },
    code: "0123456789abcdef",
  };
  const results = [RESULTS[0]!, dup];
  assert.deepEqual(
    [score(results).scored, score(results).killed, score(results).duplicate],
    [1, 1, 1],
  );
  const md = summaryMarkdown({ ...RUN, results });
  assert.ok(
    md.includes(
      `| ${swap!.id} | swap-errno | kmod/f.c:4 | duplicate | the same object code as ${
        negate!.id
      } (killed); not run again |`,
    ),
    md,
  );
  assert.match(md, /1 equivalent|0 equivalent, 1 duplicate/);
  assert.equal(JSON.parse(resultsJson({ ...RUN, results })).results[1].duplicateOf.id, negate!.id);
  const told = summaryMarkdown({ ...RUN, results, disagreements: ["x and y disagreed"] });
  assert.match(
    told,
    /\*\*Runs that disagreed on the same object code[^\n]*\n- x and y disagreed$/m,
  );
  assert.doesNotMatch(told, /the judgment is wrong/);
});

const KILLS: readonly { name: string; base: string[]; got: string[]; want: string | null }[] = [
  { name: "nothing new", base: ["a", "b"], got: ["b", "a"], want: null },
  { name: "no findings at all", base: [], got: [], want: null },
  { name: "the first new title", base: ["a"], got: ["a", "c", "d"], want: "c" },
  {
    name: "titles compared exactly",
    base: ["WARNING in f"],
    got: ["WARNING in f "],
    want: "WARNING in f ",
  },
  { name: "a finding the baseline lost", base: ["a", "b"], got: ["a"], want: null },
  {
    name: "a broken consumer on another CPU after the same rule is the baseline's",
    base: ["health: ftrace stopped working on CPU 1 after conformance UD-WR-007"],
    got: ["health: ftrace stopped working on CPU 0 after conformance UD-WR-007"],
    want: null,
  },
  {
    name: "a broken consumer after another rule is new",
    base: ["health: ftrace stopped working on CPU 1 after conformance UD-WR-007"],
    got: ["health: ftrace stopped working on CPU 1 after conformance UD-WR-006"],
    want: "health: ftrace stopped working on CPU 1 after conformance UD-WR-006",
  },
  {
    name: "a leaked preempt count noticed in another frame is the baseline's",
    base: ["BUG: scheduling while atomic on return to user mode"],
    got: ["BUG: scheduling while atomic in rwsem_down_read_slowpath"],
    want: null,
  },
  {
    name: "another BUG in the same frame is new",
    base: ["BUG: scheduling while atomic in diag_probe_trace"],
    got: ["BUG: sleeping function called from invalid context in diag_probe_trace"],
    want: "BUG: sleeping function called from invalid context in diag_probe_trace",
  },
  {
    name: "a list repeated more or fewer times is the same finding",
    base: ["conformance UD-MM-006: other non-zero bytes returned N=N,…, expected none"],
    got: ["conformance UD-MM-006: other non-zero bytes returned N=N,N=N,N=N, expected none"],
    want: null,
  },
];

for (const { name, base, got, want } of KILLS) {
  Deno.test(`killingFinding(): ${name}`, () => {
    assert.equal(killingFinding(base, got), want);
  });
}

Deno.test("summaryMarkdown() has the score, a row per operator and per mutant, survivors' diffs", () => {
  const md = summaryMarkdown(RUN);
  assert.match(md, /^# Mutation analysis: kmod\n/);
  assert.match(md, /^- Command: `deno task mutate --target kmod --time 60`$/m);
  assert.match(md, /^ {2}- WARNING in diag_probe_perf$/m);
  assert.match(md, /^\*\*Score: 40\.0% \(2 of 5 killed\)\*\*; 7 mutants: 2 survived, 1 timed out/m);
  assert.match(md, /^\| negate-cmp \| 1 \| 1 \| 1 \| 100\.0% \|$/m);
  assert.match(md, /^\| off-by-one \| 0 \| 1 \| 2 \| 0\.0% \|$/m);
  assert.match(md, /^\| drop-errno-return \| 0 \| 0 \| 1 \| n\/a \|$/m);
  assert.doesNotMatch(md, /^\| swap-copy \|/m);
  // A title's "|" is escaped so the row keeps its columns.
  assert.ok(md.includes(
    `| ${negate!.id} | negate-cmp | kmod/f.c:3 | killed | ` +
      "[UD-REG-001] register \\| returns an index (conformance, 12 s) | " +
      "`>` to `<=` in `if (x > MAX_X)` |",
  ));
  assert.ok(md.includes(
    `| ${drop!.id} | drop-errno-return | kmod/f.c:4 | did-not-build | ` +
      "f.c:9:1: error: control reaches end |",
  ));
  assert.ok(md.includes(`| ${minus!.id} | off-by-one | kmod/f.c:3 | equivalent | MAX_X - 1 is`));
  // Survived and timed-out mutants show their diff; killed ones do not.
  assert.ok(md.includes(`### ${relax!.id}: relax-cmp at kmod/f.c:3 (survived)\n\n\`\`\`diff\n`));
  assert.ok(md.includes(`### ${plus!.id}: off-by-one at kmod/f.c:3 (timed-out)`));
  assert.ok(md.includes("-\tif (x > MAX_X)\n+\tif (x >= MAX_X)\n```"));
  assert.ok(!md.includes(`### ${lock!.id}`));
  assert.ok(md.endsWith("```\n"));
});

Deno.test("summaryMarkdown() of a run with nothing", () => {
  const md = summaryMarkdown({ ...RUN, baseline: [], results: [] });
  assert.match(md, /^- Baseline findings: none$/m);
  assert.match(md, /\*\*Score: n\/a \(0 of 0 killed\)\*\*/);
  assert.doesNotMatch(md, /## Not killed/);
});

Deno.test("resultsJson() writes the run, the score and each mutant's outcome", () => {
  const j = JSON.parse(resultsJson(RUN));
  assert.deepEqual(Object.keys(j), [
    "version",
    "target",
    "command",
    "date",
    "baseline",
    "warnings",
    "score",
    "results",
  ]);
  assert.deepEqual(j.score, score(RESULTS));
  assert.deepEqual(j.results[0], {
    id: negate!.id,
    operator: "negate-cmp",
    status: "killed",
    file: "kmod/f.c",
    line: 3,
    column: 8,
    description: "`>` to `<=` in `if (x > MAX_X)`",
    killedBy: {
      finding: "[UD-REG-001] register | returns an index",
      suite: "conformance",
      seconds: 12.4,
    },
    diff: negate!.diff,
    edits: [{ line: 3, original: "\tif (x > MAX_X)", mutated: "\tif (x <= MAX_X)" }],
  });
  assert.equal(j.results[5].edits.length, 2);
  assert.equal(j.results[4].buildError, "f.c:9:1: error: control reaches end\nmore");
  assert.ok(resultsJson(RUN).endsWith("}\n"));
});

Deno.test("summaryMarkdown() names the equivalents file and every refuted judgment", () => {
  const md = summaryMarkdown({
    ...RUN,
    equivalentFile: "mutate/equivalent/udiag-kmod.json",
    warnings: ["0b63834f: listed as equivalent, but conformance UD-X-001"],
  });
  assert.match(md, /judged, with reasons, in `mutate\/equivalent\/udiag-kmod\.json`/);
  assert.match(md, /the judgment is wrong\):\*\*\n- 0b63834f: listed as equivalent/);
  assert.deepEqual(JSON.parse(resultsJson({ ...RUN, warnings: ["w"] })).warnings, ["w"]);
});

Deno.test("byCause(): kernel reports first, then by when first seen", () => {
  const f = [
    { title: "UD-MM-002 died (stopped)", kind: "rule", at: 10 },
    { title: "health: canary", kind: "health", at: 5 },
    { title: "WARNING in trace_remove_event_call", kind: "kernel", at: 12 },
    { title: "KASAN", kind: "kernel", at: 11 },
  ];
  assert.deepEqual([...f].sort(byCause).map((x) => x.title), [
    "KASAN",
    "WARNING in trace_remove_event_call",
    "health: canary",
    "UD-MM-002 died (stopped)",
  ]);
});

Deno.test("mergeRuns(): a title any baseline run filed is known, once, as first seen; suites apart", () => {
  const runs = [
    { conformance: [{ title: "health: ftrace broken after UD-WR-005", kind: "health", at: 10 }] },
    {
      conformance: [
        { title: "health: ftrace broken after UD-WR-006", kind: "health", at: 20 },
        { title: "health: ftrace broken after UD-WR-005", kind: "health", at: 30 },
      ],
      fuzz: [{ title: "fuzz: enable byte left set", at: 40 }],
    },
  ];
  const m = mergeRuns(runs);
  assert.deepEqual(m.conformance!.map((f) => [f.title, f.at]), [
    ["health: ftrace broken after UD-WR-005", 10],
    ["health: ftrace broken after UD-WR-006", 20],
  ]);
  assert.deepEqual(m.fuzz!.map((f) => f.title), ["fuzz: enable byte left set"]);
  assert.equal(
    killingFinding(m.conformance!.map((f) => f.title), ["health: ftrace broken after UD-WR-006"]),
    null,
  );
  assert.deepEqual(mergeRuns([]), {});
});

Deno.test("summaryMarkdown() says which kills were confirmed by reruns (after how many rules) and which were not counted", () => {
  const [a, b] = mutants("f.c", "int f(void)\n{\n\treturn -EBUSY;\n}\n", ["swap-errno"])
    .concat(mutants("f.c", "int f(void)\n{\n\treturn -EBUSY;\n}\n", ["drop-errno-return"]));
  const md = summaryMarkdown({
    target: "patch:x",
    command: "deno task mutate",
    date: "2025-01-01",
    baseline: ["conformance UD-WR-005: died"],
    results: [
      {
        mutant: a!,
        status: "killed",
        killedBy: {
          finding: "conformance UD-WR-005: returned ok 16",
          suite: "conformance",
          seconds: 9,
          confirmed: { rule: "UD-WR-005", runs: 3 },
        },
      },
      {
        mutant: b!,
        status: "survived",
        voided: [{
          finding: "conformance UD-WR-005: returned ok 16",
          rule: "UD-WR-005",
          seen: 1,
          runs: 3,
          before: 4,
        }],
      },
    ],
  });
  assert.match(
    md,
    /returned ok 16 \(conformance, 9 s\); not filed by 3 reruns of UD-WR-005 on the unmutated target \|/,
  );
  assert.match(
    md,
    /\| survived \| not counted: conformance UD-WR-005: returned ok 16 \(the unmutated target filed it in 1 of 3 reruns of UD-WR-005 after the 4 rule\(s\) before it\) \|/,
  );
});
