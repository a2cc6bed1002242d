/**
 * `deno task vm [options] -- <command>`: boots the KASAN guest with the target
 * module loaded, runs `<command>` in the checkout with Deno on PATH, streams
 * its output, saves any kernel report under reports/, and exits with the
 * command's status, or 255 when the kernel died.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureKernel } from "./kernel.ts";
import { BROKEN_VARIANTS, type BrokenVariant, buildModule } from "./module.ts";
import { KERNEL_DIED_EXIT, type ResultEvent, runVm, type VmRun } from "./runner.ts";
import { consoleFindings } from "../report/console_findings.ts";
import { saveFinding } from "../report/store.ts";
import { kernelCmdline } from "./qemu.ts";
import { guestPath } from "./initramfs.ts";
import { buildPatchTarget } from "../patch/build.ts";
import type { Target } from "../target.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

const USAGE = `Usage: deno task vm [options] -- <command>
  --profile NAME      kernel debug profile (base, strict)        [base]
  --timeout SEC       host timeout for the whole run             [600]
  --silence SEC       kill the guest after SEC without output    [120]
  --no-module         boot without loading kmod/udiag.ko
  --broken VARIANT    load a test-only broken module (${BROKEN_VARIANTS.join(", ")})
  --provoke           also load the test-only report provoker (kmod/provoke)
  --reports DIR       where findings go                          [reports]
  --show-command      print the QEMU command line
  --quiet             do not echo the kernel console`;

/** Options of one guest run, as the suites' own CLIs pass them. */
export interface GuestRunOptions {
  readonly command: string;
  readonly profile?: string;
  readonly timeoutSeconds?: number;
  readonly silenceSeconds?: number;
  readonly module?: boolean;
  readonly broken?: BrokenVariant;
  /** What implements /dev/udiag: our module (default) or a patch under review. */
  readonly target?: Target;
  /** Also load the test-only report provoker (kmod/provoke). */
  readonly provoke?: boolean;
  readonly reportsDir?: string;
  readonly showCommand?: boolean;
  readonly echoConsole?: boolean;
  readonly echoGuest?: boolean;
  readonly kmemleak?: boolean;
  readonly onResult?: (r: ResultEvent) => void;
  /** Extra environment for the findings' env.json. */
  readonly env?: Record<string, unknown>;
}

/** The result of {@linkcode runGuest}: the run and the report folders written. */
export interface GuestRunResult {
  readonly run: VmRun;
  readonly reportDirs: string[];
  readonly exitCode: number;
  /** What every finding of this run carries in env.json. */
  readonly env: Record<string, unknown>;
}

/** Builds what is needed, runs the guest, saves findings before returning. */
export async function runGuest(o: GuestRunOptions): Promise<GuestRunResult> {
  const kernel = await ensureKernel({ profile: o.profile ?? "base" });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const outDir = `${ROOT}/out/vm/${stamp}-${Deno.pid}`;
  const buildRoot = `${ROOT}/out/build`;
  const modules: string[] = [];
  const targetEnv: Record<string, unknown> = {};
  if (o.target?.kind === "patch") {
    // The patch's module creates /dev/udiag itself; ours is not loaded.
    const t = await buildPatchTarget(kernel, o.target.file, buildRoot);
    modules.push(t.modulePath);
    Object.assign(targetEnv, {
      target: `patch:${o.target.file}`,
      patchSubject: t.subject,
      patchSha256: t.patchSha256,
      portLog: `${t.dir}/port.md`,
      portSteps: t.steps.filter((s) => s.applied).map((s) => s.id).join(", "),
    });
  } else if (o.module !== false) {
    modules.push(await buildModule(kernel, buildRoot, "udiag", o.broken));
  }
  if (o.provoke) modules.push(await buildModule(kernel, buildRoot, "udiag_provoke"));
  const enc = new TextEncoder();
  const run = await runVm({
    kernel,
    outDir,
    plan: {
      command: o.command,
      cwd: ROOT,
      guestPath: guestPath(),
      kmemleak: o.kmemleak ?? true,
      modules,
    },
    ...(o.timeoutSeconds ? { timeoutSeconds: o.timeoutSeconds } : {}),
    ...(o.silenceSeconds ? { silenceSeconds: o.silenceSeconds } : {}),
    ...(o.echoConsole
      ? { onConsoleLine: (l: string) => Deno.stderr.writeSync(enc.encode(`[console] ${l}\n`)) }
      : {}),
    ...(o.onResult ? { onResult: o.onResult } : {}),
    ...(o.echoGuest !== false
      ? { onGuestOutput: (t: string) => Deno.stdout.writeSync(enc.encode(t)) }
      : {}),
  });
  if (o.showCommand) {
    console.error(run.qemuCommand.map((a) => /[\s,]/.test(a) ? `'${a}'` : a).join(" "));
  }
  const env = {
    target: o.broken ? `kmod (broken: ${o.broken})` : o.module === false ? "none" : "kmod",
    profile: kernel.profile,
    kernelKey: kernel.key,
    kernelRelease: kernel.release,
    kernelSource: `linux-source-6.12 ${kernel.sourceVersion}`,
    cmdline: kernelCmdline(),
    command: o.command,
    runDir: outDir,
    ...targetEnv,
    ...o.env,
  };
  const reportDirs: string[] = [];
  for (const f of consoleFindings(run.console, run.outcome, env)) {
    const saved = await saveFinding(o.reportsDir ?? `${ROOT}/reports`, f);
    reportDirs.push(saved.dir);
    console.error(
      `udiag-fuzz: ${saved.isNew ? "new" : "known"} finding: ${f.title} -> ${saved.dir}`,
    );
  }
  const exitCode = run.outcome.kind === "exited" ? run.outcome.code : KERNEL_DIED_EXIT;
  return { run, reportDirs, exitCode, env };
}

function describeOutcome(run: VmRun): string {
  const o = run.outcome;
  switch (o.kind) {
    case "exited":
      return `command exited ${o.code}`;
    case "panic":
      return "kernel panic";
    case "lost":
      return "lost connection to test machine";
    case "silent":
      return `no output from test machine for ${o.seconds} s`;
    case "timeout":
      return `host timeout after ${o.seconds} s`;
  }
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TypeError(`Invalid --${name} "${v}": expected a positive integer`);
  }
  return n;
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      allowPositionals: true,
      options: {
        profile: { type: "string" },
        timeout: { type: "string" },
        silence: { type: "string" },
        "no-module": { type: "boolean" },
        broken: { type: "string" },
        provoke: { type: "boolean" },
        reports: { type: "string" },
        "show-command": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
    });
    if (parsed.values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    if (parsed.positionals.length === 0) throw new TypeError("No command given");
    const b = parsed.values.broken;
    if (b !== undefined && !(BROKEN_VARIANTS as readonly string[]).includes(b)) {
      throw new TypeError(`Unknown --broken "${b}": expected ${BROKEN_VARIANTS.join(", ")}`);
    }
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const v = parsed.values;
  const timeout = positiveInt("timeout", v.timeout);
  const silence = positiveInt("silence", v.silence);
  const { run, exitCode } = await runGuest({
    command: parsed.positionals.join(" "),
    ...(v.profile ? { profile: v.profile } : {}),
    ...(timeout ? { timeoutSeconds: timeout } : {}),
    ...(silence ? { silenceSeconds: silence } : {}),
    module: !v["no-module"],
    ...(v.broken ? { broken: v.broken as BrokenVariant } : {}),
    provoke: v.provoke ?? false,
    ...(v.reports ? { reportsDir: v.reports } : {}),
    showCommand: v["show-command"] ?? false,
    echoConsole: !v.quiet,
  });
  console.error(
    `udiag-fuzz: ${describeOutcome(run)} after ${
      run.seconds.toFixed(1)
    } s; console: ${run.consoleFile}`,
  );
  Deno.exit(exitCode);
}
