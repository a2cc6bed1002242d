/** Conformance: write(2) to the device. */
import { Fixture, rule } from "./fixture.ts";

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
  t.expect("write from NULL, traced", f.write(0n, 16), { ok: true, value: 16 });
  t.expect("write from address 8, traced", f.write(8n, 16), { ok: true, value: 16 });
  t.expect(
    "no record in the trace",
    fx.tracefs.readTrace().split("\n").some((l) => l.includes(`${name}:`)),
    false,
  );
});
