/**
 * `deno task bench`: how fast the framework drives the udiag ABI, against a C
 * baseline in the same run, and how long a fuzz run takes to its first case.
 *
 * 1. compiles `bench/baseline.c` (gcc -O2 -static) into `out/bench/baseline`;
 * 2. one guest boot runs `bench/guest.ts`: the fuzz campaign per suite
 *    (throughput, kernel vs harness CPU time), then every operation mix on
 *    both sides, Deno FFI and C, interleaved per repeat;
 * 3. boots to the first fuzz case with the current kernel command line
 *    (`--boots` times) and once with the line before the boot fix;
 * 4. writes `out/bench/results.json` (raw samples, summaries, machine) and
 *    `out/bench/results.md` (tables).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureKernel } from "../harness/vm/kernel.ts";
import { buildModule } from "../harness/vm/module.ts";
import { kernelCmdline } from "../harness/vm/qemu.ts";
import { guestPath } from "../harness/vm/initramfs.ts";
import { runGuest } from "../harness/vm/vm_cli.ts";
import type { ResultEvent } from "../harness/vm/runner.ts";
import { capture } from "../harness/proc.ts";
import { mixById, MIXES, type MixSample } from "./mixes.ts";
import type { FuzzProbeRun } from "./fuzz_probe.ts";
import { measureBoot } from "./boot.ts";
import { bootMarks, type CmdlineVariant, guestStages, hostStages } from "./stages.ts";
import {
  type BenchResults,
  type BootResult,
  fuzzRow,
  microRows,
  renderMarkdown,
  stageSummary,
} from "./results.ts";
import { loadAverage, machineInfo, qemuCount, QemuMonitor, waitForIdle } from "./machine.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

const USAGE = `Usage: deno task bench [options]
  --repeats N          micro-benchmark repeats (every mix, both sides each)   [5]
  --seconds S          timed seconds per sample                               [1]
  --warmup S           untimed warm-up before each sample                     [0.5]
  --mixes LIST         mixes to run (${MIXES.map((m) => m.id).join(",")})
  --fuzz-seconds S     fuzz/guest.ts --time per suite                         [20]
  --suites LIST        fuzz suites to measure                                 [model,raw]
  --seed N             fuzz seed                                              [1]
  --boots N            boots to the first case with the current cmdline       [3]
  --before-timeout S   the one boot without acpi=noirq; 0 skips it            [300]
  --parts LIST         micro,fuzz,boot                                        [all]
  --wait-idle S        wait up to S for other QEMU guests to end first        [600]
  --profile NAME       kernel debug profile                                   [base]
  --out DIR            where results go                                       [out/bench]`;

function log(s: string): void {
  console.error(s);
}

function num(name: string, s: string, integer = false): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new TypeError(
      `Invalid --${name} "${s}": expected a non-negative ${integer ? "integer" : "number"}`,
    );
  }
  return n;
}

/** Options of {@linkcode bench}. */
export interface BenchOptions {
  readonly repeats: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly mixes: readonly string[];
  readonly fuzzSeconds: number;
  readonly suites: readonly string[];
  readonly seed: number;
  readonly boots: number;
  readonly beforeTimeout: number;
  readonly parts: readonly string[];
  readonly waitIdle: number;
  readonly profile: string;
  readonly outDir: string;
  readonly command: string;
}

/** Runs the benchmark and writes its results; returns them. */
export async function bench(o: BenchOptions): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const problems: string[] = [];
  await Deno.mkdir(o.outDir, { recursive: true });

  const others0 = await qemuCount();
  const idle = others0 > 0 && o.waitIdle > 0
    ? await waitForIdle(o.waitIdle, log)
    : { waitedSeconds: 0, others: others0 };
  let othersMax = idle.others;
  using monitor = new QemuMonitor();
  const load0 = await loadAverage();
  const machine = await machineInfo();
  log(`bench: ${machine.nproc} × ${machine.cpuModel}; other QEMU guests now: ${idle.others}`);

  const kernel = await ensureKernel({ profile: o.profile });
  const modules = [await buildModule(kernel, `${ROOT}/out/build`, "udiag")];
  const baseline = `${o.outDir}/baseline`;
  await capture("gcc", [
    "-O2",
    "-static",
    "-Wall",
    "-Werror",
    "-o",
    baseline,
    `${ROOT}/bench/baseline.c`,
  ]);

  const samples: MixSample[] = [];
  const fuzzRuns: FuzzProbeRun[] = [];
  let guestInfo: ResultEvent | undefined;
  const wantMicro = o.parts.includes("micro");
  const wantFuzz = o.parts.includes("fuzz");
  if (wantMicro || wantFuzz) {
    monitor.phase = "FFI/C and fuzz boot";
    othersMax = Math.max(othersMax, await monitor.check());
    const parts = [wantFuzz ? "fuzz" : "", wantMicro ? "micro" : ""].filter(Boolean).join(",");
    const command = [
      "deno run -A bench/guest.ts",
      `--baseline ${baseline}`,
      `--repeats ${o.repeats}`,
      `--seconds ${o.seconds}`,
      `--warmup ${o.warmup}`,
      `--mixes ${o.mixes.join(",")}`,
      `--fuzz-seconds ${o.fuzzSeconds}`,
      `--suites ${o.suites.join(",")}`,
      `--seed ${o.seed}`,
      `--parts ${parts}`,
    ].join(" ");
    const sampleCount = wantMicro ? o.repeats * o.mixes.length * 2 : 0;
    const timeoutSeconds = Math.ceil(
      240 + sampleCount * (o.seconds + o.warmup + 2) +
        (wantFuzz ? o.suites.length * (o.fuzzSeconds + 90) : 0),
    );
    log(`bench: guest run (timeout ${timeoutSeconds} s): ${command}`);
    const { run, exitCode } = await runGuest({
      command,
      profile: o.profile,
      timeoutSeconds,
      silenceSeconds: 180,
      kmemleak: false,
      reportsDir: `${o.outDir}/reports`,
      echoGuest: true,
      onResult: (r) => {
        if (r.event === "bench-guest") guestInfo = r;
        if (r.event === "bench-sample") samples.push(r as unknown as MixSample);
        if (r.event === "bench-fuzz") fuzzRuns.push(r as unknown as FuzzProbeRun);
      },
    });
    if (wantFuzz && fuzzRuns.length !== o.suites.length) {
      problems.push(`${fuzzRuns.length} of ${o.suites.length} fuzz runs reported back`);
    }
    if (wantMicro && samples.length !== sampleCount) {
      problems.push(`${samples.length} of ${sampleCount} micro-benchmark samples reported back`);
    }
    if (exitCode !== 0) {
      problems.push(
        `The benchmark guest run ended with exit code ${exitCode} (${run.outcome.kind}); ` +
          `console: ${run.consoleFile}`,
      );
    }
  }

  const bootRuns: BootResult[] = [];
  if (o.parts.includes("boot")) {
    // "before" second, between "after" boots, so drift over the run does not favour either.
    const plan: CmdlineVariant[] = Array.from({ length: o.boots }, () => "after" as const);
    if (o.beforeTimeout > 0) plan.splice(Math.min(1, plan.length), 0, "before");
    const command =
      `deno run -A fuzz/guest.ts --seed ${o.seed} --time 60 --max-commands 30 --suites model,raw,race`;
    for (const [i, variant] of plan.entries()) {
      monitor.phase = `boot ${i + 1} (${variant})`;
      const otherVms = await monitor.check();
      othersMax = Math.max(othersMax, otherVms);
      const timeoutSeconds = variant === "before" ? o.beforeTimeout : 180;
      log(`bench: boot ${i + 1}/${plan.length} (${variant}), timeout ${timeoutSeconds} s`);
      const b = await measureBoot({
        kernel,
        modules,
        variant,
        command,
        cwd: ROOT,
        guestPath: guestPath(),
        outDir: `${o.outDir}/boot-${i + 1}-${variant}`,
        timeoutSeconds,
        onLine: (l) => {
          if (/udiag-vm: |udiag-fuzz\[\d+\]: fuzz\/\S+: start$|smp: Brought up/.test(l.line)) {
            log(`bench: ${l.t.toFixed(2)} s ${l.line}`);
          }
        },
      });
      const marks = bootMarks(b.lines, b.records);
      bootRuns.push({
        variant,
        cmdline: b.cmdline,
        command: b.command,
        outcome: b.outcome,
        wallSeconds: b.wallSeconds,
        otherVms,
        marks,
        host: hostStages(marks),
        guest: guestStages(marks),
        records: b.records,
        consoleFile: b.consoleFile,
      });
      if (b.outcome !== "first-case") {
        problems.push(`Boot ${i + 1} (${variant}) ended with "${b.outcome}": ${b.consoleFile}`);
      }
    }
  }

  monitor.phase = "end";
  const othersEnd = await monitor.check();
  othersMax = Math.max(othersMax, othersEnd, monitor.max);
  const byVariant = (v: CmdlineVariant) => bootRuns.filter((b) => b.variant === v);
  const variants = (["after", "before"] as const).filter((v) => byVariant(v).length > 0);
  const micro = microRows(samples, o.mixes.map(mixById));
  for (const r of micro) {
    if (r.errors.ffi || r.errors.c) {
      const seen = [
        ...r.unexpected.ffi.map((u) => `FFI ${u}`),
        ...r.unexpected.c.map((u) => `C ${u}`),
      ];
      problems.push(
        `Mix ${r.mix}: unexpected results, FFI ${r.errors.ffi}, C ${r.errors.c} (${
          seen.join("; ")
        })`,
      );
    }
  }
  const results: BenchResults = {
    schema: "udiag-fuzz-bench/1",
    command: o.command,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    guest: {
      release: typeof guestInfo?.release === "string" ? guestInfo.release : kernel.release,
      cpus: typeof guestInfo?.cpus === "number"
        ? guestInfo.cpus
        : bootRuns.find((b) => b.marks.cpus !== null)?.marks.cpus ?? null,
      profile: kernel.profile,
      kernelKey: kernel.key,
      cmdline: kernelCmdline(),
      kmemleakThreadOff: typeof guestInfo?.kmemleakThreadOff === "boolean"
        ? guestInfo.kmemleakThreadOff
        : null,
    },
    concurrency: {
      waitedSeconds: idle.waitedSeconds,
      otherVmsAtStart: idle.others,
      otherVmsAtEnd: othersEnd,
      otherVmsMax: othersMax,
      byPhase: monitor.byPhase,
      loadAverageAtStart: load0,
      loadAverageAtEnd: await loadAverage(),
    },
    config: {
      repeats: o.repeats,
      seconds: o.seconds,
      warmup: o.warmup,
      mixes: o.mixes,
      fuzzSeconds: o.fuzzSeconds,
      suites: o.suites,
      seed: o.seed,
      boots: o.boots,
      beforeTimeout: o.beforeTimeout,
      parts: o.parts,
    },
    micro: { samples, rows: micro },
    fuzz: { runs: fuzzRuns, rows: fuzzRuns.map(fuzzRow) },
    boot: {
      runs: bootRuns,
      host: Object.fromEntries(variants.map((v) => [v, stageSummary(byVariant(v), "host")])),
      guest: Object.fromEntries(variants.map((v) => [v, stageSummary(byVariant(v), "guest")])),
    },
    problems,
  };
  await Deno.writeTextFile(`${o.outDir}/results.json`, JSON.stringify(results, null, 1) + "\n");
  await Deno.writeTextFile(`${o.outDir}/results.md`, renderMarkdown(results));
  return results;
}

if (import.meta.main) {
  let o: BenchOptions;
  try {
    const { values: v } = parseArgs({
      args: Deno.args,
      options: {
        repeats: { type: "string", default: "5" },
        seconds: { type: "string", default: "1" },
        warmup: { type: "string", default: "0.5" },
        mixes: { type: "string", default: MIXES.map((m) => m.id).join(",") },
        "fuzz-seconds": { type: "string", default: "20" },
        suites: { type: "string", default: "model,raw" },
        seed: { type: "string", default: "1" },
        boots: { type: "string", default: "3" },
        "before-timeout": { type: "string", default: "300" },
        parts: { type: "string", default: "micro,fuzz,boot" },
        "wait-idle": { type: "string", default: "600" },
        profile: { type: "string", default: "base" },
        out: { type: "string", default: `${ROOT}/out/bench` },
        help: { type: "boolean" },
      },
    });
    if (v.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    const list = (s: string) => s.split(",").filter(Boolean);
    const mixes = list(v.mixes);
    mixes.forEach(mixById);
    for (const p of list(v.parts)) {
      if (!["micro", "fuzz", "boot"].includes(p)) {
        throw new TypeError(`Unknown part "${p}": expected micro, fuzz, boot`);
      }
    }
    for (const s of list(v.suites)) {
      if (!["model", "raw"].includes(s)) {
        throw new TypeError(`Unknown suite "${s}": expected model, raw`);
      }
    }
    o = {
      repeats: num("repeats", v.repeats, true),
      seconds: num("seconds", v.seconds),
      warmup: num("warmup", v.warmup),
      mixes,
      fuzzSeconds: num("fuzz-seconds", v["fuzz-seconds"], true),
      suites: list(v.suites),
      seed: num("seed", v.seed, true),
      boots: num("boots", v.boots, true),
      beforeTimeout: num("before-timeout", v["before-timeout"], true),
      parts: list(v.parts),
      waitIdle: num("wait-idle", v["wait-idle"]),
      profile: v.profile,
      outDir: v.out.startsWith("/") ? v.out : `${Deno.cwd()}/${v.out}`,
      command: ["deno task bench", ...Deno.args].join(" "),
    };
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
  const r = await bench(o);
  console.log(await Deno.readTextFile(`${o.outDir}/results.md`));
  log(`bench: wrote ${o.outDir}/results.json and results.md`);
  Deno.exit(r.problems.length ? 1 : 0);
}
