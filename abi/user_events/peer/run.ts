/**
 * Peer run: the kernel's own user_events selftests, built from the same
 * source as the framework's kernel (build.ts), run once each in one boot of
 * the KASAN guest, their KTAP parsed (ktap.ts), and a results table written.
 *
 * `deno run -A abi/user_events/peer/run.ts [--target kernel|kernel:PATCH] [--out FILE]`
 *
 * Kernel reports on the console are filed as findings by the engine
 * (`runGuest`), attributed to the binary whose kmsg mark came last
 * (guest.sh), and named in the table.
 *
 * @module
 */
import { buildPeer, PEER_TESTS, type PeerTest } from "./build.ts";
import {
  attachStderr,
  type KtapDoc,
  type KtapResultWithStderr,
  ktapVerdict,
  parseKtap,
  type Verdict,
} from "./ktap.ts";
import { describeOutcome, runGuest } from "../../../harness/vm/guest_run.ts";
import { testCommand } from "../../../harness/suite_boots.ts";
import { listFindings } from "../../../harness/report/store.ts";
import { reportDirName } from "../../../harness/report/dedup.ts";
import { onlyOurs, onlyTheirs, PEER_RULES } from "./map.ts";
import userEvents from "../plugin.ts";
import { consoleFindings } from "../../../harness/report/console_findings.ts";
import { ROOT, rootRelative } from "../../../harness/paths.ts";
import {
  checkInput,
  fileFlag,
  intFlag,
  parseFlags,
  profileFlag,
  runMain,
  UsageError,
} from "../../../harness/cli.ts";

const USAGE = `Usage: deno run -A abi/user_events/peer/run.ts [options]
  --target T        kernel | kernel:PATCH                         [kernel]
  --profile NAME    kernel profile (base, strict, faults)         [base]
  --out FILE        markdown table      [docs/user_events-peer.md; out/peer/peer-<patch>.md]
  --json FILE       results             [out/peer/results.json; out/peer/results-<patch>.json]
  --timeout SEC     per selftest binary (its settings file says 90) [150]
  --reports DIR     where findings go                             [reports]
  --findings DIR    committed findings of our rules, linked from the table
                    [docs/user_events-findings for the shipped kernel]
  --quiet           do not echo the kernel console

Exit status: 0 when every binary ran to a complete KTAP document, 1 when one
did not (error) or a case failed, 255 when the kernel died; 2 bad flags.`;

/** A kernel report seen while a binary ran. */
export interface PeerFinding {
  readonly title: string;
  readonly type: string;
  readonly case: string | null;
}

/** One selftest binary's run. */
export interface BinaryResult {
  readonly name: PeerTest;
  /** Exit status; 124 is `timeout`'s; null when it never finished (kernel died). */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly seconds: number | null;
  readonly verdict: Verdict | "error";
  readonly doc: KtapDoc;
  /** The results, each with the stderr lines that name it. */
  readonly cases: readonly KtapResultWithStderr[];
  /** Stderr lines no case claims. */
  readonly unclaimedStderr: readonly string[];
  readonly findings: readonly PeerFinding[];
}

/** One of our rules' verdict in the same boot. */
export interface OurVerdict {
  readonly id: string;
  readonly verdict: "pass" | "fail" | "not run";
  readonly error?: string;
  /** The committed finding of a failed rule (`--findings`), when there is one. */
  readonly finding?: string;
}

/** Everything results.json holds. */
export interface PeerResults {
  readonly target: string;
  readonly kernelRelease: string;
  readonly kernelKey: string;
  readonly kernelPatch: string | null;
  readonly sourceVersion: string;
  readonly outcome: string;
  readonly runDir: string;
  readonly reportDirs: readonly string[];
  readonly date: string;
  readonly binaries: readonly BinaryResult[];
  /** Reports not attributed to any binary (boot, kmemleak after the last one). */
  readonly otherFindings: readonly PeerFinding[];
  /** Our conformance rules, run in the same boot after the selftests. */
  readonly ours: readonly OurVerdict[];
}

function readOr(path: string, fallback: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

/** The target flag: `kernel` or `kernel:PATCH`. */
export function parseTarget(t: string): string | null {
  if (t === "kernel") return null;
  if (t.startsWith("kernel:") && t.length > "kernel:".length) {
    return fileFlag("target", t.slice("kernel:".length));
  }
  throw new UsageError(`Bad --target "${t}": expected kernel or kernel:PATCH`);
}

function patchSlug(patch: string): string {
  return patch.replace(/^.*\//, "").replace(/\.patch$/, "");
}

/**
 * What is known about a case's failure, from reading the source and from
 * the runs under strace (abi/user_events/peer/testdata/*strace*): shown
 * under the table only when that case fails.
 */
export const KNOWN_CAUSES: Readonly<Record<string, string>> = {
  "dyn_test/user.basic_types":
    "Fails on the second `parse()` in a row (`u32 a` after `u64 a`). Debian 6.12.100's backport \"tracing/user_events: Fix use-after-free in user_event_mm_dup()\" makes unregister drop the enabler's event reference only after an RCU grace period plus a work item (`user_event_enabler_destroy()` → `queue_rcu_work()`). `parse_abi()` unregisters and at once registers the same name with other fields, so the previous event is still alive and the ioctl gets `EADDRINUSE`; `parse_dyn()` fails the same way. Passes when slowed down under strace. By reading and by timing; the errno was not captured in the failing run.",
  "dyn_test/user.loc_types":
    "Same as `basic_types`: the second `parse()` (`__data_loc unsigned char[]` after `__data_loc char[]`) meets the previous event, whose last reference is still waiting for the deferred enabler put.",
  "abi_test/user.flags":
    "`DIAG_IOCSDEL` right after unregistering a `PERSIST` event fails (-1, by reading `EBUSY` from `user_event_last_ref()`): the enabler's reference is put only after an RCU grace period (same backport as above). Passes under strace.",
};

/** What each suite finds and checks alone, and our failures with their findings (pure). */
export function sideBySide(r: PeerResults): string[] {
  const out = ["", "## Side by side", ""];
  const failedCases = r.binaries.flatMap((b) =>
    b.cases.filter((c) => c.verdict === "fail").map((c) => `${b.name}/${c.name}`)
  );
  const ours = new Map(r.ours.map((o) => [o.id, o]));
  const ourFails = r.ours.filter((o) => o.verdict === "fail");
  out.push(
    `Our rules in the same boot: ${
      r.ours.filter((o) => o.verdict === "pass").length
    } pass, ${ourFails.length} fail, ${
      r.ours.filter((o) => o.verdict === "not run").length
    } not run.`,
    "",
  );
  for (const c of failedCases) {
    const also = (PEER_RULES[c] ?? []).filter((id) => ours.get(id)?.verdict === "fail");
    out.push(
      also.length
        ? `- \`${c}\` fails, and so does ${also.join(", ")}: found by both suites.`
        : `- \`${c}\` fails; none of our rules that check the same (${
          (PEER_RULES[c] ?? []).join(", ") || "none"
        }) fails: found by the selftests only (see the causes above).`,
    );
  }
  for (const o of ourFails) {
    const cases = Object.entries(PEER_RULES).filter(([, ids]) => ids.includes(o.id)).map(([c]) =>
      c
    );
    const theirs = cases.filter((c) => failedCases.includes(c));
    out.push(
      `- ${o.id} fails${o.error ? ` (${cell(o.error.split("\n")[0]!)})` : ""}${
        o.finding ? `; finding \`${o.finding}\`, replayed by \`deno task repro ${o.finding}\`` : ""
      }: ${
        theirs.length
          ? `the selftests see it too (${theirs.join(", ")})`
          : cases.length
          ? `the selftests that check the same (${cases.join(", ")}) pass: found by our rules only`
          : "no selftest checks it: found by our rules only"
      }.`,
    );
  }
  out.push(
    "",
    `Checked by the selftests only: ${onlyTheirs().map((c) => `\`${c}\``).join(", ")}.`,
    "",
    `Checked by our rules only: ${onlyOurs(r.ours.map((o) => o.id)).join(", ")}.`,
  );
  return out;
}

/** Markdown-safe table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\s+/g, " ").trim();
}

/** The lines of a failed case worth quoting: assertion failures and their values. */
export function failureDetail(diagnostics: readonly string[]): string {
  const keep = diagnostics.filter((d) =>
    /Expected|failed|Assertion|error|Error/.test(d) && !/^\s*(RUN|FAIL)\b/.test(d)
  );
  return keep.slice(0, 3).map((d) => d.trim()).join("; ");
}

/** The markdown document of a run. */
export function renderMarkdown(r: PeerResults): string {
  const out: string[] = [];
  const shipped = r.kernelPatch === null;
  out.push(
    `# user_events: the kernel's own selftests (peer run)`,
    "",
    `Generated by \`deno run -A abi/user_events/peer/run.ts${
      shipped ? "" : ` --target kernel:${r.kernelPatch}`
    }\` on ${r.date}. Do not edit by hand.`,
    "",
    `- Kernel: ${r.kernelRelease} (linux-source-6.12 ${r.sourceVersion}), KASAN profile, key \`${r.kernelKey}\`${
      shipped ? ", as shipped" : `, with \`${r.kernelPatch}\``
    }.`,
    `- Selftests: \`tools/testing/selftests/user_events/\` of the same source, built with \`gcc -static\` (abi/user_events/peer/build.ts), each run once as root in one boot of the guest with a per-binary timeout.`,
    `- Guest: ${r.outcome}; run directory \`${rootRelative(r.runDir)}\`.`,
    `- Verdicts come from each binary's KTAP (abi/user_events/peer/ktap.ts). _error_ means the output cannot be trusted as complete (no plan, truncated, bail-out, totals mismatch, timeout).`,
    `- "Kernel reports" are console reports filed by the engine while that binary ran (see \`reports/\`).`,
    `- "Our rules": the rules of \`abi/user_events/conformance/\` that check what the case checks (abi/user_events/peer/map.ts), with their verdicts from the same boot, run after the selftests.`,
    "",
    "## Per binary",
    "",
    "| Binary | Exit | Plan | Pass | Fail | Skip | Verdict | Kernel reports | Notes |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const b of r.binaries) {
    const exit = b.exitCode === null
      ? "—"
      : b.timedOut
      ? `${b.exitCode} (timeout)`
      : `${b.exitCode}`;
    const reports = b.findings.map((f) => f.title).join("; ") || "none";
    const notes = [...b.doc.errors, ...(b.doc.totals ? [] : ["no Totals line"])];
    out.push(
      `| \`${b.name}\` | ${exit} | ${
        b.doc.plan?.count ?? "—"
      } | ${b.doc.counts.pass} | ${b.doc.counts.fail} | ${b.doc.counts.skip} | **${b.verdict}** | ${
        cell(reports)
      } | ${cell(notes.join("; "))} |`,
    );
  }
  if (r.otherFindings.length > 0) {
    out.push(
      "",
      `Kernel reports outside any binary: ${
        r.otherFindings.map((f) => `${f.title} (${f.case ?? "?"})`).join("; ")
      }.`,
    );
  }
  out.push(
    "",
    "## Per test case",
    "",
    "| Binary | # | Test case | Verdict | Detail | Kernel reports | Our rules |",
    "|---|---|---|---|---|---|---|",
  );
  const ours = new Map(r.ours.map((o) => [o.id, o]));
  const ourCell = (key: string) =>
    (PEER_RULES[key] ?? []).map((id) => {
      const v = ours.get(id)?.verdict ?? "not run";
      return v === "pass" ? `${id} pass` : `${id} **${v}**`;
    }).join(", ") || "none";
  for (const b of r.binaries) {
    const reports = b.findings.map((f) => f.title).join("; ");
    for (const c of b.cases) {
      const detail = c.verdict === "skip"
        ? `SKIP: ${c.reason ?? ""}`
        : c.verdict === "fail"
        ? failureDetail([...c.stderr, ...c.diagnostics])
        : c.directive
        ? `${c.directive} ${c.reason ?? ""}`
        : "";
      out.push(
        `| \`${b.name}\` | ${c.number} | \`${cell(c.name)}\` | ${c.verdict} | ${cell(detail)} | ${
          cell(reports)
        } | ${ourCell(`${b.name}/${c.name}`)} |`,
      );
    }
    if (b.doc.plan && b.doc.results.length < b.doc.plan.count) {
      out.push(
        `| \`${b.name}\` | ${
          b.doc.results.length + 1
        }–${b.doc.plan.count} | (never reported) | error | ${cell(b.doc.errors.join("; "))} | ${
          cell(reports)
        } | |`,
      );
    } else if (!b.doc.plan) {
      out.push(
        `| \`${b.name}\` | — | (no plan) | error | ${cell(b.doc.errors.join("; "))} | ${
          cell(reports)
        } | |`,
      );
    }
  }
  const causes = r.binaries.flatMap((b) =>
    b.cases.filter((c) => c.verdict === "fail" && KNOWN_CAUSES[`${b.name}/${c.name}`])
      .map((c) => `- \`${b.name}\` \`${c.name}\`: ${KNOWN_CAUSES[`${b.name}/${c.name}`]}`)
  );
  if (causes.length > 0) out.push("", "## Known causes of the failures", "", ...causes);
  out.push(...sideBySide(r));
  out.push("");
  return out.join("\n");
}

/** Our rules' verdicts from the run's results, each failure with its committed finding. */
async function ourVerdicts(
  results: readonly { event: string }[],
  findingsDir: string | null,
): Promise<OurVerdict[]> {
  const got = new Map(
    results.filter((x) => x.event === "rule").map((x) => {
      const r = x as unknown as { id: string; verdict: "pass" | "fail"; error?: string };
      return [r.id, r];
    }),
  );
  const metas = findingsDir ? await listFindings(findingsDir) : [];
  return userEvents.conformance.rules.all.map((rule) => {
    const r = got.get(rule.id);
    if (!r) return { id: rule.id, verdict: "not run" };
    const meta = metas.find((m) => m.title.startsWith(`conformance ${rule.id}:`));
    return {
      id: rule.id,
      verdict: r.verdict,
      ...(r.error ? { error: r.error } : {}),
      ...(r.verdict === "fail" && meta && findingsDir
        ? { finding: rootRelative(`${findingsDir}/${reportDirName(meta.title)}`) }
        : {}),
    };
  });
}

async function main(args: readonly string[]): Promise<number> {
  const o = await checkInput(() => {
    const { values: v } = parseFlags(
      args,
      {
        target: { type: "string" },
        profile: { type: "string" },
        out: { type: "string" },
        json: { type: "string" },
        timeout: { type: "string" },
        reports: { type: "string" },
        findings: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
      USAGE,
    );
    const patch = parseTarget(v.target ?? "kernel");
    return {
      patch,
      profile: profileFlag(v.profile),
      out: v.out ??
        (patch
          ? `${ROOT}/out/peer/peer-${patchSlug(patch)}.md`
          : `${ROOT}/docs/user_events-peer.md`),
      json: v.json ??
        (patch
          ? `${ROOT}/out/peer/results-${patchSlug(patch)}.json`
          : `${ROOT}/out/peer/results.json`),
      timeout: v.timeout === undefined ? 150 : intFlag("timeout", v.timeout, 10),
      reports: v.reports ?? `${ROOT}/reports`,
      findings: v.findings ?? (patch ? null : `${ROOT}/docs/user_events-findings`),
      quiet: v.quiet ?? false,
    };
  });
  const build = await buildPeer();
  const binDir = rootRelative(build.binDir);
  // The selftests first, then our rules in the same boot: one kernel, one table.
  const ourFiles = userEvents.conformance.files;
  const command = `sh abi/user_events/peer/guest.sh ${binDir} ${o.timeout} ${
    PEER_TESTS.join(" ")
  }; ${testCommand(ourFiles, null, "ours-junit.xml")}`;
  const g = await runGuest({
    kernel: { profile: o.profile, patch: o.patch },
    command,
    reportsDir: o.reports,
    timeoutSeconds: PEER_TESTS.length * (o.timeout + 15) + 540,
    silenceSeconds: o.timeout + 90,
    echoConsole: !o.quiet,
    env: { target: o.patch ? `kernel:${o.patch}` : "kernel", suite: "peer/user_events" },
  });
  const found: PeerFinding[] = consoleFindings(g.run.console, g.run.outcome, g.env).map((f) => ({
    title: f.title,
    type: f.type,
    case: f.case ?? null,
  }));
  const binaries: BinaryResult[] = PEER_TESTS.map((name) => {
    const dir = g.run.outDir;
    const text = readOr(`${dir}/${name}.ktap`, "");
    const rc = readOr(`${dir}/${name}.rc`, "").trim().split(/\s+/);
    const exitCode = rc[0] ? Number(rc[0]) : null;
    const seconds = rc.length === 3 ? Number(rc[2]) - Number(rc[1]) : null;
    const timedOut = exitCode === 124 || exitCode === 137;
    const parsed = parseKtap(text);
    const doc: KtapDoc = exitCode === null
      ? { ...parsed, errors: [...parsed.errors, "never finished (guest died or was stopped)"] }
      : timedOut
      ? { ...parsed, errors: [...parsed.errors, `timed out after ${o.timeout} s`] }
      : parsed;
    const attached = attachStderr(doc, readOr(`${dir}/${name}.stderr`, ""));
    return {
      name,
      exitCode,
      timedOut,
      seconds: seconds === null ? null : Math.round(seconds * 10) / 10,
      verdict: ktapVerdict(doc),
      doc,
      cases: attached.results,
      unclaimedStderr: attached.unclaimed,
      findings: found.filter((f) => f.case === `peer/${name}`),
    };
  });
  const results: PeerResults = {
    target: o.patch ? `kernel:${o.patch}` : "kernel",
    kernelRelease: g.kernel.release,
    kernelKey: g.kernel.key,
    kernelPatch: o.patch,
    sourceVersion: build.sourceVersion,
    outcome: describeOutcome(g.run),
    runDir: g.run.outDir,
    reportDirs: g.reportDirs,
    date: new Date().toISOString().slice(0, 10),
    binaries,
    otherFindings: found.filter((f) => !PEER_TESTS.some((t) => f.case === `peer/${t}`)),
    ours: await ourVerdicts(g.run.results, o.findings),
  };
  await Deno.mkdir(o.json.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(o.json, JSON.stringify(results, null, 2) + "\n");
  await Deno.mkdir(o.out.replace(/\/[^/]*$/, ""), { recursive: true });
  await Deno.writeTextFile(o.out, renderMarkdown(results));
  for (const b of binaries) {
    console.error(
      `peer: ${b.name}: ${b.verdict} (pass ${b.doc.counts.pass}, fail ${b.doc.counts.fail}, skip ${b.doc.counts.skip}${
        b.doc.errors.length ? `; ${b.doc.errors.join("; ")}` : ""
      })`,
    );
  }
  console.error(
    `peer: ${results.outcome}; wrote ${rootRelative(o.out)} and ${rootRelative(o.json)}`,
  );
  if (g.exitCode === 255) return 255;
  return binaries.every((b) => b.verdict === "pass" || b.verdict === "skip") ? 0 : 1;
}

if (import.meta.main) runMain(() => main(Deno.args));
