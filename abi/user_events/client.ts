/**
 * An FFI client of user_events (NOTES.md): {@linkcode UserEventsFile} over
 * `user_events_data` (DIAG_IOCSREG, DIAG_IOCSUNREG, DIAG_IOCSDEL, write and
 * writev), {@linkcode EnableWord} (an enable word in our own memory, read
 * back after the kernel flips its bit), and helpers for `dynamic_events`,
 * `user_events_status` and `/proc/sys/kernel/user_events_max`. Every call
 * returns a {@linkcode SysResult} with errno names, never a bare number.
 *
 * @module
 */
import { fail, ok, type SysResult } from "../../harness/errno.ts";
import { O_APPEND, O_RDWR, O_WRONLY } from "../../harness/libc.ts";
import { recordPeek } from "../../harness/ctrace/record.ts";
import {
  addressOf,
  cString,
  type Mem,
  sysClose,
  sysIoctl,
  sysOpen,
  sysWrite,
  sysWriteText,
  sysWritev,
} from "../../harness/syscall.ts";
import {
  DATA_PATH,
  decodeWriteIndex,
  DIAG_IOCSDEL,
  DIAG_IOCSREG,
  DIAG_IOCSUNREG,
  DISABLE_ADDR_OFFSET,
  DYNAMIC_EVENTS_PATH,
  ENABLE_ADDR_OFFSET,
  encodeUserReg,
  encodeUserUnreg,
  encodeWriteIndex,
  NAME_ARGS_OFFSET,
  STATUS_PATH,
  USER_EVENTS_MAX_PATH,
  USER_REG_SIZE,
} from "./abi.ts";

/** Does the kernel offer user_events (tracefs mounted, CONFIG_USER_EVENTS)? */
export function userEventsPresent(path: string = DATA_PATH): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * An 8-byte aligned enable word in memory we own. The kernel sets and clears
 * bits in it; keep the object alive until every registration on it is gone.
 */
export class EnableWord {
  readonly #buf = new Uint8Array(16);
  /** The aligned 8 bytes. */
  readonly bytes: Uint8Array;

  constructor() {
    const a = addressOf(this.#buf);
    const off = Number((8n - (a % 8n)) % 8n);
    this.bytes = this.#buf.subarray(off, off + 8);
  }

  /** The word's address (8-aligned). */
  get address(): bigint {
    return addressOf(this.bytes);
  }

  /** The 32-bit word at byte offset `off` (0 or 4). */
  read32(off = 0): number {
    recordPeek(this.address + BigInt(off), this.bytes.slice(off, off + 4));
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, 8).getUint32(off, true);
  }

  /** The whole 64-bit word. */
  read64(): bigint {
    recordPeek(this.address, this.bytes.slice());
    return new DataView(this.bytes.buffer, this.bytes.byteOffset, 8).getBigUint64(0, true);
  }

  /** Sets the whole word (to pre-set bits the kernel must leave alone or clear). */
  write64(v: bigint): void {
    new DataView(this.bytes.buffer, this.bytes.byteOffset, 8).setBigUint64(0, v, true);
  }

  /** Is bit `bit` of the 32-bit word at `off` set? */
  bit(bit: number, off = 0): boolean {
    return ((this.read32(off) >>> bit) & 1) === 1;
  }
}

/** What DIAG_IOCSREG registers. */
export interface RegisterOptions {
  /** `NAME [FIELDS]`, or raw bytes / a raw address for bad-pointer cases. */
  readonly nameArgs: string | Mem;
  /** An {@linkcode EnableWord}, or a raw address. */
  readonly enableAddr: EnableWord | bigint;
  readonly enableBit: number;
  /** 4 (default) or 8. */
  readonly enableSize?: number;
  readonly flags?: number;
  /** `struct user_reg.size` (default 28). */
  readonly size?: number;
  /** Bytes to place after the 28-byte struct (for the E2BIG tail check). */
  readonly tail?: Uint8Array;
}

function addrOf(a: EnableWord | bigint): bigint {
  return typeof a === "bigint" ? a : a.address;
}

/** What an enable address points to, for the recorder: the word's bytes, or the raw address. */
function memOf(a: EnableWord | bigint): Mem {
  return typeof a === "bigint" ? a : a.bytes;
}

/** An open `user_events_data`. */
export class UserEventsFile implements Disposable {
  fd: number;

  private constructor(fd: number) {
    this.fd = fd;
  }

  /** Opens the data file (read-write by default). */
  static open(path: string = DATA_PATH, flags = O_RDWR): SysResult<UserEventsFile> {
    const r = sysOpen(path, flags);
    return r.ok ? ok(new UserEventsFile(r.value)) : r;
  }

  /** Wraps a descriptor of the data file this process got otherwise (inherited, SCM_RIGHTS). */
  static adopt(fd: number): UserEventsFile {
    return new UserEventsFile(fd);
  }

  /** Opens the data file or throws naming the errno. */
  static openOrThrow(path: string = DATA_PATH): UserEventsFile {
    const r = UserEventsFile.open(path);
    if (!r.ok) throw new Error(`Cannot open ${path}: ${r.errno}`);
    return r.value;
  }

  /** DIAG_IOCSREG: the write index on success. */
  register(o: RegisterOptions): SysResult<number> {
    const name = typeof o.nameArgs === "string" ? cString(o.nameArgs) : o.nameArgs;
    const base = encodeUserReg({
      ...(o.size === undefined ? {} : { size: o.size }),
      enableBit: o.enableBit,
      enableSize: o.enableSize ?? 4,
      flags: o.flags ?? 0,
      enableAddr: addrOf(o.enableAddr),
      nameArgs: addressOf(name),
      writeIndex: 0xffffffff,
    });
    let reg = base;
    if (o.tail) {
      // The tail starts right after the 28-byte struct, inside `size`.
      reg = new Uint8Array(Math.max(base.length, USER_REG_SIZE + o.tail.length));
      reg.set(base);
      reg.set(o.tail, USER_REG_SIZE);
    }
    const r = sysIoctl(this.fd, DIAG_IOCSREG, reg, [
      { offset: ENABLE_ADDR_OFFSET, target: memOf(o.enableAddr) },
      { offset: NAME_ARGS_OFFSET, target: name },
    ]);
    return r.ok ? ok(decodeWriteIndex(reg)) : r;
  }

  /** DIAG_IOCSUNREG of (`addr`, `bit`). */
  unregister(
    addr: EnableWord | bigint,
    bit: number,
    o: { size?: number; reserved?: number; reserved2?: number } = {},
  ): SysResult<number> {
    const u = encodeUserUnreg({ disableBit: bit, disableAddr: addrOf(addr), ...o });
    return sysIoctl(this.fd, DIAG_IOCSUNREG, u, [
      { offset: DISABLE_ADDR_OFFSET, target: memOf(addr) },
    ]);
  }

  /** DIAG_IOCSDEL of an event name. */
  delete(name: string | Mem): SysResult<number> {
    return sysIoctl(this.fd, DIAG_IOCSDEL, typeof name === "string" ? cString(name) : name);
  }

  /** Any ioctl, for unknown-command cases. */
  ioctl(request: number, arg: Mem | number = 0n): SysResult<number> {
    return sysIoctl(this.fd, request, arg);
  }

  /** write(2) of the 4-byte index followed by `payload`, in one buffer. */
  write(writeIndex: number, payload: Uint8Array = new Uint8Array()): SysResult<number> {
    const buf = new Uint8Array(4 + payload.length);
    buf.set(encodeWriteIndex(writeIndex));
    buf.set(payload, 4);
    return sysWrite(this.fd, buf);
  }

  /** write(2) of raw bytes (for short or malformed frames). */
  writeRaw(bytes: Uint8Array): SysResult<number> {
    return sysWrite(this.fd, bytes);
  }

  /** writev(2) with the index as the first iovec (D:276-298). */
  writev(writeIndex: number, ...payloads: Uint8Array[]): SysResult<number> {
    return sysWritev(this.fd, [
      { base: encodeWriteIndex(writeIndex) },
      ...payloads.map((p) => ({ base: p })),
    ]);
  }

  /** close(2); idempotent. */
  close(): SysResult<number> {
    if (this.fd < 0) return ok(0);
    const r = sysClose(this.fd);
    this.fd = -1;
    return r;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function appendLine(path: string, line: string): SysResult<number> {
  return sysWriteText(path, line, O_WRONLY | O_APPEND);
}

/** `u:NAME [FIELDS]` into dynamic_events: creates a persistent event (U:1814-1853). */
export function dynCreate(nameArgs: string): SysResult<number> {
  return appendLine(DYNAMIC_EVENTS_PATH, `u:${nameArgs}\n`);
}

/** `!u:NAME [FIELDS]` into dynamic_events: fields must match exactly (U:1963-1980). */
export function dynDelete(nameArgs: string): SysResult<number> {
  return appendLine(DYNAMIC_EVENTS_PATH, `!u:${nameArgs}\n`);
}

/** The dynamic_events listing. */
export function dynList(): string {
  return Deno.readTextFileSync(DYNAMIC_EVENTS_PATH);
}

/** The user_events_status text (U:2821-2863). */
export function readStatus(): string {
  return Deno.readTextFileSync(STATUS_PATH);
}

/** `Active: N` of user_events_status. */
export function activeEvents(): number {
  const m = /^Active: (\d+)$/m.exec(readStatus());
  if (!m) throw new Error("user_events_status has no Active: line");
  return Number(m[1]);
}

/** `/proc/sys/kernel/user_events_max`, or ENOENT where the sysctl is absent. */
export function readUserEventsMax(): SysResult<number> {
  try {
    return ok(Number(Deno.readTextFileSync(USER_EVENTS_MAX_PATH).trim()));
  } catch {
    return fail("ENOENT");
  }
}

/** Writes `/proc/sys/kernel/user_events_max`. */
export function writeUserEventsMax(n: number): SysResult<number> {
  return sysWriteText(USER_EVENTS_MAX_PATH, `${n}\n`, O_WRONLY);
}
