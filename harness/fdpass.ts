/**
 * Handing a file to a process of another user: `SCM_RIGHTS` over a Unix
 * socket lets any process receive a descriptor it could not open itself. Raw
 * syscalls through the same FFI layer as the rest.
 *
 * (`fork` through FFI is not offered: a forked Deno child crashes with SIGSEGV
 * before its first FFI call returns, measured on Deno 2.9. Checks that need a
 * forked child use a small C helper; handles inherited across fork and exec
 * need no helper: a descriptor opened without O_CLOEXEC stays open in a
 * process spawned with `Deno.Command`.)
 *
 @module
 */
import { addressOf, sysClose, sysRaw } from "./syscall.ts";
import { fail, ok, type SysResult } from "./errno.ts";

/** x86-64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
const NR = { socket: 41, sendmsg: 46, recvmsg: 47, bind: 49 } as const;

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
/** sizeof(struct cmsghdr) + one int, aligned: CMSG_SPACE(sizeof(int)). */
const CMSG_SPACE_INT = 24;
/** CMSG_LEN(sizeof(int)). */
const CMSG_LEN_INT = 20;

/** `struct sockaddr_un` for a filesystem path (pure). */
export function sockaddrUn(path: string): Uint8Array {
  const p = new TextEncoder().encode(path);
  if (p.length >= 108) throw new RangeError(`Socket path too long (${p.length} bytes): ${path}`);
  const sa = new Uint8Array(110);
  new DataView(sa.buffer).setUint16(0, AF_UNIX, true);
  sa.set(p, 2);
  return sa;
}

/**
 * A `struct msghdr` carrying one byte and, when `fd` is given, one descriptor
 * in an `SCM_RIGHTS` control message (pure; the buffers must outlive the call).
 */
export function msghdr(
  iovByte: Uint8Array,
  control: Uint8Array,
  fd?: number,
): { msg: Uint8Array; iov: Uint8Array } {
  const iov = new Uint8Array(16);
  const iv = new DataView(iov.buffer);
  iv.setBigUint64(0, addressOf(iovByte), true);
  iv.setBigUint64(8, BigInt(iovByte.length), true);
  if (fd !== undefined) {
    const c = new DataView(control.buffer, control.byteOffset, control.byteLength);
    c.setBigUint64(0, BigInt(CMSG_LEN_INT), true);
    c.setInt32(8, SOL_SOCKET, true);
    c.setInt32(12, SCM_RIGHTS, true);
    c.setInt32(16, fd, true);
  }
  const msg = new Uint8Array(56);
  const m = new DataView(msg.buffer);
  m.setBigUint64(16, addressOf(iov), true); // msg_iov
  m.setBigUint64(24, 1n, true); // msg_iovlen
  m.setBigUint64(32, addressOf(control), true); // msg_control
  m.setBigUint64(40, BigInt(control.length), true); // msg_controllen
  return { msg, iov };
}

/** The descriptor an `SCM_RIGHTS` control message carries, or null (pure). */
export function fdFromControl(msg: Uint8Array, control: Uint8Array): number | null {
  const controllen = Number(new DataView(msg.buffer).getBigUint64(40, true));
  if (controllen < CMSG_LEN_INT) return null;
  const c = new DataView(control.buffer, control.byteOffset, control.byteLength);
  if (c.getInt32(8, true) !== SOL_SOCKET || c.getInt32(12, true) !== SCM_RIGHTS) return null;
  return c.getInt32(16, true);
}

/** A Unix datagram socket bound to `path` (the receiving end). */
export function bindDatagram(path: string): SysResult<number> {
  const s = sysRaw(NR.socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!s.ok) return s;
  const sa = sockaddrUn(path);
  const b = sysRaw(NR.bind, s.value, addressOf(sa), sa.length);
  return b.ok ? s : b;
}

/** Sends descriptor `fd` to the socket bound at `path`. */
export function sendFd(path: string, fd: number): SysResult<number> {
  const s = sysRaw(NR.socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!s.ok) return s;
  const sa = sockaddrUn(path);
  const byte = new Uint8Array([0x46]);
  const control = new Uint8Array(CMSG_SPACE_INT);
  const { msg, iov } = msghdr(byte, control, fd);
  const m = new DataView(msg.buffer);
  m.setBigUint64(0, addressOf(sa), true); // msg_name
  m.setUint32(8, sa.length, true); // msg_namelen
  const r = sysRaw(NR.sendmsg, s.value, addressOf(msg), 0);
  void iov;
  sysClose(s.value);
  return r;
}

/** Receives one descriptor on bound socket `sock` (blocks until one comes). */
export function recvFd(sock: number): SysResult<number> {
  const byte = new Uint8Array(1);
  const control = new Uint8Array(CMSG_SPACE_INT);
  const { msg, iov } = msghdr(byte, control);
  const r = sysRaw(NR.recvmsg, sock, addressOf(msg), 0);
  void iov;
  if (!r.ok) return r;
  const fd = fdFromControl(msg, control);
  return fd === null ? fail("EBADMSG") : ok(fd);
}
