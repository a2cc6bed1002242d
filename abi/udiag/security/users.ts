/**
 * The users a security check plays, and {@linkcode Actor}: a process of one
 * of them (security/actor.ts, started with its uid and gid) driven over JSON
 * lines. Root's own moves run in the check's process; an attacker's run in
 * its actor, through the same FFI layer.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";

/** A guest user: numeric ids only (the guest has no passwd file). */
export interface User {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The group a udev rule `GROUP="udiag", MODE="0660"` would name. */
export const UDIAG_GID = 990;

/** An ordinary user the device admits (by the 0666 rule, or as a member of udiag). */
export const ALICE: User = { name: "alice", uid: 1000, gid: UDIAG_GID };
/** A second ordinary user the device admits: the attacker of alice's events. */
export const MALLORY: User = { name: "mallory", uid: 1001, gid: UDIAG_GID };
/** An ordinary user outside the udiag group. */
export const EVE: User = { name: "eve", uid: 1002, gid: 1002 };

const ACTOR = new URL("./actor.ts", import.meta.url).pathname;

/** A reply the actor could not produce (a harness error, not a kernel answer). */
export class ActorError extends Error {
  constructor(user: User, message: string) {
    super(`actor ${user.name} (uid ${user.uid}): ${message}`);
    this.name = "ActorError";
  }
}

/** One running process of `user`. */
export class Actor implements AsyncDisposable {
  readonly user: User;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: AsyncIterator<string>;
  #stderr = "";

  private constructor(user: User, child: Deno.ChildProcess) {
    this.user = user;
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#lines = lines(child.stdout)[Symbol.asyncIterator]();
    (async () => {
      for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) this.#stderr += c;
    })();
  }

  /**
   * Starts a process of `user` with its own scratch home. Descriptors this
   * process holds without O_CLOEXEC are inherited (fork and exec).
   */
  static async start(user: User): Promise<Actor> {
    const home = `${Deno.env.get("TMPDIR") ?? "/tmp"}/sec-${user.uid}`;
    await Deno.mkdir(`${home}/deno`, { recursive: true });
    for (const d of [home, `${home}/deno`]) await Deno.chown(d, user.uid, user.gid);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", ACTOR],
      uid: user.uid,
      gid: user.gid,
      clearEnv: true,
      env: { HOME: home, DENO_DIR: `${home}/deno`, TMPDIR: home, NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const a = new Actor(user, child);
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

  /** open(2) of the device; the value is a handle in the actor. */
  open(readOnly = false): Promise<SysResult<number>> {
    return this.sys({ op: "open", readOnly });
  }

  /** DIAG_IOCSREG through handle `h`. */
  register(h: number, name: string | Uint8Array): Promise<SysResult<number>> {
    return this.sys({ op: "register", h, name: [...toBytes(name)] });
  }

  /** DIAG_IOCSDEL through handle `h`. */
  delete(h: number, name: string | Uint8Array): Promise<SysResult<number>> {
    return this.sys({ op: "delete", h, name: [...toBytes(name)] });
  }

  /** write(2) of `text` through handle `h`. */
  write(h: number, text: string): Promise<SysResult<number>> {
    return this.sys({ op: "write", h, text });
  }

  /** close(2) of handle `h`. */
  close(h: number): Promise<SysResult<number>> {
    return this.sys({ op: "close", h });
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

function toBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === "string" ? new TextEncoder().encode(name) : name;
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
