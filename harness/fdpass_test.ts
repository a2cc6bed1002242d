import assert from "node:assert/strict";
import { bindDatagram, recvFd, sendFd, sockaddrUn } from "./fdpass.ts";
import { sysClose, sysOpen, sysRead } from "./syscall.ts";
import { O_RDONLY } from "./libc.ts";

Deno.test("sockaddrUn: AF_UNIX then the path, NUL-padded; refuses paths that do not fit", () => {
  const sa = sockaddrUn("/tmp/s");
  assert.deepEqual([...sa.slice(0, 8)], [1, 0, 0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x73]);
  assert.equal(sa[8], 0);
  assert.throws(() => sockaddrUn("/" + "x".repeat(120)), RangeError);
});

Deno.test("sendFd/recvFd: a descriptor passed over SCM_RIGHTS reads the same file", () => {
  const dir = Deno.makeTempDirSync();
  const file = `${dir}/data`;
  Deno.writeTextFileSync(file, "passed");
  const sock = bindDatagram(`${dir}/s`);
  assert.ok(sock.ok, JSON.stringify(sock));
  const fd = sysOpen(file, O_RDONLY);
  assert.ok(fd.ok);
  assert.deepEqual(sendFd(`${dir}/s`, fd.value), { ok: true, value: 1 });
  sysClose(fd.value);
  const got = recvFd(sock.value);
  assert.ok(got.ok, JSON.stringify(got));
  const buf = new Uint8Array(6);
  assert.deepEqual(sysRead(got.value, buf), { ok: true, value: 6 });
  assert.equal(new TextDecoder().decode(buf), "passed");
  sysClose(got.value);
  sysClose(sock.value);
  assert.equal(sendFd(`${dir}/absent`, 0).ok, false);
  Deno.removeSync(dir, { recursive: true });
});
