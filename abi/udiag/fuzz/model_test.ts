import assert from "node:assert/strict";
import fc from "fast-check";
import { fail, ok, type SysResult } from "../../../harness/errno.ts";
import {
  MAP_PRIVATE,
  MAP_SHARED,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
} from "../../../harness/libc.ts";
import {
  MAX_TRACED_PAYLOAD,
  mmapResult,
  mprotectResult,
  type NameArg,
  UdiagModel,
} from "./model.ts";
import { maxTracedPayload } from "../abi.ts";

const A = 0x61; // "a"

function bytes(n: number): Uint8Array {
  return new Uint8Array(n).fill(A);
}

/** A model with one handle registered to each name. */
function withEvents(...names: string[]): { m: UdiagModel; hs: number[] } {
  const m = new UdiagModel({ pageSize: 16, tracedMax: maxTracedPayload(4096) });
  const hs = names.map((n) => {
    const h = m.open();
    assert.ok(m.register(h, n).ok);
    return h;
  });
  return { m, hs };
}

// --- register ---------------------------------------------------------------

Deno.test("UdiagModel.register() gives a new name index 1, then 2", () => {
  const m = new UdiagModel();
  // RFC register_diag_event: find_first_zero_bit, bit 0 reserved at init.
  assert.deepEqual(m.register(m.open(), "e1"), ok(1));
  assert.deepEqual(m.register(m.open(), "e2"), ok(2));
  assert.deepEqual(m.names(), ["e1", "e2"]);
});

Deno.test("UdiagModel.register() gives the same name from another handle the same index", () => {
  const m = new UdiagModel();
  const [h1, h2] = [m.open(), m.open()];
  // RFC register_diag_event: an existing event is found, not created.
  assert.deepEqual(m.register(h1, "e1"), ok(1));
  assert.deepEqual(m.register(h2, "e1"), ok(1));
  assert.deepEqual(m.events().get("e1")?.handles, [h1, h2]);
  assert.equal(m.freeCount(), m.capacity - 1);
});

Deno.test("UdiagModel.register() refuses a second name on one handle with EMFILE", () => {
  const m = new UdiagModel();
  const h = m.open();
  m.register(h, "e1");
  // RFC diag_dev_ioctl: file->private_data set means EMFILE, same name too.
  assert.deepEqual(m.register(h, "e2"), fail("EMFILE"));
  assert.deepEqual(m.register(h, "e1"), fail("EMFILE"));
  // RFC diag_dev_ioctl: EMFILE is checked before the name's characters.
  assert.deepEqual(m.register(h, "a/b"), fail("EMFILE"));
  // RFC diag_dev_ioctl: strndup_user runs first, so a bad pointer is EFAULT.
  assert.deepEqual(m.register(h, { fault: true }), fail("EFAULT"));
  assert.deepEqual(m.names(), ["e1"]);
  assert.equal(m.handleEvent(h), "e1");
});

Deno.test("UdiagModel.register() applies strndup_user's 96-byte limit", () => {
  const m = new UdiagModel();
  // RFC diag_dev_ioctl (strndup_user(ubuf, 96)): 95 bytes + NUL fit.
  assert.deepEqual(
    m.register(m.open(), { bytes: bytes(95), terminated: true }),
    ok(1),
  );
  // 96 bytes + NUL do not: EINVAL.
  assert.deepEqual(
    m.register(m.open(), { bytes: bytes(96), terminated: true }),
    fail("EINVAL"),
  );
  // No NUL within the first 96 readable bytes: EINVAL.
  assert.deepEqual(
    m.register(m.open(), { bytes: bytes(96), terminated: false }),
    fail("EINVAL"),
  );
  assert.deepEqual(
    m.register(m.open(), { bytes: bytes(200), terminated: false }),
    fail("EINVAL"),
  );
  // Unterminated short bytes ending at an unreadable page: strnlen_user faults.
  assert.deepEqual(
    m.register(m.open(), { bytes: bytes(10), terminated: false }),
    fail("EFAULT"),
  );
  // An unreadable pointer: EFAULT.
  assert.deepEqual(m.register(m.open(), { fault: true }), fail("EFAULT"));
  // A NUL inside the bytes ends the name there.
  const early = new Uint8Array([0x65, 0x31, 0, 0x2f]);
  assert.deepEqual(
    m.register(m.open(), { bytes: early, terminated: false }),
    ok(2),
  );
  assert.deepEqual(m.names(), ["a".repeat(95), "e1"]);
});

Deno.test("UdiagModel.register() refuses names that cannot be tracefs events with EINVAL", () => {
  const m = new UdiagModel();
  // Our interpretation (register_diag_event accepts any bytes): EINVAL.
  for (const name of ["", "a/b", "a b", "é", ".", "..", "a-b"]) {
    assert.deepEqual(
      m.register(m.open(), name),
      fail("EINVAL"),
      JSON.stringify(name),
    );
  }
  assert.deepEqual(m.register(m.open(), "Az_09"), ok(1));
  assert.equal(m.freeCount(), m.capacity - 1);
});

Deno.test("UdiagModel.register() on a closed handle is EBADF", () => {
  const m = new UdiagModel();
  const h = m.open();
  assert.deepEqual(m.close(h), ok(0));
  // VFS: the fd lookup fails before the driver runs.
  assert.deepEqual(m.register(h, "e1"), fail("EBADF"));
  assert.deepEqual(m.close(h), fail("EBADF"));
});

// --- delete -----------------------------------------------------------------

Deno.test("UdiagModel.delete() follows refs: ENOENT, EBUSY while held, 0 after close", () => {
  const { m, hs } = withEvents("e1");
  // RFC delete_diag_event: unknown name is ENOENT, also one that can never exist.
  assert.deepEqual(m.delete("nope"), fail("ENOENT"));
  assert.deepEqual(m.delete("a/b"), fail("ENOENT"));
  assert.deepEqual(m.delete(""), fail("ENOENT"));
  // RFC diag_dev_ioctl (strndup_user): copy errors come first.
  assert.deepEqual(m.delete({ fault: true }), fail("EFAULT"));
  assert.deepEqual(
    m.delete({ bytes: bytes(96), terminated: true }),
    fail("EINVAL"),
  );
  // RFC delete_diag_event: a file's reference (diag_dev_ioctl) makes it EBUSY.
  assert.deepEqual(m.delete("e1"), fail("EBUSY"));
  // RFC diag_dev_release drops the reference.
  m.close(hs[0]!);
  assert.deepEqual(m.delete("e1"), ok(0));
  assert.deepEqual(m.delete("e1"), fail("ENOENT"));
  assert.equal(m.freeCount(), m.capacity);
});

Deno.test("UdiagModel.delete() is EBUSY while ftrace or perf holds the event", () => {
  const { m, hs } = withEvents("e1");
  m.close(hs[0]!);
  // RFC diag_event_reg (TRACE_REG_REGISTER) takes a reference.
  m.ftraceEnable("e1");
  assert.deepEqual(m.delete("e1"), fail("EBUSY"));
  m.ftraceDisable("e1");
  // RFC diag_event_reg (TRACE_REG_PERF_REGISTER) takes a reference.
  const p = m.perfOpen("e1");
  assert.ok(p.ok);
  assert.deepEqual(m.delete("e1"), fail("EBUSY"));
  assert.deepEqual(m.perfClose(p.value), ok(0));
  assert.deepEqual(m.perfClose(p.value), fail("EBADF"));
  assert.deepEqual(m.delete("e1"), ok(0));
});

Deno.test("UdiagModel.register() reuses the lowest index a delete freed", () => {
  const { m, hs } = withEvents("e1", "e2", "e3");
  m.close(hs[0]!);
  m.close(hs[1]!);
  // RFC destroy_diag_event clears the bit; register_diag_event takes the lowest.
  assert.deepEqual(m.delete("e2"), ok(0));
  assert.deepEqual(m.delete("e1"), ok(0));
  assert.deepEqual(m.register(m.open(), "n1"), ok(1));
  assert.deepEqual(m.register(m.open(), "n2"), ok(2));
  assert.deepEqual(m.register(m.open(), "n4"), ok(4));
  // RFC destroy_diag_event zeroes the byte; a new event starts at 0.
  assert.equal(m.enableByte(1), 0);
});

// --- capacity ---------------------------------------------------------------

function fillUp(pageSize: number): void {
  const m = new UdiagModel({ pageSize });
  const hs: number[] = [];
  // RFC register_diag_event: MAX_PROVIDERS bits, bit 0 set at init.
  for (let i = 1; i < pageSize; i++) {
    const h = m.open();
    hs.push(h);
    assert.deepEqual(m.register(h, `e${i}`), ok(i));
  }
  assert.equal(m.capacity, pageSize - 1);
  assert.equal(m.freeCount(), 0);
  // RFC register_diag_event: no zero bit left is EMFILE.
  const extra = m.open();
  assert.deepEqual(m.register(extra, "one_more"), fail("EMFILE"));
  // The failed register leaves the handle free to try again.
  assert.equal(m.handleEvent(extra), undefined);
  // An existing name is still found when full.
  assert.deepEqual(m.register(m.open(), "e7"), ok(7));
  const victim = Math.floor(pageSize / 2);
  m.close(hs[victim - 1]!);
  assert.deepEqual(m.delete(`e${victim}`), ok(0));
  assert.deepEqual(m.register(extra, "one_more"), ok(victim));
  assert.deepEqual(m.register(m.open(), "two_more"), fail("EMFILE"));
}

Deno.test("UdiagModel.register() fits exactly pageSize - 1 events with pageSize 16", () => {
  fillUp(16);
});

Deno.test("UdiagModel.register() fits exactly pageSize - 1 events with pageSize 4096", () => {
  fillUp(4096);
});

// --- write ------------------------------------------------------------------

Deno.test("UdiagModel.write() checks offset and length, then the event", () => {
  const m = new UdiagModel();
  const h = m.open();
  // RFC diag_dev_write: *ppos != 0 or count 0 is EFAULT, before the event check.
  assert.deepEqual(m.write(h, new Uint8Array(0)), fail("EFAULT"));
  assert.deepEqual(m.write(h, new Uint8Array(4), 1), fail("EFAULT"));
  // RFC diag_dev_write: a file with no event is ENOENT.
  assert.deepEqual(m.write(h, new Uint8Array(4)), fail("ENOENT"));
  m.register(h, "e1");
  // RFC diag_dev_write: untraced, returns count; nothing reads the payload.
  assert.deepEqual(m.write(h, new Uint8Array(4)), ok(4));
  assert.deepEqual(m.write(h, { fault: true, length: 9 }), ok(9));
  // VFS clips count to MAX_RW_COUNT: outside the model's domain.
  assert.throws(() => m.write(h, { fault: true, length: 2 ** 31 - 1 }), RangeError);
  // Our reading (abi.ts maxTracedPayload): only a traced write is bounded.
  const max = maxTracedPayload(4096);
  assert.deepEqual(m.write(h, new Uint8Array(max + 1)), ok(max + 1));
  m.ftraceEnable("e1");
  assert.deepEqual(m.write(h, new Uint8Array(max)), ok(max));
  assert.deepEqual(m.write(h, new Uint8Array(max + 1)), fail("E2BIG"));
  assert.deepEqual(m.write(h, { fault: true, length: max + 1 }), fail("E2BIG"));
  // Our reading (UD-WR-005): traced, an unreadable payload is EFAULT, not a lost record.
  assert.deepEqual(m.write(h, { fault: true, length: 9 }), fail("EFAULT"));
  m.ftraceDisable("e1");
  // VFS: negative pwrite offset is EINVAL (ksys_pwrite64); closed fd is EBADF.
  assert.deepEqual(m.write(h, new Uint8Array(4), -1), fail("EINVAL"));
  m.close(h);
  assert.deepEqual(m.write(h, new Uint8Array(4)), fail("EBADF"));
});

Deno.test("UdiagModel.write() records payloads only in sinks tracing the event", () => {
  const { m, hs } = withEvents("e1", "e2");
  const [h1, h2] = [hs[0]!, hs[1]!];
  const d = (...b: number[]) => new Uint8Array(b);
  // RFC diag_dev_write: no probe, nothing recorded.
  m.write(h1, d(1));
  assert.deepEqual(m.expectedRecords("ftrace"), []);
  m.ftraceEnable("e1");
  const p = m.perfOpen("e2");
  assert.ok(p.ok);
  // RFC diag_probe_trace / diag_probe_perf: each payload, in write order.
  m.write(h1, d(2));
  m.write(h2, d(3));
  m.write(h1, { fault: true, length: 4 }); // copy_from_user fails: dropped
  m.write(h1, d(5, 6));
  assert.deepEqual(m.expectedRecords("ftrace"), [
    { name: "e1", sink: "ftrace", data: d(2) },
    { name: "e1", sink: "ftrace", data: d(5, 6) },
  ]);
  assert.deepEqual(m.takeRecords(p.value), [{
    name: "e2",
    sink: p.value,
    data: d(3),
  }]);
  assert.deepEqual(m.expectedRecords(p.value), []);
  // Too big to promise: the sink is unknown until drained.
  m.write(h1, bytes(MAX_TRACED_PAYLOAD + 1));
  assert.equal(m.takeRecords("ftrace"), null);
  assert.deepEqual(m.expectedRecords("ftrace"), []);
  // Disabled: the buffer keeps its records but gets no more.
  m.write(h1, d(7));
  m.ftraceDisable("e1");
  m.write(h1, d(8));
  assert.deepEqual(m.expectedRecords("ftrace")?.map((r) => [...r.data]), [[7]]);
  m.perfClose(p.value);
  assert.deepEqual(m.expectedRecords(p.value), []);
});

Deno.test("UdiagModel.bpfAttach(): once per open perf event; bpfLast() is the last record since", () => {
  const { m, hs } = withEvents("e1");
  const h = hs[0]!;
  const d = (...b: number[]) => new Uint8Array(b);
  const p = m.perfOpen("e1");
  assert.ok(p.ok);
  m.write(h, d(1)); // before the attach: the program never saw it
  // perf_event_attach_bpf_prog: one program per perf event, EEXIST after.
  assert.deepEqual(m.bpfAttach(p.value), ok(0));
  assert.deepEqual(m.bpfAttach(p.value), fail("EEXIST"));
  assert.deepEqual(m.bpfAttach(99), fail("EBADF"));
  assert.deepEqual(m.bpfIds(), [p.value]);
  assert.equal(m.bpfLast(p.value), undefined);
  m.write(h, d(2));
  m.write(h, d(3, 4));
  m.takeRecords(p.value); // a drain empties perf's buffer, not the program's map
  assert.deepEqual(m.bpfLast(p.value), { name: "e1", sink: p.value, data: d(3, 4) });
  m.write(h, bytes(MAX_TRACED_PAYLOAD + 1));
  assert.equal(m.bpfLast(p.value), null, "a record the model cannot promise");
  const c = m.clone();
  m.write(h, d(5));
  assert.equal(c.bpfLast(p.value), null, "a clone keeps its own");
  assert.deepEqual(m.bpfLast(p.value)?.data, d(5));
  // perf_event_free_bpf_prog: the program goes with its perf event.
  m.perfClose(p.value);
  assert.deepEqual(m.bpfIds(), []);
  assert.equal(m.bpfLast(p.value), undefined);
});

// --- tracers and the page ---------------------------------------------------

Deno.test("UdiagModel.enableByte() is 1 iff ftrace or a perf event traces the event", () => {
  const { m } = withEvents("e1", "e2");
  const byte = () => [m.enableByte(0), m.enableByte(1), m.enableByte(2), m.enableByte(15)];
  assert.deepEqual(byte(), [0, 0, 0, 0]);
  // RFC update_reg_page_for, after diag_event_reg REGISTER / UNREGISTER.
  assert.deepEqual(m.ftraceEnable("e2"), ok(0));
  assert.deepEqual(m.ftraceEnable("e2"), ok(0)); // idempotent
  assert.deepEqual(byte(), [0, 0, 1, 0]);
  const p1 = m.perfOpen("e2");
  const p2 = m.perfOpen("e2");
  assert.ok(p1.ok && p2.ok && p1.value !== p2.value);
  assert.deepEqual(m.ftraceDisable("e2"), ok(0));
  assert.deepEqual(byte(), [0, 0, 1, 0]);
  m.perfClose(p1.value);
  assert.deepEqual(byte(), [0, 0, 1, 0]);
  m.perfClose(p2.value);
  assert.deepEqual(byte(), [0, 0, 0, 0]);
  assert.deepEqual(m.ftraceDisable("e2"), ok(0)); // already off
  assert.deepEqual(m.page(), new Uint8Array(16));
  // tracefs: no such event directory.
  assert.deepEqual(m.ftraceEnable("nope"), fail("ENOENT"));
  assert.deepEqual(m.ftraceDisable("nope"), fail("ENOENT"));
  assert.deepEqual(m.perfOpen("nope"), fail("ENOENT"));
  assert.throws(() => m.ftraceEnable("../x"), RangeError);
  assert.throws(() => m.enableByte(16), RangeError);
});

Deno.test("UdiagModel.page() snapshots every enable byte", () => {
  const { m } = withEvents("e1", "e2", "e3");
  m.ftraceEnable("e3");
  m.perfOpen("e1");
  const page = m.page();
  assert.deepEqual([...page.subarray(0, 5)], [0, 1, 0, 1, 0]);
  page[2] = 1;
  assert.equal(m.enableByte(2), 0);
});

// --- mmap / mprotect --------------------------------------------------------

Deno.test("mmapResult() allows one read-only page at offset 0", () => {
  const r = (
    length: number,
    prot = PROT_READ,
    flags = MAP_SHARED,
    offset = 0,
  ) => mmapResult({ length, prot, flags, offset }, 4096);
  // RFC diag_dev_mmap: the VMA (rounded up to a page) must be PAGE_SIZE.
  assert.deepEqual(r(1), ok(1));
  assert.deepEqual(r(4096), ok(4096));
  assert.deepEqual(r(4096, PROT_READ, MAP_PRIVATE), ok(4096));
  assert.deepEqual(r(4096, PROT_NONE), ok(4096));
  assert.deepEqual(r(4097), fail("EFAULT"));
  assert.deepEqual(r(8192), fail("EFAULT"));
  // mm core (do_mmap): length 0 is EINVAL before the driver.
  assert.deepEqual(r(0), fail("EINVAL"));
  // mm core (do_mmap): no map type is EINVAL.
  assert.deepEqual(r(4096, PROT_READ, 0), fail("EINVAL"));
  // Our interpretation (diag_dev_mmap ignores vm_pgoff): EINVAL.
  assert.deepEqual(r(4096, PROT_READ, MAP_SHARED, 4096), fail("EINVAL"));
  assert.deepEqual(r(4096, PROT_READ, MAP_SHARED, 1), fail("EINVAL"));
  // RFC diag_dev_mmap checks the size first.
  assert.deepEqual(r(8192, PROT_READ, MAP_SHARED, 4096), fail("EFAULT"));
  // Our interpretation (diag_dev_mmap allows PROT_WRITE): EPERM.
  assert.deepEqual(r(4096, PROT_READ | PROT_WRITE), fail("EPERM"));
  assert.deepEqual(r(4096, PROT_WRITE, MAP_PRIVATE), fail("EPERM"));
  assert.deepEqual(r(8192, PROT_WRITE), fail("EFAULT"));
  assert.throws(() => r(4096, 4), RangeError); // PROT_EXEC: mount-dependent
  assert.throws(() => r(2 ** 24 + 1), RangeError); // may be ENOMEM first
  assert.deepEqual(
    new UdiagModel({ pageSize: 16 }).mmapResult({
      length: 16,
      prot: 1,
      flags: 1,
    }),
    ok(16),
  );
});

Deno.test("mprotectResult() refuses to add PROT_WRITE with EACCES", () => {
  // Our interpretation (diag_dev_mmap leaves VM_MAYWRITE set): EACCES.
  assert.deepEqual(mprotectResult(PROT_READ | PROT_WRITE), fail("EACCES"));
  assert.deepEqual(mprotectResult(PROT_WRITE), fail("EACCES"));
  assert.deepEqual(mprotectResult(PROT_READ), ok(0));
  assert.deepEqual(mprotectResult(PROT_NONE), ok(0));
});

// --- clone ------------------------------------------------------------------

Deno.test("UdiagModel.clone() is independent of the original", () => {
  const { m, hs } = withEvents("e1");
  m.ftraceEnable("e1");
  m.write(hs[0]!, new Uint8Array([1]));
  const c = m.clone();
  assert.deepEqual(c.events(), m.events());
  assert.deepEqual(c.expectedRecords("ftrace"), m.expectedRecords("ftrace"));
  c.close(hs[0]!);
  c.ftraceDisable("e1");
  c.delete("e1");
  c.takeRecords("ftrace");
  assert.deepEqual(m.names(), ["e1"]);
  assert.equal(m.enableByte(1), 1);
  assert.equal(m.expectedRecords("ftrace")?.length, 1);
  assert.equal(c.open(), m.open()); // same next id, separate counters
  assert.deepEqual(c.register(c.open(), "x"), ok(1));
  assert.deepEqual(m.register(m.open(), "x"), ok(2));
});

// --- properties -------------------------------------------------------------

type Op =
  | { op: "open" }
  | { op: "openRegister"; name: NameArg }
  | { op: "close"; pick: number }
  | { op: "register"; pick: number; name: NameArg }
  | { op: "delete"; name: NameArg }
  | { op: "write"; pick: number; len: number; offset: number }
  | { op: "ftraceEnable" | "ftraceDisable" | "perfOpen"; name: string }
  | { op: "perfClose"; pick: number };

const NAMES = ["e0", "e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8"];
const nameArb: fc.Arbitrary<NameArg> = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 1, arbitrary: fc.constantFrom("", "a/b", "x".repeat(96)) },
  {
    weight: 1,
    arbitrary: fc.record({
      bytes: fc.uint8Array({ maxLength: 100 }),
      terminated: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ fault: true as const }) },
);
const pick = fc.nat(20);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ op: "open" as const }),
  fc.record({ op: fc.constant("openRegister" as const), name: nameArb }),
  fc.record({ op: fc.constant("close" as const), pick }),
  fc.record({ op: fc.constant("register" as const), pick, name: nameArb }),
  fc.record({ op: fc.constant("delete" as const), name: nameArb }),
  fc.record({
    op: fc.constant("write" as const),
    pick,
    len: fc.nat(8),
    offset: fc.constantFrom(0, 0, 0, 1, -1),
  }),
  fc.record({
    op: fc.constantFrom(
      "ftraceEnable" as const,
      "ftraceDisable" as const,
      "perfOpen" as const,
    ),
    name: fc.constantFrom(...NAMES),
  }),
  fc.record({ op: fc.constant("perfClose" as const), pick }),
);

/** Picks an open id most of the time, a stale or unknown one sometimes. */
function choose(ids: number[], pick: number): number {
  return pick < 16 && ids.length > 0 ? ids[pick % ids.length]! : pick + 1000;
}

const ALLOWED: Record<Op["op"], readonly string[]> = {
  open: [],
  openRegister: ["EFAULT", "EINVAL", "EMFILE"],
  close: ["EBADF"],
  register: ["EBADF", "EFAULT", "EINVAL", "EMFILE"],
  delete: ["EFAULT", "EINVAL", "ENOENT", "EBUSY"],
  write: ["EBADF", "EFAULT", "EINVAL", "ENOENT"],
  ftraceEnable: ["ENOENT"],
  ftraceDisable: ["ENOENT"],
  perfOpen: ["ENOENT"],
  perfClose: ["EBADF"],
};

function apply(m: UdiagModel, o: Op): SysResult<number> {
  switch (o.op) {
    case "open":
      return ok(m.open());
    case "openRegister":
      return m.register(m.open(), o.name);
    case "close":
      return m.close(choose(m.handles(), o.pick));
    case "register":
      return m.register(choose(m.handles(), o.pick), o.name);
    case "delete":
      return m.delete(o.name);
    case "write":
      return m.write(
        choose(m.handles(), o.pick),
        new Uint8Array(o.len),
        o.offset,
      );
    case "ftraceEnable":
      return m.ftraceEnable(o.name);
    case "ftraceDisable":
      return m.ftraceDisable(o.name);
    case "perfOpen":
      return m.perfOpen(o.name);
    case "perfClose":
      return m.perfClose(choose(m.perfIds(), o.pick));
  }
}

function checkInvariants(
  m: UdiagModel,
  before: ReadonlyMap<string, number>,
): void {
  const events = m.events();
  const indexes = [...events.values()].map((e) => e.index);
  // Indexes of live events are unique and in 1 … pageSize - 1.
  assert.equal(new Set(indexes).size, indexes.length);
  for (const i of indexes) assert.ok(i >= 1 && i < m.pageSize, `index ${i}`);
  // A name keeps its index while it lives.
  for (const [name, e] of events) {
    const was = before.get(name);
    if (was !== undefined) assert.equal(e.index, was, name);
  }
  // At most capacity events; free slots account for the rest.
  assert.ok(events.size <= m.capacity);
  assert.equal(m.freeCount(), m.capacity - events.size);
  // The page byte is 1 exactly for live traced events.
  const want = new Uint8Array(m.pageSize);
  for (const e of events.values()) {
    want[e.index] = e.ftrace || e.perf.length > 0 ? 1 : 0;
  }
  assert.deepEqual(m.page(), want);
  for (let i = 0; i < m.pageSize; i++) assert.equal(m.enableByte(i), want[i]);
  // Every handle's event is live and lists it.
  for (const h of m.handles()) {
    const name = m.handleEvent(h);
    if (name !== undefined) assert.ok(events.get(name)?.handles.includes(h));
  }
}

/**
 * A fresh handle's register allocates like find_first_zero_bit: a new name
 * gets the lowest index free before, and EMFILE means nothing was free.
 */
function checkAllocation(
  m: UdiagModel,
  before: ReadonlyMap<string, number>,
  r: SysResult<number>,
): void {
  const used = new Set(before.values());
  let lowest = 1;
  while (used.has(lowest)) lowest++;
  const fresh = [...m.events().keys()].filter((n) => !before.has(n));
  if (r.ok && fresh.length > 0) assert.equal(r.value, lowest);
  if (!r.ok && r.errno === "EMFILE") assert.equal(before.size, m.capacity);
}

function indexesOf(m: UdiagModel): Map<string, number> {
  return new Map([...m.events()].map(([n, e]) => [n, e.index]));
}

Deno.test("UdiagModel keeps its invariants over random operation sequences", () => {
  const runs = new Map<string, number>();
  fc.assert(
    fc.property(
      fc.constantFrom(2, 4, 8),
      fc.array(opArb, { maxLength: 120, size: "max" }),
      (pageSize, ops) => {
        const m = new UdiagModel({ pageSize, tracedMax: maxTracedPayload(4096) });
        const seen = new Set<string>();
        for (const o of ops) {
          const before = indexesOf(m);
          const r = apply(m, o);
          seen.add(`${o.op} ${r.ok ? "ok" : r.errno}`);
          if (m.freeCount() === 0) seen.add("full");
          if (o.op === "openRegister") checkAllocation(m, before, r);
          if (!r.ok) {
            assert.ok(ALLOWED[o.op].includes(r.errno), `${o.op}: ${r.errno}`);
          }
          checkInvariants(m, before);
        }
        for (const k of seen) runs.set(k, (runs.get(k) ?? 0) + 1);
      },
    ),
    { numRuns: 300 },
  );
  // The generator must reach these states, or the property says little.
  for (const k of ["full", "delete ok", "delete EBUSY", "openRegister EMFILE", "write ok"]) {
    assert.ok((runs.get(k) ?? 0) > 0, `no run reached "${k}"`);
  }
});

Deno.test("UdiagModel.clone() answers every later operation as the original does", () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 40 }),
      fc.array(opArb, { maxLength: 40 }),
      (pre, post) => {
        const m = new UdiagModel({ pageSize: 8, tracedMax: maxTracedPayload(4096) });
        for (const o of pre) apply(m, o);
        const c = m.clone();
        for (const o of post) assert.deepEqual(apply(c, o), apply(m, o));
        assert.deepEqual(c.events(), m.events());
        assert.deepEqual(c.page(), m.page());
      },
    ),
  );
});
