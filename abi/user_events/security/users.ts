/**
 * The user a user_events check plays, and {@linkcode UeActor}: a process of
 * that user running ./actor.ts (started with its uid and gid by the
 * ABI-neutral `ActorProcess` of security/actor.ts), driven over JSON lines.
 * Root's own moves run in the check's process, through the same client.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import { ActorProcess, type User } from "../../../security/actor.ts";

export { ActorError, type User } from "../../../security/actor.ts";

/** An ordinary user: no capabilities, in no group that tracefs or the sysctl admits. */
export const MALLORY: User = { name: "mallory", uid: 1001, gid: 1001 };

const ACTOR = new URL("./actor.ts", import.meta.url).pathname;

/** Where DIAG_IOCSREG points `enable_addr`, in the actor's memory. */
export type EnableAt =
  /** A fresh 8-byte word of its own (the default). */
  | { readonly word: true }
  /** The start of a mapping the actor made with `map`. */
  | { readonly mapping: number }
  /** A raw address. */
  | { readonly address: bigint };

/** A successful register's write index, and the enable word it made (when `word`). */
export type RegisterAnswer = SysResult<number> & { readonly w?: number };

/** One running process of `user`, running the user_events actor. */
export class UeActor extends ActorProcess {
  /** Starts a process of `user` with its own scratch home. */
  static start(user: User): Promise<UeActor> {
    return ActorProcess.launch(user, ACTOR, (u, c) => new UeActor(u, c));
  }

  /** open(2) of `path` with `flags` (closed at once). */
  openPath(path: string, flags: number): Promise<SysResult<number>> {
    return this.sys({ op: "openPath", path, flags });
  }

  /** Opens `path` with `flags`, writes `text` once, closes (a tracefs or sysctl command). */
  writePath(path: string, text: string, flags: number): Promise<SysResult<number>> {
    return this.sys({ op: "writePath", path, text, flags });
  }

  /** DIAG_IOCSREG through handle `h`. */
  async register(
    h: number,
    nameArgs: string,
    o: { flags?: number; bit?: number; at?: EnableAt } = {},
  ): Promise<RegisterAnswer> {
    const at = o.at ?? { word: true };
    return await this.call({
      op: "register",
      h,
      nameArgs,
      flags: o.flags ?? 0,
      bit: o.bit ?? 0,
      ...("mapping" in at ? { m: at.mapping } : {}),
      ...("address" in at ? { address: at.address.toString() } : {}),
    }) as RegisterAnswer;
  }

  /** DIAG_IOCSDEL through handle `h`. */
  delete(h: number, name: string): Promise<SysResult<number>> {
    return this.sys({ op: "delete", h, name });
  }

  /** writev(2) through `h`: the 4-byte `index`, then `payload`. */
  writev(h: number, index: number, payload: Uint8Array): Promise<SysResult<number>> {
    return this.sys({ op: "writev", h, index, payload: [...payload] });
  }

  /** write(2) through `h` of the 4-byte `index` and `payload` in one buffer. */
  write(h: number, index: number, payload: Uint8Array): Promise<SysResult<number>> {
    return this.sys({ op: "write", h, index, payload: [...payload] });
  }

  /** Is bit `bit` of enable word `w` set? */
  async bit(w: number, bit: number): Promise<boolean> {
    return await this.call({ op: "bit", w, bit }) as boolean;
  }

  /** An anonymous private page with `prot`; the value is a mapping id. */
  map(prot: number): Promise<SysResult<number>> {
    return this.sys({ op: "map", prot });
  }

  /** munmap(2) of mapping `m` (its address stays known to `mapped`). */
  unmap(m: number): Promise<SysResult<number>> {
    return this.sys({ op: "unmap", m });
  }

  /**
   * Unmaps mapping `m` and maps a no-access page at the same address (ok 0;
   * ok 1 if the kernel put it elsewhere; EEXIST if the hole was taken).
   */
  guard(m: number): Promise<SysResult<number>> {
    return this.sys({ op: "guard", m });
  }

  /** Makes mapping `m` readable (after {@linkcode guard}) so that {@linkcode peek} can read it. */
  reveal(m: number): Promise<SysResult<number>> {
    return this.sys({ op: "reveal", m });
  }

  /** mincore(2) of mapping `m`'s page: ok when something is mapped there, ENOMEM when not. */
  mapped(m: number): Promise<SysResult<number>> {
    return this.sys({ op: "mapped", m });
  }

  /** The first 8 bytes of mapping `m` (it must be mapped and readable). */
  async peek(m: number): Promise<number[]> {
    return await this.call({ op: "peek", m }) as number[];
  }

  /** Binds a datagram socket at `path` to receive a descriptor. */
  bind(path: string): Promise<SysResult<number>> {
    return this.sys({ op: "bind", path });
  }

  /** Receives a descriptor of user_events_data on the bound socket; the value is a handle. */
  recv(): Promise<SysResult<number>> {
    return this.sys({ op: "recv" });
  }

  /** close(2) of handle `h`. */
  close(h: number): Promise<SysResult<number>> {
    return this.sys({ op: "close", h });
  }
}
