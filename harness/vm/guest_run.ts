/**
 * One guest run as every suite makes it: the kernel (built or cached), what
 * the ABI under test loads for its target, the guest booted with a command,
 * and every kernel report of its console filed under `reports/` before this
 * returns (on disk before anything restarts a VM).
 *
 * ABI-free: what to load comes from the caller (the ABI plug-in's `load`).
 *
 * @module
 */
import { ensureKernel, type KernelBuild } from "./kernel.ts";
import { buildModule, PROVOKE } from "./module.ts";
import { KERNEL_DIED_EXIT, type ResultEvent, runVm, type VmRun } from "./runner.ts";
import { kernelCmdline } from "./qemu.ts";
import { guestPath } from "./initramfs.ts";
import { consoleFindings } from "../report/console_findings.ts";
import { type Finding, saveFinding } from "../report/store.ts";
import type { Replay } from "../replay.ts";
import { ROOT } from "../paths.ts";
import { exitStatus, stopSignal } from "../interrupt.ts";

/** Which kernel: a debug profile, and a patch to its source (a `kernel:PATCH` target). */
export interface KernelSpec {
  readonly profile: string;
  readonly patch: string | null;
}

/** What the guest loads for a target, and what findings say about it. */
export interface GuestLoad {
  /** Modules to insmod, in order. */
  readonly modules: readonly string[];
  /** What every finding of the run carries in env.json (target, patch subject, …). */
  readonly env: Readonly<Record<string, unknown>>;
}

/** Options of {@linkcode runGuest}. */
export interface GuestRunOptions {
  readonly command: string;
  readonly kernel: KernelSpec;
  /** What the guest loads (modules built against `kernel`); nothing when absent. */
  readonly load?: (kernel: KernelBuild) => Promise<GuestLoad>;
  /** Also load the test-only report provoker (kmod/provoke). */
  readonly provoke?: boolean;
  readonly reportsDir: string;
  readonly timeoutSeconds?: number;
  readonly silenceSeconds?: number;
  readonly showCommand?: boolean;
  readonly echoConsole?: boolean;
  readonly echoGuest?: boolean;
  readonly kmemleak?: boolean;
  /**
   * Each results record as it arrives, with the console file so far and the
   * env.json findings of this run carry (to file a finding at once).
   */
  readonly onResult?: (r: ResultEvent, run: RunSoFar) => void;
  /** Extra environment for the findings' env.json. */
  readonly env?: Record<string, unknown>;
  /** Files put in the run's directory before boot; the guest reads `$UDIAG_OUT/<name>`. */
  readonly files?: Readonly<Record<string, string>>;
  /** How a kernel report seen during a case replays (by the case it was seen in). */
  readonly replayOf?: (f: Finding) => Replay | undefined;
  /** Stop the guest soon after its first kernel report (harness/vm/runner.ts). */
  readonly stopOnReport?: boolean;
  /** With `stopOnReport`: report titles that do not stop it. */
  readonly knownReports?: readonly string[];
}

/** A run still going, as {@linkcode GuestRunOptions.onResult} sees it. */
export interface RunSoFar {
  readonly consoleFile: string;
  readonly env: Record<string, unknown>;
}

/** The result of {@linkcode runGuest}: the run and the report folders written. */
export interface GuestRunResult {
  readonly run: VmRun;
  readonly reportDirs: string[];
  readonly exitCode: number;
  /** What every finding of this run carries in env.json. */
  readonly env: Record<string, unknown>;
  readonly kernel: KernelBuild;
}

/** The kernel of a spec, built first when it is not cached. */
export function kernelOf(spec: KernelSpec): Promise<KernelBuild> {
  return ensureKernel({ profile: spec.profile, ...(spec.patch ? { patch: spec.patch } : {}) });
}

/** A fresh directory for one run's files. */
function runDir(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return `${ROOT}/out/vm/${stamp}-${Deno.pid}-${crypto.randomUUID().slice(0, 6)}`;
}

let recordDirs: string[] | null = null;

/**
 * Records (or, with false, stops recording) the system calls of every guest
 * run from now on (harness/ctrace): each run's command gets `$UDIAG_CTRACE`,
 * and {@linkcode recordedTraces} returns the folders the traces went to.
 * `deno task repro-c` uses it.
 */
export function recordSyscalls(on = true): void {
  recordDirs = on ? [] : null;
}

/** The trace folders of the runs recorded so far (host paths), oldest first. */
export function recordedTraces(): readonly string[] {
  return recordDirs ?? [];
}

const seconds = (t0: number) => ((Date.now() - t0) / 1000).toFixed(0);

/** Builds what is needed, runs the guest, saves findings before returning. */
export async function runGuest(o: GuestRunOptions): Promise<GuestRunResult> {
  const kernel = await kernelOf(o.kernel);
  const outDir = runDir();
  await Deno.mkdir(outDir, { recursive: true });
  for (const [name, text] of Object.entries(o.files ?? {})) {
    await Deno.writeTextFile(`${outDir}/${name}`, text);
  }
  const load = o.load ? await o.load(kernel) : { modules: [], env: {} };
  const modules = [...load.modules];
  if (o.provoke) modules.push(await buildModule(kernel, `${ROOT}/out/build`, PROVOKE));
  const env = {
    target: "none",
    profile: kernel.profile,
    kernelKey: kernel.key,
    kernelRelease: kernel.release,
    kernelSource: `linux-source-6.12 ${kernel.sourceVersion}`,
    ...(kernel.patch ? { kernelPatch: kernel.patch } : {}),
    cmdline: kernelCmdline(),
    command: o.command,
    runDir: outDir,
    ...load.env,
    ...o.env,
  };
  if (recordDirs) recordDirs.push(`${outDir}/ctrace`);
  const booted = Date.now();
  console.error(
    `udiag-fuzz: booting ${kernel.release} (${kernel.profile}) in QEMU (TCG: init takes 20–40 s); console: ${outDir}/console.log`,
  );
  const run = await runVm({
    kernel,
    outDir,
    plan: {
      command: recordDirs ? `export UDIAG_CTRACE="$UDIAG_OUT/ctrace"; ${o.command}` : o.command,
      cwd: ROOT,
      guestPath: guestPath(),
      kmemleak: o.kmemleak ?? true,
      modules,
    },
    ...(o.timeoutSeconds ? { timeoutSeconds: o.timeoutSeconds } : {}),
    ...(o.silenceSeconds ? { silenceSeconds: o.silenceSeconds } : {}),
    ...(o.echoConsole ? { onConsoleLine: echoLine } : {}),
    ...(o.stopOnReport ? { stopOnReport: true } : {}),
    ...(o.knownReports ? { knownReports: o.knownReports } : {}),
    onResult: (r: ResultEvent, _t: number, consoleFile: string) => {
      if (r.event === "start") {
        console.error(`udiag-fuzz: guest up in ${seconds(booted)} s; running: ${o.command}`);
      }
      o.onResult?.(r, { consoleFile, env });
    },
    ...(o.echoGuest !== false ? { onGuestOutput: echoGuest } : {}),
  });
  if (o.showCommand) {
    console.error(run.qemuCommand.map((a) => /[\s,]/.test(a) ? `'${a}'` : a).join(" "));
  }
  const reportDirs = await fileConsoleFindings(run, env, o);
  const exitCode = run.outcome.kind === "exited"
    ? run.outcome.code
    : run.outcome.kind === "interrupted"
    ? exitStatus(1)
    : KERNEL_DIED_EXIT;
  return { run, reportDirs, exitCode, env, kernel };
}

/** Files each kernel report of the console (and a runner outcome no report explains). */
async function fileConsoleFindings(
  run: VmRun,
  env: Record<string, unknown>,
  o: GuestRunOptions,
): Promise<string[]> {
  const dirs: string[] = [];
  const failed = run.results.filter((r) => r.event === "module" && r.ok === false)
    .map((r) => String(r.name));
  for (const found of consoleFindings(run.console, run.outcome, env, failed)) {
    const replay = o.replayOf?.(found);
    const saved = await saveFinding(o.reportsDir, replay ? { ...found, replay } : found);
    dirs.push(saved.dir);
    console.error(
      `udiag-fuzz: ${saved.isNew ? "new" : "known"} finding: ${found.title} -> ${saved.dir}`,
    );
  }
  return dirs;
}

const enc = new TextEncoder();

function echoLine(l: string): void {
  Deno.stderr.writeSync(enc.encode(`[console] ${l}\n`));
}

function echoGuest(t: string): void {
  Deno.stdout.writeSync(enc.encode(t));
}

/** How a run ended, in words. */
export function describeOutcome(run: VmRun): string {
  const o = run.outcome;
  switch (o.kind) {
    case "exited":
      return `command exited ${o.code}`;
    case "panic":
      return "kernel panic";
    case "lost":
      return "lost connection to test machine";
    case "silent":
      return o.afterOops
        ? `no output from the command for ${o.seconds} s after an oops killed one of its tasks`
        : `no output from test machine for ${o.seconds} s`;
    case "timeout":
      return `host timeout after ${o.seconds} s`;
    case "stopped":
      return `stopped: ${o.reason}`;
    case "interrupted":
      return `stopped by ${stopSignal() ?? "a signal"}`;
  }
}
