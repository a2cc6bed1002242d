/**
 * SARIF 2.1.0 logs (pure: no I/O), so code-scanning views in CI show what a
 * run found: one `reportingDescriptor` per catalog rule or check (its ID,
 * statement, CWE tags), one `result` per finding. The suites map their own
 * verdicts onto {@linkcode SarifRunInput} (`security/sarif.ts`,
 * `review/sarif.ts`); this module knows no suite and no ABI.
 *
 * Identity: a result's `partialFingerprints` hold its finding's report folder
 * name (`dedup.ts` `reportDirName(title)`), so the same problem found by two
 * runs, or by `deno task security` and a review, is one alert, as it is one
 * folder under `reports/`.
 *
 * Locations are paths from the checkout, with `uriBaseId` `%SRCROOT%` (what
 * code scanning resolves against the repository); a path outside the
 * checkout becomes an absolute `file://` URI.
 *
 * @module
 */
import { reportDirName } from "./dedup.ts";

/** The schema a log names: the OASIS 2.1.0 standard's, errata 01. */
export const SARIF_SCHEMA_URI =
  "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/** The SARIF `level` of a result or rule. */
export type SarifLevel = "error" | "warning" | "note" | "none";

/** A place in a file: a path from the checkout (or absolute), and a line when known (else 1). */
export interface SarifSpot {
  readonly path: string;
  readonly line?: number;
}

/** One rule or check, as the run's tool describes it. */
export interface SarifRuleInput {
  /** The catalog ID (`SEC-XU-001`, `UD-DEL-003`) or a class (`kernel/KASAN`). */
  readonly id: string;
  /** One line: the statement that must hold. */
  readonly short: string;
  readonly full?: string;
  /** A page that explains the weakness (the CWE's, for security checks). */
  readonly helpUri?: string;
  /** "security", "CWE-416", "external/cwe/cwe-416", "conformance", … */
  readonly tags: readonly string[];
  /** The level of a result of this rule unless the result says otherwise. */
  readonly level: SarifLevel;
  /** GitHub's numeric severity of security rules ("8.0"), from {@linkcode securitySeverity}. */
  readonly securitySeverity?: string;
  /** Anything else worth keeping with the rule (its severity, the rule that allows it). */
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** One finding. */
export interface SarifResultInput {
  readonly ruleId: string;
  readonly level: SarifLevel;
  readonly message: string;
  /** Where it shows: the patch under review, else the check's or rule's source. */
  readonly location: SarifSpot;
  /** Other places that explain it (the check's source when the patch is the location). */
  readonly related?: readonly (SarifSpot & { readonly message: string })[];
  /** The finding's stable title: the dedup key its fingerprint is made from. */
  readonly title: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** A notification about the run itself (a check that did not run). */
export interface SarifNotificationInput {
  readonly ruleId: string;
  readonly level: SarifLevel;
  readonly message: string;
}

/** Everything one run's log holds. */
export interface SarifRunInput {
  /** Tool version (the package's, or a commit). */
  readonly version?: string;
  /** The tool's home page; only an absolute URI is valid here. */
  readonly informationUri?: string;
  /** Code scanning's category: `udiag-fuzz/security/udiag/`, one per kind of run and ABI. */
  readonly automationId: string;
  readonly rules: readonly SarifRuleInput[];
  readonly results: readonly SarifResultInput[];
  readonly notifications?: readonly SarifNotificationInput[];
  /** Whether the run did all it was asked (false when a check did not run). */
  readonly complete?: boolean;
  readonly properties?: Readonly<Record<string, unknown>>;
}

/** A SARIF log: the JSON object to write. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly Record<string, unknown>[];
}

/** The key under which a result's fingerprint is kept; `/v1` changes if its meaning ever does. */
export const FINGERPRINT_KEY = "udiagFinding/v1";

/**
 * The level of a finding of a severity: critical and high are errors, medium
 * a warning, low and info notes.
 *
 * @example
 * ```ts
 * import { severityLevel } from "./sarif.ts";
 * if (severityLevel("high") !== "error" || severityLevel("low") !== "note") throw new Error();
 * ```
 */
export function severityLevel(severity: string): SarifLevel {
  switch (severity) {
    case "critical":
    case "high":
      return "error";
    case "medium":
      return "warning";
    case "low":
    case "info":
      return "note";
    default:
      return "warning";
  }
}

/**
 * GitHub's `security-severity` of a severity (9.0+ critical, 7.0–8.9 high,
 * 4.0–6.9 medium, 0.1–3.9 low), or undefined for "info", which has none.
 *
 * @example
 * ```ts
 * import { securitySeverity } from "./sarif.ts";
 * if (securitySeverity("high") !== "8.0" || securitySeverity("info") !== undefined) {
 *   throw new Error();
 * }
 * ```
 */
export function securitySeverity(severity: string): string | undefined {
  return ({ critical: "9.5", high: "8.0", medium: "5.5", low: "2.0" } as Record<string, string>)[
    severity
  ];
}

/**
 * The tags of a CWE class: its ID as the catalog writes it, and the form
 * GitHub's code scanning reads (`external/cwe/cwe-416`).
 *
 * @example
 * ```ts
 * import { cweTags } from "./sarif.ts";
 * if (cweTags("CWE-416").join(" ") !== "CWE-416 external/cwe/cwe-416") throw new Error();
 * ```
 */
export function cweTags(cweId: string): string[] {
  return [cweId, `external/cwe/${cweId.toLowerCase()}`];
}

/**
 * The MITRE page of a CWE class ("CWE-416" → its definitions page).
 *
 * @example
 * ```ts
 * import { cweUri } from "./sarif.ts";
 * if (cweUri("CWE-416") !== "https://cwe.mitre.org/data/definitions/416.html") throw new Error();
 * ```
 */
export function cweUri(cweId: string): string {
  return `https://cwe.mitre.org/data/definitions/${cweId.replace(/^CWE-/, "")}.html`;
}

/**
 * The line of the first mention of each ID (`"SEC-XU-001"`, quoted) in a
 * file's text: where a check or rule is registered in its test file.
 *
 * @example
 * ```ts
 * import { idSpots } from "./sarif.ts";
 * const s = idSpots("a.ts", 'import x;\ncheck("SEC-A-001", f);\n', ["SEC-A-001", "SEC-B-001"]);
 * if (s.get("SEC-A-001")?.line !== 2 || s.has("SEC-B-001")) throw new Error();
 * ```
 */
export function idSpots(
  path: string,
  text: string,
  ids: readonly string[],
): Map<string, SarifSpot> {
  const lines = text.split("\n");
  const out = new Map<string, SarifSpot>();
  for (const id of ids) {
    const i = lines.findIndex((l) => l.includes(`"${id}"`));
    if (i >= 0) out.set(id, { path, line: i + 1 });
  }
  return out;
}

/** A SARIF artifactLocation of a path (from the checkout, or absolute). */
export function artifactLocation(path: string): Record<string, string> {
  if (path.startsWith("/")) return { uri: `file://${encodeURI(path)}` };
  return { uri: encodeURI(path), uriBaseId: "%SRCROOT%" };
}

function physical(s: SarifSpot): Record<string, unknown> {
  // Code scanning places a result by region.startLine and wants one
  // (sarif-sdk's GH1003): a spot in a whole file (a patch) is its first line.
  return { artifactLocation: artifactLocation(s.path), region: { startLine: s.line ?? 1 } };
}

function ruleDescriptor(r: SarifRuleInput): Record<string, unknown> {
  return {
    id: r.id,
    shortDescription: { text: r.short },
    ...(r.full !== undefined ? { fullDescription: { text: r.full } } : {}),
    ...(r.helpUri !== undefined ? { helpUri: r.helpUri } : {}),
    defaultConfiguration: { level: r.level },
    properties: {
      tags: [...new Set(r.tags)],
      ...(r.securitySeverity !== undefined ? { "security-severity": r.securitySeverity } : {}),
      ...r.properties,
    },
  };
}

/**
 * The SARIF 2.1.0 log of one run (pure): rules in the order given, results
 * each pointing at its rule by ID and index; throws a TypeError for a result
 * or notification whose rule is not among the rules.
 *
 * @example
 * ```ts
 * import { sarifLog } from "./sarif.ts";
 * const log = sarifLog({
 *   automationId: "udiag-fuzz/security/udiag/",
 *   rules: [{ id: "SEC-A-001", short: "a user cannot open it", tags: ["security"], level: "error" }],
 *   results: [{
 *     ruleId: "SEC-A-001",
 *     level: "error",
 *     message: "opened it",
 *     location: { path: "abi/x/security/a.ts", line: 3 },
 *     title: "security SEC-A-001: exposed: user cannot open it",
 *   }],
 * });
 * if (log.version !== "2.1.0" || (log.runs[0]!.results as unknown[]).length !== 1) throw new Error();
 * ```
 */
export function sarifLog(run: SarifRunInput): SarifLog {
  const index = new Map(run.rules.map((r, i) => [r.id, i]));
  const ruleIndex = (id: string, what: string): number => {
    const i = index.get(id);
    if (i === undefined) throw new TypeError(`Unknown rule "${id}" in SARIF ${what}`);
    return i;
  };
  const results = run.results.map((r) => ({
    ruleId: r.ruleId,
    ruleIndex: ruleIndex(r.ruleId, "result"),
    level: r.level,
    message: { text: r.message },
    locations: [{ physicalLocation: physical(r.location) }],
    ...(r.related?.length
      ? {
        relatedLocations: r.related.map((s, id) => ({
          id,
          physicalLocation: physical(s),
          message: { text: s.message },
        })),
      }
      : {}),
    partialFingerprints: { [FINGERPRINT_KEY]: reportDirName(r.title) },
    properties: { title: r.title, ...r.properties },
  }));
  const notifications = (run.notifications ?? []).map((n) => ({
    level: n.level,
    message: { text: n.message },
    associatedRule: { id: n.ruleId, index: ruleIndex(n.ruleId, "notification") },
  }));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [{
      tool: {
        driver: {
          name: "udiag-fuzz",
          ...(run.version !== undefined ? { version: run.version } : {}),
          ...(run.informationUri !== undefined ? { informationUri: run.informationUri } : {}),
          rules: run.rules.map(ruleDescriptor),
        },
      },
      automationDetails: { id: run.automationId },
      invocations: [{
        executionSuccessful: run.complete ?? true,
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      }],
      columnKind: "unicodeCodePoints",
      results,
      ...(run.properties ? { properties: run.properties } : {}),
    }],
  };
}

/** The log as the file holds it: two-space JSON and a final newline. */
export function sarifText(log: SarifLog): string {
  return JSON.stringify(log, null, 2) + "\n";
}

/**
 * The repository's page when CI says which it is (GitHub Actions sets
 * `GITHUB_SERVER_URL` and `GITHUB_REPOSITORY`), for the tool's
 * `informationUri`; undefined elsewhere.
 *
 * @example
 * ```ts
 * import { repositoryUri } from "./sarif.ts";
 * const env = { GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "o/udiag-fuzz" };
 * if (repositoryUri(env) !== "https://github.com/o/udiag-fuzz" || repositoryUri({})) throw new Error();
 * ```
 */
export function repositoryUri(
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const server = env.GITHUB_SERVER_URL, repo = env.GITHUB_REPOSITORY;
  return server && repo ? `${server.replace(/\/$/, "")}/${repo}` : undefined;
}
