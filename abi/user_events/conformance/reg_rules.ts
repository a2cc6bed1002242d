/** Conformance: DIAG_IOCSREG (NOTES.md §2-§6) and unknown ioctls. */
import { Fixture, rule } from "./fixture.ts";
import { ioc, IOC_WRITE } from "../../../harness/ioctl.ts";
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from "../../../harness/libc.ts";
import { cString, GuardedBytes, pageSize, sysMmap, sysMunmap } from "../../../harness/syscall.ts";
import { DIAG_IOC_MAGIC, DIAG_IOCSREG, USER_EVENT_REG_MAX } from "../abi.ts";

const ok = (value: unknown) => ({ ok: true as const, value });
const isOk = (r: { ok: boolean }) => r.ok;

rule("UE-IOC-001", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = cString(fx.name());
  t.expect("_IOW('*', 3, char *)", f.ioctl(ioc(IOC_WRITE, DIAG_IOC_MAGIC, 3, 8), name), "ENOTTY");
  t.expect("_IOW('x', 1, char *)", f.ioctl(ioc(IOC_WRITE, "x", 1, 8), name), "ENOTTY");
  t.expect("DIAG_IOCSREG with size 28", f.ioctl(DIAG_IOCSREG ^ ((8 ^ 28) << 16), name), "ENOTTY");
});

rule("UE-REG-001", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const a = fx.name();
  const b = fx.name();
  const f = fx.open();
  t.expect(
    "first event",
    fx.register(f, { nameArgs: `${a} u32 x`, enableAddr: w, enableBit: 0 }),
    ok(0),
  );
  t.expect(
    "second event",
    fx.register(f, { nameArgs: `${b} u32 x`, enableAddr: w, enableBit: 1 }),
    ok(1),
  );
  t.expect(
    "third event",
    fx.register(f, { nameArgs: fx.name(), enableAddr: w, enableBit: 2 }),
    ok(2),
  );
  const g = fx.open();
  t.expect(
    "second event on a new fd",
    fx.register(g, { nameArgs: `${b} u32 x`, enableAddr: w, enableBit: 3 }),
    ok(0),
  );
  t.expect(
    "first event on the new fd",
    fx.register(g, { nameArgs: `${a} u32 x`, enableAddr: w, enableBit: 4 }),
    ok(1),
  );
});

rule("UE-REG-002", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const f = fx.open();
  fx.register(f, { nameArgs: fx.name(), enableAddr: w, enableBit: 0 });
  const n = `${fx.name()} u32 a`;
  const first = fx.register(f, { nameArgs: n, enableAddr: w, enableBit: 1 });
  t.expect("first registration", first, ok(1));
  t.expect(
    "same event, bit 2",
    fx.register(f, { nameArgs: n, enableAddr: w, enableBit: 2 }),
    first,
  );
  t.expect(
    "same event, other word",
    fx.register(f, { nameArgs: n, enableAddr: fx.word(), enableBit: 2 }),
    first,
  );
});

rule("UE-REG-003", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const n = `${fx.name()} u32 a`;
  t.expect(
    "first",
    isOk(fx.register(fx.open(), { nameArgs: n, enableAddr: w, enableBit: 7 })),
    true,
  );
  t.expect(
    "same event, same addr+bit",
    fx.open().register({ nameArgs: n, enableAddr: w, enableBit: 7 }),
    "EADDRINUSE",
  );
  const other = fx.name();
  t.expect(
    "new event, same addr+bit",
    fx.open().register({ nameArgs: other, enableAddr: w, enableBit: 7 }),
    "EADDRINUSE",
  );
  t.expect("the new event was not created", fx.tracefs.hasEvent(other), false);
  // The check precedes strndup_user: a NULL name still gets EADDRINUSE.
  t.expect(
    "NULL name_args, same addr+bit",
    fx.open().register({ nameArgs: 0n, enableAddr: w, enableBit: 7 }),
    "EADDRINUSE",
  );
});

rule("UE-REG-004", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const name = fx.name();
  const f = fx.open();
  t.expect(
    "u32 a;u32 b",
    isOk(fx.register(f, { nameArgs: `${name} u32 a;u32 b`, enableAddr: w, enableBit: 0 })),
    true,
  );
  const variants = [
    `${name} u32 a`,
    `${name} u64 a;u32 b`,
    `${name} u32 b;u32 a`,
    `${name} u32 a;u32 b;u32 c`,
    name,
  ];
  variants.forEach((v, i) => {
    t.expect(
      JSON.stringify(v),
      fx.register(fx.open(), { nameArgs: v, enableAddr: w, enableBit: 1 + i }),
      "EADDRINUSE",
    );
  });
});

rule("UE-REG-005", (t) => {
  using fx = new Fixture();
  const w = fx.word();
  const name = fx.name();
  const f = fx.open();
  const first = fx.register(f, { nameArgs: `${name} u32 a;u32 b`, enableAddr: w, enableBit: 0 });
  t.expect("u32 a;u32 b", first, ok(0));
  t.expect(
    "u32 a; u32 b",
    fx.register(f, { nameArgs: `${name} u32 a; u32 b`, enableAddr: w, enableBit: 1 }),
    first,
  );
  t.expect(
    "u32 a; u32 b;",
    fx.register(f, { nameArgs: `${name} u32 a; u32 b;`, enableAddr: w, enableBit: 2 }),
    first,
  );
  t.expect(
    "other fd, u32 a;u32 b;",
    fx.register(fx.open(), { nameArgs: `${name} u32 a;u32 b;`, enableAddr: w, enableBit: 3 }),
    ok(0),
  );
});

rule("UE-REG-006", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  for (const size of [0, 1, 2, 3, 5, 6, 7, 9, 16, 128]) {
    t.expect(
      `enable_size ${size}`,
      f.register({ nameArgs: name, enableAddr: fx.word(), enableBit: 0, enableSize: size }),
      "EINVAL",
    );
  }
  t.expect("no event was created", fx.tracefs.hasEvent(name), false);
  t.expect(
    "enable_size 4",
    isOk(fx.register(f, { nameArgs: name, enableAddr: fx.word(), enableBit: 0, enableSize: 4 })),
    true,
  );
  t.expect(
    "enable_size 8",
    isOk(fx.register(f, { nameArgs: name, enableAddr: fx.word(), enableBit: 0, enableSize: 8 })),
    true,
  );
});

rule("UE-REG-007", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  const reg = (bit: number, size: number) =>
    fx.register(f, { nameArgs: name, enableAddr: fx.word(), enableBit: bit, enableSize: size });
  t.expect("size 4, bit 32", reg(32, 4), "EINVAL");
  t.expect("size 4, bit 255", reg(255, 4), "EINVAL");
  t.expect("size 8, bit 64", reg(64, 8), "EINVAL");
  t.expect("size 4, bit 31", isOk(reg(31, 4)), true);
  t.expect("size 8, bit 63", isOk(reg(63, 8)), true);
  t.expect("size 4, bit 0", isOk(reg(0, 4)), true);
});

rule("UE-REG-008", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  const w = fx.word();
  for (const [off, size] of [[1, 4], [2, 4], [3, 4], [4, 8], [1, 8]] as const) {
    t.expect(
      `addr+${off}, size ${size}`,
      f.register({
        nameArgs: name,
        enableAddr: w.address + BigInt(off),
        enableBit: 0,
        enableSize: size,
      }),
      "EINVAL",
    );
  }
  t.expect(
    "addr+4, size 4",
    isOk(fx.register(f, { nameArgs: name, enableAddr: w.address + 4n, enableBit: 0 })),
    true,
  );
});

rule("UE-REG-009", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  for (const flags of [USER_EVENT_REG_MAX, USER_EVENT_REG_MAX | 2, 0x8000]) {
    t.expect(
      `flags 0x${flags.toString(16)}`,
      f.register({ nameArgs: name, enableAddr: fx.word(), enableBit: 0, flags }),
      "EINVAL",
    );
  }
  t.expect("no event was created", fx.tracefs.hasEvent(name), false);
});

rule("UE-REG-010", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  const w = fx.word();
  t.expect(
    "size 27",
    f.register({ nameArgs: name, enableAddr: w, enableBit: 0, size: 27 }),
    "EINVAL",
  );
  t.expect(
    "size 0",
    f.register({ nameArgs: name, enableAddr: w, enableBit: 0, size: 0 }),
    "EINVAL",
  );
  t.expect(
    `size ${pageSize() + 1}`,
    f.register({ nameArgs: name, enableAddr: w, enableBit: 0, size: pageSize() + 1 }),
    "E2BIG",
  );
  const tail = new Uint8Array(8);
  tail[5] = 1;
  t.expect(
    "size 36, non-zero tail",
    f.register({ nameArgs: name, enableAddr: w, enableBit: 0, size: 36, tail }),
    "E2BIG",
  );
  t.expect("no event was created", fx.tracefs.hasEvent(name), false);
  t.expect(
    "size 36, zero tail",
    fx.register(f, {
      nameArgs: name,
      enableAddr: w,
      enableBit: 0,
      size: 36,
      tail: new Uint8Array(8),
    }),
    ok(0),
  );
});

rule("UE-REG-011", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  t.expect(
    "NAME:flag",
    f.register({ nameArgs: `${name}:persist`, enableAddr: fx.word(), enableBit: 0 }),
    "EINVAL",
  );
  t.expect(
    "NAME:flag u32 a",
    f.register({ nameArgs: `${name}:x u32 a`, enableAddr: fx.word(), enableBit: 0 }),
    "EINVAL",
  );
  t.expect("no event was created", fx.tracefs.hasEvent(name), false);
});

rule("UE-REG-012", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const long = new TextEncoder().encode("a".repeat(600));
  t.expect(
    "600 bytes, no NUL",
    f.register({ nameArgs: long, enableAddr: fx.word(), enableBit: 0 }),
    "EINVAL",
  );
  using short = new GuardedBytes(new TextEncoder().encode("short"));
  t.expect(
    "5 bytes, no NUL, then unmapped",
    f.register({ nameArgs: short.address, enableAddr: fx.word(), enableBit: 0 }),
    "EFAULT",
  );
  t.expect("NULL", f.register({ nameArgs: 0n, enableAddr: fx.word(), enableBit: 0 }), "EFAULT");
  t.expect(
    "kernel address",
    f.register({ nameArgs: 0xffffffff81000000n, enableAddr: fx.word(), enableBit: 0 }),
    "EFAULT",
  );
});

// `kstrtou32` into an `int`: a SIZE of 2^31 or more comes back negative and
// is returned as it is (U:1266, U:1283-1284), so the caller sees EPERM,
// ENOEXEC or a negative "success" instead of EINVAL.
rule("UE-REG-014", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  for (const size of ["2147483648", "4294967288", "4294967295"]) {
    const name = fx.name();
    t.expect(
      `NAME struct s a ${size}`,
      f.register({ nameArgs: `${name} struct s a ${size}`, enableAddr: fx.word(), enableBit: 0 }),
      "EINVAL",
    );
    t.expect(`no event for SIZE ${size}`, fx.tracefs.hasEvent(name), false);
  }
});

rule("UE-REG-013", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  t.expect(
    "kernel enable_addr",
    fx.open().register({ nameArgs: name, enableAddr: 0xffffffff81000000n, enableBit: 0 }),
    "EFAULT",
  );
  const page = pageSize();
  const ro = sysMmap(page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  if (!ro.ok) throw new Error(`mmap: ${ro.errno}`);
  fx.defer(() => sysMunmap(ro.value.address, page));
  // Each failing case on its own fd: the event stays in the fd's table (NOTES.md §5 step 13).
  t.expect(
    "read-only enable_addr",
    fx.open().register({ nameArgs: name, enableAddr: ro.value.address, enableBit: 0 }),
    "ENOMEM",
  );
  const gone = sysMmap(page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  if (!gone.ok) throw new Error(`mmap: ${gone.errno}`);
  sysMunmap(gone.value.address, page);
  t.expect(
    "unmapped enable_addr",
    fx.open().register({ nameArgs: name, enableAddr: gone.value.address, enableBit: 0 }),
    "ENOMEM",
  );
  t.expect(
    "writable enable_addr",
    isOk(fx.register(fx.open(), { nameArgs: name, enableAddr: fx.word(), enableBit: 0 })),
    true,
  );
});
