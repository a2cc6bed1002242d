import assert from "node:assert/strict";
import {
  GuardedBytes,
  pageSize,
  peek,
  poke,
  sysClose,
  sysIoctl,
  sysMemfdCreate,
  sysMmap,
  sysMprotect,
  sysMunmap,
  sysOpen,
  sysPread,
  sysPwrite,
  sysRead,
  sysWrite,
  sysWritev,
} from "./syscall.ts";
import {
  MAP_PRIVATE,
  MAP_SHARED,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PROT_READ,
  PROT_WRITE,
} from "./libc.ts";
import { DIAG_IOCSREG } from "../abi/udiag/abi.ts";

const enc = new TextEncoder();

function mustOk<T>(r: { ok: true; value: T } | { ok: false; errno: string }): T {
  if (!r.ok) throw new Error(`Unexpected ${r.errno}`);
  return r.value;
}

Deno.test("sysOpen()/sysWrite()/sysPwrite()/sysWritev() write a real file; sysPread() reads it", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/f`;
  const fd = mustOk(sysOpen(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600));
  assert.deepEqual(sysWrite(fd, enc.encode("hello ")), { ok: true, value: 6 });
  assert.deepEqual(sysWritev(fd, [{ base: enc.encode("big ") }, { base: enc.encode("world") }]), {
    ok: true,
    value: 9,
  });
  assert.deepEqual(sysPwrite(fd, enc.encode("H"), 0), { ok: true, value: 1 });
  assert.deepEqual(sysClose(fd), { ok: true, value: 0 });
  assert.equal(await Deno.readTextFile(path), "Hello big world");
  const rfd = mustOk(sysOpen(path, O_RDONLY));
  const word = new Uint8Array(3);
  for (let i = 0; i < 2; i++) { // the same bytes again: pread does not move the offset
    assert.deepEqual(sysPread(rfd, word, 6), { ok: true, value: 3 });
    assert.equal(new TextDecoder().decode(word), "big");
  }
  assert.deepEqual(sysPread(rfd, word, 14), { ok: true, value: 1 });
  assert.deepEqual(sysPread(-1, word, 0), { ok: false, errno: "EBADF" });
  sysClose(rfd);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sysOpen() reports ENOENT and sysClose() EBADF as names", () => {
  assert.deepEqual(sysOpen("/nonexistent/udiag", O_RDONLY), { ok: false, errno: "ENOENT" });
  assert.deepEqual(sysClose(-1), { ok: false, errno: "EBADF" });
});

Deno.test("sysWrite() to /dev/null takes raw lengths; a bad pointer to a file is EFAULT", async () => {
  const fd = mustOk(sysOpen("/dev/null", O_WRONLY));
  // /dev/null never touches the buffer, so even address 0 "works".
  assert.deepEqual(sysWrite(fd, 0n, 4096), { ok: true, value: 4096 });
  sysClose(fd);
  const dir = await Deno.makeTempDir();
  const f = mustOk(sysOpen(`${dir}/f`, O_WRONLY | O_CREAT, 0o600));
  assert.deepEqual(sysWrite(f, 8n, 16), { ok: false, errno: "EFAULT" });
  sysClose(f);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("sysIoctl() of DIAG_IOCSREG on /dev/null fails with ENOTTY; on a closed fd with EBADF", () => {
  const fd = mustOk(sysOpen("/dev/null", O_RDWR));
  assert.deepEqual(sysIoctl(fd, DIAG_IOCSREG, new Uint8Array([0x61, 0])), {
    ok: false,
    errno: "ENOTTY",
  });
  sysClose(fd);
  assert.deepEqual(sysIoctl(fd, DIAG_IOCSREG, 0n), { ok: false, errno: "EBADF" });
});

Deno.test("memfd: sysMmap() shares bytes with write(); sysMprotect() makes a write fault EFAULT", () => {
  const page = pageSize();
  const fd = mustOk(sysMemfdCreate("udiag-test"));
  const data = new Uint8Array(page).fill(0x5a);
  assert.deepEqual(sysWrite(fd, data), { ok: true, value: page });
  const m = mustOk(sysMmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
  assert.deepEqual(peek(m.address, 4), new Uint8Array([0x5a, 0x5a, 0x5a, 0x5a]));
  poke(m.address, new Uint8Array([1, 2, 3]));
  const back = new Uint8Array(3);
  // read(2) from the start of the file sees what we wrote through the mapping.
  const rfd = mustOk(sysOpen(`/proc/self/fd/${fd}`, O_RDONLY));
  assert.deepEqual(sysRead(rfd, back), { ok: true, value: 3 });
  assert.deepEqual(back, new Uint8Array([1, 2, 3]));
  // With the page read-only, the kernel cannot store into it: read() into it is EFAULT.
  assert.deepEqual(sysMprotect(m.address, page, PROT_READ), { ok: true, value: 0 });
  assert.deepEqual(sysRead(rfd, m.address, 1), { ok: false, errno: "EFAULT" });
  assert.deepEqual(sysMunmap(m.address, page), { ok: true, value: 0 });
  sysClose(rfd);
  sysClose(fd);
});

Deno.test("sysMmap() returns errno names: EBADF, EINVAL, EACCES", () => {
  const page = pageSize();
  assert.deepEqual(sysMmap(page, PROT_READ, MAP_SHARED, -1), { ok: false, errno: "EBADF" });
  assert.deepEqual(sysMmap(0, PROT_READ, MAP_PRIVATE, 0), { ok: false, errno: "EINVAL" });
  const fd = mustOk(sysOpen("/proc/self/exe", O_RDONLY));
  assert.deepEqual(sysMmap(page, PROT_READ | PROT_WRITE, MAP_SHARED, fd), {
    ok: false,
    errno: "EACCES",
  });
  sysClose(fd);
});

Deno.test("GuardedBytes: a read one byte past the end faults", async () => {
  const dir = await Deno.makeTempDir();
  const fd = mustOk(sysOpen(`${dir}/f`, O_WRONLY | O_CREAT, 0o600));
  using g = new GuardedBytes(enc.encode("abc"));
  assert.deepEqual(sysWrite(fd, g.address, 3), { ok: true, value: 3 });
  // A copy that runs into the guard stops there (a short write) …
  assert.deepEqual(sysWrite(fd, g.address, 4), { ok: true, value: 3 });
  // … and one that starts on it faults.
  assert.deepEqual(sysWrite(fd, g.address + 3n, 1), { ok: false, errno: "EFAULT" });
  sysClose(fd);
  assert.equal(await Deno.readTextFile(`${dir}/f`), "abcabc");
  await Deno.remove(dir, { recursive: true });
});
