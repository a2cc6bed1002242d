/** Conformance: the enable bit in our memory (NOTES.md §8) and DIAG_IOCSUNREG. */
import { Fixture, rule } from "./fixture.ts";
import { pageSize } from "../../../harness/syscall.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;

rule("UE-ENABLE-001", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const name = fx.name();
  t.expect(
    "register bit 5",
    isOk(fx.register(fx.open(), { nameArgs: `${name} u32 a`, enableAddr: w, enableBit: 5 })),
    true,
  );
  t.expect("word after register", w.read64().toString(16), (0n).toString(16));
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("word while enabled", w.read64().toString(16), (1n << 5n).toString(16));
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("word after disable", w.read64().toString(16), (0n).toString(16));
  t.expect("enable again", isOk(fx.trace(name)), true);
  t.expect("word enabled again", w.read64().toString(16), (1n << 5n).toString(16));
});

rule("UE-ENABLE-002", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const name = fx.name();
  w.write64(0xffffffffffffffffn);
  t.expect(
    "register bit 3",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: w, enableBit: 3 })),
    true,
  );
  t.expect("word after register", w.read64().toString(16), "fffffffffffffff7");
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("word while enabled", w.read64().toString(16), "ffffffffffffffff");
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("word after disable", w.read64().toString(16), "fffffffffffffff7");
});

rule("UE-ENABLE-003", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const a = fx.word();
  t.expect(
    "register (word a, bit 0)",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: a, enableBit: 0 })),
    true,
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  const b = fx.word();
  t.expect(
    "register (word b, bit 9)",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: b, enableBit: 9 })),
    true,
  );
  t.expect("word b right after register", b.read64().toString(16), (1n << 9n).toString(16));
  const c = fx.word();
  t.expect(
    "register (word c, bit 63, size 8)",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: c, enableBit: 63, enableSize: 8 })),
    true,
  );
  t.expect("word c right after register", c.read64().toString(16), (1n << 63n).toString(16));
});

rule("UE-ENABLE-004", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  t.expect(
    "register (addr+4, bit 2, size 4)",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: w.address + 4n, enableBit: 2 })),
    true,
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("32-bit word at +4", w.read32(4), 1 << 2);
  t.expect("32-bit word at +0", w.read32(0), 0);
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("32-bit word at +4 after disable", w.read32(4), 0);
});

rule("UE-UNREG-001", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const f = fx.open();
  t.expect(
    "register bit 1",
    isOk(fx.register(f, { nameArgs: name, enableAddr: w, enableBit: 1 })),
    true,
  );
  t.expect(
    "register bit 2",
    isOk(fx.register(f, { nameArgs: name, enableAddr: w, enableBit: 2 })),
    true,
  );
  t.expect("enable", isOk(fx.trace(name)), true);
  t.expect("word while enabled", w.read64().toString(16), (0b110n).toString(16));
  t.expect("unregister bit 1", f.unregister(w, 1), ok(0));
  fx.forget(w, 1);
  t.expect("word after unregister (still enabled)", w.read64().toString(16), (0b100n).toString(16));
  t.expect("disable", isOk(fx.trace(name, false)), true);
  t.expect("enable again", isOk(fx.trace(name)), true);
  t.expect("word after re-enable", w.read64().toString(16), (0b100n).toString(16));
  t.expect("unregister bit 1 again", f.unregister(w, 1), "ENOENT");
});

rule("UE-UNREG-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const w = fx.word();
  const f = fx.open();
  t.expect(
    "register bit 4",
    isOk(fx.register(f, { nameArgs: name, enableAddr: w, enableBit: 4 })),
    true,
  );
  t.expect("wrong bit", f.unregister(w, 5), "ENOENT");
  t.expect("wrong address", f.unregister(w.address + 4n, 4), "ENOENT");
  t.expect("__reserved 1", f.unregister(w, 4, { reserved: 1 }), "EINVAL");
  t.expect("__reserved2 1", f.unregister(w, 4, { reserved2: 1 }), "EINVAL");
  t.expect("size 15", f.unregister(w, 4, { size: 15 }), "EINVAL");
  t.expect(`size ${pageSize() + 1}`, f.unregister(w, 4, { size: pageSize() + 1 }), "E2BIG");
  t.expect("the registration is intact", isOk(fx.trace(name)), true);
  t.expect("word while enabled", w.read64().toString(16), (1n << 4n).toString(16));
  t.expect("unregister from another fd", fx.open().unregister(w, 4), ok(0));
  fx.forget(w, 4);
  t.expect("word after unregister", w.read64().toString(16), (0n).toString(16));
});
