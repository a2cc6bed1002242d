import assert from "node:assert/strict";
import {
  addImm,
  addReg,
  andImm,
  BPF_DW,
  BPF_W,
  call,
  dataLocProgram,
  exit,
  jeqImm,
  jleImm,
  load,
  loadMapFd,
  movImm,
  movReg,
  readDataLocDump,
  rshImm,
  store,
  storeImm,
} from "./bpf.ts";
import { PERF_EVENT_IOC_SET_BPF } from "./trace/perf.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

// The bytes the kernel's own macros (include/linux/filter.h) give for each.
const CASES: [string, Uint8Array, string][] = [
  ["BPF_MOV64_REG(6, 1)", movReg(6, 1), "bf 16 00 00 00 00 00 00"],
  ["BPF_MOV64_IMM(0, 1)", movImm(0, 1), "b7 00 00 00 01 00 00 00"],
  ["BPF_ALU64_IMM(BPF_ADD, 2, -4)", addImm(2, -4), "07 02 00 00 fc ff ff ff"],
  ["BPF_ST_MEM(BPF_W, 10, -4, 0)", storeImm(BPF_W, 10, -4, 0), "62 0a fc ff 00 00 00 00"],
  ["BPF_LDX_MEM(BPF_DW, 1, 6, 8)", load(BPF_DW, 1, 6, 8), "79 61 08 00 00 00 00 00"],
  ["BPF_STX_MEM(BPF_DW, 0, 1, 16)", store(BPF_DW, 0, 16, 1), "7b 10 10 00 00 00 00 00"],
  ["BPF_JMP_IMM(BPF_JEQ, 0, 0, 2)", jeqImm(0, 0, 2), "15 00 02 00 00 00 00 00"],
  ["BPF_EMIT_CALL(1)", call(1), "85 00 00 00 01 00 00 00"],
  ["BPF_ALU64_REG(BPF_ADD, 3, 6)", addReg(3, 6), "0f 63 00 00 00 00 00 00"],
  ["BPF_ALU64_IMM(BPF_AND, 3, 0xffff)", andImm(3, 0xffff), "57 03 00 00 ff ff 00 00"],
  ["BPF_ALU64_IMM(BPF_RSH, 2, 16)", rshImm(2, 16), "77 02 00 00 10 00 00 00"],
  ["BPF_JMP_IMM(BPF_JLE, 2, 32, 1)", jleImm(2, 32, 1), "b5 02 01 00 20 00 00 00"],
  ["BPF_EXIT_INSN()", exit(), "95 00 00 00 00 00 00 00"],
  [
    "BPF_LD_MAP_FD(1, 3)",
    loadMapFd(1, 3),
    "18 11 00 00 03 00 00 00 00 00 00 00 00 00 00 00",
  ],
];

for (const [name, got, want] of CASES) {
  Deno.test(`bpf: ${name} encodes as the kernel's macro does`, () => {
    assert.equal(hex(got), want);
  });
}

Deno.test("dataLocProgram() jumps over exactly the read when the map has no entry", () => {
  const p = dataLocProgram(3, { kind: "data_loc", offset: 12, size: 4 }, 32);
  const insns = Array.from({ length: p.length / 8 }, (_, i) => p.subarray(i * 8, i * 8 + 8));
  // 7 set-up slots (the map load takes two), then the jump over the read to r0 = 1.
  const jump = new DataView(insns[7]!.buffer, insns[7]!.byteOffset, 8);
  assert.equal(insns[7]![0], 0x15);
  assert.equal(7 + 1 + jump.getInt16(2, true), insns.length - 2);
  assert.equal(hex(insns.at(-2)!), hex(movImm(0, 1)));
  assert.equal(hex(insns.at(-1)!), hex(exit()));
  assert.throws(() => dataLocProgram(3, { kind: "data_loc", offset: 10, size: 4 }, 32), RangeError);
});

Deno.test("dataLocProgram() counts a __rel_loc offset from the field's end, a __data_loc one from 0", () => {
  const insns = (p: Uint8Array) =>
    Array.from({ length: p.length / 8 }, (_, i) => hex(p.subarray(i * 8, i * 8 + 8)));
  const dataLoc = insns(dataLocProgram(3, { kind: "data_loc", offset: 8, size: 4 }, 32));
  const relLoc = insns(dataLocProgram(3, { kind: "rel_loc", offset: 8, size: 4 }, 32));
  assert.ok(dataLoc.includes(hex(addImm(3, 0))));
  assert.ok(relLoc.includes(hex(addImm(3, 12))));
  assert.ok(!relLoc.includes(hex(addImm(3, 0))));
});

Deno.test("readDataLocDump() reads length, word and at most the bytes copied", () => {
  const v = new Uint8Array(8 + 4);
  new DataView(v.buffer).setUint32(0, 40, true);
  new DataView(v.buffer).setUint32(4, (40 << 16) | 16, true);
  v.set([1, 2, 3, 4], 8);
  const d = readDataLocDump(v);
  assert.deepEqual([d.length, d.word, [...d.bytes]], [40, (40 << 16) | 16, [1, 2, 3, 4]]);
});

Deno.test("PERF_EVENT_IOC_SET_BPF is _IOW('$', 8, __u32)", () => {
  assert.equal(PERF_EVENT_IOC_SET_BPF, 0x40042408);
});
