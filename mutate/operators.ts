/**
 * Single-edit mutants of a Linux kernel C source (pure): each named operator
 * makes the kind of mistake a reviewer would want the suites to catch (a
 * dropped errno return, reference or lock, a flipped or loosened bound, the
 * wrong errno, the wrong copy direction), one place at a time.
 *
 * This is a line-based scanner, not a C parser. What it does and does not see:
 *
 * - Comments (`/* *\/` across lines and `//`), string and character literals
 *   are blanked before any operator looks, so their text is never mutated.
 * - Preprocessor lines (and their `\` continuations) are skipped, so are
 *   `MODULE_*(…)` lines. Everything between `#ifdef UDIAG_BROKEN_*` (or an
 *   `#if` naming `UDIAG_BROKEN_*`) and its matching `#endif`, `#else` branch
 *   included, is skipped: that code is built only by the test-only broken
 *   variants. Under `#ifndef UDIAG_BROKEN_*` the first branch is the normal
 *   build and is mutated; its `#else` branch is skipped.
 * - Removals (`drop-*`) need the whole statement on one line, and a call that
 *   starts its statement (after `;`, `{`, `}`, a label, `else`, `do` or the
 *   condition of `if`/`while`/`for`), so a call whose value is used is never
 *   removed (the `:` of a `?:` is taken for a label: such a mutant will not
 *   build). The statement becomes `;`: line numbers and an unbraced `if`
 *   keep their meaning, and the mutant still compiles (with `-Wempty-body`
 *   warnings at W=1). Besides the calls, drop-ref removes `x->refs++;` (a
 *   last member name holding "ref") and drop-bit-clear `vm_flags_clear()`:
 *   udiag.c keeps its file references and its read-only mapping that way.
 * - Comparisons are mutated only inside `if (…)` and `while (…)` conditions
 *   (not `for`, `return`, `?:` or macros). Function bounds for `drop-lock`
 *   come from brace depth; a skipped region with unbalanced braces confuses
 *   them. Macro arguments are not expanded; `guard()` and `scoped_guard()`
 *   locks are not seen.
 *
 * Columns are 1-based UTF-16 offsets in the line (a tab counts as one).
 *
 * @module
 */

import { hash8 } from "../harness/report/dedup.ts";

/** The operators, in the order mutants at one place are listed. */
export const OPERATORS = [
  {
    name: "drop-errno-return",
    description: "remove a `return -EXXX;` statement (it becomes `;`)",
  },
  {
    name: "drop-ref",
    description:
      "remove a statement that takes a reference (kref_get(), atomic_inc(), x->refs++, …)",
  },
  {
    name: "negate-cmp",
    description: "negate a comparison in an if or while condition (== and !=, < and >=, > and <=)",
  },
  {
    name: "relax-cmp",
    description: "move a bound in an if or while condition by its equality (< and <=, > and >=)",
  },
  {
    name: "off-by-one",
    description: "add + 1 or - 1 to a CONSTANT_CASE or literal side of a condition's comparison",
  },
  {
    name: "swap-errno",
    description: "return or assign another plausible errno (EINVAL and EFAULT, EBUSY to EINVAL, …)",
  },
  {
    name: "drop-lock",
    description: "remove a lock call and every unlock of the same lock after it in its function",
  },
  {
    name: "drop-bit-clear",
    description: "remove a clear_bit(), bitmap_clear(), vm_flags_clear() or `x &= ~y;` statement",
  },
  {
    name: "swap-copy",
    description: "call copy_to_user() where copy_from_user() was called, and back",
  },
] as const;

/** The name of one of the {@linkcode OPERATORS}. */
export type OperatorName = (typeof OPERATORS)[number]["name"];

/** One changed line of a mutant. */
export interface MutantEdit {
  /** 1-based line in the source. */
  readonly line: number;
  /** The line as it is in the source. */
  readonly original: string;
  /** The line in the mutant; "" when the line is removed. */
  readonly mutated: string;
}

/** One mutant: a single mistake, in one line or (drop-lock) a few. */
export interface Mutant {
  /** 8 hex digits of FNV-1a over file, operator, line, column and the edits: stable across runs. */
  readonly id: string;
  readonly operator: OperatorName;
  readonly file: string;
  /** 1-based line of the first edit. */
  readonly line: number;
  /** 1-based column of the first change in that line. */
  readonly column: number;
  /** The first edit's original line. */
  readonly original: string;
  /** The first edit's mutated line ("" when removed). */
  readonly mutated: string;
  /** One line, for a table: "remove `return -EBUSY;`". */
  readonly description: string;
  /** A unified diff (`a/FILE`, `b/FILE`, one 0-context hunk per edit). */
  readonly diff: string;
  /** Every changed line, ascending: one, or a lock and its unlocks. */
  readonly edits: readonly MutantEdit[];
}

/**
 * Whether `name` names an operator (for a CLI's `--only`).
 *
 * @example
 * ```ts
 * import { isOperatorName } from "./operators.ts";
 * if (!isOperatorName("drop-lock") || isOperatorName("drop-everything")) throw new Error();
 * ```
 */
export function isOperatorName(name: string): name is OperatorName {
  return OPERATORS.some((o) => o.name === name);
}

/** Calls whose statement takes a reference; `*_get(` calls are added by pattern. */
const REF_TAKERS = [
  "kref_get",
  "refcount_inc",
  "atomic_inc",
  "atomic_long_inc",
  "atomic64_inc",
  "get_device",
  "__module_get",
  "try_module_get",
  "dget",
  "get_file",
  "get_page",
  "get_task_struct",
];

/** Each lock call and the unlock that releases it. */
const LOCK_PAIRS: Readonly<Record<string, string>> = {
  mutex_lock: "mutex_unlock",
  mutex_lock_nested: "mutex_unlock",
  spin_lock: "spin_unlock",
  spin_lock_nested: "spin_unlock",
  spin_lock_irq: "spin_unlock_irq",
  spin_lock_irqsave: "spin_unlock_irqrestore",
  spin_lock_bh: "spin_unlock_bh",
  raw_spin_lock: "raw_spin_unlock",
  raw_spin_lock_irq: "raw_spin_unlock_irq",
  raw_spin_lock_irqsave: "raw_spin_unlock_irqrestore",
  read_lock: "read_unlock",
  read_lock_irq: "read_unlock_irq",
  read_lock_irqsave: "read_unlock_irqrestore",
  read_lock_bh: "read_unlock_bh",
  write_lock: "write_unlock",
  write_lock_irq: "write_unlock_irq",
  write_lock_irqsave: "write_unlock_irqrestore",
  write_lock_bh: "write_unlock_bh",
  down_read: "up_read",
  down_write: "up_write",
  rcu_read_lock: "rcu_read_unlock",
  rcu_read_lock_bh: "rcu_read_unlock_bh",
  rcu_read_lock_sched: "rcu_read_unlock_sched",
  preempt_disable: "preempt_enable",
  preempt_disable_notrace: "preempt_enable_notrace",
  local_irq_disable: "local_irq_enable",
  local_irq_save: "local_irq_restore",
  local_bh_disable: "local_bh_enable",
};

/** Calls that clear bits; vm_flags_clear() is how a VMA's flags are cleared now. */
const BIT_CLEARS = ["clear_bit", "__clear_bit", "bitmap_clear", "vm_flags_clear"];

/** The errno each literal becomes under swap-errno; any other becomes EINVAL. */
const ERRNO_SWAPS: Readonly<Record<string, string>> = {
  EINVAL: "EFAULT",
  EFAULT: "EINVAL",
  EBUSY: "EINVAL",
  ENOMEM: "EINVAL",
  EPERM: "EACCES",
  EACCES: "EPERM",
  ENOENT: "EINVAL",
  EMFILE: "ENOSPC",
  E2BIG: "EINVAL",
};

const NEGATED: Readonly<Record<string, string>> = {
  "==": "!=",
  "!=": "==",
  "<": ">=",
  ">": "<=",
  "<=": ">",
  ">=": "<",
};

const RELAXED: Readonly<Record<string, string>> = { "<": "<=", ">": ">=", "<=": "<", ">=": ">" };

/** A replacement of `[start, end)` of the source, never across a line end. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Candidate {
  readonly operator: OperatorName;
  readonly spans: readonly Span[];
  readonly description: string;
}

/** The source as the operators read it: same offsets, with all they must not touch blanked. */
interface Scanned {
  readonly src: string;
  readonly code: string;
  /** Brace depth before each offset of `code`. */
  readonly depth: Int32Array;
}

function blank(out: string[], from: number, to: number): void {
  for (let k = from; k < to; k++) if (out[k] !== "\n") out[k] = " ";
}

/** Blanks comments and the inside of string and character literals. */
function blankLexical(src: string): string[] {
  const out = src.split("");
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === "/" && src[i + 1] === "*") {
      const close = src.indexOf("*/", i + 2);
      const end = close < 0 ? src.length : close + 2;
      blank(out, i, end);
      i = end;
    } else if (c === "/" && src[i + 1] === "/") {
      const nl = src.indexOf("\n", i);
      const end = nl < 0 ? src.length : nl;
      blank(out, i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== "\n") j += src[j] === "\\" ? 2 : 1;
      blank(out, i + 1, Math.min(j, src.length));
      i = j + 1;
    } else {
      i++;
    }
  }
  return out;
}

type IfFrame = { kind: "broken" | "not-broken" | "other"; skip: boolean };

/** Blanks preprocessor lines, `UDIAG_BROKEN_*` regions and `MODULE_*(…)` lines. */
function blankLines(code: string): string {
  const lines = code.split("\n");
  const frames: IfFrame[] = [];
  let continued = false;
  let moduleParens = 0;
  const kept = lines.map((line) => {
    const t = line.trim();
    const directive = continued || t.startsWith("#");
    continued = directive && line.trimEnd().endsWith("\\");
    if (directive) {
      if (/^#\s*(ifndef\s+UDIAG_BROKEN_|if\s+!\s*defined\s*\(?\s*UDIAG_BROKEN_)/.test(t)) {
        frames.push({ kind: "not-broken", skip: false });
      } else if (/^#\s*if/.test(t)) {
        const broken = /\bUDIAG_BROKEN_/.test(t);
        frames.push({ kind: broken ? "broken" : "other", skip: broken });
      } else if (/^#\s*(else|elif)\b/.test(t)) {
        const top = frames.at(-1);
        if (top?.kind === "not-broken") top.skip = true;
      } else if (/^#\s*endif\b/.test(t)) {
        frames.pop();
      }
      return "";
    }
    if (frames.some((f) => f.skip)) return "";
    if (moduleParens > 0 || /^MODULE_[A-Z0-9_]*\s*\(/.test(t)) {
      for (const ch of line) moduleParens += ch === "(" ? 1 : ch === ")" ? -1 : 0;
      if (moduleParens < 0) moduleParens = 0;
      return "";
    }
    return line;
  });
  return kept.map((l, i) => l === "" ? " ".repeat(lines[i]!.length) : l).join("\n");
}

function scan(src: string): Scanned {
  const code = blankLines(blankLexical(src).join(""));
  const depth = new Int32Array(code.length + 1);
  let d = 0;
  for (let i = 0; i < code.length; i++) {
    depth[i] = d;
    if (code[i] === "{") d++;
    else if (code[i] === "}") d = Math.max(0, d - 1);
  }
  depth[code.length] = d;
  return { src, code, depth };
}

function nextNonSpace(code: string, i: number): number {
  while (i < code.length && /\s/.test(code[i]!)) i++;
  return i;
}

function prevNonSpace(code: string, i: number): number {
  while (i >= 0 && /\s/.test(code[i]!)) i--;
  return i;
}

/** The `)` matching the `(` at `open`, or -1. */
function closingParen(code: string, open: number): number {
  let d = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === "(") d++;
    else if (code[i] === ")" && --d === 0) return i;
  }
  return -1;
}

/** The word that ends at `end` (inclusive), or "". */
function wordEndingAt(code: string, end: number): string {
  let s = end;
  while (s >= 0 && /\w/.test(code[s]!)) s--;
  return code.slice(s + 1, end + 1);
}

/**
 * Where the statement that holds offset `pos` starts (its first non-blank
 * character), or -1 when `pos` is inside parentheses or brackets.
 */
function statementStart(code: string, pos: number): number {
  let depth = 0;
  let close = -1;
  for (let i = pos - 1; i >= 0; i--) {
    const c = code[i]!;
    if (c === ")" || c === "]") {
      if (depth === 0) close = i;
      depth++;
    } else if (c === "(" || c === "[") {
      if (depth === 0) return -1;
      if (
        --depth === 0 && c === "(" &&
        /\b(if|while|for)$/.test(code.slice(Math.max(0, i - 32), i).trimEnd())
      ) {
        return nextNonSpace(code, close + 1);
      }
    } else if (depth === 0 && (c === ";" || c === "{" || c === "}" || c === ":")) {
      return nextNonSpace(code, i + 1);
    } else if (depth === 0 && /\w/.test(c) && !/\w/.test(code[i + 1] ?? "")) {
      const word = wordEndingAt(code, i);
      if (word === "else" || word === "do") return nextNonSpace(code, i + 1);
    }
  }
  return nextNonSpace(code, 0);
}

/** The call `name(…);` at `at` as a whole statement: its `[start, end)`, or null. */
function callStatement(code: string, at: number, name: string): Span | null {
  const open = nextNonSpace(code, at + name.length);
  if (code[open] !== "(") return null;
  const close = closingParen(code, open);
  if (close < 0) return null;
  const semi = nextNonSpace(code, close + 1);
  if (code[semi] !== ";" || statementStart(code, at) !== at) return null;
  return { start: at, end: semi + 1, text: ";" };
}

function onOneLine(src: string, s: Span): boolean {
  return !src.slice(s.start, s.end).includes("\n");
}

/** Spaces collapsed, for a one-line description. */
function shown(text: string, max = 72): string {
  const t = text.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function* matches(code: string, re: RegExp): Generator<RegExpExecArray> {
  const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : re.flags + "g");
  for (let m = g.exec(code); m; m = g.exec(code)) {
    yield m;
    if (m[0] === "") g.lastIndex++;
  }
}

function removal(s: Scanned, operator: OperatorName, span: Span): Candidate | null {
  if (!onOneLine(s.src, span)) return null;
  return {
    operator,
    spans: [span],
    description: `remove \`${shown(s.src.slice(span.start, span.end))}\``,
  };
}

function dropErrnoReturn(s: Scanned): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(s.code, /\breturn\s*(?:-E[A-Z0-9_]+\b|\(\s*-E[A-Z0-9_]+\s*\))\s*;/)) {
    const c = removal(s, "drop-errno-return", {
      start: m.index,
      end: m.index + m[0].length,
      text: ";",
    });
    if (c) out.push(c);
  }
  return out;
}

function callRemovals(s: Scanned, operator: OperatorName, names: RegExp): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(s.code, names)) {
    const span = callStatement(s.code, m.index, m[1]!);
    const c = span && removal(s, operator, span);
    if (c) out.push(c);
  }
  return out;
}

function dropRef(s: Scanned): Candidate[] {
  const calls = callRemovals(
    s,
    "drop-ref",
    new RegExp(`\\b(${REF_TAKERS.join("|")}|\\w+_get)(?=\\s*\\()`),
  );
  // A counted reference kept by hand: `diag->file_refs++;`.
  const incs: Candidate[] = [];
  for (const m of matches(s.code, /\+\+\s*;/)) {
    const start = statementStart(s.code, m.index);
    const lhs = s.code.slice(start, m.index).trim();
    if (start < 0 || !/^[A-Za-z_]\w*(?:\s*(?:->|\.)\s*[A-Za-z_]\w*)*$/.test(lhs)) continue;
    if (!/ref/i.test(lhs.split(/->|\./).at(-1)!)) continue;
    const c = removal(s, "drop-ref", { start, end: m.index + m[0].length, text: ";" });
    if (c) incs.push(c);
  }
  return [...calls, ...incs];
}

/** Each comparison operator inside an if or while condition: offset and token. */
function conditionComparisons(s: Scanned): { at: number; op: string; close: number }[] {
  const seen = new Map<number, { at: number; op: string; close: number }>();
  for (const m of matches(s.code, /\b(?:if|while)\s*\(/)) {
    const open = m.index + m[0].length - 1;
    const close = closingParen(s.code, open);
    if (close < 0) continue;
    const inner = s.code.slice(open + 1, close);
    for (const c of matches(inner, /(?<![<>=!\-])(?:==|!=|<=|>=|<|>)(?![<>=])/)) {
      const at = open + 1 + c.index;
      if (!seen.has(at)) seen.set(at, { at, op: c[0], close });
    }
  }
  return [...seen.values()].sort((a, b) => a.at - b.at);
}

function lineAt(src: string, at: number): string {
  const from = src.lastIndexOf("\n", at - 1) + 1;
  const nl = src.indexOf("\n", at);
  return src.slice(from, nl < 0 ? src.length : nl);
}

function comparisonSwaps(
  s: Scanned,
  operator: OperatorName,
  table: Readonly<Record<string, string>>,
): Candidate[] {
  return conditionComparisons(s).flatMap(({ at, op }) => {
    const to = table[op];
    if (to === undefined) return [];
    return [{
      operator,
      spans: [{ start: at, end: at + op.length, text: to }],
      description: `\`${op}\` to \`${to}\` in \`${shown(lineAt(s.src, at), 60)}\``,
    }];
  });
}

const BOUND = /^(?:[A-Z_][A-Z0-9_]*|0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)$/;

function isBound(token: string): boolean {
  return BOUND.test(token) && /[A-Z0-9]/.test(token) && token !== "NULL";
}

/** Whether a comparison side may end at `k` (the next non-blank after it). */
function endsSide(code: string, k: number, close: number): boolean {
  return k >= close || ")?,;".includes(code[k]!) || code.startsWith("&&", k) ||
    code.startsWith("||", k);
}

/** Whether a comparison side may start after `p` (the previous non-blank before it). */
function startsSide(code: string, p: number): boolean {
  return p >= 0 && ("(,".includes(code[p]!) || code.startsWith("&&", p - 1) ||
    code.startsWith("||", p - 1));
}

function offByOne(s: Scanned): Candidate[] {
  const out: Candidate[] = [];
  const { code } = s;
  for (const { at, op, close } of conditionComparisons(s)) {
    const sides: { start: number; token: string; after: boolean }[] = [];
    const r = nextNonSpace(code, at + op.length);
    const right = /^\w+/.exec(code.slice(r, close))?.[0] ?? "";
    if (isBound(right) && endsSide(code, nextNonSpace(code, r + right.length), close)) {
      sides.push({ start: r, token: right, after: true });
    }
    const l = prevNonSpace(code, at - 1);
    const left = wordEndingAt(code, l);
    const ls = l - left.length + 1;
    if (isBound(left) && startsSide(code, prevNonSpace(code, ls - 1))) {
      sides.unshift({ start: ls, token: left, after: false });
    }
    for (const side of sides) {
      for (const d of ["+ 1", "- 1"]) {
        const to = `${side.token} ${d}`;
        const [was, now] = side.after
          ? [`${op} ${side.token}`, `${op} ${to}`]
          : [`${side.token} ${op}`, `${to} ${op}`];
        out.push({
          operator: "off-by-one",
          spans: [{ start: side.start, end: side.start + side.token.length, text: to }],
          description: `\`${was}\` to \`${now}\``,
        });
      }
    }
  }
  return out;
}

function swapErrno(s: Scanned): Candidate[] {
  const out: Candidate[] = [];
  const re = /(?:\breturn\s*\(?\s*|(?<![=!<>+\-*/%&|^])=\s*)-(E[A-Z0-9_]+)\b/;
  for (const m of matches(s.code, re)) {
    const errno = m[1]!;
    const to = ERRNO_SWAPS[errno] ?? "EINVAL";
    if (to === errno) continue;
    const start = m.index + m[0].length - errno.length;
    out.push({
      operator: "swap-errno",
      spans: [{ start, end: start + errno.length, text: to }],
      description: `\`-${errno}\` to \`-${to}\``,
    });
  }
  return out;
}

/** The first argument of the call at `at`, blanks removed ("" for none). */
function firstArgument(code: string, at: number, name: string): string {
  const open = nextNonSpace(code, at + name.length);
  const close = closingParen(code, open);
  let d = 0;
  let end = close;
  for (let i = open + 1; i < close; i++) {
    const c = code[i];
    if (c === "(" || c === "[") d++;
    else if (c === ")" || c === "]") d--;
    else if (c === "," && d === 0) {
      end = i;
      break;
    }
  }
  return code.slice(open + 1, end).replace(/\s+/g, "");
}

/** `[start, end)` of the function body (braces at depth 0 and back) holding `at`, or null. */
function functionAround(s: Scanned, at: number): { start: number; end: number } | null {
  if (s.depth[at]! < 1) return null;
  let start = at;
  while (start > 0 && !(s.code[start] === "{" && s.depth[start] === 0)) start--;
  let end = at;
  while (end < s.code.length && !(s.code[end] === "}" && s.depth[end] === 1)) end++;
  return end < s.code.length ? { start, end } : null;
}

function dropLock(s: Scanned): Candidate[] {
  const names = [...new Set([...Object.keys(LOCK_PAIRS), ...Object.values(LOCK_PAIRS)])];
  const calls = [...matches(s.code, new RegExp(`\\b(${names.join("|")})(?=\\s*\\()`))]
    .flatMap((m) => {
      const name = m[1]!;
      const span = callStatement(s.code, m.index, name);
      if (!span || !onOneLine(s.src, span)) return [];
      return [{ name, span, lock: firstArgument(s.code, m.index, name) }];
    });
  const out: Candidate[] = [];
  calls.forEach((c, i) => {
    const unlock = LOCK_PAIRS[c.name];
    const fn = unlock && functionAround(s, c.span.start);
    if (!fn) return;
    const unlocks = [];
    for (const d of calls.slice(i + 1)) {
      if (d.span.start >= fn.end || (d.name === c.name && d.lock === c.lock)) break;
      if (d.name === unlock && d.lock === c.lock) unlocks.push(d.span);
    }
    if (unlocks.length === 0) return;
    const what = shown(s.src.slice(c.span.start, c.span.end));
    const freed = shown(s.src.slice(unlocks[0]!.start, unlocks[0]!.end));
    const paths = unlocks.length > 1 ? ` (${unlocks.length} paths)` : "";
    out.push({
      operator: "drop-lock",
      spans: [c.span, ...unlocks],
      description: `remove \`${what}\` and \`${freed}\`${paths}`,
    });
  });
  return out;
}

function dropBitClear(s: Scanned): Candidate[] {
  const calls = callRemovals(
    s,
    "drop-bit-clear",
    new RegExp(`\\b(${BIT_CLEARS.join("|")})(?=\\s*\\()`),
  );
  const masks: Candidate[] = [];
  for (const m of matches(s.code, /&=\s*~/)) {
    const start = statementStart(s.code, m.index);
    const lhs = s.code.slice(start, m.index).trim();
    if (start < 0 || lhs === "" || /^(return|if|while|for|switch|case|else|do)\b|[=;]/.test(lhs)) {
      continue;
    }
    let d = 0;
    let semi = -1;
    for (let i = m.index; i < s.code.length && semi < 0; i++) {
      const ch = s.code[i];
      if (ch === "(") d++;
      else if (ch === ")") d--;
      else if (ch === ";" && d === 0) semi = i;
    }
    const c = semi > 0 && removal(s, "drop-bit-clear", { start, end: semi + 1, text: ";" });
    if (c) masks.push(c);
  }
  return [...calls, ...masks];
}

function swapCopy(s: Scanned): Candidate[] {
  const out: Candidate[] = [];
  for (const m of matches(s.code, /\b(_{0,2})copy_(from|to)_user(?=\s*\()/)) {
    const to = `${m[1]}copy_${m[2] === "from" ? "to" : "from"}_user`;
    out.push({
      operator: "swap-copy",
      spans: [{ start: m.index, end: m.index + m[0].length, text: to }],
      description: `\`${m[0]}()\` to \`${to}()\``,
    });
  }
  return out;
}

const GENERATORS: Readonly<Record<OperatorName, (s: Scanned) => Candidate[]>> = {
  "drop-errno-return": dropErrnoReturn,
  "drop-ref": dropRef,
  "negate-cmp": (s) => comparisonSwaps(s, "negate-cmp", NEGATED),
  "relax-cmp": (s) => comparisonSwaps(s, "relax-cmp", RELAXED),
  "off-by-one": offByOne,
  "swap-errno": swapErrno,
  "drop-lock": dropLock,
  "drop-bit-clear": dropBitClear,
  "swap-copy": swapCopy,
};

/** The unified diff of `edits` to `file`: one 0-context hunk per edit. */
export function editsDiff(file: string, edits: readonly MutantEdit[]): string {
  const out = [`--- a/${file}`, `+++ b/${file}`];
  let shift = 0;
  for (const e of edits) {
    if (e.mutated === "") {
      out.push(`@@ -${e.line},1 +${e.line - 1 + shift},0 @@`, `-${e.original}`);
      shift--;
    } else {
      out.push(`@@ -${e.line},1 +${e.line + shift},1 @@`, `-${e.original}`, `+${e.mutated}`);
    }
  }
  return out.join("\n") + "\n";
}

function toMutant(file: string, lines: readonly string[], starts: readonly number[], c: Candidate) {
  const lineOf = (at: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const spans = [...c.spans].sort((a, b) => a.start - b.start);
  const byLine = new Map<number, Span[]>();
  for (const sp of spans) byLine.set(lineOf(sp.start), [...byLine.get(lineOf(sp.start)) ?? [], sp]);
  const edits: MutantEdit[] = [...byLine].map(([i, list]) => {
    let text = lines[i]!;
    for (const sp of [...list].reverse()) {
      text = text.slice(0, sp.start - starts[i]!) + sp.text + text.slice(sp.end - starts[i]!);
    }
    return { line: i + 1, original: lines[i]!, mutated: text };
  });
  const first = edits[0]!;
  const column = spans[0]!.start - starts[first.line - 1]! + 1;
  const id = hash8(
    [file, c.operator, first.line, column, ...edits.map((e) => `${e.line}:${e.mutated}`)].join(
      "\0",
    ),
  );
  return {
    id,
    operator: c.operator,
    file,
    line: first.line,
    column,
    original: first.original,
    mutated: first.mutated,
    description: c.description,
    diff: editsDiff(file, edits),
    edits,
  } satisfies Mutant;
}

/**
 * Every mutant of `source` (the text of `file`) the operators make (all of
 * them, or `only` those), ordered by line, column and operator order. Throws
 * `RangeError` for an unknown operator name.
 *
 * @example
 * ```ts
 * import { mutants } from "./operators.ts";
 * const src = "int f(int x)\n{\n\tif (x > MAX) // x > MAX\n\t\treturn -EINVAL;\n\treturn 0;\n}\n";
 * const m = mutants("f.c", src);
 * const got = m.map((x) => `${x.line}:${x.operator}:${x.mutated.trim()}`);
 * const want = [
 *   "3:negate-cmp:if (x <= MAX) // x > MAX",
 *   "3:relax-cmp:if (x >= MAX) // x > MAX",
 *   "3:off-by-one:if (x > MAX + 1) // x > MAX",
 *   "3:off-by-one:if (x > MAX - 1) // x > MAX",
 *   "4:drop-errno-return:;",
 *   "4:swap-errno:return -EFAULT;",
 * ];
 * if (got.join("|") !== want.join("|")) throw new Error(got.join("\n"));
 * ```
 */
export function mutants(
  file: string,
  source: string,
  only?: readonly OperatorName[],
): Mutant[] {
  for (const name of only ?? []) {
    if (!isOperatorName(name)) throw new RangeError(`Unknown mutation operator "${name}"`);
  }
  const s = scan(source);
  const lines = source.split("\n");
  const starts: number[] = [];
  let at = 0;
  for (const l of lines) {
    starts.push(at);
    at += l.length + 1;
  }
  const seen = new Set<string>();
  const out: { m: Mutant; rank: number }[] = [];
  OPERATORS.forEach(({ name }, rank) => {
    if (only && !only.includes(name)) return;
    for (const c of GENERATORS[name](s)) {
      const m = toMutant(file, lines, starts, c);
      if (seen.has(m.id)) continue;
      seen.add(m.id);
      out.push({ m, rank });
    }
  });
  return out
    .sort((a, b) => a.m.line - b.m.line || a.m.column - b.m.column || a.rank - b.rank)
    .map((x) => x.m);
}

/**
 * The source with the mutant applied. Throws an `Error` naming the line when
 * the source no longer holds the mutant's original line there.
 *
 * @example
 * ```ts
 * import { applyMutant, mutants } from "./operators.ts";
 * const src = "void f(void)\n{\n\tmutex_lock(&m);\n\tg();\n\tmutex_unlock(&m);\n}\n";
 * const [m] = mutants("f.c", src, ["drop-lock"]);
 * const out = applyMutant(src, m!);
 * if (out !== "void f(void)\n{\n\t;\n\tg();\n\t;\n}\n") throw new Error(out);
 * ```
 */
export function applyMutant(source: string, m: Mutant): string {
  const lines = source.split("\n");
  for (const e of m.edits) {
    if (lines[e.line - 1] !== e.original) {
      throw new Error(
        `Cannot apply mutant "${m.id}" to "${m.file}": line ${e.line} is not ${
          JSON.stringify(e.original)
        }`,
      );
    }
  }
  for (const e of [...m.edits].sort((a, b) => b.line - a.line)) {
    if (e.mutated === "") lines.splice(e.line - 1, 1);
    else lines[e.line - 1] = e.mutated;
  }
  return lines.join("\n");
}
