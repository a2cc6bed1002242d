/**
 * Boots one guest, runs one command in it, and watches it: the console is
 * streamed line by line to a log, the command's output and results come over
 * their own channels, and the run ends by itself on the command's end, a
 * panic, silence, the host timeout, or when the caller's `stopWhen` says so.
 * Every console line and result record can be seen as it arrives, stamped
 * with the seconds since QEMU was spawned (the benchmark's boot stages).
 *
 * @module
 */
import { buildInitramfs, type GuestPlan } from "./initramfs.ts";
import { kernelCmdline, qemuArgs } from "./qemu.ts";
import type { KernelBuild } from "./kernel.ts";
import { ensurePackages, VM_PACKAGES } from "../tools.ts";
import { interrupted, trackChild } from "../interrupt.ts";
import { containsCrash, parseAll } from "../console/parse.ts";

/** How a guest run ended, in syzkaller's words where they exist. */
export type VmOutcome =
  | { readonly kind: "exited"; readonly code: number }
  | { readonly kind: "panic" }
  | { readonly kind: "lost" } // "lost connection to test machine"
  // "no output from test machine"; `afterOops`: the command went quiet after
  // an oops killed one of its tasks (init's heartbeat still spoke).
  | { readonly kind: "silent"; readonly seconds: number; readonly afterOops?: boolean }
  | { readonly kind: "timeout"; readonly seconds: number }
  /** The caller's `stopWhen` ended it. */
  | { readonly kind: "stopped"; readonly reason: string }
  /** The task was stopped (SIGINT, SIGTERM): the guest was killed. */
  | { readonly kind: "interrupted" };

/** Exit status `deno task vm` uses when the kernel, not the command, ended the run (as virtme-ng). */
export const KERNEL_DIED_EXIT = 255;

/** One line of the results channel. */
export type ResultEvent = { readonly event: string } & Record<string, unknown>;

/** Everything a finished run left behind. */
export interface VmRun {
  readonly outcome: VmOutcome;
  readonly outDir: string;
  readonly consoleFile: string;
  /** The whole console, read from `consoleFile` when asked for (not held while the guest runs). */
  readonly console: string;
  readonly results: ResultEvent[];
  /** Whole lines of the results channel that were not a JSON record (kept in results.rejected). */
  readonly rejected: string[];
  readonly guestLog: string;
  readonly qemuCommand: string[];
  /** The kernel command line it booted with. */
  readonly cmdline: string;
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
  /** The whole kernel command line, instead of {@linkcode kernelCmdline}'s. */
  readonly cmdline?: string;
  /** How often the results channel is read, in ms (default 500). */
  readonly pollMs?: number;
  /** Each console line, with the seconds since QEMU was spawned. */
  readonly onConsoleLine?: (line: string, t: number) => void;
  readonly onGuestOutput?: (text: string) => void;
  /**
   * Each results-channel record as it arrives, with the seconds since QEMU
   * was spawned and the console file so far (a finding is filed at once).
   */
  readonly onResult?: (r: ResultEvent, t: number, consoleFile: string) => void;
  /** Ends the run when it returns a reason (the benchmark stops after the first case). */
  readonly stopWhen?: (r: ResultEvent) => string | null;
  /**
   * Ends the run {@linkcode REPORT_SETTLE_SECONDS} after the first kernel
   * report begins on the console: for a caller that needs one difference,
   * not all of them (`deno task mutate` on a target that files none).
   */
  readonly stopOnReport?: boolean;
  /**
   * With `stopOnReport`: titles of kernel reports that do not stop the run
   * (those the unmutated target prints too: the RFC WARNs at its first
   * registration, which would otherwise end every run there).
   */
  readonly knownReports?: readonly string[];
}

/** The results channel parsed: its records, and the whole lines that were none. */
export interface ParsedResults {
  readonly events: ResultEvent[];
  /** Whole lines that are not a JSON record with an `event`: a guest bug, never silent. */
  readonly rejected: string[];
}

/**
 * Parses the results channel: one JSON object per line. A torn last line
 * (no newline yet: the guest died mid-write, or it is still writing) is
 * neither a record nor rejected.
 */
export function parseResults(text: string): ParsedResults {
  const events: ResultEvent[] = [];
  const rejected: string[] = [];
  const lines = text.split("\n");
  lines.pop(); // "" after the last newline, or a torn line
  for (const line of lines) {
    if (!line.trim()) continue;
    let v: unknown = null;
    try {
      v = JSON.parse(line);
    } catch {
      // Not JSON: rejected below.
    }
    if (v && typeof v === "object" && typeof (v as ResultEvent).event === "string") {
      events.push(v as ResultEvent);
    } else rejected.push(line);
  }
  return { events, rejected };
}

/** Whether a console line says the kernel panicked. */
export function isPanicLine(line: string): boolean {
  return line.includes("Kernel panic - not syncing");
}

/**
 * Whether a console line starts an oops: the kernel kills the task that hit
 * it (not a KASAN report, a WARNING or lockdep, which let the task go on).
 * A multi-threaded process whose thread died this way may never exit.
 */
export function isOopsLine(line: string): boolean {
  return /\bOops: |\bkernel BUG at |\bBUG: unable to handle |\bBUG: kernel NULL pointer dereference/
    .test(line);
}

/** What the watchdog knows of a run, in ms since the epoch. */
export interface WatchState {
  readonly now: number;
  readonly started: number;
  /** The console, the command or the results channel last said something. */
  readonly lastActivity: number;
  /** The command (its output or results) last said something. */
  readonly lastCommandActivity: number;
  /** The first oops line on the console, or null. */
  readonly oopsAt: number | null;
  /** Where the run stops at a kernel report: when the first one began, or null. */
  readonly reportAt?: number | null;
}

/**
 * Whether the watchdog ends the run now, and how (pure): past the timeout;
 * silent for `silence` ms; or quiet for {@linkcode OOPS_GRACE_SECONDS} since
 * both an oops and the command's last word (init's heartbeat keeps the
 * console alive, so only the command's silence counts after an oops).
 */
export function watchdogVerdict(
  w: WatchState,
  limits: { readonly timeout: number; readonly silence: number },
): VmOutcome | null {
  if (w.now - w.started > limits.timeout) {
    return { kind: "timeout", seconds: Math.round(limits.timeout / 1000) };
  }
  if (w.now - w.lastActivity > limits.silence) {
    return { kind: "silent", seconds: Math.round(limits.silence / 1000) };
  }
  if (w.reportAt != null && w.now - w.reportAt > REPORT_SETTLE_SECONDS * 1000) {
    return { kind: "stopped", reason: "a kernel report" };
  }
  const quietSince = w.oopsAt === null ? null : Math.max(w.oopsAt, w.lastCommandActivity);
  if (quietSince !== null && w.now - quietSince > OOPS_GRACE_SECONDS * 1000) {
    return { kind: "silent", seconds: OOPS_GRACE_SECONDS, afterOops: true };
  }
  return null;
}

/**
 * How long a run that stops at a kernel report ({@linkcode RunVmOptions.stopOnReport})
 * goes on after the report began: printk writes it out synchronously, so it
 * is whole on the console long before this, and a second report that
 * follows from the first (a WARNING, then the BUG) gets in too.
 */
export const REPORT_SETTLE_SECONDS = 10;

/**
 * How long the command may stay quiet after an oops before the run ends: its
 * own output and results count, not init's console heartbeat.
 */
export const OOPS_GRACE_SECONDS = 30;

/**
 * Which kernel reports end a `stopOnReport` run: any, or with known titles
 * only one not among them. A report is judged once it began
 * {@linkcode REPORT_SETTLE_SECONDS} ago, so that it is whole (printk writes
 * it synchronously): a title read off half a report could differ from the
 * whole one's, and stopping there would blame the rule that was running.
 * Lines before the reports still to judge are dropped.
 */
export class KnownReports {
  readonly #titles: ReadonlySet<string>;
  /** Console lines not yet judged, each with when it came. */
  #lines: { text: string; at: number }[] = [];
  #pending = false;

  constructor(titles: readonly string[]) {
    this.#titles = new Set(titles);
  }

  /** Takes one console line as it comes (at `now`). */
  take(line: string, now: number = Date.now()): void {
    if (this.#titles.size) this.#lines.push({ text: line, at: now });
    else if (!this.#pending && containsCrash(line)) this.#lines = [{ text: line, at: now }];
    this.#pending ||= containsCrash(line);
  }

  /**
   * When the first report that stops the run began, as of `now`; null while
   * there is none (or while the reports so far are still being printed).
   */
  newReportAt(now: number): number | null {
    if (!this.#pending) return null;
    if (!this.#titles.size) return this.#lines[0]?.at ?? now;
    const settled = now - REPORT_SETTLE_SECONDS * 1000;
    const crashes = parseAll(this.#lines.map((l) => l.text).join("\n"));
    const whole = crashes.filter((c) => this.#lines[c.startLine]!.at < settled);
    const fresh = whole.find((c) => !this.#titles.has(c.title));
    if (fresh) return this.#lines[fresh.startLine]!.at;
    // Keep the reports still being printed (and what follows) for the next call.
    const next = crashes.find((c) => this.#lines[c.startLine]!.at >= settled);
    this.#lines = next ? this.#lines.slice(next.startLine) : [];
    this.#pending = next !== undefined;
    return null;
  }
}

/** Decides the outcome from what QEMU left (pure). */
export function decideOutcome(
  killed: VmOutcome | null,
  results: readonly ResultEvent[],
  panicked: boolean,
): VmOutcome {
  if (killed) return killed;
  const exit = results.find((r) => r.event === "exit");
  if (panicked) {
    // A panic after the command ended still means the kernel died.
    return { kind: "panic" };
  }
  if (exit && typeof exit.code === "number") {
    return { kind: "exited", code: exit.code };
  }
  return { kind: "lost" };
}

/**
 * A file read from where the last read stopped: bytes, not characters, so a
 * multi-byte character never shifts the next read, and one cut between two
 * reads is decoded whole by the next (whole lines only when `lines` is set: a
 * torn last line waits for the next read).
 */
export class FileTail {
  readonly path: string;
  #offset = 0;
  readonly #decoder = new TextDecoder();
  constructor(path: string) {
    this.path = path;
  }

  /** What was appended since the last read. */
  read(lines = false): string {
    let bytes: Uint8Array;
    try {
      bytes = readFrom(this.path, this.#offset);
    } catch {
      return "";
    }
    if (lines) {
      const nl = bytes.lastIndexOf(10);
      bytes = bytes.subarray(0, nl + 1);
    }
    this.#offset += bytes.length;
    return this.#decoder.decode(bytes, { stream: true });
  }
}

/** The bytes of `path` from `offset` on: only what is new is read, however long the file grows. */
function readFrom(path: string, offset: number): Uint8Array {
  using f = Deno.openSync(path);
  const size = f.statSync().size;
  if (size <= offset) return new Uint8Array();
  f.seekSync(offset, Deno.SeekMode.Start);
  const buf = new Uint8Array(size - offset);
  let n = 0;
  while (n < buf.length) {
    const got = f.readSync(buf.subarray(n));
    if (got === null) break;
    n += got;
  }
  return buf.subarray(0, n);
}

/** The files of one run, under its directory. */
async function runFiles(plan: GuestPlan, outDir: string) {
  await Deno.mkdir(outDir, { recursive: true });
  const files = {
    initrd: await buildInitramfs(plan, outDir),
    results: `${outDir}/results.jsonl`,
    console: `${outDir}/console.log`,
    guestLog: `${outDir}/guest.log`,
  };
  await Deno.writeTextFile(files.results, "");
  await Deno.writeTextFile(files.guestLog, "");
  return files;
}

/**
 * Streams QEMU's serial console to `file` and to the line callback; returns
 * how many characters went there. Only the line being assembled is held.
 */
async function pumpConsole(
  stdout: ReadableStream<Uint8Array>,
  file: string,
  onLine: (line: string) => void,
  onActivity: () => void,
): Promise<number> {
  using out = await Deno.open(file, { create: true, write: true, truncate: true });
  const enc = new TextEncoder();
  let length = 0;
  let pending = "";
  for await (const chunk of stdout.pipeThrough(new TextDecoderStream())) {
    onActivity();
    // The serial line ends lines with \r\n.
    const t = chunk.replaceAll("\r", "");
    length += t.length;
    await out.write(enc.encode(t));
    pending += t;
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const l of lines) onLine(l);
  }
  if (pending) onLine(pending);
  return length;
}

/** Boots the guest and runs `plan.command`; resolves when QEMU is gone. */
export async function runVm(opts: RunVmOptions): Promise<VmRun> {
  await ensurePackages(VM_PACKAGES);
  const outDir = opts.outDir;
  const files = await runFiles({ ...opts.plan, outDir }, outDir);
  const cmdline = opts.cmdline ?? kernelCmdline();
  const args = qemuArgs({
    bzImage: opts.kernel.bzImage,
    initrd: files.initrd,
    outDir,
    resultsFile: files.results,
    cmdline,
  });
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const child = new Deno.Command("qemu-system-x86_64", {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const forget = trackChild(child);
  let lastActivity = Date.now();
  let killed: VmOutcome | null = null;
  const kill = (why: VmOutcome) => {
    killed ??= why;
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  };
  const onStop = () => kill({ kind: "interrupted" });
  if (interrupted.aborted) onStop();
  interrupted.addEventListener("abort", onStop);
  let panicked = false;
  let oopsAt: number | null = null;
  let reportAt: number | null = null;
  const known = new KnownReports(opts.knownReports ?? []);
  let lastCommandActivity = Date.now();
  const consoleLength = pumpConsole(
    child.stdout,
    files.console,
    (l) => {
      panicked ||= isPanicLine(l);
      if (oopsAt === null && isOopsLine(l)) oopsAt = Date.now();
      if (opts.stopOnReport && reportAt === null) known.take(l);
      opts.onConsoleLine?.(l, since());
    },
    () => lastActivity = Date.now(),
  );
  const stderrText = new Response(child.stderr).text();

  const guestTail = new FileTail(files.guestLog);
  const resultsTail = new FileTail(files.results);
  const rejected: string[] = [];
  const takeResults = () => {
    const text = resultsTail.read(true);
    if (!text) return;
    lastActivity = lastCommandActivity = Date.now();
    const t = since();
    const parsed = parseResults(text);
    if (parsed.rejected.length) {
      if (!rejected.length) {
        console.error(
          `udiag-fuzz: the guest wrote a results line that is not a JSON record; kept in ${outDir}/results.rejected`,
        );
      }
      rejected.push(...parsed.rejected);
      Deno.writeTextFileSync(`${outDir}/results.rejected`, parsed.rejected.join("\n") + "\n", {
        append: true,
      });
    }
    for (const ev of parsed.events) {
      opts.onResult?.(ev, t, files.console);
      const reason = opts.stopWhen?.(ev) ?? null;
      if (reason !== null) kill({ kind: "stopped", reason });
    }
  };
  const takeGuestOutput = () => {
    const text = guestTail.read();
    if (!text) return;
    lastActivity = lastCommandActivity = Date.now();
    opts.onGuestOutput?.(text);
  };
  const timeout = (opts.timeoutSeconds ?? 600) * 1000;
  const silence = (opts.silenceSeconds ?? 120) * 1000;
  const started = Date.now();
  const watchdog = setInterval(() => {
    takeGuestOutput();
    takeResults();
    if (opts.stopOnReport && reportAt === null) reportAt = known.newReportAt(Date.now());
    const end = watchdogVerdict(
      { now: Date.now(), started, lastActivity, lastCommandActivity, oopsAt, reportAt },
      { timeout, silence },
    );
    if (end) kill(end);
  }, opts.pollMs ?? 500);

  const status = await child.status;
  clearInterval(watchdog);
  interrupted.removeEventListener("abort", onStop);
  forget();
  const printed = await consoleLength;
  const qemuErr = (await stderrText).trim();
  if (qemuErr) await Deno.writeTextFile(`${outDir}/qemu.stderr`, qemuErr + "\n");
  if (!killed && status.code !== 0 && printed === 0) {
    throw new Error(
      `QEMU exited with code ${status.code} before the guest printed anything: ${qemuErr}`,
    );
  }
  takeGuestOutput();
  takeResults();
  const results = parseResults(await Deno.readTextFile(files.results)).events;
  return {
    outcome: decideOutcome(killed, results, panicked),
    outDir,
    consoleFile: files.console,
    get console() {
      return Deno.readTextFileSync(files.console);
    },
    results,
    rejected,
    guestLog: await Deno.readTextFile(files.guestLog),
    qemuCommand: ["qemu-system-x86_64", ...args],
    cmdline,
    seconds: since(),
  };
}
