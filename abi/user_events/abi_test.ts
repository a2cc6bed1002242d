import assert from "node:assert/strict";
import {
  decodeWriteIndex,
  DIAG_IOCSDEL,
  DIAG_IOCSREG,
  DIAG_IOCSUNREG,
  encodeUserReg,
  encodeUserUnreg,
  encodeWriteIndex,
  eventName,
  USER_REG_SIZE,
  USER_UNREG_SIZE,
} from "./abi.ts";

Deno.test("ioctl numbers match NOTES.md §2 (x86_64, gcc-compiled header)", () => {
  assert.equal(DIAG_IOCSREG, 0xC0082A00);
  assert.equal(DIAG_IOCSDEL, 0x40082A01);
  assert.equal(DIAG_IOCSUNREG, 0x40082A02);
});

Deno.test("struct user_reg layout: packed, 28 bytes, NOTES.md §3 offsets", () => {
  const b = encodeUserReg({
    enableBit: 7,
    enableSize: 8,
    flags: 0x0102,
    enableAddr: 0x1122334455667788n,
    nameArgs: 0x99aabbccddeeff00n,
    writeIndex: 0xdeadbeef,
  });
  assert.equal(b.length, USER_REG_SIZE);
  const v = new DataView(b.buffer);
  assert.equal(v.getUint32(0, true), 28);
  assert.equal(v.getUint8(4), 7);
  assert.equal(v.getUint8(5), 8);
  assert.equal(v.getUint16(6, true), 0x0102);
  assert.equal(v.getBigUint64(8, true), 0x1122334455667788n);
  assert.equal(v.getBigUint64(16, true), 0x99aabbccddeeff00n);
  assert.equal(decodeWriteIndex(b), 0xdeadbeef);
});

Deno.test("struct user_reg with a larger size keeps a zero tail", () => {
  const b = encodeUserReg({ size: 40, enableBit: 0, enableSize: 4, enableAddr: 0n, nameArgs: 0n });
  assert.equal(b.length, 40);
  assert.equal(new DataView(b.buffer).getUint32(0, true), 40);
  assert.ok(b.subarray(28).every((x) => x === 0));
  const small = encodeUserReg({
    size: 4,
    enableBit: 0,
    enableSize: 4,
    enableAddr: 0n,
    nameArgs: 0n,
  });
  assert.equal(small.length, 28);
  assert.equal(small[0], 4);
});

Deno.test("struct user_unreg layout: packed, 16 bytes", () => {
  const b = encodeUserUnreg({ disableBit: 9, reserved: 1, reserved2: 0x0203, disableAddr: 0x10n });
  assert.equal(b.length, USER_UNREG_SIZE);
  const v = new DataView(b.buffer);
  assert.equal(v.getUint32(0, true), 16);
  assert.equal(v.getUint8(4), 9);
  assert.equal(v.getUint8(5), 1);
  assert.equal(v.getUint16(6, true), 0x0203);
  assert.equal(v.getBigUint64(8, true), 0x10n);
});

Deno.test("write index framing and event names", () => {
  assert.deepEqual([...encodeWriteIndex(-1)], [0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual([...encodeWriteIndex(258)], [2, 1, 0, 0]);
  assert.equal(eventName("ev u32 a; u64 b"), "ev");
  assert.equal(eventName("ev"), "ev");
});
