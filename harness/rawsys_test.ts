import assert from "node:assert/strict";
import {
  ensureRawsysLib,
  fnv1a64,
  isErrorReturn,
  NR,
  rawSyscall,
  rawSyscallBuf,
  rawSyscallBufInt,
  rawSyscallInt,
  rawsysLibPath,
} from "./rawsys.ts";
import { runC } from "./cc.ts";
import { sysClose, sysOpen, sysRead, sysWrite } from "./syscall.ts";
import { O_RDONLY } from "./libc.ts";

Deno.test("NR matches asm/unistd_64.h for every call the harness makes", async () => {
  const names = Object.keys(NR);
  const out = await runC(`#include <stdio.h>
#include <sys/syscall.h>
int main(void) {
${names.map((n) => `  printf("%s=%ld\\n", "${n}", (long)SYS_${n});`).join("\n")}
  return 0;
}`);
  const fromC = Object.fromEntries(
    out.split("\n").map((l) => l.split("=")).map(([k, v]) => [k, Number(v)]),
  );
  assert.deepEqual(fromC, { ...NR });
});

Deno.test("the stub returns -errno in the same call: EBADF, ENOENT, EFAULT", () => {
  assert.equal(rawSyscall(NR.close, -1), -9n);
  assert.equal(rawSyscall(NR.open, 0n, O_RDONLY), -14n);
  assert.deepEqual(sysOpen("/nonexistent/udiag", O_RDONLY), { ok: false, errno: "ENOENT" });
});

Deno.test("the stub passes all six arguments: pwrite64 of 3 bytes at offset 5 reads back", () => {
  const path = Deno.makeTempFileSync();
  try {
    const fd = sysOpen(path, 0o2);
    assert.ok(fd.ok);
    const bytes = new TextEncoder().encode("abc");
    assert.equal(
      rawSyscall(
        NR.pwrite64,
        fd.value,
        Deno.UnsafePointer.value(Deno.UnsafePointer.of(bytes)),
        3,
        5,
      ),
      3n,
    );
    sysClose(fd.value);
    assert.deepEqual([...Deno.readFileSync(path)], [0, 0, 0, 0, 0, 97, 98, 99]);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("a 0-byte write with a bad pointer returns 0 a thousand times, never a stale errno", () => {
  const fd = sysOpen("/dev/null", 0o1);
  assert.ok(fd.ok);
  try {
    for (let i = 0; i < 1000; i++) {
      // Something that sets errno in between, as JS may do.
      sysOpen("/nonexistent/udiag", O_RDONLY);
      assert.deepEqual(sysWrite(fd.value, 0n, 0), { ok: true, value: 0 });
    }
  } finally {
    sysClose(fd.value);
  }
});

Deno.test("kernel addresses pass through as their 64 bits: a pipe write from one is EFAULT", () => {
  const [r, w] = pipe();
  try {
    assert.deepEqual(sysWrite(w, 0xffff_8880_0000_0000n, 8), { ok: false, errno: "EFAULT" });
  } finally {
    sysClose(r);
    sysClose(w);
  }
});

Deno.test("isErrorReturn() takes -4095..-1 as errors and nothing else", () => {
  assert.deepEqual([-4096n, -4095n, -1n, 0n, 1n].map(isErrorReturn), [
    false,
    true,
    true,
    false,
    false,
  ]);
});

Deno.test("the buffer variants pass our bytes at their position: open, write, ioctl", () => {
  const path = Deno.makeTempFileSync();
  try {
    const fd = Number(rawSyscallBuf(NR.open, 1, new TextEncoder().encode(`${path}\0`), 0o2));
    assert.ok(fd >= 0, `open: ${fd}`);
    // A subarray passes its own bytes, not its buffer's first ones.
    const bytes = new TextEncoder().encode("xxabc").subarray(2);
    assert.equal(rawSyscallBuf(NR.write, 2, bytes, fd, 3), 3n);
    assert.equal(rawSyscallBuf(NR.pwrite64, 2, bytes, fd, 1, 5), 1n);
    const n = new Int32Array(1);
    // FIONREAD on a regular file: the bytes past the position (6 - 3), through the 3rd argument.
    assert.equal(rawSyscallBuf(NR.ioctl, 3, new Uint8Array(n.buffer), fd, 0x541b), 0n);
    assert.equal(n[0], 3);
    rawSyscall(NR.close, fd);
    assert.deepEqual([...Deno.readFileSync(path)], [97, 98, 99, 0, 0, 97]);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("the library is named by its source's hash and built once", () => {
  assert.equal(fnv1a64(""), "cbf29ce484222325");
  assert.equal(fnv1a64("a"), "af63dc4c8601ec8c");
  const root = Deno.makeTempDirSync();
  try {
    const path = ensureRawsysLib(root);
    assert.equal(path, rawsysLibPath(root));
    assert.match(path, /\/out\/build\/rawsys\/librawsys-[0-9a-f]{16}\.so$/);
    const built = Deno.statSync(path).mtime;
    assert.equal(ensureRawsysLib(root), path);
    assert.deepEqual(Deno.statSync(path).mtime, built);
    assert.deepEqual([...Deno.readDirSync(`${root}/out/build/rawsys`)].map((e) => e.name), [
      path.split("/").at(-1),
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

function pipe(): [number, number] {
  const fds = new Int32Array(2);
  const r = rawSyscall(22, Deno.UnsafePointer.value(Deno.UnsafePointer.of(fds)));
  assert.equal(r, 0n);
  return [fds[0]!, fds[1]!];
}

Deno.test("rawSyscallBufInt(): 32-bit arguments and result where they fit, null where not", () => {
  const path = Deno.makeTempFileSync();
  try {
    const fd = Number(rawSyscallBuf(NR.open, 1, new TextEncoder().encode(`${path}\0`), 0o2));
    const bytes = new TextEncoder().encode("abc");
    assert.equal(rawSyscallBufInt(NR.write, 2, bytes, fd, 3), 3);
    assert.equal(rawSyscallBufInt(NR.write, 2, bytes, -1, 3), -9); // EBADF, as a number
    const n = new Int32Array(1);
    assert.equal(rawSyscallBufInt(NR.ioctl, 3, new Uint8Array(n.buffer), fd, 0x541b), 0);
    // Not 32-bit: the caller makes the 64-bit call.
    assert.equal(rawSyscallBufInt(NR.write, 2, bytes, fd, 2 ** 31), null);
    assert.equal(rawSyscallBufInt(NR.write, 2, bytes, fd, 3n), null);
    assert.equal(rawSyscallBufInt(NR.write, 2, bytes, fd, -1), null);
    assert.equal(rawSyscallBufInt(NR.ioctl, 3, bytes, fd, 2 ** 32), null);
    rawSyscall(NR.close, fd);
    assert.deepEqual([...Deno.readFileSync(path)], [97, 98, 99]);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("rawSyscallInt(): up to three 32-bit numbers, null otherwise", () => {
  assert.equal(rawSyscallInt(NR.close, [-1]), -9);
  assert.equal(rawSyscallInt(NR.getpid, []), Deno.pid);
  assert.equal(rawSyscallInt(NR.close, [3n]), null);
  assert.equal(rawSyscallInt(NR.close, [2 ** 31]), null);
  assert.equal(rawSyscallInt(NR.write, [1, 2, 3, 4]), null);
});

Deno.test("an empty buffer with length 0 takes the buffer call: write and read answer as before", () => {
  const fd = sysOpen("/dev/null", 0o2);
  assert.ok(fd.ok);
  try {
    assert.deepEqual(sysWrite(fd.value, new Uint8Array(0)), { ok: true, value: 0 });
    assert.deepEqual(sysWrite(fd.value, new Uint8Array(8).subarray(8)), { ok: true, value: 0 });
    assert.deepEqual(sysRead(fd.value, new Uint8Array(0)), { ok: true, value: 0 });
  } finally {
    sysClose(fd.value);
  }
});
