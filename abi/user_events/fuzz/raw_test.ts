/** The raw campaign's oracle, one row per NOTES.md errno path. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { allowedRaw, permitted, type RawOp, rawOp, rawTitle, showRawOp } from "./raw.ts";
import { fail, ok } from "../../../harness/errno.ts";
import { COMMAND_NAMES, commandName } from "./titles.ts";

const REG = {
  op: "reg" as const,
  size: 28,
  tail: false,
  structFault: false,
  flags: 0,
  enableSize: 4,
  bit: 0,
  addr: "word" as const,
  name: "pool" as const,
  pool: 0,
};
const UNREG = {
  op: "unreg" as const,
  size: 16,
  tail: false,
  structFault: false,
  reserved: 0,
  reserved2: 0,
  bit: 0,
  addr: "word" as const,
};

const ROWS: { op: RawOp; want: string[]; cite: string }[] = [
  { op: { ...REG, structFault: true }, want: ["EFAULT"], cite: "§5.1 U:2446-2449" },
  { op: { ...REG, size: 4097 }, want: ["E2BIG"], cite: "§5.2 U:2451-2452" },
  { op: { ...REG, size: 0xffffffff, flags: 9 }, want: ["E2BIG"], cite: "§5.2 before flags" },
  { op: { ...REG, size: 27 }, want: ["EINVAL"], cite: "§5.2 U:2454-2455" },
  { op: { ...REG, size: 40, tail: true }, want: ["E2BIG"], cite: "§5.3 U:2457-2460" },
  {
    op: { ...REG, size: 40 },
    want: ["EADDRINUSE", "ok"],
    cite: "§5.3 zero tail accepted",
  },
  { op: { ...REG, flags: 4 }, want: ["EINVAL"], cite: "§4, §5.4 U:2463-2464" },
  { op: { ...REG, enableSize: 2 }, want: ["EINVAL"], cite: "§5.5 U:2467-2478" },
  { op: { ...REG, addr: "misaligned" }, want: ["EINVAL"], cite: "§5.6 U:2481-2482" },
  { op: { ...REG, enableSize: 8, addr: "word+4" }, want: ["EINVAL"], cite: "§5.6" },
  { op: { ...REG, bit: 32 }, want: ["EINVAL"], cite: "§5.7 U:2485-2486" },
  { op: { ...REG, addr: "kernel" }, want: ["EFAULT"], cite: "§5.8 U:2489-2491" },
  { op: { ...REG, name: "null" }, want: ["EADDRINUSE", "EFAULT"], cite: "§5.9 then §5.10" },
  { op: { ...REG, addr: "null", name: "kernel" }, want: ["EFAULT"], cite: "§5.10 MU:272-293" },
  { op: { ...REG, addr: "null", name: "oversize" }, want: ["EINVAL"], cite: "§5.10 U:2527-2533" },
  { op: { ...REG, addr: "null", name: "unterminated" }, want: ["EFAULT"], cite: "§5.10" },
  { op: { ...REG, addr: "null", name: "colon" }, want: ["EINVAL"], cite: "§4, §5.11 U:2124-2125" },
  {
    op: { ...REG, addr: "null", name: "bad fields" },
    want: ["EADDRINUSE", "EINVAL"],
    cite: "§5.11 lookup before parse; §6",
  },
  { op: { ...REG, addr: "null" }, want: ["EADDRINUSE", "ENOMEM"], cite: "§5.13 U:2563-2566" },
  { op: { ...REG, addr: "unmapped" }, want: ["EADDRINUSE", "ENOMEM"], cite: "§5.13" },
  {
    op: { ...REG, flags: 3, enableSize: 8, bit: 63 },
    want: ["EADDRINUSE", "ok"],
    cite: "§4 PERSIST|MULTI_FORMAT valid",
  },
  { op: { ...UNREG, structFault: true }, want: ["EFAULT"], cite: "§8 U:2608-2611" },
  { op: { ...UNREG, size: 4097 }, want: ["E2BIG"], cite: "§8 U:2613-2614" },
  { op: { ...UNREG, size: 15 }, want: ["EINVAL"], cite: "§8 U:2616-2617" },
  { op: { ...UNREG, size: 20, tail: true }, want: ["E2BIG"], cite: "§8 U:2619, quirk" },
  { op: { ...UNREG, reserved: 1 }, want: ["EINVAL"], cite: "§8 U:2622-2623" },
  { op: { ...UNREG, reserved2: 1 }, want: ["EINVAL"], cite: "§8 U:2622-2623" },
  { op: { ...UNREG }, want: ["ENOENT", "ok 0"], cite: "§8 U:2676-2680" },
  { op: { ...UNREG, addr: "kernel" }, want: ["ENOENT"], cite: "§8 U:2680" },
  { op: { op: "del", name: "null", pool: 0 }, want: ["EFAULT"], cite: "§9 strndup_user" },
  { op: { op: "del", name: "oversize", pool: 0 }, want: ["EINVAL"], cite: "§9, U:2587" },
  { op: { op: "del", name: "colon", pool: 0 }, want: ["ENOENT"], cite: "§9 no such event" },
  {
    op: { op: "del", name: "pool", pool: 1 },
    want: ["ok 0", "ENOENT", "EBUSY"],
    cite: "§9 DIAG_IOCSDEL",
  },
  {
    op: { op: "write", length: 3, index: 0, nullBuf: false },
    want: ["EFAULT"],
    cite: "§7 U:2293-2294",
  },
  {
    op: { op: "write", length: 8, index: 0, nullBuf: true },
    want: ["EFAULT"],
    cite: "§7 U:2390-2391",
  },
  {
    op: { op: "write", length: 4, index: -1, nullBuf: false },
    want: ["EINVAL"],
    cite: "§7 U:2296-2297",
  },
  {
    op: { op: "write", length: 9, index: 2, nullBuf: false },
    want: ["ENOENT", "EINVAL", "EBADF", "ok 9"],
    cite: "§7 table",
  },
  { op: { op: "ioctl", nr: 3 }, want: ["ENOTTY"], cite: "§2 U:2725" },
];

for (const row of ROWS) {
  Deno.test(`allowedRaw(${showRawOp(row.op)}) follows ${row.cite}`, () => {
    assert.deepEqual([...allowedRaw(row.op)].sort(), [...row.want].sort());
  });
}

Deno.test("permitted() matches errno names, exact counts, and any success for 'ok'", () => {
  assert.equal(permitted(new Set(["ok"]), ok(3)), true);
  assert.equal(permitted(new Set(["ok 9"]), ok(9)), true);
  assert.equal(permitted(new Set(["ok 9"]), ok(8)), false);
  assert.equal(permitted(new Set(["EINVAL"]), fail("EFAULT")), false);
  assert.equal(permitted(new Set(["EINVAL"]), ok(0)), false);
});

Deno.test("rawTitle() keeps 0 and 1 and hides larger counts", () => {
  assert.equal(
    rawTitle("raw_write(9 bytes, index 0)", "ok 9"),
    "fuzz raw: raw_write returned ok N, outside NOTES.md's errno table",
  );
});

Deno.test("every generated raw op has a non-empty oracle and a counted name", () => {
  const names = new Set<string>(COMMAND_NAMES);
  fc.assert(
    fc.property(rawOp, (o) => {
      assert.ok(allowedRaw(o).size > 0);
      assert.ok(names.has(commandName(showRawOp(o))));
    }),
    { numRuns: 500 },
  );
});
