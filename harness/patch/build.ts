/**
 * Builds the module a kernel patch adds (`--target patch:FILE`) beside the
 * project's cached kernel: extract, port ({@link ./port.ts}), write the
 * sources and a Kbuild into a per-(patch, kernel) directory, `make M=…`,
 * and leave `port.md` there for the reviewer.
 *
 * Unlike our own module, a patch target may build with warnings (it is
 * someone else's code): they go into the port log. An error becomes a
 * {@linkcode PatchBuildError} quoting the compiler and naming the patch line.
 *
 * @module
 */
import type { KernelBuild } from "../vm/kernel.ts";
import { CommandError, runLogged } from "../proc.ts";
import { type ExtractedPatch, extractPatch, type FileDiff, patchLineOf } from "./extract.ts";
import { originalLine, type PortedModule, portPatch, type PortStep } from "./port.ts";
import { type DryRun, type PortLogInput, renderPortLog } from "./port_log.ts";
import { sha256Hex } from "../sha256.ts";
import { withLock } from "../lock.ts";

/** A built patch target. */
export interface PatchTarget {
  /** The `.ko` to insmod. */
  readonly modulePath: string;
  /** Module name. */
  readonly name: string;
  /** The mail subject, or the patch file's name for a bare diff. */
  readonly subject: string;
  readonly author: string | null;
  readonly steps: readonly PortStep[];
  /** Human-readable port log (the markdown written to `port.md`). */
  readonly log: string;
  readonly patchSha256: string;
  /** Build directory (sources, Kbuild, build.log, port.md, original/). */
  readonly dir: string;
  readonly dryRuns: readonly DryRun[];
  /** Compiler and modpost warnings. */
  readonly warnings: readonly string[];
}

/** Thrown when the ported module does not build; names the first error's file and line. */
export class PatchBuildError extends Error {
  readonly code = "EPATCHBUILD";
  /** Path of the file in the patch (or as the compiler named it), when known. */
  readonly file: string | null;
  /** Line in the ported file as the compiler named it. */
  readonly line: number | null;
  /** Line of the patch text, when the error is in a file the patch adds. */
  readonly patchLine: number | null;
  readonly logFile: string;
  constructor(
    message: string,
    where: { file: string | null; line: number | null; patchLine: number | null; logFile: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "PatchBuildError";
    this.file = where.file;
    this.line = where.line;
    this.patchLine = where.patchLine;
    this.logFile = where.logFile;
  }
}

const COMPILER_MESSAGE = /^(.+?):(\d+):(?:(\d+):)? (fatal error|error|warning): (.*)$/;

/**
 * Warning lines of a Kbuild log: the compiler's and modpost's.
 *
 * @example
 * ```ts
 * import { buildWarnings } from "./build.ts";
 * const w = buildWarnings("  CC [M]  /m/x.o\n/m/x.c:3:7: warning: unused variable ‘a’\n");
 * if (w.length !== 1) throw new Error();
 * ```
 */
export function buildWarnings(log: string): string[] {
  return log.split("\n").filter((l) =>
    COMPILER_MESSAGE.exec(l)?.[4] === "warning" || /^WARNING: modpost: /.test(l)
  );
}

/**
 * The first error of a Kbuild log with the lines after it (carets, notes,
 * without make's own lines); null when none.
 *
 * @example
 * ```ts
 * import { firstError } from "./build.ts";
 * const e = firstError("/m/x.c:3:16: error: ‘y’ undeclared\n    3 | int x = y;\n");
 * if (e?.line !== 3 || e.message !== "error: ‘y’ undeclared") throw new Error();
 * ```
 */
export function firstError(
  log: string,
  context = 12,
): { file: string | null; line: number | null; message: string; quote: string } | null {
  const lines = log.split("\n");
  for (const [i, l] of lines.entries()) {
    const m = COMPILER_MESSAGE.exec(l);
    const modpost = /^ERROR: modpost: (.*)$/.exec(l);
    if (!(m && m[4] !== "warning") && !modpost) continue;
    const quote = lines.slice(i, i + context)
      // make's and Kbuild's own lines (`make[2]: ***`, `  CC [M]  x.o`) interleave with gcc's.
      .filter((x) => !/^make(\[\d+\])?: /.test(x) && !/^ {2}[A-Z][A-Z0-9_]*( \[M\])? +\S/.test(x))
      .join("\n");
    return m
      ? { file: m[1]!, line: Number(m[2]), message: `${m[4]}: ${m[5]}`, quote }
      : { file: null, line: null, message: `modpost: ${modpost![1]}`, quote };
  }
  return null;
}

/** `patch --dry-run -p1` of one file's section against the tree; never changes the tree. */
async function dryRun(tree: string, diffFile: string, path: string): Promise<DryRun> {
  const { code, stdout, stderr } = await new Deno.Command("patch", {
    args: ["--dry-run", "--batch", "--forward", "-p1", "-d", tree, "-i", diffFile],
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return {
    path,
    applies: code === 0,
    output: (dec.decode(stdout) + dec.decode(stderr)).trim(),
  };
}

/** The patch file's bytes; a missing file names itself. */
async function readPatchFile(patchFile: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(patchFile);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Patch file "${patchFile}" does not exist`, { cause: e });
    }
    throw e;
  }
}

/** Writes the ported sources, the posted ones under original/, the Kbuild and the patch itself. */
async function writeModuleDir(dir: string, ported: PortedModule, bytes: Uint8Array): Promise<void> {
  await Deno.mkdir(`${dir}/original`, { recursive: true });
  await Deno.mkdir(`${dir}/in-tree`, { recursive: true });
  for (const f of ported.files) {
    const at = f.name.lastIndexOf("/");
    if (at > 0) await Deno.mkdir(`${dir}/${f.name.slice(0, at)}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/${f.name}`, f.text);
    // As posted, for `diff -u original/X X`; outside Kbuild's view (no Kbuild there).
    await Deno.writeTextFile(`${dir}/original/${f.name.replaceAll("/", "_")}`, f.original);
  }
  await Deno.writeTextFile(`${dir}/Kbuild`, ported.kbuild);
  await Deno.writeFile(`${dir}/patch.txt`, bytes);
}

/** Dry-runs each in-tree file's section against the tree, from a copy under `in-tree/`. */
async function dryRunInTree(
  tree: string,
  dir: string,
  inTree: readonly FileDiff[],
): Promise<DryRun[]> {
  const dryRuns: DryRun[] = [];
  for (const [i, f] of inTree.entries()) {
    const diffFile = `${dir}/in-tree/${i + 1}-${f.path.replaceAll("/", "_")}.diff`;
    await Deno.writeTextFile(diffFile, f.text);
    dryRuns.push(await dryRun(tree, diffFile, f.path));
  }
  return dryRuns;
}

/**
 * The port steps with each `in-tree-hunks` note completed by what
 * `patch --dry-run -p1` said about its file on `release` ("" = unknown).
 *
 * @example
 * ```ts
 * import { withDryRuns } from "./build.ts";
 * const s = { id: "in-tree-hunks", kind: "note", file: "Makefile", reason: "", applied: false,
 *   detail: "1 hunk(s) to modified \"Makefile\" not applied", changes: [] } as const;
 * const [d] = withDryRuns([s], [{ path: "Makefile", applies: true, output: "checking file Makefile" }], "6.12");
 * if (!d!.detail.endsWith("; patch --dry-run -p1 on 6.12: would apply ()")) throw new Error();
 * ```
 */
export function withDryRuns(
  steps: readonly PortStep[],
  dryRuns: readonly DryRun[],
  release: string,
): PortStep[] {
  return steps.map((s) => {
    if (s.id !== "in-tree-hunks") return s;
    const d = dryRuns.find((x) => x.path === s.file);
    if (!d) return s;
    const said = d.output.split("\n").filter((l) => !/^checking file /.test(l)).join("; ");
    return {
      ...s,
      detail: `${s.detail}; patch --dry-run -p1 on ${release || "the tree"}: ${
        d.applies ? "would apply" : "would NOT apply"
      } (${said})`,
    };
  });
}

/**
 * Where a compiler error is in the patch: the patch path of the ported file
 * it names (`dir` stripped), the line of the patch text, and the message
 * prefix saying so (`path:line (patch line N): `, or `""` when unknown).
 *
 * @example
 * ```ts
 * import { extractPatch } from "./extract.ts";
 * import { portPatch } from "./port.ts";
 * import { errorLocation } from "./build.ts";
 * const extracted = extractPatch("--- /dev/null\n+++ b/d/x.c\n@@ -0,0 +1,2 @@\n+int a;\n+int b = c;\n", "x");
 * const ported = portPatch(extracted);
 * const at = errorLocation({ file: "/m/x.c", line: 2 }, "/m", ported, extracted);
 * if (at.where !== "d/x.c:2 (patch line 5): " || at.file !== "d/x.c") throw new Error();
 * ```
 */
export function errorLocation(
  first: { readonly file: string | null; readonly line: number | null } | null,
  dir: string,
  ported: PortedModule,
  extracted: ExtractedPatch,
): { file: string | null; patchLine: number | null; where: string } {
  if (!first?.file) return { file: first?.file ?? null, patchLine: null, where: "" };
  const rel = first.file.startsWith(`${dir}/`) ? first.file.slice(dir.length + 1) : first.file;
  const mf = ported.files.find((f) => f.name === rel);
  if (!mf || first.line === null) {
    return {
      file: first.file,
      patchLine: null,
      where: first.line !== null ? `${rel}:${first.line}: ` : "",
    };
  }
  const orig = originalLine(ported.steps, mf.patchPath, first.line);
  const diff = extracted.files.find((f) => f.path === mf.patchPath);
  const patchLine = orig !== null && diff ? patchLineOf(diff, orig) : null;
  const note = orig === null
    ? " (a line added by a port step)"
    : patchLine !== null
    ? ` (patch line ${patchLine})`
    : "";
  return { file: mf.patchPath, patchLine, where: `${mf.patchPath}:${first.line}${note}: ` };
}

/** What one build works from: its directory, log, the patch as extracted and ported, and the port log's fields. */
interface BuildJob {
  readonly dir: string;
  readonly logFile: string;
  readonly extracted: ExtractedPatch;
  readonly ported: PortedModule;
  /** The port log without the build's results. */
  readonly log: Omit<PortLogInput, "modulePath" | "warnings">;
}

/** The build's first error as a {@linkcode PatchBuildError} that names the patch line. */
function buildError(job: BuildJob, e: CommandError, log: string): PatchBuildError {
  const first = firstError(log);
  const { file, patchLine, where } = errorLocation(first, job.dir, job.ported, job.extracted);
  return new PatchBuildError(
    `Cannot build module "${job.ported.name}" from patch "${job.log.patchFile}" for kernel ${job.log.kernel}: ${where}${
      first?.message ?? `make exited with code ${e.code}`
    }\n${first?.quote ?? e.logTail}\nlog: ${job.logFile}`,
    { file, line: first?.line ?? null, patchLine, logFile: job.logFile },
    { cause: e },
  );
}

/**
 * `make M=<dir> modules` from a fresh log and no stale `.ko`; when it fails,
 * writes `port.md` (no module) for the reviewer, then throws the first error.
 */
async function makeModule(tree: string, job: BuildJob): Promise<void> {
  await Deno.writeTextFile(job.logFile, "");
  await Deno.remove(`${job.dir}/${job.ported.name}.ko`).catch(() => {});
  try {
    await runLogged("make", ["-C", tree, `M=${job.dir}`, "modules"], { logFile: job.logFile });
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const log = await Deno.readTextFile(job.logFile);
    await Deno.writeTextFile(
      `${job.dir}/port.md`,
      renderPortLog({ ...job.log, modulePath: null, warnings: buildWarnings(log) }),
    );
    throw buildError(job, e, log);
  }
}

/** The module Kbuild made; a success without it is a harness bug, not the patch's. */
async function builtModule(job: BuildJob): Promise<string> {
  const modulePath = `${job.dir}/${job.ported.name}.ko`;
  await Deno.stat(modulePath).catch((e) => {
    throw new Error(`Kbuild succeeded but "${modulePath}" is missing: see ${job.logFile}`, {
      cause: e,
    });
  });
  return modulePath;
}

/**
 * Builds the module that `patchFile` adds against `kernel`, in
 * `${buildRoot}/patch-<sha8>-<kernel.key>/`. Throws a `PatchFormatError`
 * (no diff, malformed hunk), a `PortError` (no C file) or a
 * {@linkcode PatchBuildError} (the compiler or modpost refused).
 */
export async function buildPatchTarget(
  kernel: KernelBuild,
  patchFile: string,
  buildRoot: string,
): Promise<PatchTarget> {
  const bytes = await readPatchFile(patchFile);
  const patchSha256 = await sha256Hex(bytes);
  const extracted = extractPatch(new TextDecoder().decode(bytes), patchFile);
  const ported = portPatch(extracted);
  const dir = `${buildRoot}/patch-${patchSha256.slice(0, 8)}-${kernel.key}`;
  // Two jobs of one run (a mutation baseline's runs side by side) or two
  // runs may build the same patch at once: one make at a time in its folder.
  return await withLock(
    dir,
    () => buildIn(dir, kernel, patchFile, bytes, patchSha256, extracted, ported),
  );
}

async function buildIn(
  dir: string,
  kernel: KernelBuild,
  patchFile: string,
  bytes: Uint8Array,
  patchSha256: string,
  extracted: ExtractedPatch,
  ported: PortedModule,
): Promise<PatchTarget> {
  await writeModuleDir(dir, ported, bytes);
  const dryRuns = await dryRunInTree(kernel.tree, dir, ported.inTree);
  const steps = withDryRuns(ported.steps, dryRuns, kernel.release);
  const job: BuildJob = {
    dir,
    logFile: `${dir}/build.log`,
    extracted,
    ported,
    log: {
      patchFile,
      subject: extracted.subject,
      author: extracted.author,
      patchSha256,
      kernel: `${kernel.release || kernel.sourceVersion} (${kernel.profile}-${kernel.key})`,
      moduleName: ported.name,
      steps,
      dryRuns,
    },
  };
  const t0 = Date.now();
  console.error(
    `udiag-fuzz: building the module of ${patchFile} (${ported.name}) for ${kernel.release}; log: ${job.logFile}`,
  );
  await makeModule(kernel.tree, job);
  const modulePath = await builtModule(job);
  console.error(`udiag-fuzz: ${ported.name} built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const warnings = buildWarnings(await Deno.readTextFile(job.logFile));
  const log = renderPortLog({ ...job.log, modulePath, warnings });
  await Deno.writeTextFile(`${dir}/port.md`, log);
  return {
    modulePath,
    name: ported.name,
    subject: extracted.subject ?? patchFile.slice(patchFile.lastIndexOf("/") + 1),
    author: extracted.author,
    steps,
    log,
    patchSha256,
    dir,
    dryRuns,
    warnings,
  };
}
