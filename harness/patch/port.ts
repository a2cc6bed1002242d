/**
 * Turns the C files a kernel patch adds into an out-of-tree module for the
 * project's 6.12 kernel, by a table of named port steps (pure):
 * {@linkcode PORT_STEPS} is data, one row per step, run in order, as
 * `harness/console/oopses.ts` is for console signatures.
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

/**
 * What a port step reads: the patch, and the module as the steps before it
 * left it. Steps read and edit a file's `text`; questions about what the
 * patch itself has (MODULE_LICENSE(), module_exit(), an init function, a
 * kernel symbol) read `original`, so a line a step appended (a description
 * quoting the subject) never answers them.
 */
export interface PortContext {
  readonly patch: ExtractedPatch;
  /** Module name (`<name>.ko`). */
  readonly name: string;
  /** The files the patch adds, at their module paths, in patch order. */
  readonly files: readonly ModuleFile[];
  /** Patch path of the C file that takes module-wide lines: the one with the init function. */
  readonly main: string;
}

/** What a step found and did in one file: a {@linkcode PortStep} without the row's own fields. */
export interface PortOutcome {
  /** A path of the patch, or `Kbuild`. */
  readonly file: string;
  readonly applied: boolean;
  readonly detail: string;
  readonly changes: readonly TextChange[];
  /** The file's text after the step, when the step edited a source file. */
  readonly text?: string;
}

/** One row of {@linkcode PORT_STEPS}: a port step, when it concerns a module, and what it does. */
export interface PortStepRule {
  /** Stable kebab-case id, e.g. `class-create-owner`. */
  readonly id: string;
  readonly kind: PortStepKind;
  /** One line: why 6.12 (or an out-of-tree build) needs this, citing the kernel change. */
  readonly reason: string;
  /** Whether the step concerns this module at all; false leaves it out of the log. */
  readonly applies: (m: PortContext) => boolean;
  /** One outcome per file the step concerns, in order, each for a different file. */
  readonly apply: (m: PortContext) => readonly PortOutcome[];
}

/** The module's C files, in patch order. */
function cFilesOf(files: readonly ModuleFile[]): readonly ModuleFile[] {
  return files.filter((f) => f.name.endsWith(".c"));
}

/** The C code as posted, all files joined: what "does the patch have …?" is asked of. */
function postedCode(m: PortContext): string {
  return cFilesOf(m.files).map((f) => f.original).join("\n");
}

/** The module's main C file, as the steps before left it. */
function mainFile(m: PortContext): ModuleFile {
  return m.files.find((f) => f.patchPath === m.main)!;
}

/** An outcome that changes nothing: a note, or a step that found nothing to do. */
function unchanged(file: string, detail: string): PortOutcome {
  return { file, applied: false, detail, changes: [] };
}

/** An outcome that adds one line to the generated Kbuild. */
function kbuildLine(line: string, detail: string): PortOutcome {
  return { file: "Kbuild", applied: true, detail, changes: [{ line: 0, before: "", after: line }] };
}

/** An outcome that appends lines to a source file. */
function appendTo(f: ModuleFile, lines: string, detail: string): PortOutcome {
  const r = appendLines(f.text, lines);
  return { file: f.patchPath, applied: true, detail, changes: [r.change], text: r.text };
}

/** Does the file call class_create()? */
function callsClassCreate(f: ModuleFile): boolean {
  return /\bclass_create\s*\(/.test(f.text);
}

/** `class_create(owner, name)` → `class_create(name)` in one file; calls of another arity stay. */
function dropClassCreateOwner(f: ModuleFile): PortOutcome {
  const re = /\bclass_create\s*\(/g;
  const changes: TextChange[] = [];
  let text = f.text;
  let kept = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = m.index + m[0].length - 1;
    const call = callArgs(text, open);
    if (!call || call.args.length !== 2) {
      kept++;
      continue;
    }
    const name = call.args[1]!.trim();
    const r = replaceSpan(text, open + 1, call.close, name);
    text = r.text;
    changes.push(r.change);
    re.lastIndex = open + 1 + name.length;
  }
  if (changes.length === 0) {
    return unchanged(
      f.patchPath,
      `nothing to change: ${kept} class_create() call(s) already take one argument`,
    );
  }
  return {
    file: f.patchPath,
    applied: true,
    detail: `dropped the owner argument of ${changes.length} class_create() call(s)`,
    changes,
    text,
  };
}

/** Quoted includes the patch does not itself provide (they come from the tree), by tree directory. */
function treeIncludes(m: PortContext): Map<string, string[]> {
  const provided = new Set(m.files.map((f) => baseOf(f.name)));
  const byDir = new Map<string, string[]>();
  for (const f of cFilesOf(m.files)) {
    const dir = dirOf(f.patchPath);
    for (const inc of quotedIncludes(f.text)) {
      if (provided.has(baseOf(inc)) && !inc.includes("/")) continue;
      if (dir === "") continue;
      byDir.set(dir, [...(byDir.get(dir) ?? []), inc]);
    }
  }
  return byDir;
}

/** Kbuild puts each tree directory with headers the patch uses on the include path. */
function addTreeIncludeDirs(m: PortContext): readonly PortOutcome[] {
  return [...treeIncludes(m)].map(([dir, incs]) =>
    kbuildLine(
      `ccflags-y += -I$(srctree)/${dir}`,
      `${incs.map((i) => `"${i}"`).join(", ")} resolved from ${dir}/ of the kernel tree`,
    )
  );
}

/** The headers the patch adds under include/, written there in the module directory. */
function patchHeaders(m: PortContext): readonly ModuleFile[] {
  return m.files.filter((f) => f.name.startsWith("include/"));
}

/** Kbuild puts the module's own include/ and include/uapi/ on the include path. */
function addPatchHeaderDirs(m: PortContext): readonly PortOutcome[] {
  return [kbuildLine(
    "ccflags-y += -I$(src)/include -I$(src)/include/uapi",
    `${patchHeaders(m).map((f) => f.name).join(", ")} written under the module directory`,
  )];
}

/** MODULE_LICENSE() from the main file's SPDX line, appended unless the patch has one. */
function addModuleLicense(m: PortContext): readonly PortOutcome[] {
  if (/\bMODULE_LICENSE\s*\(/.test(postedCode(m))) {
    return [unchanged(m.main, "nothing to change: the patch has MODULE_LICENSE()")];
  }
  const main = mainFile(m);
  const { license, spdx } = licenseFor(main.text);
  return [appendTo(
    main,
    `\nMODULE_LICENSE(${cString(license)});`,
    `appended MODULE_LICENSE(${cString(license)}), from ${
      spdx ? `the SPDX line "${spdx}"` : "the kernel's default licence (no SPDX line)"
    }`,
  )];
}

/** MODULE_DESCRIPTION() from the mail subject, appended unless the patch has one. */
function addModuleDescription(m: PortContext): readonly PortOutcome[] {
  if (/\bMODULE_DESCRIPTION\s*\(/.test(postedCode(m))) {
    return [unchanged(m.main, "nothing to change: the patch has MODULE_DESCRIPTION()")];
  }
  const desc = descriptionOf(m.patch.subject, `${m.name} (from a kernel patch)`);
  return [appendTo(
    mainFile(m),
    `MODULE_DESCRIPTION(${cString(desc)});`,
    `appended MODULE_DESCRIPTION() from ${
      m.patch.subject ? "the mail subject" : "the module name"
    }`,
  )];
}

/** Notes each C file's built-in initcall, which runs as module_init() at insmod. */
function noteInitcalls(m: PortContext): readonly PortOutcome[] {
  return cFilesOf(m.files).flatMap((f) => {
    const c = BUILTIN_INITCALLS.exec(f.original);
    return c
      ? [unchanged(
        f.patchPath,
        `${c[1]}_initcall${c[2] ?? ""}(${c[3]}) runs as module_init(${c[3]}) at insmod`,
      )]
      : [];
  });
}

/** The symbols of {@linkcode KERNEL_EXPORTS_ADDED} the patch uses. */
function addedExportsUsed(m: PortContext): string[] {
  const code = postedCode(m);
  return Object.keys(KERNEL_EXPORTS_ADDED).filter((s) => new RegExp(`\\b${s}\\b`).test(code));
}

/** The files the patch changes in the tree (Kconfig, Makefile, …), which an out-of-tree build leaves alone. */
function inTreeFiles(patch: ExtractedPatch): FileDiff[] {
  return patch.files.filter((f) => f.status !== "added");
}

/**
 * The port steps, in the order they run: each row says when it concerns a
 * module and what it does; {@linkcode portPatch} runs every row that applies,
 * each on the module as the rows before it left it.
 *
 * @example
 * ```ts
 * import { extractPatch } from "./extract.ts";
 * import { PORT_STEPS, portContext } from "./port.ts";
 * const m = portContext(extractPatch("--- /dev/null\n+++ b/drivers/x.c\n@@ -0,0 +1 @@\n+int x;\n", "x"));
 * const row = PORT_STEPS.find((r) => r.id === "class-create-owner")!;
 * if (row.applies(m)) throw new Error(); // no class_create() call: not in the log
 * ```
 */
export const PORT_STEPS: readonly PortStepRule[] = [
  {
    id: "class-create-owner",
    kind: "source",
    reason:
      `class_create() lost its owner argument in 6.4 (commit 1aaba11da9aa, "driver core: class: remove module * from class_create()")`,
    applies: (m) => cFilesOf(m.files).some(callsClassCreate),
    apply: (m) => cFilesOf(m.files).filter(callsClassCreate).map(dropClassCreateOwner),
  },
  {
    id: "kbuild-include-dir",
    kind: "kbuild",
    reason:
      `In the tree, a quoted #include finds headers beside the .c file; out of tree they are not there, so Kbuild adds the file's tree directory to the include path (no source change)`,
    applies: (m) => treeIncludes(m).size > 0,
    apply: addTreeIncludeDirs,
  },
  {
    id: "kbuild-patch-headers",
    kind: "kbuild",
    reason:
      `Headers the patch adds under include/ are not in the 6.12 tree; out of tree, Kbuild adds the module's own include/ and include/uapi/ to the include path`,
    applies: (m) => patchHeaders(m).length > 0,
    apply: addPatchHeaderDirs,
  },
  {
    id: "module-license",
    kind: "source",
    reason:
      `Built-in code needs no MODULE_LICENSE(), a module does: modpost fails without one since 5.12 (commit 1d6cd3929360, "modpost: turn missing MODULE_LICENSE() into error"), and only a GPL-compatible one may link EXPORT_SYMBOL_GPL symbols`,
    applies: () => true, // logged either way: appended, or found in the patch
    apply: addModuleLicense,
  },
  {
    id: "module-description",
    kind: "source",
    reason:
      `A module without MODULE_DESCRIPTION() makes modpost warn under W=1 since 6.5 (commit 1fffe7a34c89, "script: modpost: emit a warning when the description is missing")`,
    applies: () => true, // logged either way: appended, or found in the patch
    apply: addModuleDescription,
  },
  {
    id: "initcall-module-init",
    kind: "note",
    reason:
      `include/linux/module.h defines the built-in initcall levels as module_init() when MODULE is set, so the init function runs at insmod (no source change)`,
    applies: (m) => cFilesOf(m.files).some((f) => BUILTIN_INITCALLS.test(f.original)),
    apply: noteInitcalls,
  },
  {
    id: "no-module-exit",
    kind: "note",
    reason:
      `Built-in code has no exit path; a module without module_exit() cannot be unloaded (delete_module() returns EBUSY without --force), and adding one would add behaviour the patch lacks`,
    applies: (m) => !/\bmodule_exit\s*\(/.test(postedCode(m)),
    apply: (m) => [
      unchanged(m.main, "no module_exit(): the module stays loaded until the guest reboots"),
    ],
  },
  {
    id: "kernel-exports",
    kind: "note",
    reason:
      `6.12 does not export these symbols to modules; the project's kernel does (kmod/kernel/exports.patch), so the module links as posted (no source change)`,
    applies: (m) => addedExportsUsed(m).length > 0,
    apply: (m) => [unchanged(
      m.main,
      `uses ${
        addedExportsUsed(m).map((s) => `${s} (exported by our ${KERNEL_EXPORTS_ADDED[s]})`)
          .join(", ")
      }`,
    )],
  },
  {
    id: "in-tree-hunks",
    kind: "note",
    reason:
      `The module is built out of tree, so the patch's changes to existing kernel files are not applied; build.ts reports whether they would apply to 6.12 (patch --dry-run -p1)`,
    applies: (m) => inTreeFiles(m.patch).length > 0,
    apply: (m) =>
      inTreeFiles(m.patch).map((f) =>
        unchanged(f.path, `${f.hunks.length} hunk(s) to ${f.status} "${f.path}" not applied`)
      ),
  },
];

/** Module name for the patch's C files: the file's own name when there is one. */
function moduleNameOf(cFiles: readonly ModuleFile[]): string {
  return cFiles.length === 1 ? baseOf(cFiles[0]!.patchPath).replace(/\.c$/, "") : "udiag_patch";
}

/**
 * Where each added file goes: C files and their neighbours flat, headers
 * under include/ at their tree path (they are reached by <…> includes);
 * throws {@linkcode PortError} when two would land on one name.
 */
function placeFiles(added: readonly FileDiff[]): ModuleFile[] {
  const cDirs = new Set(added.filter((f) => f.path.endsWith(".c")).map((f) => dirOf(f.path)));
  const files = added.map((f) => {
    const local = cDirs.has(dirOf(f.path)) && !f.path.startsWith("include/");
    return {
      name: local ? baseOf(f.path) : f.path,
      patchPath: f.path,
      original: f.content!,
      text: f.content!,
    };
  });
  const seen = new Map<string, string>();
  for (const f of files) {
    const other = seen.get(f.name);
    if (other) {
      throw new PortError(
        `Patch adds "${other}" and "${f.patchPath}": both would be "${f.name}" in the module directory`,
      );
    }
    seen.set(f.name, f.patchPath);
  }
  return files;
}

/** Licence and description go once per module, into the C file with the init function (else the first). */
function mainFileOf(files: readonly ModuleFile[]): string {
  const cFiles = cFilesOf(files);
  const main =
    cFiles.find((f) =>
      BUILTIN_INITCALLS.test(f.original) || /\bmodule_init\s*\(/.test(f.original)
    ) ?? cFiles[0]!;
  return main.patchPath;
}

/**
 * The module before any port step: its name, the added files placed in the
 * module directory, and its main file; throws {@linkcode PortError} when the
 * patch adds no C file or two files would share a name.
 *
 * @example
 * ```ts
 * import { extractPatch } from "./extract.ts";
 * import { portContext } from "./port.ts";
 * const m = portContext(extractPatch("--- /dev/null\n+++ b/drivers/x.c\n@@ -0,0 +1 @@\n+int x;\n", "x"));
 * if (m.name !== "x" || m.main !== "drivers/x.c" || m.files[0]!.name !== "x.c") throw new Error();
 * ```
 */
export function portContext(patch: ExtractedPatch): PortContext {
  const added = patch.files.filter((f) => f.status === "added" && f.content !== null);
  if (!added.some((f) => f.path.endsWith(".c"))) {
    throw new PortError(
      `Patch adds no C file (${
        patch.files.map((f) => `${f.status} "${f.path}"`).join(", ")
      }): nothing to build as a module`,
    );
  }
  const files = placeFiles(added);
  return { patch, name: moduleNameOf(cFilesOf(files)), files, main: mainFileOf(files) };
}

/** A row's outcome as a log entry. */
function stepOf(rule: PortStepRule, o: PortOutcome): PortStep {
  return {
    id: rule.id,
    kind: rule.kind,
    file: o.file,
    reason: rule.reason,
    applied: o.applied,
    detail: o.detail,
    changes: o.changes,
  };
}

/** The generated Kbuild: the module's objects, then the lines the kbuild steps added. */
function kbuildOf(name: string, files: readonly ModuleFile[], steps: readonly PortStep[]): string {
  const cFiles = cFilesOf(files);
  const objects = cFiles.map((f) => f.name.replace(/\.c$/, ".o"));
  return [
    "# SPDX-License-Identifier: GPL-2.0-only",
    "# Generated by udiag-fuzz harness/patch/port.ts: the module the patch adds, built out of tree.",
    `obj-m += ${name}.o`,
    ...(cFiles.length > 1 ? [`${name}-y := ${objects.join(" ")}`] : []),
    ...steps.filter((s) => s.kind === "kbuild" && s.applied).flatMap((s) =>
      s.changes.map((c) => c.after)
    ),
    "",
  ].join("\n");
}

/**
 * Ports the files a patch adds to an out-of-tree module for 6.12 by running
 * {@linkcode PORT_STEPS} in order; throws {@linkcode PortError} when the
 * patch adds no C file.
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
  const start = portContext(patch);
  let files = start.files;
  const steps: PortStep[] = [];
  for (const rule of PORT_STEPS) {
    const m: PortContext = { ...start, files };
    if (!rule.applies(m)) continue;
    for (const o of rule.apply(m)) {
      steps.push(stepOf(rule, o));
      const text = o.text;
      if (text !== undefined) {
        files = files.map((f) => f.patchPath === o.file ? { ...f, text } : f);
      }
    }
  }
  return {
    name: start.name,
    files,
    kbuild: kbuildOf(start.name, files, steps),
    steps,
    inTree: inTreeFiles(patch),
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
