/** Conformance: write(2) to the device. */
import { Fixture, rule } from "./fixture.ts";
import {
  expectNoRecords,
  expectRecovered,
  recoverFtrace,
} from "../../../conformance/sink_payloads.ts";
import { GuardedBytes, pageSize, sysMmap, sysMunmap } from "../../../harness/syscall.ts";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";

const bytes = (n: number) => new Uint8Array(n).map((_, i) => i & 0xff);

rule("UD-WR-001", (t) => {
  using fx = new Fixture();
  t.expect("write without DIAG_IOCSREG", fx.open().write(bytes(8)), "ENOENT");
});

rule("UD-WR-002", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect("register", f.register(fx.name()).ok, true);
  t.expect("write of 0 bytes", f.write(bytes(0)), "EFAULT");
  t.expect("write of 0 bytes, unregistered file", fx.open().write(bytes(0)), "EFAULT");
});

rule("UD-WR-003", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect("register", f.register(fx.name()).ok, true);
  t.expect("pwrite at 1", f.pwrite(bytes(8), 1), "EFAULT");
  t.expect("pwrite at 4096", f.pwrite(bytes(8), 4096), "EFAULT");
  t.expect("pwrite at 0", f.pwrite(bytes(8), 0), { ok: true, value: 8 });
});

rule("UD-WR-004", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  for (const n of [1, 64, 4096, 65536]) {
    t.expect(`write ${n} bytes, not traced`, f.write(bytes(n)), { ok: true, value: n });
  }
});

rule("UD-WR-005", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const f = fx.open();
  t.expect("register", f.register(name).ok, true);
  t.expect("write from NULL, not traced", f.write(0n, 16), { ok: true, value: 16 });
  t.expect("enable", fx.trace(name), { ok: true, value: 1 });
  t.expect("clear the trace buffer", fx.tracefs.clear().ok, true);
  t.expect("write from NULL, traced", f.write(0n, 16), "EFAULT");
  t.expect("write from address 8, traced", f.write(8n, 16), "EFAULT");
  t.expect(
    "no record in the trace",
    fx.tracefs.readTrace().split("\n").some((l) => l.includes(`${name}:`)),
    false,
  );
});

rule("UD-WR-006", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  // 100 readable bytes, then an inaccessible page: the write asks for 200.
  using head = new GuardedBytes(bytes(100));
  t.expect("write 200 bytes, the last 100 unmapped", f.write(head.address, 200), "EFAULT");
  const got = recoverFtrace(fx.tracefs, name);
  expectNoRecords(t, { sink: "ftrace" }, fx.tracefs.event(name), got);
});

rule("UD-WR-007", (t) => {
  using fx = new Fixture();
  const { name, f } = fx.tracedFile(t);
  // Anonymous memory reads as zeros; nothing touches it before the write.
  const m = sysMmap(pageSize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  t.expect("mmap of an untouched page", m.ok, true);
  if (!m.ok) return;
  fx.defer(() => sysMunmap(m.value.address, m.value.length));
  t.expect("write 64 bytes from it", f.write(m.value.address, 64), { ok: true, value: 64 });
  const got = recoverFtrace(fx.tracefs, name);
  expectRecovered(t, { sink: "ftrace" }, fx.tracefs.event(name), [new Uint8Array(64)], got, {
    count: "records recovered",
    each: "payload",
  });
});
