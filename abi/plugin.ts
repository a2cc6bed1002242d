/**
 * The ABI plug-in interface: what an ABI under test gives the suites, and the
 * only thing the suites (conformance/, security/, fuzz/, review/, bench/)
 * know of it. The engine (harness/) knows no ABI at all.
 *
 * An ABI lives in `abi/<name>/`, with `plugin.ts` exporting its plug-in as
 * `default`; `--abi <name>` finds it there (`abi/mod.ts`), so adding an ABI
 * touches no other folder. Inside its folder an ABI keeps whatever it needs:
 * constants (derived, not typed in), an FFI client, the reference model and
 * fuzz campaigns, rule and check test files, its own kernel module.
 *
 * What each part is for:
 *
 * - `targets`: what it can run on (`--target`), the first being the default:
 *   `kmod` (its own module), `patch:FILE` (a driver patch), `kernel` and
 *   `kernel:PATCH` (the ABI built into our kernel, as shipped or patched),
 *   `local` (this machine).
 * - `load()`: what the guest must insmod for a target, built against the
 *   kernel the engine booted; `[]` when the ABI is built in.
 * - `conformance`: its rules (a catalog) and the Deno test files that test
 *   them in the guest (`conformance/rule_context.ts` `ruleTests()`).
 * - `security`: its attacker checks and their test files
 *   (`security/check_context.ts` `checkTests()`), and what to build first.
 * - `fuzz`: its campaigns (`fuzz/campaign.ts`), loaded in the guest only,
 *   their share of a VM's time, and the operation names coverage counts.
 * - `health`: its canary for the health oracle (`harness/health/`), which
 *   runs after every fuzz case; its rule and check tests pass the same
 *   canary to `ruleTests()` and `checkTests()`.
 *
 * @example A minimal ABI: a rule catalog, one test file, nothing to load.
 * ```ts
 * import type { AbiPlugin } from "./plugin.ts";
 * import { catalog } from "../harness/catalog.ts";
 *
 * const echo: AbiPlugin = {
 *   name: "echo",
 *   summary: "writes to /dev/null succeed",
 *   targets: ["kernel"],
 *   brokenVariants: [],
 *   load: () => Promise.resolve({ modules: [], env: { target: "kernel" } }),
 *   conformance: {
 *     rules: catalog("rule", [{ id: "EC-WR-001", statement: "write returns its count", source: "write(2)" }]),
 *     source: "man-pages",
 *     files: ["abi/echo/conformance/write_rules.ts"],
 *   },
 * };
 * if (echo.conformance.rules.get("EC-WR-001").source !== "write(2)") throw new Error();
 * ```
 *
 * @module
 */
import type { Catalog } from "../harness/catalog.ts";
import type { Target, TargetKind } from "../harness/target.ts";
import type { KernelBuild } from "../harness/vm/kernel.ts";
import type { ModuleSource } from "../harness/vm/module.ts";
import type { GuestLoad } from "../harness/vm/guest_run.ts";
import type { Rule } from "../conformance/rule.ts";
import type { SecurityCheck } from "../security/check.ts";
import type { Campaign } from "../fuzz/campaign.ts";
import type { OpenCanary } from "../harness/health/probe.ts";

/** What {@linkcode AbiPlugin.load} builds against. */
export interface LoadOptions {
  readonly target: Target;
  readonly kernel: KernelBuild;
  /** Where build directories go (`out/build`). */
  readonly buildRoot: string;
  /** A test-only broken variant of the ABI's own module, or null. */
  readonly broken: string | null;
  /** A mutant of the ABI's own module (`deno task mutate`) to build instead of it. */
  readonly mutant?: ModuleMutant;
}

/** A mutant of an ABI's own module: its id and the folder holding all its sources. */
export interface ModuleMutant {
  readonly id: string;
  readonly dir: string;
}

/** An ABI's conformance suite. */
export interface ConformancePart {
  readonly rules: Catalog<Rule>;
  /** What the rules' `source` fields cite: "RFC", "uapi header and user_events.rst". */
  readonly source: string;
  /** Deno test files (paths from the checkout) that register one test per rule. */
  readonly files: readonly string[];
  /** Builds what the rules need on the host before the guest boots (helpers). */
  prepare?(): Promise<void>;
}

/** An ABI's security checks. */
export interface SecurityPart {
  readonly checks: Catalog<SecurityCheck>;
  /** Who the checks play, in a sentence or two, for the summary. */
  readonly attackers: string;
  /** Deno test files (paths from the checkout) that register one test per check. */
  readonly files: readonly string[];
  /** Builds what the checks need on the host before the guest boots (helpers). */
  prepare?(): Promise<void>;
}

/** An ABI's fuzz campaigns. */
export interface FuzzPart {
  /** Each campaign's name and its weight in a VM's time (`--suites` picks among them). */
  readonly weights: Readonly<Record<string, number>>;
  /** Operation names, for the coverage counts of the progress line and summary. */
  readonly opNames: readonly string[];
  /** The campaigns, fresh for one guest process (imported in the guest only: FFI). */
  campaigns(): Promise<readonly Campaign[]>;
  /** Builds what the campaigns need on the host before the guest boots (helpers). */
  prepare?(): Promise<void>;
  /**
   * Campaigns that need a kernel profile (`faults` needs fail-nth): they run
   * by default only on that profile, and `--suites` naming one on another
   * profile is refused.
   */
  readonly profiles?: Readonly<Record<string, string>>;
}

/** An ABI under test. */
export interface AbiPlugin {
  /** `--abi` name: its folder's name. */
  readonly name: string;
  /** One line: what the ABI is. */
  readonly summary: string;
  /** Target kinds it runs on; the first is the default. */
  readonly targets: readonly TargetKind[];
  /** Its own module (`--target kmod`): the sources `deno task mutate` mutates. */
  readonly module?: ModuleSource;
  /** Test-only broken variants of its own module (`--broken`). */
  readonly brokenVariants: readonly string[];
  /** What the guest loads for a target. */
  load(o: LoadOptions): Promise<GuestLoad>;
  readonly conformance: ConformancePart;
  readonly security?: SecurityPart;
  readonly fuzz?: FuzzPart;
  /** The canary of the health probe (imported in the guest only: FFI). */
  readonly health?: { canary(): Promise<OpenCanary> };
}
