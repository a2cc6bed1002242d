/**
 * The ABI-neutral half of a security check's users: {@linkcode User}, and
 * {@linkcode ActorProcess}, a Deno process of one user (started with its uid
 * and gid) running an ABI's actor script, driven over JSON lines: one request
 * per stdin line, one `{ reply }` or `{ error }` line back on stdout
 * ({@linkcode serveActor}). Each ABI keeps its own actor script (its requests
 * are its ABI's calls) and its own subclass with typed methods
 * (`abi/udiag/security/users.ts`, `abi/user_events/security/users.ts`).
 *
 * @module
 */
import type { SysResult } from "../harness/errno.ts";
import { ctraceEnv } from "../harness/ctrace/record.ts";

/** A guest user: numeric ids only (the guest has no passwd file). */
export interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** A reply the actor could not produce (a harness error, not a kernel answer). */
export class ActorError extends Error {
  constructor(user: User, message: string) {
    super(`actor ${user.name} (uid ${user.uid}): ${message}`);
    this.name = "ActorError";
  }
}

/** One running process of `user`, running an actor script. */
export class ActorProcess implements AsyncDisposable {
  readonly user: User;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  #stderr = "";

  protected constructor(user: User, child: Deno.ChildProcess) {
    this.user = user;
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = lines(child.stdout)[Symbol.asyncIterator]();
    (async () => {
      for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) this.#stderr += c;
    })();
  }

  /**
   * Starts `script` as a process of `user` with its own scratch home
   * (`$TMPDIR/sec-<uid>`), wraps it with `make` and checks that it runs as
   * that uid and gid. Descriptors this process holds without O_CLOEXEC are
   * inherited (fork and exec).
   */
  protected static async launch<A extends ActorProcess>(
    user: User,
    script: string,
    make: (user: User, child: Deno.ChildProcess) => A,
  ): Promise<A> {
    const home = actorHome(user);
    await Deno.mkdir(`${home}/deno`, { recursive: true });
    for (const d of [home, `${home}/deno`]) await Deno.chown(d, user.uid, user.gid);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", script],
      uid: user.uid,
      gid: user.gid,
      clearEnv: true,
      env: {
        HOME: home,
        DENO_DIR: `${home}/deno`,
        TMPDIR: home,
        NO_COLOR: "1",
        ...ctraceEnv("actor"),
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const a = make(user, child);
    const who = await a.call({ op: "whoami" }) as { uid: number; gid: number };
    if (who.uid !== user.uid || who.gid !== user.gid) {
      throw new ActorError(user, `runs as uid ${who.uid} gid ${who.gid}`);
    }
    return a;
  }

  /** Sends one request and returns the actor's reply. */
  async call(req: Record<string, unknown>): Promise<unknown> {
    await this.#writer.write(new TextEncoder().encode(JSON.stringify(req) + "\n"));
    const next = await this.#lines.next();
    if (next.done) {
      const status = await this.#child.status;
      throw new ActorError(
        this.user,
        `exited (${status.signal ?? status.code}) during ${req.op}: ${this.#stderr.slice(-800)}`,
      );
    }
    const r = JSON.parse(next.value) as { reply?: unknown; error?: string };
    if (r.error !== undefined) throw new ActorError(this.user, `${req.op}: ${r.error}`);
    return r.reply;
  }

  /** A call whose reply is a kernel answer. */
  async sys(req: Record<string, unknown>): Promise<SysResult<number>> {
    return await this.call(req) as SysResult<number>;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
  }

  /** Ends the process at once (for checks that leave it blocked). */
  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The scratch home of `user`'s actors (their TMPDIR: sockets to receive a handle go there). */
export function actorHome(user: User): string {
  return `${Deno.env.get("TMPDIR") ?? "/tmp"}/sec-${user.uid}`;
}

/**
 * The main loop of an actor script: one request per stdin line to `handle`,
 * one `{ reply }` line back, or `{ error }` when `handle` throws.
 */
export async function serveActor(handle: (req: never) => unknown): Promise<void> {
  const out = (v: unknown) => {
    let b = new TextEncoder().encode(JSON.stringify(v) + "\n");
    while (b.length) b = b.subarray(Deno.stdout.writeSync(b));
  };
  for await (const line of lines(Deno.stdin.readable)) {
    try {
      out({ reply: handle(JSON.parse(line) as never) });
    } catch (e) {
      out({ error: (e as Error).message });
    }
  }
}

/** The lines of a byte stream, without their newlines. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}
