/**
 * Boots one guest, runs one command in it, and watches it: the console is
 * streamed line by line to a log, the command's output and results come over
 * their own channels, and the run ends by itself on the command's end, a
 * panic, silence, or the host timeout.
 *
 * @module
 */
import { buildInitramfs, type GuestPlan } from "./initramfs.ts";
import { qemuArgs } from "./qemu.ts";
import type { KernelBuild } from "./kernel.ts";
import { ensurePackages, VM_PACKAGES } from "../tools.ts";

/** How a guest run ended, in syzkaller's words where they exist. */
export type VmOutcome =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "panic" }
  | { readonly kind: "lost" } // "lost connection to test machine"
  | { readonly kind: "silent"; readonly seconds: number } // "no output from test machine"
  | { readonly kind: "timeout"; readonly seconds: number };

/** Exit status `deno task vm` uses when the kernel, not the command, ended the run (as virtme-ng). */
export const KERNEL_DIED_EXIT = 255;

/** One line of the results channel. */
export type ResultEvent = { readonly event: string } & Record<string, unknown>;

/** Everything a finished run left behind. */
export interface VmRun {
  readonly outcome: VmOutcome;
  readonly outDir: string;
  readonly consoleFile: string;
  readonly console: string;
  readonly results: ResultEvent[];
  readonly guestLog: string;
  readonly qemuCommand: string[];
  readonly seconds: number;
}

/** Options of {@linkcode runVm}. */
export interface RunVmOptions {
  readonly kernel: KernelBuild;
  readonly plan: Omit<GuestPlan, "outDir">;
  /** Fresh directory for this run's files (created if absent). */
  readonly outDir: string;
  readonly timeoutSeconds?: number;
  /** Kill the guest when neither the console nor the command said anything for this long. */
  readonly silenceSeconds?: number;
  readonly onConsoleLine?: (line: string) => void;
  readonly onGuestOutput?: (text: string) => void;
  /** Each results-channel record as it arrives. */
  readonly onResult?: (r: ResultEvent) => void;
}

/** Parses the results channel: one JSON object per line; a torn last line is ignored. */
export function parseResults(text: string): ResultEvent[] {
  const out: ResultEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && typeof v.event === "string") out.push(v);
    } catch {
      // A guest that died mid-write leaves half a line: not a result.
    }
  }
  return out;
}

/** Decides the outcome from what QEMU left (pure). */
export function decideOutcome(
  killed: VmOutcome | null,
  results: readonly ResultEvent[],
  consoleText: string,
): VmOutcome {
  if (killed) return killed;
  const exit = results.find((r) => r.event === "exit");
  if (consoleText.includes("Kernel panic - not syncing")) {
    // A panic after the command ended still means the kernel died.
    return { kind: "panic" };
  }
  if (exit && typeof exit.code === "number") {
    return { kind: "exited", code: exit.code };
  }
  return { kind: "lost" };
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** Boots the guest and runs `plan.command`; resolves when QEMU is gone. */
export async function runVm(opts: RunVmOptions): Promise<VmRun> {
  await ensurePackages(VM_PACKAGES);
  const outDir = opts.outDir;
  await Deno.mkdir(outDir, { recursive: true });
  const plan: GuestPlan = { ...opts.plan, outDir };
  const initrd = await buildInitramfs(plan, outDir);
  const resultsFile = `${outDir}/results.jsonl`;
  const consoleFile = `${outDir}/console.log`;
  const guestLogFile = `${outDir}/guest.log`;
  await Deno.writeTextFile(resultsFile, "");
  await Deno.writeTextFile(guestLogFile, "");
  const args = qemuArgs({
    bzImage: opts.kernel.bzImage,
    initrd,
    outDir,
    resultsFile,
  });
  const started = Date.now();
  const child = new Deno.Command("qemu-system-x86_64", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const consoleOut = await Deno.open(consoleFile, {
    create: true,
    write: true,
    truncate: true,
  });
  const enc = new TextEncoder();
  let consoleText = "";
  let lastActivity = Date.now();
  let killed: VmOutcome | null = null;

  const pumpConsole = (async () => {
    let pending = "";
    for await (
      const chunk of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      lastActivity = Date.now();
      // The serial line ends lines with \r\n.
      const text = chunk.replaceAll("\r", "");
      consoleText += text;
      await consoleOut.write(enc.encode(text));
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const l of lines) opts.onConsoleLine?.(l);
    }
    if (pending) opts.onConsoleLine?.(pending);
  })();
  const stderrText = new Response(child.stderr).text();

  const timeout = (opts.timeoutSeconds ?? 600) * 1000;
  const silence = (opts.silenceSeconds ?? 120) * 1000;
  let guestSeen = 0;
  let resultsSeen = 0;
  const watchdog = setInterval(() => {
    const g = fileSize(guestLogFile);
    if (g > guestSeen) {
      lastActivity = Date.now();
      if (opts.onGuestOutput) {
        const f = Deno.openSync(guestLogFile);
        const buf = new Uint8Array(g - guestSeen);
        f.seekSync(guestSeen, Deno.SeekMode.Start);
        const n = f.readSync(buf) ?? 0;
        f.close();
        opts.onGuestOutput(new TextDecoder().decode(buf.subarray(0, n)));
      }
      guestSeen = g;
    }
    const r = fileSize(resultsFile);
    if (r > resultsSeen) {
      lastActivity = Date.now();
      if (opts.onResult) {
        // Whole lines only: a torn last line waits for the next tick.
        const text = new TextDecoder().decode(Deno.readFileSync(resultsFile).subarray(resultsSeen));
        const end = text.lastIndexOf("\n") + 1;
        for (const ev of parseResults(text.slice(0, end))) opts.onResult(ev);
        resultsSeen += new TextEncoder().encode(text.slice(0, end)).length;
      } else {
        resultsSeen = r;
      }
    }
    const now = Date.now();
    if (!killed && now - started > timeout) {
      killed = { kind: "timeout", seconds: Math.round(timeout / 1000) };
    } else if (!killed && now - lastActivity > silence) {
      killed = { kind: "silent", seconds: Math.round(silence / 1000) };
    }
    if (killed) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }, 500);

  const status = await child.status;
  clearInterval(watchdog);
  await pumpConsole;
  consoleOut.close();
  const qemuErr = (await stderrText).trim();
  if (qemuErr) {
    await Deno.writeTextFile(`${outDir}/qemu.stderr`, qemuErr + "\n");
  }
  if (!killed && status.code !== 0 && consoleText.length === 0) {
    throw new Error(
      `QEMU exited with code ${status.code} before the guest printed anything: ${qemuErr}`,
    );
  }
  const results = parseResults(await Deno.readTextFile(resultsFile));
  if (opts.onResult) {
    const rest = new TextDecoder().decode((await Deno.readFile(resultsFile)).subarray(resultsSeen));
    for (const ev of parseResults(rest)) opts.onResult(ev);
  }
  const guestLog = await Deno.readTextFile(guestLogFile);
  if (opts.onGuestOutput && guestLog.length > guestSeen) {
    opts.onGuestOutput(guestLog.slice(guestSeen));
  }
  return {
    outcome: decideOutcome(killed, results, consoleText),
    outDir,
    consoleFile,
    console: consoleText,
    results,
    guestLog,
    qemuCommand: ["qemu-system-x86_64", ...args],
    seconds: (Date.now() - started) / 1000,
  };
}
