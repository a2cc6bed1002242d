/**
 * Captures the console parser's testdata from our own guest: each case boots
 * the VM, provokes one kind of kernel report (LKDTM, or kmod/provoke for what
 * LKDTM has no trigger for) and stores the raw console as
 * `testdata/<case>` with no header. `UPDATE=1 deno test harness/console`
 * then proposes headers for a person to review.
 *
 *     deno run -A harness/console/capture.ts [case…]
 *
 * Exit status: 0 every case was captured, 2 bad flags or an unknown case.
 *
 * @module
 */
import { ensureKernel } from "../vm/kernel.ts";
import { buildModule, PROVOKE } from "../vm/module.ts";
import { runVm } from "../vm/runner.ts";
import { guestPath } from "../vm/initramfs.ts";
import { caseMark } from "../marks.ts";
import { ROOT } from "../paths.ts";
import { parseFlags, runMain, UsageError } from "../cli.ts";
const TESTDATA = new URL("./testdata/", import.meta.url).pathname;

const lkdtm = (t: string) => `echo ${t} > /sys/kernel/debug/provoke-crash/DIRECT`;
const provoke = (t: string) => `echo ${t} > /sys/kernel/debug/udiag_provoke`;

/** Case name → guest command; `leak` cases keep the end-of-run kmemleak scan. */
export const CASES: Record<string, { command: string; kmemleak?: boolean; timeout?: number }> = {
  "kasan-slab-use-after-free-read": { command: lkdtm("READ_AFTER_FREE") },
  "kasan-slab-use-after-free-write": { command: lkdtm("WRITE_AFTER_FREE") },
  "kasan-slab-out-of-bounds": { command: lkdtm("SLAB_LINEAR_OVERFLOW") },
  "kasan-double-free": { command: lkdtm("SLAB_FREE_DOUBLE") },
  "warning": { command: lkdtm("WARNING") },
  "warning-refcount": { command: lkdtm("REFCOUNT_INC_OVERFLOW") },
  "bug": { command: lkdtm("BUG") },
  "null-deref": { command: lkdtm("EXCEPTION") },
  "list-corruption": { command: lkdtm("CORRUPT_LIST_ADD") },
  "hung-task": { command: `(${lkdtm("HUNG_TASK")}) & sleep 50`, timeout: 180 },
  "soft-lockup": { command: `(${lkdtm("SOFTLOCKUP")}) & sleep 40`, timeout: 180 },
  "panic": { command: lkdtm("PANIC") },
  "lockdep-circular": { command: provoke("LOCKDEP_CIRCULAR") },
  "lockdep-assert-held": { command: provoke("LOCKDEP_ASSERT") },
  "rcu-suspicious": { command: provoke("RCU_SUSPICIOUS") },
  "sleep-in-atomic": { command: provoke("SLEEP_ATOMIC") },
  "preempt-leak-to-user": { command: provoke("PREEMPT_LEAK") },
  "kmemleak": { command: provoke("LEAK"), kmemleak: true },
  // A clean boot that runs Deno in the chroot (no ABI loaded: the engine knows none).
  "clean-boot-smoke": { command: "deno eval 'console.log(Deno.version.deno)'", kmemleak: true },
};

const USAGE = `Usage: deno task capture-testdata [case…]
  case…    the cases to capture (all when none): ${Object.keys(CASES).join(", ")}

Writes harness/console/testdata/<case> (raw console, no header).

Exit status: 0 every case was captured, 2 bad flags or an unknown case.`;

/** Parses and checks the command line: the cases to capture. */
export function parseCaptureArgs(args: readonly string[]): string[] {
  const { positionals } = parseFlags(args, { help: { type: "boolean" } }, USAGE, true);
  const names = positionals.length ? positionals : Object.keys(CASES);
  const unknown = names.filter((n) => !(n in CASES));
  if (unknown.length) {
    throw new UsageError(
      `Unknown case(s): ${unknown.join(", ")}; known: ${Object.keys(CASES).join(", ")}`,
    );
  }
  return names;
}

/** Captures each case in its own boot. */
async function capture(names: readonly string[]): Promise<number> {
  const kernel = await ensureKernel();
  const modules = [await buildModule(kernel, `${ROOT}/out/build`, PROVOKE)];
  const made: string[] = [];
  for (const name of names) {
    const c = CASES[name]!;
    const command = `echo '${caseMark("capture", name, "start", 0)}' > /dev/kmsg; ${c.command}`;
    const run = await runVm({
      kernel,
      outDir: `${ROOT}/out/capture/${name}`,
      plan: {
        command,
        cwd: ROOT,
        guestPath: guestPath(),
        kmemleak: c.kmemleak ?? false,
        modules,
      },
      timeoutSeconds: c.timeout ?? 240,
      silenceSeconds: 90,
    });
    await Deno.writeTextFile(`${TESTDATA}/${name}`, "\n" + run.console);
    made.push(`| ${name} | \`${c.command}\` | ${run.outcome.kind} |`);
    console.error(`captured ${name}: ${run.outcome.kind}, ${run.console.split("\n").length} lines`);
  }
  console.log(
    [
      `Captured on ${
        new Date().toISOString().slice(0, 10)
      } with kernel ${kernel.profile}-${kernel.key} (${kernel.release}, linux-source-6.12 ${kernel.sourceVersion}):`,
      "",
      "| file | guest command | outcome |",
      "| --- | --- | --- |",
      ...made,
    ].join("\n"),
  );
  return 0;
}

if (import.meta.main) runMain(() => capture(parseCaptureArgs(Deno.args)));
