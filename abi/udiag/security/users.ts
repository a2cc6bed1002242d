/**
 * The users a udiag check plays, and {@linkcode Actor}: a process of one of
 * them running ./actor.ts (started with its uid and gid by the ABI-neutral
 * `ActorProcess` of security/actor.ts) driven over JSON lines. Root's own
 * moves run in the check's process; an attacker's run in its actor, through
 * the same FFI layer.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import { ActorProcess, type User } from "../../../security/actor.ts";

export { ActorError, lines, type User } from "../../../security/actor.ts";

/** The group a udev rule `GROUP="udiag", MODE="0660"` would name. */
export const UDIAG_GID = 990;

/** An ordinary user the device admits (by the 0666 rule, or as a member of udiag). */
export const ALICE: User = { name: "alice", uid: 1000, gid: UDIAG_GID };
/** A second ordinary user the device admits: the attacker of alice's events. */
export const MALLORY: User = { name: "mallory", uid: 1001, gid: UDIAG_GID };
/** An ordinary user outside the udiag group. */
export const EVE: User = { name: "eve", uid: 1002, gid: 1002 };

const ACTOR = new URL("./actor.ts", import.meta.url).pathname;

/** One running process of `user`, running this ABI's actor (actor.ts). */
export class Actor extends ActorProcess {
  /**
   * Starts a process of `user` with its own scratch home. Descriptors this
   * process holds without O_CLOEXEC are inherited (fork and exec).
   */
  static start(user: User): Promise<Actor> {
    return ActorProcess.launch(user, ACTOR, (u, c) => new Actor(u, c));
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
}

function toBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === "string" ? new TextEncoder().encode(name) : name;
}
