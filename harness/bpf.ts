/**
 * bpf(2) from the FFI layer: an array map, a program load with the
 * verifier's log, a map read, and the few instructions the suites write by
 * hand (`include/uapi/linux/bpf.h`, `bpf_common.h`; x86-64 numbers). The
 * instruction encoders are pure; the rest are system calls.
 *
 * @module
 */
import { ok, type SysResult } from "./errno.ts";
import { addressOf, sysRaw } from "./syscall.ts";
import { type FormatField, locBase } from "./trace/format.ts";

/** `__NR_bpf` on x86-64. */
export const NR_BPF = 321;
/** `enum bpf_cmd`. */
export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_PROG_LOAD = 5;
/** `enum bpf_map_type`. */
export const BPF_MAP_TYPE_ARRAY = 2;
/** `enum bpf_prog_type`: what PERF_EVENT_IOC_SET_BPF takes on a tracepoint event. */
export const BPF_PROG_TYPE_TRACEPOINT = 5;
/** `enum bpf_func_id`. */
export const BPF_FUNC_MAP_LOOKUP_ELEM = 1;
export const BPF_FUNC_PROBE_READ_KERNEL = 113;

// Instruction classes, sizes, modes and operations (bpf_common.h, bpf.h).
const BPF_LD = 0x00, BPF_LDX = 0x01, BPF_ST = 0x02, BPF_STX = 0x03;
const BPF_JMP = 0x05, BPF_ALU64 = 0x07;
const BPF_IMM = 0x00, BPF_MEM = 0x60;
const BPF_K = 0x00, BPF_X = 0x08;
const BPF_ADD = 0x00, BPF_AND = 0x50, BPF_RSH = 0x70, BPF_MOV = 0xb0;
const BPF_JEQ = 0x10, BPF_CALL = 0x80, BPF_EXIT = 0x90, BPF_JLE = 0xb0;
const BPF_PSEUDO_MAP_FD = 1;

/** Access sizes. */
export const BPF_W = 0x00;
export const BPF_DW = 0x18;

/** One 8-byte instruction: `code`, `dst_reg:4 | src_reg:4`, `s16 off`, `s32 imm`. */
export function insn(code: number, dst: number, src: number, off: number, imm: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint8(0, code);
  v.setUint8(1, (src << 4) | dst);
  v.setInt16(2, off, true);
  v.setInt32(4, imm, true);
  return b;
}

/** `dst = src` (64-bit). */
export const movReg = (dst: number, src: number) =>
  insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
/** `dst = imm` (64-bit). */
export const movImm = (dst: number, imm: number) =>
  insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
/** `dst += imm` (64-bit). */
export const addImm = (dst: number, imm: number) =>
  insn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
/** `dst += src` (64-bit). */
export const addReg = (dst: number, src: number) =>
  insn(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0);
/** `dst &= imm` (64-bit). */
export const andImm = (dst: number, imm: number) =>
  insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
/** `dst >>= imm` (64-bit, logical). */
export const rshImm = (dst: number, imm: number) =>
  insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm);
/** `dst = *(size *)(src + off)`. */
export const load = (size: number, dst: number, src: number, off: number) =>
  insn(BPF_LDX | size | BPF_MEM, dst, src, off, 0);
/** `*(size *)(dst + off) = src`. */
export const store = (size: number, dst: number, off: number, src: number) =>
  insn(BPF_STX | size | BPF_MEM, dst, src, off, 0);
/** `*(size *)(dst + off) = imm`. */
export const storeImm = (size: number, dst: number, off: number, imm: number) =>
  insn(BPF_ST | size | BPF_MEM, dst, 0, off, imm);
/** `if dst == imm goto pc + 1 + off`. */
export const jeqImm = (dst: number, imm: number, off: number) =>
  insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm);
/** `if dst <= imm goto pc + 1 + off` (unsigned). */
export const jleImm = (dst: number, imm: number, off: number) =>
  insn(BPF_JMP | BPF_JLE | BPF_K, dst, 0, off, imm);
/** `call helper`. */
export const call = (helper: number) => insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
/** `exit` (returns r0). */
export const exit = () => insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
/** `dst = map` (`BPF_LD_MAP_FD`: two instruction slots). */
export function loadMapFd(dst: number, fd: number): Uint8Array {
  return concat([
    insn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd),
    insn(0, 0, 0, 0, 0),
  ]);
}

/** Instructions laid end to end. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A tracepoint program that reads one `__data_loc`/`__rel_loc` field of its
 * record as a consumer written from the format file would: the field's u32
 * gives the array's length (high 16 bits) and offset (low 16 bits, from
 * {@linkcode locBase}); up to `max` bytes of it go
 * with `bpf_probe_read_kernel` into entry 0 of array map `mapFd`, laid out
 * `u32 length; u32 word; u8 bytes[max]` (see {@linkcode readDataLocDump}).
 * It returns 1, so a perf event it is attached to still gets its sample.
 */
export function dataLocProgram(
  mapFd: number,
  field: Pick<FormatField, "kind" | "offset" | "size">,
  max: number,
) {
  const locOffset = field.offset;
  if (locOffset % 4 !== 0) throw new RangeError(`A u32 field at ${locOffset} is not aligned`);
  const rest = [
    movReg(7, 0), // r7 = the map entry
    load(BPF_W, 8, 6, locOffset), // r8 = the field's word
    store(BPF_W, 7, 4, 8),
    movReg(2, 8),
    rshImm(2, 16), // r2 = length
    store(BPF_W, 7, 0, 2),
    jleImm(2, max, 1),
    movImm(2, max),
    movReg(3, 8),
    andImm(3, 0xffff), // r3 = offset
    addImm(3, locBase(field)),
    addReg(3, 6), // r3 = ctx + offset: passed on, never dereferenced here
    movReg(1, 7),
    addImm(1, 8),
    call(BPF_FUNC_PROBE_READ_KERNEL),
  ];
  return concat([
    movReg(6, 1), // r6 = ctx
    storeImm(BPF_W, 10, -4, 0), // key 0 on the stack
    loadMapFd(1, mapFd),
    movReg(2, 10),
    addImm(2, -4),
    call(BPF_FUNC_MAP_LOOKUP_ELEM),
    jeqImm(0, 0, rest.length), // no entry: skip to the end
    ...rest,
    movImm(0, 1),
    exit(),
  ]);
}

/** What {@linkcode dataLocProgram} left in its map entry. */
export function readDataLocDump(
  value: Uint8Array,
): { readonly length: number; readonly word: number; readonly bytes: Uint8Array } {
  const v = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const length = v.getUint32(0, true);
  return {
    length,
    word: v.getUint32(4, true),
    bytes: value.slice(8, 8 + Math.min(length, value.length - 8)),
  };
}

/** A bpf(2) attribute block: `union bpf_attr` is zero-filled past what a command reads. */
function attr(fill: (v: DataView) => void): Uint8Array {
  const b = new Uint8Array(128);
  fill(new DataView(b.buffer));
  return b;
}

/** `BPF_MAP_CREATE` of an array: the map's fd. */
export function mapCreateArray(valueSize: number, entries = 1): SysResult<number> {
  return sysRaw(
    NR_BPF,
    BPF_MAP_CREATE,
    attr((v) => {
      v.setUint32(0, BPF_MAP_TYPE_ARRAY, true);
      v.setUint32(4, 4, true); // key_size
      v.setUint32(8, valueSize, true);
      v.setUint32(12, entries, true);
    }),
    128,
  );
}

/** `BPF_MAP_LOOKUP_ELEM` of a u32 key: the value's bytes. */
export function mapLookup(fd: number, key: number, valueSize: number): SysResult<Uint8Array> {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, key, true);
  const value = new Uint8Array(valueSize);
  const r = sysRaw(
    NR_BPF,
    BPF_MAP_LOOKUP_ELEM,
    attr((v) => {
      v.setUint32(0, fd, true);
      v.setBigUint64(8, addressOf(k), true);
      v.setBigUint64(16, addressOf(value), true);
    }),
    128,
  );
  return r.ok ? ok(value) : r;
}

/** A loaded program, or why the verifier refused it (its log's last lines). */
export type Loaded =
  | { readonly ok: true; readonly fd: number }
  | { readonly ok: false; readonly errno: string; readonly log: string };

/** `BPF_PROG_LOAD` with a 64 KiB verifier log, kept when the load fails. */
export function progLoad(type: number, insns: Uint8Array, license = "GPL"): Loaded {
  const lic = new TextEncoder().encode(license + "\0");
  const log = new Uint8Array(65536);
  const r = sysRaw(
    NR_BPF,
    BPF_PROG_LOAD,
    attr((v) => {
      v.setUint32(0, type, true);
      v.setUint32(4, insns.length / 8, true);
      v.setBigUint64(8, addressOf(insns), true);
      v.setBigUint64(16, addressOf(lic), true);
      v.setUint32(24, 1, true); // log_level
      v.setUint32(28, log.length, true);
      v.setBigUint64(32, addressOf(log), true);
    }),
    128,
  );
  if (r.ok) return { ok: true, fd: r.value };
  const text = new TextDecoder().decode(log.subarray(0, Math.max(0, log.indexOf(0))));
  return { ok: false, errno: r.errno, log: text.trim().split("\n").slice(-3).join(" | ") };
}
