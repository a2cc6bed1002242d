/**
 * The library on the host, where no kernel fault injection exists: a regular
 * file stands in for fail-nth, and the armed call itself writes the "0" the
 * kernel would leave there after injecting.
 */
import assert from "node:assert/strict";
import { buildFailNth, FailNth, withFault } from "./failnth.ts";
import { NR } from "../rawsys.ts";
import { addressOf, sysOpen, sysWrite } from "../syscall.ts";

const dir = await Deno.makeTempDir({ prefix: "udiag-failnth-" });
const lib = await buildFailNth(`${dir}/libfailnth.so`);
const O_RDWR = 2;

function fake(): { f: FailNth; path: string } {
  const path = `${dir}/fail-nth-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(path, "");
  const r = FailNth.open(lib, path);
  assert.ok(r.ok);
  return { f: r.value, path };
}

Deno.test("FailNth.open() names the errno when the kernel has no fail-nth", () => {
  assert.deepEqual(FailNth.open(lib, `${dir}/absent/fail-nth`), { ok: false, errno: "ENOENT" });
});

Deno.test("call() arms N, makes the call, then disarms; not injected when the count stays", () => {
  const { f, path } = fake();
  const r = f.call(17, NR.getpid, []);
  assert.equal(r.ret, BigInt(Deno.pid));
  assert.equal(r.injected, false);
  assert.equal(r.left, 17);
  // Disarmed: the "0" overwrote the "17" at offset 0.
  assert.equal(Deno.readTextFileSync(path), "07");
  f.close();
});

Deno.test("call() says injected when fail-nth reads 0 after the call, and returns -errno as is", () => {
  const { f, path } = fake();
  const fd = sysOpen(path, O_RDWR);
  assert.ok(fd.ok);
  const zero = new TextEncoder().encode("0\n");
  // The call writes "0\n" over the armed "3" at offset 0, as the kernel's injection would.
  const r = f.call(3, NR.pwrite64, [BigInt(fd.value), addressOf(zero), 2n, 0n]);
  assert.equal(r.ret, 2n);
  assert.equal(r.injected, true);
  assert.equal(r.left, 0);
  assert.equal(f.call(1, NR.close, [-1n]).ret, -9n); // EBADF
  f.close();
});

Deno.test("call() gives the count left, so that a large N counts the fault points a call reaches", () => {
  const { f, path } = fake();
  const fd = sysOpen(path, O_RDWR);
  assert.ok(fd.ok);
  // As the kernel would after 5 fault points of an armed 1000: "995" left.
  const left = new TextEncoder().encode("995\n");
  const r = f.call(1000, NR.pwrite64, [BigInt(fd.value), addressOf(left), 4n, 0n]);
  assert.equal(r.injected, false);
  assert.equal(r.left, 995);
  f.close();
});

Deno.test("withFault() arms only the first call of its number; other calls run as usual", () => {
  const { f, path } = fake();
  const fd = sysOpen(path, O_RDWR);
  assert.ok(fd.ok);
  const out = withFault(f, NR.write, 5, () => {
    const a = sysWrite(fd.value, new TextEncoder().encode("0\n"));
    const b = sysWrite(fd.value, new TextEncoder().encode("x"));
    return [a, b];
  });
  assert.equal(out.called, true);
  assert.deepEqual(out.value, [{ ok: true, value: 2 }, { ok: true, value: 1 }]);
  const none = withFault(f, NR.ioctl, 1, () => 7);
  assert.deepEqual(none, { value: 7, called: false, injected: false, left: 1 });
  assert.throws(() => f.call(0, NR.getpid, []), /nth must be ≥ 1/);
  f.close();
});
