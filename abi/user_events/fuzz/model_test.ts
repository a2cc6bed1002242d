/**
 * The user_events reference model, rule by rule: one row per errno path and
 * per state rule, each citing the NOTES.md lines (and kernel lines) it follows.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fail, ok, type SysResult } from "../../../harness/errno.ts";
import {
  memBit,
  MIN_SIZE,
  nameArgs,
  pageOf,
  type RegisterArgs,
  UserEventsModel,
  WORDS,
} from "./model.ts";

/** A register on handle `fd`: name f0, no fields, word 0, size 4, bit 0 unless overridden. */
function reg(m: UserEventsModel, fd: number, o: Partial<RegisterArgs> = {}): SysResult<number> {
  return m.register({
    fd,
    name: "f0",
    fields: 0,
    size: 4,
    bit: 0,
    word: 0,
    offset: 0,
    persist: false,
    ...o,
  });
}

interface Row {
  readonly rule: string;
  /** NOTES.md section and the kernel lines the model follows. */
  readonly cite: string;
  readonly run: (m: UserEventsModel) => SysResult<number>;
  readonly want: SysResult<number>;
}

const ROWS: readonly Row[] = [
  // --- DIAG_IOCSREG (NOTES.md §5) ---
  {
    rule: "register gives a file's first event index 0",
    cite: "§5.14 U:2572-2574, D:115-117",
    run: (m) => reg(m, m.open()),
    want: ok(0),
  },
  {
    rule: "register of a second event on one file gives index 1",
    cite: "§5 write_index U:2401-2439",
    run: (m) => {
      const fd = m.open();
      reg(m, fd);
      return reg(m, fd, { name: "f1", bit: 1 });
    },
    want: ok(1),
  },
  {
    rule: "register of the same event again on one file gives its index back",
    cite: "§5.12 U:2411-2417",
    run: (m) => {
      const fd = m.open();
      reg(m, fd);
      reg(m, fd, { name: "f1", bit: 1 });
      return reg(m, fd, { bit: 2 });
    },
    want: ok(0),
  },
  {
    rule: "write indexes are per file",
    cite: "§5 write_index U:2401-2439",
    run: (m) => {
      reg(m, m.open());
      return reg(m, m.open(), { name: "f1", bit: 1 });
    },
    want: ok(0),
  },
  {
    rule: "enable_size 2 is EINVAL",
    cite: "§5.5 U:2467-2478",
    run: (m) => reg(m, m.open(), { size: 2 }),
    want: fail("EINVAL"),
  },
  {
    rule: "size 8 at offset 4 (misaligned) is EINVAL",
    cite: "§5.6 U:2481-2482",
    run: (m) => reg(m, m.open(), { size: 8, offset: 4 }),
    want: fail("EINVAL"),
  },
  {
    rule: "bit 32 of a 4-byte word is EINVAL",
    cite: "§5.7 U:2485-2486",
    run: (m) => reg(m, m.open(), { bit: 32 }),
    want: fail("EINVAL"),
  },
  {
    rule: "bit 63 of an 8-byte word is accepted",
    cite: "§5.7 U:2485-2486",
    run: (m) => reg(m, m.open(), { size: 8, bit: 63 }),
    want: ok(0),
  },
  {
    rule: "the same address and bit through another file is EADDRINUSE",
    cite: "§5.9 U:2523-2525, U:893-907",
    run: (m) => {
      reg(m, m.open());
      return reg(m, m.open(), { name: "f1" });
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "the address-and-bit check runs before the name, so it wins over other fields",
    cite: "§5.9 (before step 10)",
    run: (m) => {
      reg(m, m.open());
      return reg(m, m.open(), { fields: 2 });
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "size 4 at offset 4 and size 8 bit 32 are different (address, bit) pairs",
    cite: "§5.9 compares enable_addr and enable_bit as registered",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { offset: 4, bit: 0 });
      return reg(m, fd, { size: 8, bit: 32 });
    },
    want: ok(0),
  },
  {
    rule: "an existing name with other fields is EADDRINUSE",
    cite: "§5.11 U:1562-1594",
    run: (m) => {
      reg(m, m.open(), { fields: 1 });
      return reg(m, m.open(), { fields: 2, bit: 1 });
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "an existing name with no fields against one with fields is EADDRINUSE",
    cite: "§6 matching U:1949-1950",
    run: (m) => {
      reg(m, m.open(), { fields: 1 });
      return reg(m, m.open(), { fields: 0, bit: 1 });
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "a read-only enable page fails the enabler with ENOMEM",
    cite: "§5.13 U:2563-2566, U:937-969; §12",
    run: (m) => {
      m.protect(pageOf(0), "ro");
      return reg(m, m.open());
    },
    want: fail("ENOMEM"),
  },
  {
    rule: "an unmapped enable page fails the enabler with ENOMEM",
    cite: "§5.13 U:2563-2566",
    run: (m) => {
      m.protect(pageOf(0), "unmapped");
      return reg(m, m.open());
    },
    want: fail("ENOMEM"),
  },
  {
    rule: "a PROT_NONE enable page fails the enabler with ENOMEM",
    cite: "§5.13 U:2563-2566",
    run: (m) => {
      m.protect(pageOf(0), "none");
      return reg(m, m.open());
    },
    want: fail("ENOMEM"),
  },
  {
    rule: "after an ENOMEM register the file keeps the event's index",
    cite: "§5.13 note, §12 'Registration failure does not undo the fd entry'",
    run: (m) => {
      const fd = m.open();
      m.protect(pageOf(0), "ro");
      reg(m, fd);
      return reg(m, fd, { name: "f1", word: 2 });
    },
    want: ok(1),
  },
  {
    rule: "after an ENOMEM register the event is busy (the file holds it)",
    cite: "§5.13 note, §9 EBUSY",
    run: (m) => {
      m.protect(pageOf(0), "ro");
      reg(m, m.open());
      return m.delete("f0");
    },
    want: fail("EBUSY"),
  },
  // --- DIAG_IOCSUNREG (NOTES.md §8) ---
  {
    rule: "unregister of a live enabler is 0",
    cite: "§8 Unregister U:2662-2715",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { bit: 5 });
      return m.unregister(0, 0, 5);
    },
    want: ok(0),
  },
  {
    rule: "unregister of another bit is ENOENT",
    cite: "§8 Unregister U:2680",
    run: (m) => {
      reg(m, m.open(), { bit: 5 });
      return m.unregister(0, 0, 6);
    },
    want: fail("ENOENT"),
  },
  {
    rule: "unregister at another offset of the word is ENOENT",
    cite: "§8 Unregister: disable_addr must equal enable_addr",
    run: (m) => {
      reg(m, m.open(), { bit: 5 });
      return m.unregister(0, 4, 5);
    },
    want: fail("ENOENT"),
  },
  {
    rule: "unregister twice is ENOENT the second time",
    cite: "§8 Unregister U:2680",
    run: (m) => {
      reg(m, m.open(), { bit: 5 });
      m.unregister(0, 0, 5);
      return m.unregister(0, 0, 5);
    },
    want: fail("ENOENT"),
  },
  {
    rule: "unregister on a read-only page is EFAULT (the clear fails)",
    cite: "§8 Unregister EFAULT, U:2628-2657",
    run: (m) => {
      reg(m, m.open());
      m.protect(pageOf(0), "ro");
      return m.unregister(0, 0, 0);
    },
    want: fail("EFAULT"),
  },
  {
    rule: "unregister on an unmapped page is EFAULT and the enabler is gone",
    cite: "§8 Unregister 'the enabler is already gone'",
    run: (m) => {
      reg(m, m.open());
      m.protect(pageOf(0), "unmapped");
      m.unregister(0, 0, 0);
      return m.unregister(0, 0, 0);
    },
    want: fail("ENOENT"),
  },
  // --- DIAG_IOCSDEL (NOTES.md §9) ---
  {
    rule: "delete of an unknown name is ENOENT",
    cite: "§9 DIAG_IOCSDEL U:2254-2279",
    run: (m) => m.delete("f3"),
    want: fail("ENOENT"),
  },
  {
    rule: "delete while the registering file holds it is EBUSY",
    cite: "§9 DIAG_IOCSDEL EBUSY, D:171-174",
    run: (m) => {
      const fd = m.open();
      reg(m, fd);
      m.unregister(0, 0, 0);
      return m.delete("f0");
    },
    want: fail("EBUSY"),
  },
  {
    rule: "delete while traced is EBUSY",
    cite: "§9 references: every attached probe U:1804-1811",
    run: (m) => {
      m.dynCreate("f0", 1);
      m.trace("f0", true);
      return m.delete("f0");
    },
    want: fail("EBUSY"),
  },
  {
    rule: "delete while an enabler lives after close is EBUSY",
    cite: "§8 'An enabler holds a reference' U:955-958",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { persist: true });
      m.close(fd);
      return m.delete("f0");
    },
    want: fail("EBUSY"),
  },
  {
    rule: "delete of an unused persistent event is 0",
    cite: "§9 persistent: refcount starts at 2 U:2219-2225; U:976-985",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { persist: true });
      m.unregister(0, 0, 0);
      m.close(fd);
      return m.delete("f0");
    },
    want: ok(0),
  },
  {
    rule: "a non-persistent event auto-deletes: delete afterwards is ENOENT",
    cite: "§9 Auto-delete U:265-338 (the real side polls tracefs)",
    run: (m) => {
      const fd = m.open();
      reg(m, fd);
      m.unregister(0, 0, 0);
      m.close(fd);
      return m.delete("f0");
    },
    want: fail("ENOENT"),
  },
  // --- dynamic_events (NOTES.md §9) ---
  {
    rule: "u: creates a persistent event that outlives its users",
    cite: "§9 dynamic_events Create U:1814-1853",
    run: (m) => {
      m.dynCreate("f1", 2);
      const fd = m.open();
      reg(m, fd, { name: "f1", fields: 2 });
      m.unregister(0, 0, 0);
      m.close(fd);
      return ok(m.events().has("f1") ? 1 : 0);
    },
    want: ok(1),
  },
  {
    rule: "u: of an identical event succeeds",
    cite: "§9 Create: 'An existing identical event makes the create succeed'",
    run: (m) => {
      m.dynCreate("f1", 1);
      return m.dynCreate("f1", 1);
    },
    want: ok(0),
  },
  {
    rule: "u: with other fields is EADDRINUSE",
    cite: "§9 Create: 'A different field list gives EADDRINUSE'",
    run: (m) => {
      m.dynCreate("f1", 1);
      return m.dynCreate("f1", 3);
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "u: of a name registered with other fields is EADDRINUSE",
    cite: "§9 Create, §5.11 U:1562-1594",
    run: (m) => {
      reg(m, m.open(), { name: "f1", fields: 1 });
      return m.dynCreate("f1", 0);
    },
    want: fail("EADDRINUSE"),
  },
  {
    rule: "!u: with the event's fields deletes it",
    cite: "§9 Delete U:1963-1980",
    run: (m) => {
      m.dynCreate("f2", 3);
      return m.dynDelete("f2", 3);
    },
    want: ok(0),
  },
  {
    rule: "!u: without fields does not match an event that has fields",
    cite: "§9 Delete U:1977, U:1949-1950; DE:72-124 ENOENT",
    run: (m) => {
      m.dynCreate("f2", 3);
      return m.dynDelete("f2", 0);
    },
    want: fail("ENOENT"),
  },
  {
    rule: "!u: of a busy event is EBUSY",
    cite: "§9 Delete 'Busy: EBUSY' U:1892-1903",
    run: (m) => {
      m.dynCreate("f2", 1);
      reg(m, m.open(), { name: "f2", fields: 1 });
      return m.dynDelete("f2", 1);
    },
    want: fail("EBUSY"),
  },
  {
    rule: "!u: of an unknown name is ENOENT",
    cite: "DE:72-124",
    run: (m) => m.dynDelete("f3", 1),
    want: fail("ENOENT"),
  },
  // --- tracefs enable (NOTES.md §8) ---
  {
    rule: "enabling an unknown event is ENOENT (no tracefs directory)",
    cite: "§1 events/user_events/<name>",
    run: (m) => m.trace("f3", true),
    want: fail("ENOENT"),
  },
  {
    rule: "enabling twice is 0",
    cite: "§8",
    run: (m) => {
      m.dynCreate("f0", 0);
      m.trace("f0", true);
      return m.trace("f0", true);
    },
    want: ok(0),
  },
  // --- write (NOTES.md §7) ---
  {
    rule: "write with a negative index is EINVAL",
    cite: "§7 U:2296-2297",
    run: (m) => m.write(m.open(), -1, 0),
    want: fail("EINVAL"),
  },
  {
    rule: "write on a file with nothing registered is ENOENT",
    cite: "§7 U:2308-2314",
    run: (m) => m.write(m.open(), 0, 0),
    want: fail("ENOENT"),
  },
  {
    rule: "write with an index past the file's table is ENOENT",
    cite: "§7 U:2308-2314",
    run: (m) => {
      const fd = m.open();
      reg(m, fd);
      return m.write(fd, 1, 0);
    },
    want: fail("ENOENT"),
  },
  {
    rule: "write of a payload below min_size is EINVAL",
    cite: "§7 U:2316-2317, §6 min_size U:1192",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { fields: 2 });
      return m.write(fd, 0, 7);
    },
    want: fail("EINVAL"),
  },
  {
    rule: "write to an event with no probe attached is EBADF",
    cite: "§7 U:2354-2355",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { fields: 1 });
      return m.write(fd, 0, 4);
    },
    want: fail("EBADF"),
  },
  {
    rule: "min_size is checked before the probe: EINVAL on a disabled event",
    cite: "§7 table order U:2316-2317 before U:2354-2355",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { fields: 3 });
      return m.write(fd, 0, 4);
    },
    want: fail("EINVAL"),
  },
  {
    rule: "write to a traced event returns the total byte count, index included",
    cite: "§7 U:2290, U:2357",
    run: (m) => {
      const fd = m.open();
      reg(m, fd, { fields: 1 });
      m.trace("f0", true);
      return m.write(fd, 0, 9);
    },
    want: ok(13),
  },
  {
    rule: "write through an index kept by an ENOMEM register reaches the event",
    cite: "§5.13 note, §7",
    run: (m) => {
      const fd = m.open();
      m.protect(pageOf(0), "ro");
      reg(m, fd);
      m.trace("f0", true);
      return m.write(fd, 0, 0);
    },
    want: ok(4),
  },
  {
    rule: "a write of fewer than 4 bytes is EFAULT",
    cite: "§7 U:2293-2294",
    run: (m) => m.shortWrite(m.open()),
    want: fail("EFAULT"),
  },
  {
    rule: "close takes the file's reference: write on another file's index is ENOENT there",
    cite: "§5 write_index per fd",
    run: (m) => {
      const a = m.open();
      const b = m.open();
      reg(m, a);
      reg(m, a, { name: "f1", bit: 1 });
      return m.write(b, 1, 0);
    },
    want: fail("ENOENT"),
  },
];

for (const row of ROWS) {
  Deno.test(`UserEventsModel: ${row.rule} (${row.cite})`, () => {
    assert.deepEqual(row.run(new UserEventsModel()), row.want);
  });
}

// --- enable words -----------------------------------------------------------

Deno.test("UserEventsModel.register() writes the current state into the bit at once (§5.14, U:941-945)", () => {
  const m = new UserEventsModel({ initial: [0xffn] });
  reg(m, m.open(), { bit: 3 });
  // Registering a disabled event clears the bit; the other bits stay.
  assert.equal(m.word(0), 0xf7n);
  m.trace("f0", true);
  assert.equal(m.word(0), 0xffn);
  reg(m, m.open(), { bit: 9 });
  // Registering a traced event sets the bit straight away.
  assert.equal(m.word(0), 0x2ffn);
});

Deno.test("UserEventsModel.trace() sets and clears every enabler's bit, others untouched (§8, U:593-596)", () => {
  const m = new UserEventsModel({ initial: [0n, 1n << 40n] });
  const fd = m.open();
  reg(m, fd, { bit: 1 });
  reg(m, fd, { word: 1, size: 8, bit: 63 });
  reg(m, fd, { name: "f1", word: 1, bit: 2 });
  m.trace("f0", true);
  assert.equal(m.word(0), 0b10n);
  assert.equal(m.word(1), (1n << 63n) | (1n << 40n));
  m.trace("f0", false);
  assert.equal(m.word(0), 0n);
  assert.equal(m.word(1), 1n << 40n);
});

Deno.test("UserEventsModel: a 4-byte enabler at offset 4 flips bit + 32 of the word (§8, U:180-202)", () => {
  const m = new UserEventsModel();
  reg(m, m.open(), { offset: 4, bit: 2 });
  m.trace("f0", true);
  assert.equal(m.word(0), 1n << 34n);
  assert.equal(memBit({ offset: 4, size: 4, bit: 2 }), 34);
});

Deno.test("UserEventsModel.unregister() clears the bit while still traced (§8, U:2709-2712)", () => {
  const m = new UserEventsModel();
  const fd = m.open();
  reg(m, fd, { bit: 1 });
  reg(m, fd, { bit: 2 });
  m.trace("f0", true);
  assert.equal(m.word(0), 0b110n);
  assert.deepEqual(m.unregister(0, 0, 1), ok(0));
  assert.equal(m.word(0), 0b100n);
  // A later enable does not set it again: the enabler is gone.
  m.trace("f0", false);
  m.trace("f0", true);
  assert.equal(m.word(0), 0b100n);
});

Deno.test("UserEventsModel: a state change on a non-writable page makes the bit unknown (§8 faults, U:518-548, U:570-572)", () => {
  const m = new UserEventsModel();
  reg(m, m.open(), { bit: 4 });
  m.protect(0, "ro");
  assert.equal(m.unknownMask(0), 0n);
  m.trace("f0", true);
  assert.equal(m.unknownMask(0), 1n << 4n);
  assert.equal(m.enablers()[0]?.faulting, true);
  m.protect(0, "rw");
  m.trace("f0", false);
  // A faulting enabler's updates are skipped or deferred: still unknown.
  assert.equal(m.unknownMask(0), 1n << 4n);
});

Deno.test("UserEventsModel: an unregistered faulting enabler lingers (U:2690-2698)", () => {
  const m = new UserEventsModel();
  reg(m, m.open(), { bit: 4 });
  m.protect(0, "ro");
  m.trace("f0", true);
  assert.deepEqual(m.unregister(0, 0, 4), fail("EFAULT"));
  assert.equal(m.lingers(0, 0, 4), true);
  assert.equal(m.lingers(0, 0, 5), false);
  // The failed clear leaves the bit unknown until something writes it.
  assert.equal(m.unknownMask(0), 1n << 4n);
  m.protect(0, "rw");
  assert.deepEqual(reg(m, m.open(), { name: "f1", bit: 4 }), ok(0));
  assert.equal(m.unknownMask(0), 0n);
});

Deno.test("UserEventsModel.protect() to a fresh mapping zeroes the page's words", () => {
  const m = new UserEventsModel({ initial: [ALL(), ALL(), 7n] });
  m.protect(0, "unmapped");
  m.protect(0, "rw");
  assert.equal(m.word(0), 0n);
  assert.equal(m.word(1), 0n);
  assert.equal(m.word(2), 7n);
});

function ALL(): bigint {
  return (1n << 64n) - 1n;
}

// --- lifetime ---------------------------------------------------------------

Deno.test("UserEventsModel.takeDying() lists a non-persistent event once its last reference goes (§9, U:265-338)", () => {
  const m = new UserEventsModel();
  const fd = m.open();
  reg(m, fd);
  m.trace("f0", true);
  m.unregister(0, 0, 0);
  m.close(fd);
  assert.deepEqual(m.takeDying(), []); // the probe still holds it
  m.trace("f0", false);
  assert.deepEqual(m.takeDying(), ["f0"]);
  assert.deepEqual(m.takeDying(), []);
  assert.equal(m.events().has("f0"), false);
});

Deno.test("UserEventsModel marks putPending on unregister (RCU-deferred put, §9 UE-DEL-004)", () => {
  const m = new UserEventsModel();
  const fd = m.open();
  reg(m, fd, { persist: true });
  assert.equal(m.events().get("f0")?.putPending, false);
  m.unregister(0, 0, 0);
  assert.equal(m.events().get("f0")?.putPending, true);
  m.close(fd);
  assert.deepEqual(m.takeDying(), []); // persistent: never auto-deleted
  assert.equal(m.refs("f0"), 0);
});

Deno.test("UserEventsModel: PERSIST on an existing non-persistent event changes nothing (U:2137-2160)", () => {
  const m = new UserEventsModel();
  const a = m.open();
  reg(m, a);
  const b = m.open();
  reg(m, b, { bit: 1, persist: true });
  assert.equal(m.events().get("f0")?.persist, false);
  m.unregister(0, 0, 0);
  m.unregister(0, 0, 1);
  m.close(a);
  m.close(b);
  assert.deepEqual(m.takeDying(), ["f0"]);
});

Deno.test("UserEventsModel methods throw RangeError outside their domain", () => {
  const m = new UserEventsModel();
  assert.throws(() => m.close(9), RangeError);
  assert.throws(() => m.write(9, 0, 0), RangeError);
  assert.throws(() => reg(m, m.open(), { word: WORDS }), RangeError);
  assert.throws(() => nameArgs("f0", 9), RangeError);
});

Deno.test("nameArgs() and MIN_SIZE agree with the field pool", () => {
  assert.equal(nameArgs("f0", 0), "f0");
  assert.equal(nameArgs("f1", 3), "f1 u32 a; u32 b");
  assert.deepEqual(MIN_SIZE, [0, 4, 8, 8]);
});

// --- invariants over random sequences ---------------------------------------

type Op =
  | { op: "open" }
  | { op: "close"; k: number }
  | { op: "reg"; k: number; name: number; bit: number; word: number; persist: boolean }
  | { op: "unreg"; k: number }
  | { op: "trace"; name: number; on: boolean }
  | { op: "del"; name: number }
  | { op: "protect"; page: number; to: "rw" | "ro" | "unmapped" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: "open" as const }),
  fc.record({ op: fc.constant("close" as const), k: fc.nat(7) }),
  fc.record({
    op: fc.constant("reg" as const),
    k: fc.nat(7),
    name: fc.nat(3),
    bit: fc.nat(31),
    word: fc.nat(WORDS - 1),
    persist: fc.boolean(),
  }),
  fc.record({ op: fc.constant("unreg" as const), k: fc.nat(7) }),
  fc.record({ op: fc.constant("trace" as const), name: fc.nat(3), on: fc.boolean() }),
  fc.record({ op: fc.constant("del" as const), name: fc.nat(3) }),
  fc.record({
    op: fc.constant("protect" as const),
    page: fc.nat(2),
    to: fc.constantFrom("rw" as const, "ro" as const, "unmapped" as const),
  }),
);

Deno.test("UserEventsModel keeps its invariants over random sequences", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const m = new UserEventsModel();
      for (const o of ops) {
        const fds = m.fds();
        switch (o.op) {
          case "open":
            m.open();
            break;
          case "close":
            if (fds.length) m.close(fds[o.k % fds.length]!);
            break;
          case "reg":
            if (fds.length) {
              reg(m, fds[o.k % fds.length]!, {
                name: `f${o.name}`,
                bit: o.bit,
                word: o.word,
                persist: o.persist,
              });
            }
            break;
          case "unreg": {
            const e = m.enablers()[o.k % Math.max(1, m.enablers().length)];
            if (e) m.unregister(e.word, e.offset, e.bit);
            break;
          }
          case "trace":
            m.trace(`f${o.name}`, o.on);
            break;
          case "del":
            m.delete(`f${o.name}`);
            break;
          case "protect":
            m.protect(o.page, o.to);
            break;
        }
        m.takeDying();
        // Every live non-persistent event has a reference (else it would be dying).
        for (const e of m.events().values()) assert.ok(e.persist || m.refs(e.name) > 0);
        // Every enabler and every table entry points at a live event.
        for (const en of m.enablers()) assert.ok(m.events().has(en.event));
        for (const fd of m.fds()) for (const n of m.table(fd)) assert.ok(m.events().has(n));
        // A known enabler bit on a writable page says whether its event is traced.
        for (const en of m.enablers()) {
          if (en.faulting || m.page(pageOf(en.word)) !== "rw") continue;
          const aliased = m.enablers().some((x) =>
            x !== en && x.word === en.word && memBit(x) === memBit(en)
          );
          if (aliased) continue;
          const bit = (m.word(en.word) >> BigInt(memBit(en))) & 1n;
          // A page remapped since the last write holds 0 until the next state change.
          if (bit === 1n) assert.equal(m.events().get(en.event)!.traced, true);
        }
      }
    }),
    { numRuns: 300 },
  );
});
