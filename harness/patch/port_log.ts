/**
 * The port log of a patch target as markdown (`port.md`), for a reviewer to
 * judge each step: what was changed, why, and what was left as posted (pure).
 *
 * @module
 */
import type { PortStep, TextChange } from "./port.ts";

/** What `patch --dry-run -p1` said about one in-tree file of the patch. */
export interface DryRun {
  readonly path: string;
  /** Would the file's hunks apply to the kernel tree? */
  readonly applies: boolean;
  /** patch(1)'s own words, trimmed. */
  readonly output: string;
}

/** Everything the log shows. */
export interface PortLogInput {
  readonly patchFile: string;
  readonly subject: string | null;
  readonly author: string | null;
  readonly patchSha256: string;
  /** e.g. `6.12.117 (base-75c2c76b2e536e1b)`. */
  readonly kernel: string;
  readonly moduleName: string;
  readonly modulePath: string | null;
  readonly steps: readonly PortStep[];
  readonly dryRuns: readonly DryRun[];
  /** Compiler and modpost warnings, one per line, as printed. */
  readonly warnings: readonly string[];
}

function fence(lang: string, body: string): string {
  return "```" + lang + "\n" + body.replace(/\n$/, "") + "\n```";
}

/** A change as a small unified-diff hunk. */
export function changeDiff(file: string, c: TextChange): string {
  const minus = c.before === "" ? [] : c.before.split("\n").map((l) => `-${l}`);
  const plus = c.after.split("\n").map((l) => `+${l}`);
  const at = c.line > 0 ? `${file}:${c.line}` : file;
  return [`@@ ${at} @@`, ...minus, ...plus].join("\n");
}

/**
 * Renders the port log.
 *
 * @example
 * ```ts
 * import { renderPortLog } from "./port_log.ts";
 * const md = renderPortLog({ patchFile: "p.txt", subject: "[PATCH] x", author: null,
 *   patchSha256: "ab", kernel: "6.12", moduleName: "x", modulePath: null, steps: [],
 *   dryRuns: [], warnings: [] });
 * if (!md.startsWith("# Port log: [PATCH] x")) throw new Error();
 * ```
 */
export function renderPortLog(input: PortLogInput): string {
  const out: string[] = [];
  out.push(`# Port log: ${input.subject ?? input.patchFile}`, "");
  out.push(`- patch: \`${input.patchFile}\``);
  out.push(`- sha256: \`${input.patchSha256}\``);
  if (input.author) out.push(`- author: ${input.author}`);
  out.push(`- kernel: ${input.kernel}`);
  out.push(
    `- module: \`${input.moduleName}.ko\`${
      input.modulePath ? ` (\`${input.modulePath}\`)` : " (not built)"
    }`,
  );
  const applied = input.steps.filter((s) => s.applied).length;
  out.push(
    `- steps: ${input.steps.length}, ${applied} applied; the patch's behaviour is kept as posted`,
    "",
  );

  out.push("## Steps", "");
  for (const [i, s] of input.steps.entries()) {
    const state = s.applied ? "applied" : s.kind === "note" ? "note, no change" : "not applied";
    out.push(`### ${i + 1}. \`${s.id}\` (${state}): \`${s.file}\``, "");
    out.push(`- why: ${s.reason}`);
    out.push(`- what: ${s.detail}`, "");
    if (s.changes.length > 0) {
      out.push(fence("diff", s.changes.map((c) => changeDiff(s.file, c)).join("\n")), "");
    }
  }

  out.push("## In-tree hunks (not applied: out-of-tree build)", "");
  if (input.dryRuns.length === 0) out.push("The patch changes no existing kernel file.", "");
  for (const d of input.dryRuns) {
    out.push(
      `- \`${d.path}\`: ${
        d.applies ? "would apply" : "would NOT apply"
      } to ${input.kernel} (\`patch --dry-run -p1\`)`,
      "",
      fence("", d.output || "(no output)"),
      "",
    );
  }

  out.push("## Compiler warnings", "");
  if (input.warnings.length === 0) out.push("None.", "");
  else out.push(fence("", input.warnings.join("\n")), "");
  return out.join("\n");
}
