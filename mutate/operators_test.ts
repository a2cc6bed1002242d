import assert from "node:assert/strict";
import { applyMutant, type Mutant, mutants, type OperatorName, OPERATORS } from "./operators.ts";
import { addedFile } from "./added_file.ts";

const UDIAG_C = "abi/udiag/kmod/udiag.c";
const RFC_C = "kernel/trace/trace_events_udiag.c";
const udiagC = Deno.readTextFileSync(new URL(`../${UDIAG_C}`, import.meta.url));
const rfcC = addedFile(
  Deno.readTextFileSync(new URL("../abi/udiag/rfc/000_aa391f59f6e4613c.txt", import.meta.url)),
  RFC_C,
);

/** `body` as the inside of a function: its first line is line 3. */
function fn(body: string): string {
  return `int f(int x)\n{\n${body}\n}\n`;
}

/** Each mutant as "line:mutated line" (every edit, joined by " | "). */
function shownMutants(src: string, only: OperatorName): string[] {
  return mutants("f.c", src, [only]).map((m) =>
    m.edits.map((e) => `${e.line}:${e.mutated}`).join(" | ")
  );
}

interface Row {
  readonly name: string;
  readonly op: OperatorName;
  readonly body: string;
  /** "line:mutated line" per mutant, lines counted in `fn(body)`. */
  readonly want: readonly string[];
}

const ROWS: readonly Row[] = [
  // drop-errno-return
  {
    name: "empties an unbraced if's return",
    op: "drop-errno-return",
    body: "\tif (x)\n\t\treturn -EBUSY;",
    want: ["4:\t\t;"],
  },
  {
    name: "keeps the if of a one-line return",
    op: "drop-errno-return",
    body: "\tif (x) return -EINVAL;",
    want: ["3:\tif (x) ;"],
  },
  {
    name: "takes a parenthesised errno",
    op: "drop-errno-return",
    body: "\treturn (-EIO);",
    want: ["3:\t;"],
  },
  {
    name: "takes a kernel-internal errno",
    op: "drop-errno-return",
    body: "\treturn -EPROBE_DEFER;",
    want: ["3:\t;"],
  },
  {
    name: "leaves PTR_ERR, variables and 0 alone",
    op: "drop-errno-return",
    body: "\treturn PTR_ERR(p);\n\treturn -ret;\n\treturn 0;\n\treturn -EINVAL + x;",
    want: [],
  },
  // drop-ref
  {
    name: "removes a reference-taking call statement",
    op: "drop-ref",
    body: "\tkref_get(&o->ref);\n\tif (x)\n\t\tget_device(dev);\n\telse dget(d);",
    want: ["3:\t;", "5:\t\t;", "6:\telse ;"],
  },
  {
    name: "removes an unused *_get() and a refs++",
    op: "drop-ref",
    body: "\tof_node_get(np);\n\to->file_refs++;\n\to->count++;",
    want: ["3:\t;", "4:\t;"],
  },
  {
    name: "leaves a reference whose value is used",
    op: "drop-ref",
    body: "\tp = foo_get(q);\n\tif (!try_module_get(THIS_MODULE))\n\t\treturn -ENODEV;\n" +
      "\treturn bar_get(x);\n\tstruct d *d = dget(x);\n\tatomic_inc_return(&r);",
    want: [],
  },
  {
    name: "leaves a statement over two lines",
    op: "drop-ref",
    body: "\tkref_get(\n\t\t&o->ref);",
    want: [],
  },
  // negate-cmp
  {
    name: "negates each comparison of a condition",
    op: "negate-cmp",
    body:
      "\tif (a == b || p->x > 1)\n\t\tx++;\n\twhile (a < b && c >= d && e != f && g <= h)\n\t\tx++;",
    want: [
      "3:\tif (a != b || p->x > 1)",
      "3:\tif (a == b || p->x <= 1)",
      "5:\twhile (a >= b && c >= d && e != f && g <= h)",
      "5:\twhile (a < b && c < d && e != f && g <= h)",
      "5:\twhile (a < b && c >= d && e == f && g <= h)",
      "5:\twhile (a < b && c >= d && e != f && g > h)",
    ],
  },
  {
    name: "follows a condition onto its next line",
    op: "negate-cmp",
    body: "\tif (a &&\n\t    b != c)\n\t\tx++;",
    want: ["4:\t    b == c)"],
  },
  {
    name: "leaves shifts, arrows and comparisons outside conditions alone",
    op: "negate-cmp",
    body: "\tif (a << 2 || a >> 1 || p->q)\n\t\tx = a < b;\n\treturn a == b;\n" +
      "\tfor (i = 0; i < n; i++)\n\t\tx += i;\n\tx >>= 1;\n\tx <<= 1;",
    want: [],
  },
  // relax-cmp
  {
    name: "moves each bound by its equality",
    op: "relax-cmp",
    body: "\tif (a < b || c > d || e <= f || g >= h || i == j || k != l)\n\t\tx++;",
    want: [
      "3:\tif (a <= b || c > d || e <= f || g >= h || i == j || k != l)",
      "3:\tif (a < b || c >= d || e <= f || g >= h || i == j || k != l)",
      "3:\tif (a < b || c > d || e < f || g >= h || i == j || k != l)",
      "3:\tif (a < b || c > d || e <= f || g > h || i == j || k != l)",
    ],
  },
  // off-by-one
  {
    name: "moves a constant or a literal side by one",
    op: "off-by-one",
    body: "\tif (n >= MAX_X)\n\t\tx++;\n\tif (0x10UL == n)\n\t\tx++;",
    want: [
      "3:\tif (n >= MAX_X + 1)",
      "3:\tif (n >= MAX_X - 1)",
      "5:\tif (0x10UL + 1 == n)",
      "5:\tif (0x10UL - 1 == n)",
    ],
  },
  {
    name: "leaves variables, expressions, macros calls and NULL alone",
    op: "off-by-one",
    body: "\tif (n < max || n < MAX * 2 || n < ARRAY_SIZE(a) || p == NULL || !N == m)\n\t\tx++;",
    want: [],
  },
  // swap-errno
  {
    name: "swaps a returned or assigned errno",
    op: "swap-errno",
    body: "\tret = -EPERM;\n\tret = -EACCES;\n\treturn -EMFILE;\n\treturn -EIO;\n" +
      "\treturn -EINVAL;\n\treturn -EFAULT;",
    want: [
      "3:\tret = -EACCES;",
      "4:\tret = -EPERM;",
      "5:\treturn -ENOSPC;",
      "6:\treturn -EINVAL;",
      "7:\treturn -EFAULT;",
      "8:\treturn -EINVAL;",
    ],
  },
  {
    name: "leaves a compared errno alone",
    op: "swap-errno",
    body: "\tif (ret == -EINVAL || ret != -EBUSY)\n\t\tx++;\n\tret |= -EIO;",
    want: [],
  },
  // drop-lock
  {
    name: "removes a lock and its unlock",
    op: "drop-lock",
    body: "\tmutex_lock(&m);\n\tx++;\n\tmutex_unlock(&m);",
    want: ["3:\t; | 5:\t;"],
  },
  {
    name: "removes every unlock of the lock on each path",
    op: "drop-lock",
    body: "\tspin_lock_irqsave(&d->lock, flags);\n\tif (x) {\n" +
      "\t\tspin_unlock_irqrestore(&d->lock, flags);\n\t\treturn -EBUSY;\n\t}\n" +
      "\tspin_unlock(&other);\n\tspin_unlock_irqrestore(&d->lock, flags);",
    want: ["3:\t; | 5:\t\t; | 9:\t;"],
  },
  {
    name: "pairs each of two sections with its own unlock",
    op: "drop-lock",
    body: "\trcu_read_lock();\n\tx++;\n\trcu_read_unlock();\n" +
      "\trcu_read_lock();\n\tx--;\n\trcu_read_unlock();",
    want: ["3:\t; | 5:\t;", "6:\t; | 8:\t;"],
  },
  {
    name: "leaves a lock with no unlock in its function",
    op: "drop-lock",
    body: "\tmutex_lock(&m);\n\tx++;\n}\n\nvoid g(void)\n{\n\tmutex_unlock(&m);",
    want: [],
  },
  {
    name: "puts a lock and its unlock on one line into one edit",
    op: "drop-lock",
    body: "\tpreempt_disable(); x++; preempt_enable();",
    want: ["3:\t; x++; ;"],
  },
  // drop-bit-clear
  {
    name: "removes a bit clear statement",
    op: "drop-bit-clear",
    body: "\tclear_bit(i, map);\n\t__clear_bit(i, map);\n\tbitmap_clear(map, 0, n);\n" +
      "\td->flags &= ~BIT(3);\n\tvm_flags_clear(vma, VM_MAYWRITE);",
    want: ["3:\t;", "4:\t;", "5:\t;", "6:\t;", "7:\t;"],
  },
  {
    name: "leaves a tested clear and a masked assignment alone",
    op: "drop-bit-clear",
    body: "\tif (test_and_clear_bit(i, map))\n\t\tx++;\n\tx = y & ~z;\n\tx = clear_bit_count(m);",
    want: [],
  },
  // swap-copy
  {
    name: "swaps the copy direction",
    op: "swap-copy",
    body: "\tif (copy_from_user(k, u, n))\n\t\treturn -EFAULT;\n\tx = __copy_to_user(u, k, n);",
    want: ["3:\tif (copy_to_user(k, u, n))", "5:\tx = __copy_from_user(u, k, n);"],
  },
  {
    name: "leaves strncpy_from_user alone",
    op: "swap-copy",
    body: "\tx = strncpy_from_user(k, u, n);",
    want: [],
  },
];

for (const row of ROWS) {
  Deno.test(`mutants() ${row.op}: ${row.name}`, () => {
    assert.deepEqual(shownMutants(fn(row.body), row.op), row.want);
  });
}

/** Text every operator would mutate if it were code. */
const BAIT = "\tif (x == MAX_X)\n\t\treturn -EINVAL;\n\tmutex_lock(&m);\n\tkref_get(&r);\n" +
  "\tclear_bit(1, b);\n\tcopy_from_user(k, u, n);\n\tmutex_unlock(&m);";

const SKIPPED: readonly { name: string; body: string }[] = [
  { name: "a line comment", body: BAIT.replace(/^/gm, "//") },
  { name: "a block comment over lines", body: `/*\n${BAIT}\n */` },
  { name: "a string", body: `\tputs("${BAIT.replace(/\n/g, " ")}");` },
  { name: "a character literal", body: "\tc = '<';\n\td = '\\'';\n\tif (e && '>')\n\t\tx++;" },
  { name: "an #ifdef UDIAG_BROKEN_ block", body: `#ifdef UDIAG_BROKEN_X\n${BAIT}\n#endif` },
  {
    name: "both branches of an #ifdef UDIAG_BROKEN_ block, nested #if included",
    body: `#ifdef UDIAG_BROKEN_X\n#ifdef CONFIG_Y\n${BAIT}\n#endif\n#else\n${BAIT}\n#endif`,
  },
  {
    name: "an #if defined(UDIAG_BROKEN_) block",
    body: `#if defined(UDIAG_BROKEN_X)\n${BAIT}\n#endif`,
  },
  {
    name: "the #else branch of #ifndef UDIAG_BROKEN_",
    body: `#ifndef UDIAG_BROKEN_X\n#else\n${BAIT}\n#endif`,
  },
  {
    name: "preprocessor lines and their continuations",
    body: "#define CHECK(a) \\\n\tif (a == MAX_X) \\\n\t\treturn -EINVAL;\n#if X > 1\n#endif",
  },
];

for (const { name, body } of SKIPPED) {
  Deno.test(`mutants() skips ${name}`, () => {
    assert.deepEqual(mutants("f.c", fn(body)), []);
  });
}

Deno.test("mutants() mutates code after a BROKEN block and in #ifndef UDIAG_BROKEN_", () => {
  const src = fn(
    "#ifdef UDIAG_BROKEN_X\n\tif (x)\n\t\treturn -EIO;\n#endif\n" +
      "#ifndef UDIAG_BROKEN_Y\n\tif (x)\n\t\treturn -EBUSY;\n#endif\n\treturn -ENOENT;",
  );
  assert.deepEqual(mutants("f.c", src, ["drop-errno-return"]).map((m) => m.line), [9, 11]);
});

Deno.test("mutants() skips MODULE_*() lines, over several lines too", () => {
  const src =
    'MODULE_DESCRIPTION("a == b");\nMODULE_PARM_DESC(x,\n\t"if (x == 1) return -EINVAL;");\n' +
    "MODULE_ALIAS(copy_from_user(a,\n\tx = -EINVAL));\n";
  assert.deepEqual(mutants("f.c", src), []);
});

Deno.test("mutants() orders by line, column, then operator", () => {
  const all = mutants(UDIAG_C, udiagC);
  const rank = (m: Mutant) => OPERATORS.findIndex((o) => o.name === m.operator);
  for (let i = 1; i < all.length; i++) {
    const [a, b] = [all[i - 1]!, all[i]!];
    assert.ok(
      a.line < b.line || (a.line === b.line &&
        (a.column < b.column || (a.column === b.column && rank(a) <= rank(b)))),
      `${a.id} before ${b.id}`,
    );
  }
});

Deno.test("mutants() is deterministic and its ids do not change between versions", () => {
  assert.deepEqual(mutants(UDIAG_C, udiagC), mutants(UDIAG_C, udiagC));
  // The ids key the build and run caches: a change here invalidates them. Worked out apart:
  // FNV-1a 32 of ["f.c", "drop-errno-return", "3", "2", "3:\t;"] joined by NULs (file, operator,
  // line, column, then "line:mutated" per edit).
  assert.deepEqual(mutants("f.c", fn("\treturn -EBUSY;")).map((m) => `${m.operator}:${m.id}`), [
    "drop-errno-return:beb2893d",
    "swap-errno:b9c48f05",
  ]);
});

Deno.test("mutants() keeps only the named operators and refuses unknown ones", () => {
  const only = mutants(UDIAG_C, udiagC, ["drop-lock", "swap-errno"]);
  assert.deepEqual([...new Set(only.map((m) => m.operator))].sort(), ["drop-lock", "swap-errno"]);
  assert.throws(
    () => mutants("f.c", "", ["drop-all" as OperatorName]),
    new RangeError('Unknown mutation operator "drop-all"'),
  );
});

Deno.test("mutants() fields: first edit, column, description and diff", () => {
  const src = fn("\tif (x)\n\t\treturn -EBUSY;");
  const [drop, swap] = mutants("kmod/f.c", src);
  assert.deepEqual(drop, {
    id: drop!.id,
    operator: "drop-errno-return",
    file: "kmod/f.c",
    line: 4,
    column: 3,
    original: "\t\treturn -EBUSY;",
    mutated: "\t\t;",
    description: "remove `return -EBUSY;`",
    diff: "--- a/kmod/f.c\n+++ b/kmod/f.c\n@@ -4,1 +4,1 @@\n-\t\treturn -EBUSY;\n+\t\t;\n",
    edits: [{ line: 4, original: "\t\treturn -EBUSY;", mutated: "\t\t;" }],
  });
  assert.equal(swap!.column, 11);
  assert.equal(swap!.description, "`-EBUSY` to `-EINVAL`");
});

Deno.test("mutants() drop-lock: one hunk per edit in the diff", () => {
  const [m] = mutants("f.c", fn("\tmutex_lock(&m);\n\tx++;\n\tmutex_unlock(&m);"), ["drop-lock"]);
  assert.equal(m!.description, "remove `mutex_lock(&m);` and `mutex_unlock(&m);`");
  assert.equal(
    m!.diff,
    "--- a/f.c\n+++ b/f.c\n@@ -3,1 +3,1 @@\n-\tmutex_lock(&m);\n+\t;\n" +
      "@@ -5,1 +5,1 @@\n-\tmutex_unlock(&m);\n+\t;\n",
  );
});

Deno.test("applyMutant() changes exactly the mutant's lines", () => {
  for (const m of [...mutants(UDIAG_C, udiagC), ...mutants(RFC_C, rfcC)]) {
    const src = m.file === UDIAG_C ? udiagC : rfcC;
    const before = src.split("\n");
    const after = applyMutant(src, m).split("\n");
    assert.equal(after.length, before.length, m.id);
    const changed = before.flatMap((l, i) => l === after[i] ? [] : [i + 1]);
    assert.deepEqual(changed, m.edits.map((e) => e.line), m.id);
  }
});

Deno.test("applyMutant() refuses a source whose line changed", () => {
  const src = fn("\treturn -EBUSY;");
  const [m] = mutants("f.c", src);
  assert.throws(
    () => applyMutant(src.replace("EBUSY", "EAGAIN"), m!),
    new Error(`Cannot apply mutant "${m!.id}" to "f.c": line 3 is not "\\treturn -EBUSY;"`),
  );
});

Deno.test("applyMutant() removes a line whose mutated text is empty", () => {
  const m: Mutant = {
    ...mutants("f.c", fn("\treturn -EBUSY;"))[0]!,
    edits: [{ line: 3, original: "\treturn -EBUSY;", mutated: "" }],
  };
  assert.equal(applyMutant(fn("\treturn -EBUSY;"), m), "int f(int x)\n{\n}\n");
});

/** Mutants per operator on the two real sources; 0 where an operator has nothing to take. */
const COUNTS: Record<string, Record<OperatorName, number>> = {
  [UDIAG_C]: {
    "drop-errno-return": 12,
    "drop-ref": 2,
    "negate-cmp": 7,
    "relax-cmp": 2,
    "off-by-one": 12,
    "swap-errno": 17,
    "drop-lock": 7,
    "drop-bit-clear": 2,
    // udiag.c copies with memdup_user() and strndup_user() only.
    "swap-copy": 0,
  },
  [RFC_C]: {
    "drop-errno-return": 7,
    "drop-ref": 2,
    "negate-cmp": 10,
    "relax-cmp": 4,
    "off-by-one": 20,
    "swap-errno": 12,
    "drop-lock": 5,
    "drop-bit-clear": 1,
    "swap-copy": 2,
  },
};

for (const [file, src] of [[UDIAG_C, udiagC], [RFC_C, rfcC]] as const) {
  Deno.test(`mutants() on ${file}: every operator, unique ids, no comment or BROKEN line`, () => {
    const all = mutants(file, src);
    const counts = Object.fromEntries(
      OPERATORS.map(({ name }) => [name, all.filter((m) => m.operator === name).length]),
    );
    assert.deepEqual(counts, COUNTS[file]);
    assert.equal(new Set(all.map((m) => m.id)).size, all.length);
    for (const m of all) {
      for (const e of m.edits) {
        assert.notEqual(e.original, e.mutated, m.id);
        assert.doesNotMatch(e.original, /^\s*(\/\/|\/\*|\* |#)/, `${m.id}: ${e.original}`);
      }
    }
  });
}

Deno.test("mutants() on udiag.c leaves the test-only UDIAG_BROKEN_ code alone", () => {
  const lines = udiagC.split("\n");
  const broken = new Set<number>();
  let depth = 0;
  lines.forEach((l, i) => {
    if (depth > 0 && /^#\s*if/.test(l)) depth++;
    else if (depth > 0 && /^#\s*endif/.test(l)) depth--;
    else if (/^#ifdef UDIAG_BROKEN_/.test(l)) depth = 1;
    if (depth > 0) broken.add(i + 1);
  });
  assert.ok(broken.size > 30);
  const hit = mutants(UDIAG_C, udiagC).filter((m) => m.edits.some((e) => broken.has(e.line)));
  assert.deepEqual(hit.map((m) => `${m.line}: ${m.description}`), []);
  // The #ifndef UDIAG_BROKEN_SKIP_EBUSY body is the normal build: mutated.
  const ebusy = lines.findIndex((l) => l.startsWith("#ifndef UDIAG_BROKEN_SKIP_EBUSY")) + 3;
  assert.ok(mutants(UDIAG_C, udiagC, ["drop-errno-return"]).some((m) => m.line === ebusy));
});
