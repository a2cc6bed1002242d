/**
 * A finding as a kernel mailing list expects it from a bot (syzbot's shape):
 * the title as the subject, the kernel release, source, patch and config key,
 * where to find the config, what found it and when, the console report cut
 * to the report itself, the operations that trigger it, and the one command
 * that replays it here. Pure: the report folder is read by mail_cli.ts.
 *
 * @module
 */

/** What a finding folder holds, as mail_cli.ts reads it. */
export interface MailInput {
  /** The folder, as the reader should type it (for the replay command). */
  readonly folder: string;
  readonly meta: {
    readonly title: string;
    readonly kind: string;
    /** How often and since when; absent in a review's folders (title, report, replay.json). */
    readonly firstSeen?: string;
    readonly count?: number;
    readonly cases: readonly string[];
    readonly breaks?: string;
    readonly security?: { readonly severity: string; readonly cwe: string };
  };
  readonly env: Readonly<Record<string, unknown>>;
  /** The extracted report (report0). */
  readonly report: string;
  /** The operations of the case, one per line (repro.txt), if any. */
  readonly ops: string | null;
  /** The C reproducer (repro.c) and whether the framework verified it, if any. */
  readonly reproC: { readonly text: string; readonly verified: boolean } | null;
  /** Where the kernel config was written beside the report, if it was found. */
  readonly configPath: string | null;
  /** Whether the folder holds a replay.json (`deno task repro` needs one). */
  readonly replayable: boolean;
}

/** Longest report quoted: the first oops of a log is what a maintainer reads. */
export const MAX_REPORT_LINES = 80;

function str(v: unknown): string | null {
  return typeof v === "string" && v ? v : null;
}

/** What found it, in words (pure). */
export function foundBy(cases: readonly string[], kind: string): string {
  const c = cases[0];
  if (!c) return `a ${kind} finding with no running case`;
  const [suite, name] = [c.slice(0, c.indexOf("/")), c.slice(c.indexOf("/") + 1)];
  switch (suite) {
    case "conformance":
      return `conformance rule ${name}`;
    case "security":
      return `security check ${name}`;
    default:
      return `${suite} case ${name}`;
  }
}

/**
 * The mail (pure).
 *
 * @example
 * ```ts
 * import { mailReport } from "./mail.ts";
 * const text = mailReport({
 *   folder: "reports/x",
 *   meta: { title: "KASAN: use-after-free in f", kind: "kernel",
 *     firstSeen: "2026-12-02T05:04:58Z", count: 1, cases: ["fuzz/model:3"] },
 *   env: { kernelRelease: "6.12.117", kernelKey: "k", profile: "base" },
 *   report: "BUG: KASAN: use-after-free in f", ops: null, reproC: null, configPath: null,
 *   replayable: true,
 * });
 * if (!text.startsWith("Subject: [udiag-fuzz] KASAN: use-after-free in f\n")) throw new Error();
 * ```
 */
export function mailReport(m: MailInput): string {
  const env = m.env;
  const release = str(env.kernelRelease) ?? "unknown";
  const source = str(env.kernelSource);
  const patch = str(env.kernelPatch);
  const target = str(env.target);
  const lines = m.report.trimEnd().split("\n");
  const cut = lines.length > MAX_REPORT_LINES
    ? [...lines.slice(0, MAX_REPORT_LINES), `[… ${lines.length - MAX_REPORT_LINES} more lines]`]
    : lines;
  const out = [
    `Subject: [udiag-fuzz] ${m.meta.title}`,
    "",
    "Hello,",
    "",
    "udiag-fuzz found the following issue on:",
    "",
    `kernel release: ${release}${source ? ` (${source})` : ""}`,
    ...(patch ? [`kernel patch:   ${patch}`] : []),
    ...(target && !target.startsWith("kernel") ? [`target:         ${target}`] : []),
    `config key:     ${str(env.kernelKey) ?? "unknown"} (profile ${str(env.profile) ?? "?"})`,
    `kernel config:  ${m.configPath ?? "not found in this machine's kernel cache"}`,
    `command line:   ${str(env.cmdline) ?? "unknown"}`,
    `found by:       ${foundBy(m.meta.cases, m.meta.kind)}${
      m.meta.count ? `, ${m.meta.count} time(s), first ${m.meta.firstSeen}` : ""
    }`,
    ...(m.meta.security
      ? [`severity:       ${m.meta.security.severity}, ${m.meta.security.cwe}`]
      : []),
    `C reproducer:   ${
      m.reproC ? (m.reproC.verified ? "repro.c (verified)" : "repro.c (NOT verified)") : "none"
    }`,
    ...(m.meta.breaks ? ["", m.meta.breaks] : []),
    "",
    ...cut,
  ];
  if (m.ops) {
    out.push("", "The operations of the case (the failing one last):", "", m.ops.trimEnd());
  }
  if (m.reproC) out.push("", "C reproducer:", "", m.reproC.text.trimEnd());
  if (m.replayable) {
    out.push(
      "",
      "Replay it on this framework's VM (same kernel, same target):",
      "",
      `  deno task repro ${m.folder}`,
      "",
    );
  } else {
    // A report the machine died of before its case was saved has no replay.
    out.push(
      "",
      "No replay was saved for it (the case that showed it could not be named). It showed",
      "while the guest ran:",
      "",
      `  ${str(env.command) ?? "(unknown command)"}`,
      "",
    );
  }
  return out.join("\n");
}
