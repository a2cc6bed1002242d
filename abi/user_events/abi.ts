/**
 * The user_events ABI of Linux 6.12.117 (`include/uapi/linux/user_events.h`,
 * `Documentation/trace/user_events.rst`, `kernel/trace/trace_events_user.c`):
 * paths, flags, limits, the three ioctl numbers (derived with the kernel's
 * `_IOC` formula, never typed in) and encoders for `struct user_reg` and
 * `struct user_unreg`. Citations use NOTES.md's short names (`H:n`, `U:n`, `D:n`).
 *
 * @module
 */
import { iow, iowr, SIZEOF_POINTER } from "../../harness/ioctl.ts";

/** Where the guest mounts tracefs. */
export const TRACEFS_ROOT = "/sys/kernel/tracing";
/** The ioctl and write file (U:2908). */
export const DATA_PATH = `${TRACEFS_ROOT}/user_events_data`;
/** The text status file (U:2916). */
export const STATUS_PATH = `${TRACEFS_ROOT}/user_events_status`;
/** `u:` create and `-:`/`!` delete (DE:284). */
export const DYNAMIC_EVENTS_PATH = `${TRACEFS_ROOT}/dynamic_events`;
/** The system-wide event limit (U:2944-2952). */
export const USER_EVENTS_MAX_PATH = "/proc/sys/kernel/user_events_max";

/** The trace system of single-format events (H:14). */
export const USER_EVENTS_SYSTEM = "user_events";
/** The trace system of multi-format events (H:15). */
export const USER_EVENTS_MULTI_SYSTEM = "user_events_multi";

/** `DIAG_IOC_MAGIC` (H:83). */
export const DIAG_IOC_MAGIC = "*";
/** `_IOWR('*', 0, struct user_reg *)` (H:86): the size is a pointer's. */
export const DIAG_IOCSREG = iowr(DIAG_IOC_MAGIC, 0, SIZEOF_POINTER);
/** `_IOW('*', 1, char *)` (H:89). */
export const DIAG_IOCSDEL = iow(DIAG_IOC_MAGIC, 1, SIZEOF_POINTER);
/** `_IOW('*', 2, struct user_unreg *)` (H:92). */
export const DIAG_IOCSUNREG = iow(DIAG_IOC_MAGIC, 2, SIZEOF_POINTER);

/** `USER_EVENT_REG_PERSIST` (H:21-31). */
export const USER_EVENT_REG_PERSIST = 1 << 0;
/** `USER_EVENT_REG_MULTI_FORMAT` (H:21-31). */
export const USER_EVENT_REG_MULTI_FORMAT = 1 << 1;
/** `USER_EVENT_REG_MAX`: the first flag bit the kernel refuses (U:2463-2464). */
export const USER_EVENT_REG_MAX = 1 << 2;

/** `sizeof(struct user_reg)`: packed (H:38-60). */
export const USER_REG_SIZE = 28;
/** `sizeof(struct user_unreg)`: packed (H:66-81). */
export const USER_UNREG_SIZE = 16;
/** `MAX_EVENT_DESC`: name_args bytes including the NUL (U:36). */
export const MAX_EVENT_DESC = 512;
/** Default `user_events_max` (U:71). */
export const DEFAULT_USER_EVENTS_MAX = 32768;
/** Offset of `write_index` in `struct user_reg` (out). */
export const WRITE_INDEX_OFFSET = 24;
/** Offset of `enable_addr` in `struct user_reg` (a pointer into the registering process). */
export const ENABLE_ADDR_OFFSET = 8;
/** Offset of `name_args` in `struct user_reg` (a pointer to `NAME [FIELDS]`). */
export const NAME_ARGS_OFFSET = 16;
/** Offset of `disable_addr` in `struct user_unreg`. */
export const DISABLE_ADDR_OFFSET = 8;

/** The fields of `struct user_reg`; `size` defaults to 28. */
export interface UserReg {
  readonly size?: number;
  readonly enableBit: number;
  readonly enableSize: number;
  readonly flags?: number;
  readonly enableAddr: bigint;
  readonly nameArgs: bigint;
  readonly writeIndex?: number;
}

/**
 * Encodes `struct user_reg` (little-endian, packed). A `size` above 28 makes
 * the buffer that long with zero tail bytes (`copy_struct_from_user`).
 *
 * @example
 * ```ts
 * import { encodeUserReg } from "./abi.ts";
 * const b = encodeUserReg({ enableBit: 31, enableSize: 4, enableAddr: 0x1000n, nameArgs: 0x2000n });
 * if (b.length !== 28 || b[0] !== 28 || b[4] !== 31 || b[5] !== 4 || b[9] !== 0x10) throw new Error();
 * ```
 */
export function encodeUserReg(r: UserReg): Uint8Array {
  const size = r.size ?? USER_REG_SIZE;
  const out = new Uint8Array(Math.max(size, USER_REG_SIZE));
  const v = new DataView(out.buffer);
  v.setUint32(0, size >>> 0, true);
  v.setUint8(4, r.enableBit & 0xff);
  v.setUint8(5, r.enableSize & 0xff);
  v.setUint16(6, (r.flags ?? 0) & 0xffff, true);
  v.setBigUint64(ENABLE_ADDR_OFFSET, BigInt.asUintN(64, r.enableAddr), true);
  v.setBigUint64(NAME_ARGS_OFFSET, BigInt.asUintN(64, r.nameArgs), true);
  v.setUint32(WRITE_INDEX_OFFSET, (r.writeIndex ?? 0) >>> 0, true);
  return out;
}

/** The `write_index` the kernel wrote back into an encoded `struct user_reg`. */
export function decodeWriteIndex(reg: Uint8Array): number {
  return new DataView(reg.buffer, reg.byteOffset, reg.byteLength).getUint32(
    WRITE_INDEX_OFFSET,
    true,
  );
}

/** The fields of `struct user_unreg`; `size` defaults to 16, reserved bytes to 0. */
export interface UserUnreg {
  readonly size?: number;
  readonly disableBit: number;
  readonly reserved?: number;
  readonly reserved2?: number;
  readonly disableAddr: bigint;
}

/**
 * Encodes `struct user_unreg` (little-endian, packed).
 *
 * @example
 * ```ts
 * import { encodeUserUnreg } from "./abi.ts";
 * const b = encodeUserUnreg({ disableBit: 3, disableAddr: 0x1008n });
 * if (b.length !== 16 || b[0] !== 16 || b[4] !== 3 || b[8] !== 0x08 || b[9] !== 0x10) throw new Error();
 * ```
 */
export function encodeUserUnreg(u: UserUnreg): Uint8Array {
  const size = u.size ?? USER_UNREG_SIZE;
  const out = new Uint8Array(Math.max(size, USER_UNREG_SIZE));
  const v = new DataView(out.buffer);
  v.setUint32(0, size >>> 0, true);
  v.setUint8(4, u.disableBit & 0xff);
  v.setUint8(5, (u.reserved ?? 0) & 0xff);
  v.setUint16(6, (u.reserved2 ?? 0) & 0xffff, true);
  v.setBigUint64(DISABLE_ADDR_OFFSET, BigInt.asUintN(64, u.disableAddr), true);
  return out;
}

/** Bytes of the write index that starts every write; the kernel counts them in write's return. */
export const WRITE_INDEX_SIZE = 4;

/** The 4-byte native-endian (x86: little) write index that starts every write (D:260-300). */
export function encodeWriteIndex(index: number): Uint8Array {
  const out = new Uint8Array(WRITE_INDEX_SIZE);
  new DataView(out.buffer).setInt32(0, index | 0, true);
  return out;
}

/** The event name of a `name_args` string: up to the first space (U:1027). */
export function eventName(nameArgs: string): string {
  const sp = nameArgs.indexOf(" ");
  return sp < 0 ? nameArgs : nameArgs.slice(0, sp);
}
