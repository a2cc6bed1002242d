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
import { extractPatch, patchLineOf } from "./extract.ts";
import { originalLine, portPatch, type PortStep } from "./port.ts";
import { type DryRun, renderPortLog } from "./port_log.ts";

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

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
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
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(patchFile);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`Patch file "${patchFile}" does not exist`, { cause: e });
    }
    throw e;
  }
  const patchSha256 = await sha256Hex(bytes);
  const extracted = extractPatch(new TextDecoder().decode(bytes), patchFile);
  const ported = portPatch(extracted);

  const dir = `${buildRoot}/patch-${patchSha256.slice(0, 8)}-${kernel.key}`;
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

  const dryRuns: DryRun[] = [];
  for (const [i, f] of ported.inTree.entries()) {
    const diffFile = `${dir}/in-tree/${i + 1}-${f.path.replaceAll("/", "_")}.diff`;
    await Deno.writeTextFile(diffFile, f.text);
    dryRuns.push(await dryRun(kernel.tree, diffFile, f.path));
  }
  const kernelLabel = `${kernel.release || kernel.sourceVersion} (${kernel.profile}-${kernel.key})`;
  const steps: PortStep[] = ported.steps.map((s) => {
    if (s.id !== "in-tree-hunks") return s;
    const d = dryRuns.find((x) => x.path === s.file);
    if (!d) return s;
    const said = d.output.split("\n").filter((l) => !/^checking file /.test(l)).join("; ");
    return {
      ...s,
      detail: `${s.detail}; patch --dry-run -p1 on ${kernel.release || "the tree"}: ${
        d.applies ? "would apply" : "would NOT apply"
      } (${said})`,
    };
  });

  const logFile = `${dir}/build.log`;
  await Deno.writeTextFile(logFile, "");
  await Deno.remove(`${dir}/${ported.name}.ko`).catch(() => {});
  const logInput = {
    patchFile,
    subject: extracted.subject,
    author: extracted.author,
    patchSha256,
    kernel: kernelLabel,
    moduleName: ported.name,
    steps,
    dryRuns,
  };
  try {
    await runLogged("make", ["-C", kernel.tree, `M=${dir}`, "modules"], { logFile });
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const log = await Deno.readTextFile(logFile);
    await Deno.writeTextFile(
      `${dir}/port.md`,
      renderPortLog({ ...logInput, modulePath: null, warnings: buildWarnings(log) }),
    );
    const first = firstError(log);
    let file: string | null = first?.file ?? null;
    let patchLine: number | null = null;
    let where = "";
    if (first?.file) {
      const rel = first.file.startsWith(`${dir}/`) ? first.file.slice(dir.length + 1) : first.file;
      const mf = ported.files.find((f) => f.name === rel);
      if (mf && first.line !== null) {
        file = mf.patchPath;
        const orig = originalLine(steps, mf.patchPath, first.line);
        const diff = extracted.files.find((f) => f.path === mf.patchPath);
        patchLine = orig !== null && diff ? patchLineOf(diff, orig) : null;
        where = `${mf.patchPath}:${first.line}${
          orig === null
            ? " (a line added by a port step)"
            : patchLine !== null
            ? ` (patch line ${patchLine})`
            : ""
        }: `;
      } else if (first.line !== null) {
        where = `${rel}:${first.line}: `;
      }
    }
    throw new PatchBuildError(
      `Cannot build module "${ported.name}" from patch "${patchFile}" for kernel ${kernelLabel}: ${where}${
        first?.message ?? `make exited with code ${e.code}`
      }\n${first?.quote ?? e.logTail}\nlog: ${logFile}`,
      { file, line: first?.line ?? null, patchLine, logFile },
      { cause: e },
    );
  }

  const modulePath = `${dir}/${ported.name}.ko`;
  await Deno.stat(modulePath).catch((e) => {
    throw new Error(`Kbuild succeeded but "${modulePath}" is missing: see ${logFile}`, {
      cause: e,
    });
  });
  const warnings = buildWarnings(await Deno.readTextFile(logFile));
  const log = renderPortLog({ ...logInput, modulePath, warnings });
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
