/**
 * Turns the C files a kernel patch adds into an out-of-tree module for the
 * project's 6.12 kernel, as a list of named port steps (pure).
 *
 * Each step does the least that 6.12 needs to compile and load the code and
 * cites the kernel change that makes it needed; the patch's behaviour, its
 * bugs included, stays as posted. A step that finds nothing to change is
 * kept in the list, not applied, and says why; steps that are notes only
 * (no text change) say what the build does instead.
 *
 * @module
 */
import type { ExtractedPatch, FileDiff } from "./extract.ts";

/** One exact text change of a step: lines `line…` of the file before and after. */
export interface TextChange {
  /** 1-based first line of `before` in the file as the step found it. */
  readonly line: number;
  /** The replaced lines ("" for an append). */
  readonly before: string;
  /** The new lines. */
  readonly after: string;
}

/** `source`: edits a C file; `kbuild`: a line of the generated Kbuild; `note`: no change. */
export type PortStepKind = "source" | "kbuild" | "note";

/** One port step. */
export interface PortStep {
  /** Stable kebab-case id, e.g. `class-create-owner`. */
  readonly id: string;
  readonly kind: PortStepKind;
  /** The file concerned: a path of the patch, or `Kbuild`. */
  readonly file: string;
  /** One line: why 6.12 (or an out-of-tree build) needs this, citing the kernel change. */
  readonly reason: string;
  /** Whether the step changed text; false for notes and for steps that found nothing. */
  readonly applied: boolean;
  /** One line: what the step found and did (or why it did nothing). */
  readonly detail: string;
  readonly changes: readonly TextChange[];
}

/** A file written into the module directory. */
export interface ModuleFile {
  /** Path relative to the module directory. */
  readonly name: string;
  /** Path in the patch (in the kernel tree). */
  readonly patchPath: string;
  /** Content as the patch creates it. */
  readonly original: string;
  /** Content after the port steps. */
  readonly text: string;
}

/** The module a patch yields. */
export interface PortedModule {
  /** Module name (`<name>.ko`). */
  readonly name: string;
  readonly files: readonly ModuleFile[];
  /** The generated Kbuild file. */
  readonly kbuild: string;
  readonly steps: readonly PortStep[];
  /** Files the patch changes in the tree (Kconfig, Makefile, …): not applied. */
  readonly inTree: readonly FileDiff[];
}

/** Thrown when the patch adds nothing a module can be built from. */
export class PortError extends Error {
  readonly code = "EPORT";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PortError";
  }
}

/**
 * Symbols 6.12 does not export to modules but our kernel does
 * (`kmod/kernel/exports.patch`), with the file that exports them.
 */
export const KERNEL_EXPORTS_ADDED: Readonly<Record<string, string>> = {
  event_mutex: "kernel/trace/trace_events.c",
  trace_call_bpf: "kernel/trace/bpf_trace.c",
};

/** Initcall levels that `include/linux/module.h` maps to `module_init()` when built as a module. */
const BUILTIN_INITCALLS = new RegExp(
  "^\\s*(early|core|postcore|arch|subsys|fs|rootfs|device|late)_initcall(_sync)?\\s*\\(\\s*(\\w+)\\s*\\)",
  "m",
);

const REASONS = {
  classCreate:
    `class_create() lost its owner argument in 6.4 (commit 1aaba11da9aa, "driver core: class: remove module * from class_create()")`,
  includeDir:
    `In the tree, a quoted #include finds headers beside the .c file; out of tree they are not there, so Kbuild adds the file's tree directory to the include path (no source change)`,
  patchHeaders:
    `Headers the patch adds under include/ are not in the 6.12 tree; out of tree, Kbuild adds the module's own include/ and include/uapi/ to the include path`,
  license:
    `Built-in code needs no MODULE_LICENSE(), a module does: modpost fails without one since 5.12 (commit 1d6cd3929360, "modpost: turn missing MODULE_LICENSE() into error"), and only a GPL-compatible one may link EXPORT_SYMBOL_GPL symbols`,
  description:
    `A module without MODULE_DESCRIPTION() makes modpost warn under W=1 since 6.5 (commit 1fffe7a34c89, "script: modpost: emit a warning when the description is missing")`,
  initcall:
    `include/linux/module.h defines the built-in initcall levels as module_init() when MODULE is set, so the init function runs at insmod (no source change)`,
  moduleExit:
    `Built-in code has no exit path; a module without module_exit() cannot be unloaded (delete_module() returns EBUSY without --force), and adding one would add behaviour the patch lacks`,
  exports:
    `6.12 does not export these symbols to modules; the project's kernel does (kmod/kernel/exports.patch), so the module links as posted (no source change)`,
  inTree:
    `The module is built out of tree, so the patch's changes to existing kernel files are not applied; build.ts reports whether they would apply to 6.12 (patch --dry-run -p1)`,
} as const;

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Replaces `text[start, end)` and records the whole lines it touched, before and after. */
function replaceSpan(
  text: string,
  start: number,
  end: number,
  replacement: string,
): { text: string; change: TextChange } {
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const nl = text.indexOf("\n", end);
  const lineEnd = nl < 0 ? text.length : nl;
  const out = text.slice(0, start) + replacement + text.slice(end);
  const newLineEnd = lineEnd + replacement.length - (end - start);
  return {
    text: out,
    change: {
      line: lineOf(text, lineStart),
      before: text.slice(lineStart, lineEnd),
      after: out.slice(lineStart, newLineEnd),
    },
  };
}

/** Appends lines at the end of a file (which ends with a newline). */
function appendLines(text: string, lines: string): { text: string; change: TextChange } {
  const base = text.endsWith("\n") || text === "" ? text : text + "\n";
  const line = base === "" ? 1 : base.split("\n").length;
  return { text: base + lines + "\n", change: { line, before: "", after: lines } };
}

/** Splits the arguments of the call whose `(` is at `open`; null when unbalanced. */
function callArgs(text: string, open: number): { args: string[]; close: number } | null {
  const args: string[] = [];
  let depth = 0;
  let from = open + 1;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        args.push(text.slice(from, i));
        return { args, close: i };
      }
    } else if (c === "," && depth === 1) {
      args.push(text.slice(from, i));
      from = i + 1;
    }
  }
  return null;
}

/** `class_create(owner, name)` → `class_create(name)`; null when the file has no class_create(). */
function portClassCreate(file: string, text: string): { text: string; step: PortStep } | null {
  const re = /\bclass_create\s*\(/g;
  if (!re.test(text)) return null;
  re.lastIndex = 0;
  const changes: TextChange[] = [];
  let out = text;
  let kept = 0;
  for (;;) {
    const m = re.exec(out);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const call = callArgs(out, open);
    if (!call || call.args.length !== 2) {
      kept++;
      continue;
    }
    const name = call.args[1]!.trim();
    const r = replaceSpan(out, open + 1, call.close, name);
    out = r.text;
    changes.push(r.change);
    re.lastIndex = open + 1 + name.length;
  }
  const applied = changes.length > 0;
  return {
    text: out,
    step: {
      id: "class-create-owner",
      kind: "source",
      file,
      reason: REASONS.classCreate,
      applied,
      detail: applied
        ? `dropped the owner argument of ${changes.length} class_create() call(s)`
        : `nothing to change: ${kept} class_create() call(s) already take one argument`,
      changes,
    },
  };
}

/** `#include "X"` lines of a C file. */
function quotedIncludes(text: string): string[] {
  return [...text.matchAll(/^\s*#\s*include\s+"([^"]+)"/gm)].map((m) => m[1]!);
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** MODULE_LICENSE() string for a file's SPDX identifier (`include/linux/module.h` names). */
function licenseFor(text: string): { license: string; spdx: string | null } {
  const m = /SPDX-License-Identifier:\s*([^\n*]+?)\s*(\*\/)?\s*$/m.exec(text);
  const spdx = m ? m[1]!.trim() : null;
  if (spdx && /\bGPL-2\.0/.test(spdx) && /\bOR\b/.test(spdx)) {
    if (/\bBSD/.test(spdx)) return { license: "Dual BSD/GPL", spdx };
    if (/\bMIT\b/.test(spdx)) return { license: "Dual MIT/GPL", spdx };
  }
  // GPL-2.0(-only|-or-later|+), and no SPDX line at all: the kernel's own licence.
  return { license: "GPL", spdx };
}

/** A C string literal of `s`. */
function cString(s: string): string {
  return `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** The module's description from the mail subject: `[RFC PATCH v2 1/3] x` → `x`. */
export function descriptionOf(subject: string | null, fallback: string): string {
  const s = (subject ?? "").replace(/^(\s*\[[^\]]*\]\s*)+/, "").trim();
  return s || fallback;
}

/** Module name for the patch's C files: the file's own name when there is one. */
function moduleNameOf(cFiles: readonly FileDiff[]): string {
  return cFiles.length === 1 ? baseOf(cFiles[0]!.path).replace(/\.c$/, "") : "udiag_patch";
}

/**
 * Ports the files a patch adds to an out-of-tree module for 6.12; throws
 * {@linkcode PortError} when the patch adds no C file.
 *
 * @example
 * ```ts
 * import { extractPatch } from "./extract.ts";
 * import { portPatch } from "./port.ts";
 * const p = extractPatch(
 *   "--- /dev/null\n+++ b/drivers/x.c\n@@ -0,0 +1,2 @@\n" +
 *     "+static struct class *c;\n+static int f(void) { c = class_create(THIS_MODULE, \"x\"); return 0; }\n",
 *   "x.patch",
 * );
 * const m = portPatch(p);
 * if (!m.files[0]!.text.includes('class_create("x")')) throw new Error();
 * if (m.steps[0]!.id !== "class-create-owner" || !m.steps[0]!.applied) throw new Error();
 * ```
 */
export function portPatch(patch: ExtractedPatch): PortedModule {
  const added = patch.files.filter((f) => f.status === "added" && f.content !== null);
  const cFiles = added.filter((f) => f.path.endsWith(".c"));
  if (cFiles.length === 0) {
    throw new PortError(
      `Patch adds no C file (${
        patch.files.map((f) => `${f.status} "${f.path}"`).join(", ")
      }): nothing to build as a module`,
    );
  }
  const name = moduleNameOf(cFiles);
  const steps: PortStep[] = [];
  const kbuildExtra: string[] = [];

  // Where each added file goes: C files and their neighbours flat, headers
  // under include/ at their tree path (they are reached by <…> includes).
  const cDirs = new Set(cFiles.map((f) => dirOf(f.path)));
  const placed = added.map((f) => {
    const local = cDirs.has(dirOf(f.path)) && !f.path.startsWith("include/");
    return { diff: f, name: local ? baseOf(f.path) : f.path, text: f.content! };
  });
  const seen = new Map<string, string>();
  for (const p of placed) {
    const other = seen.get(p.name);
    if (other) {
      throw new PortError(
        `Patch adds "${other}" and "${p.diff.path}": both would be "${p.name}" in the module directory`,
      );
    }
    seen.set(p.name, p.diff.path);
  }

  for (const p of placed) {
    if (!p.name.endsWith(".c")) continue;
    const r = portClassCreate(p.diff.path, p.text);
    if (r) {
      p.text = r.text;
      steps.push(r.step);
    }
  }

  // Quoted includes the patch does not itself provide come from the tree.
  const provided = new Set(placed.map((p) => baseOf(p.name)));
  const includeDirs = new Map<string, string[]>();
  for (const p of placed) {
    if (!p.name.endsWith(".c")) continue;
    for (const inc of quotedIncludes(p.text)) {
      if (provided.has(baseOf(inc)) && !inc.includes("/")) continue;
      const dir = dirOf(p.diff.path);
      if (dir === "") continue;
      includeDirs.set(dir, [...(includeDirs.get(dir) ?? []), inc]);
    }
  }
  for (const [dir, incs] of includeDirs) {
    const line = `ccflags-y += -I$(srctree)/${dir}`;
    kbuildExtra.push(line);
    steps.push({
      id: "kbuild-include-dir",
      kind: "kbuild",
      file: "Kbuild",
      reason: REASONS.includeDir,
      applied: true,
      detail: `${incs.map((i) => `"${i}"`).join(", ")} resolved from ${dir}/ of the kernel tree`,
      changes: [{ line: 0, before: "", after: line }],
    });
  }
  if (placed.some((p) => p.name.startsWith("include/"))) {
    const line = "ccflags-y += -I$(src)/include -I$(src)/include/uapi";
    kbuildExtra.push(line);
    steps.push({
      id: "kbuild-patch-headers",
      kind: "kbuild",
      file: "Kbuild",
      reason: REASONS.patchHeaders,
      applied: true,
      detail: `${
        placed.filter((p) => p.name.startsWith("include/")).map((p) => p.name).join(", ")
      } written under the module directory`,
      changes: [{ line: 0, before: "", after: line }],
    });
  }

  // Licence and description go once per module, into the file with the init function.
  const cPlaced = placed.filter((p) => p.name.endsWith(".c"));
  const main =
    cPlaced.find((p) => BUILTIN_INITCALLS.test(p.text) || /\bmodule_init\s*\(/.test(p.text)) ??
      cPlaced[0]!;
  const all = cPlaced.map((p) => p.text).join("\n");
  if (/\bMODULE_LICENSE\s*\(/.test(all)) {
    steps.push({
      id: "module-license",
      kind: "source",
      file: main.diff.path,
      reason: REASONS.license,
      applied: false,
      detail: "nothing to change: the patch has MODULE_LICENSE()",
      changes: [],
    });
  } else {
    const { license, spdx } = licenseFor(main.text);
    const r = appendLines(main.text, `\nMODULE_LICENSE(${cString(license)});`);
    main.text = r.text;
    steps.push({
      id: "module-license",
      kind: "source",
      file: main.diff.path,
      reason: REASONS.license,
      applied: true,
      detail: `appended MODULE_LICENSE(${cString(license)}), from ${
        spdx ? `the SPDX line "${spdx}"` : "the kernel's default licence (no SPDX line)"
      }`,
      changes: [r.change],
    });
  }
  if (/\bMODULE_DESCRIPTION\s*\(/.test(all)) {
    steps.push({
      id: "module-description",
      kind: "source",
      file: main.diff.path,
      reason: REASONS.description,
      applied: false,
      detail: "nothing to change: the patch has MODULE_DESCRIPTION()",
      changes: [],
    });
  } else {
    const desc = descriptionOf(patch.subject, `${name} (from a kernel patch)`);
    const r = appendLines(main.text, `MODULE_DESCRIPTION(${cString(desc)});`);
    main.text = r.text;
    steps.push({
      id: "module-description",
      kind: "source",
      file: main.diff.path,
      reason: REASONS.description,
      applied: true,
      detail: `appended MODULE_DESCRIPTION() from ${
        patch.subject ? "the mail subject" : "the module name"
      }`,
      changes: [r.change],
    });
  }

  for (const p of cPlaced) {
    const m = BUILTIN_INITCALLS.exec(p.text);
    if (!m) continue;
    steps.push({
      id: "initcall-module-init",
      kind: "note",
      file: p.diff.path,
      reason: REASONS.initcall,
      applied: false,
      detail: `${m[1]}_initcall${m[2] ?? ""}(${m[3]}) runs as module_init(${m[3]}) at insmod`,
      changes: [],
    });
  }
  if (!/\bmodule_exit\s*\(/.test(all)) {
    steps.push({
      id: "no-module-exit",
      kind: "note",
      file: main.diff.path,
      reason: REASONS.moduleExit,
      applied: false,
      detail: "no module_exit(): the module stays loaded until the guest reboots",
      changes: [],
    });
  }
  const used = Object.keys(KERNEL_EXPORTS_ADDED).filter((s) => new RegExp(`\\b${s}\\b`).test(all));
  if (used.length > 0) {
    steps.push({
      id: "kernel-exports",
      kind: "note",
      file: main.diff.path,
      reason: REASONS.exports,
      applied: false,
      detail: `uses ${
        used.map((s) => `${s} (exported by our ${KERNEL_EXPORTS_ADDED[s]})`).join(", ")
      }`,
      changes: [],
    });
  }

  const inTree = patch.files.filter((f) => f.status !== "added");
  for (const f of inTree) {
    steps.push({
      id: "in-tree-hunks",
      kind: "note",
      file: f.path,
      reason: REASONS.inTree,
      applied: false,
      detail: `${f.hunks.length} hunk(s) to ${f.status} "${f.path}" not applied`,
      changes: [],
    });
  }

  const objects = cPlaced.map((p) => p.name.replace(/\.c$/, ".o"));
  const kbuild = [
    "# SPDX-License-Identifier: GPL-2.0-only",
    "# Generated by udiag-fuzz harness/patch/port.ts: the module the patch adds, built out of tree.",
    `obj-m += ${name}.o`,
    ...(cPlaced.length > 1 ? [`${name}-y := ${objects.join(" ")}`] : []),
    ...kbuildExtra,
    "",
  ].join("\n");

  return {
    name,
    files: placed.map((p) => ({
      name: p.name,
      patchPath: p.diff.path,
      original: p.diff.content!,
      text: p.text,
    })),
    kbuild,
    steps,
    inTree,
  };
}

/**
 * The line of a file as the patch created it, for a line of the ported file
 * (compiler messages name ported lines); null when the line was added by a step.
 *
 * @example
 * ```ts
 * import { originalLine } from "./port.ts";
 * const steps = [{ id: "x", kind: "source", file: "a.c", reason: "", applied: true, detail: "",
 *   changes: [{ line: 10, before: "", after: "\nMODULE_LICENSE(\"GPL\");" }] }] as const;
 * if (originalLine(steps, "a.c", 5) !== 5 || originalLine(steps, "a.c", 11) !== null) throw new Error();
 * ```
 */
export function originalLine(
  steps: readonly PortStep[],
  patchPath: string,
  line: number,
): number | null {
  // Changes in application order; undo them last to first.
  const changes = steps.filter((s) => s.kind === "source" && s.file === patchPath)
    .flatMap((s) => s.changes);
  let l = line;
  for (const c of [...changes].reverse()) {
    const beforeN = c.before === "" ? 0 : c.before.split("\n").length;
    const afterN = c.after.split("\n").length;
    if (l < c.line) continue;
    if (l < c.line + afterN) {
      if (beforeN === 0) return null;
      l = c.line + Math.min(l - c.line, beforeN - 1);
      continue;
    }
    l -= afterN - beforeN;
  }
  return l;
}
