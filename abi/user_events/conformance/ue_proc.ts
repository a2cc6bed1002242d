/**
 * Drives the `ue_proc` helper (`helpers/ue_proc.c`) from a rule: one command
 * per line on its stdin, one JSON observation per line back. Every wait has
 * a deadline; on a missed one the helper is killed and the rule fails with a
 * message saying which step hung, so a broken kernel cannot hang the suite.
 *
 * @module
 */
import { UE_PROC_PATH } from "../helpers/build.ts";

/** How the helper leaves the registering process. */
export type UeProcMode = "fork" | "clone" | "exec" | "exit";

/** One observation of the helper (what its JSON line holds). */
export interface UeObs {
  readonly obs: string;
  /** The first process's enable word (after exec: the new image's). */
  readonly parent?: number;
  /** The fork or clone child's enable word, while it lives. */
  readonly child?: number;
  /** 0 or -errno of DIAG_IOCSREG / DIAG_IOCSUNREG. */
  readonly ret?: number;
  readonly status?: number;
  readonly what?: string;
  readonly errno?: number;
  /** The fork or clone child's pid (in `ready`). */
  readonly child_pid?: number;
}

/** Options of {@linkcode UeProc.start}. */
export interface UeProcOptions {
  /** `struct user_reg.flags` of the helper's registration. */
  readonly flags?: number;
  /** The binary (default: where `prepare` builds it). */
  readonly path?: string;
  /** Extra environment (`UE_PROC_DRY=1` in the host tests). */
  readonly env?: Record<string, string>;
}

/** `p`, or null when `ms` passes first (the timer is always cleared: the test sanitizer counts it). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), Math.max(0, ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The words of an observation as one string, in hex: `parent 1, child 1` or `parent 1`.
 *
 * @example
 * ```ts
 * import { words } from "./ue_proc.ts";
 * if (words({ obs: "read", parent: 1, child: 0 }) !== "parent 1, child 0") throw new Error();
 * if (words({ obs: "read", parent: 0x5a5a5a5a }) !== "parent 5a5a5a5a") throw new Error();
 * ```
 */
export function words(o: UeObs): string {
  const hex = (v: number | undefined) => v === undefined ? "?" : v.toString(16);
  return o.child === undefined
    ? `parent ${hex(o.parent)}`
    : `parent ${hex(o.parent)}, child ${hex(o.child)}`;
}

/** A running helper; `await using` kills it (if need be) and reaps it. */
export class UeProc implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #in: WritableStreamDefaultWriter<Uint8Array>;
  readonly #out: ReadableStreamDefaultReader<string>;
  #pending: Promise<ReadableStreamReadResult<string>> | null = null;
  #buf = "";
  #status: Deno.CommandStatus | null = null;
  /** The `registered` observation (`ret` 0 or -errno). */
  registered: UeObs = { obs: "none" };
  /** The `ready` observation of fork and clone (`child_pid`). */
  ready: UeObs = { obs: "none" };

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#in = child.stdin.getWriter();
    this.#out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    child.status.then((s) => this.#status = s);
  }

  /**
   * Starts `ue_proc MODE NAME_ARGS FLAGS` and waits for its registration (and,
   * for fork and clone, its child's "ready"). Throws when the binary is missing.
   */
  static async start(mode: UeProcMode, nameArgs: string, o: UeProcOptions = {}): Promise<UeProc> {
    const path = o.path ?? UE_PROC_PATH;
    try {
      Deno.statSync(path);
    } catch (e) {
      throw new Error(
        `Cannot run ${path}: build it on the host first (the user_events conformance prepare)`,
        { cause: e },
      );
    }
    const child = new Deno.Command(path, {
      args: [mode, nameArgs, String(o.flags ?? 0)],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
      ...(o.env ? { env: o.env } : {}),
    }).spawn();
    const p = new UeProc(child);
    try {
      p.registered = await p.next(5000, "registration");
      if (p.registered.ret === 0 && (mode === "fork" || mode === "clone")) {
        p.ready = await p.expectObs("ready", 5000);
      }
    } catch (e) {
      // Nobody else holds it yet: kill and reap it here.
      p.kill();
      await p[Symbol.asyncDispose]();
      throw e;
    }
    return p;
  }

  /** The next observation within `ms`; kills the helper and throws on a miss or an error line. */
  async next(ms = 10000, step = "an answer"): Promise<UeObs> {
    const deadline = Date.now() + ms;
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        const o = JSON.parse(line) as UeObs;
        if (o.obs === "error") {
          throw new Error(`ue_proc failed at ${step}: ${o.what} (errno ${o.errno})`);
        }
        return o;
      }
      const left = deadline - Date.now();
      this.#pending ??= this.#out.read();
      const r = left <= 0 ? null : await within(this.#pending, left);
      if (r === null) {
        this.kill();
        throw new Error(`ue_proc gave no ${step} within ${ms} ms: killed`);
      }
      this.#pending = null;
      if (r.done) throw new Error(`ue_proc ended before ${step}`);
      this.#buf += r.value;
    }
  }

  /** The next observation, which must be `obs`. */
  async expectObs(obs: string, ms = 10000): Promise<UeObs> {
    const o = await this.next(ms, `"${obs}"`);
    if (o.obs !== obs) throw new Error(`ue_proc answered ${JSON.stringify(o)}, not "${obs}"`);
    return o;
  }

  /** Sends one command and returns its observation. */
  async send(cmd: string, ms = 10000): Promise<UeObs> {
    await this.#in.write(new TextEncoder().encode(`${cmd}\n`));
    return await this.next(ms, `the answer to "${cmd}"`);
  }

  /**
   * Reads the words every 20 ms until they read `want` (see {@linkcode words})
   * or `ms` passes; returns the last reading and how long it took. A kernel
   * may update a word through its async fault path (NOTES.md §8), hence the wait.
   */
  async until(want: string, ms = 3000): Promise<{ got: string; ms: number }> {
    const t0 = Date.now();
    for (;;) {
      const got = words(await this.send("read"));
      if (got === want || Date.now() - t0 > ms) return { got, ms: Date.now() - t0 };
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits `ms` (for anything asynchronous to land) and reads the words once. */
  async settle(ms = 200): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return words(await this.send("read"));
  }

  /** Sends `exit` and waits for the process's exit code (the helper exits without cleanup). */
  async exit(ms = 5000): Promise<number> {
    const o = await this.send("exit");
    if (o.obs !== "exiting") throw new Error(`ue_proc answered ${JSON.stringify(o)} to "exit"`);
    return await this.exitCode(ms);
  }

  /** The exit code within `ms`, or the helper is killed and this throws. */
  async exitCode(ms = 5000): Promise<number> {
    const s = await within(this.#child.status, ms);
    if (s === null) {
      this.kill();
      throw new Error(`ue_proc did not exit within ${ms} ms: killed`);
    }
    return s.code;
  }

  /** SIGKILL, if it still runs. */
  kill(): void {
    if (this.#status !== null) return;
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    // EOF on stdin ends the helper; a helper that does not go is killed.
    await this.#in.close().catch(() => {});
    if (await within(this.#child.status, 3000) === null) this.kill();
    await this.#child.status;
    await (this.#pending ?? Promise.resolve()).catch(() => {});
    await this.#out.cancel().catch(() => {});
  }
}
