/**
 * The commands against the model with a stand-in kernel: each command must
 * notice when the kernel answers otherwise than the model (so a broken
 * harness cannot pass a wrong kernel), stay quiet when the answers agree, and
 * accept the answers NOTES.md allows for what the kernel does asynchronously.
 * Then whole generated cases run against the model and a kernel stand-in that
 * answers what the model says, to show every command class runs end to end.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { fail, ok, type SysResult } from "../../../../harness/errno.ts";
import { UserEventsModel, WORDS } from "../model.ts";
import { Mismatch, type RealUserEvents } from "../real.ts";
import { wordTitle } from "../titles.ts";
import { CloseCmd, OpenCmd } from "./file_cmds.ts";
import { type RegisterArg, RegisterCmd } from "./register_cmd.ts";
import { UnregisterCmd } from "./unregister_cmd.ts";
import { DeleteCmd, DynCreateCmd, DynDeleteCmd } from "./delete_cmds.ts";
import { type WriteArg, WriteCmd } from "./write_cmd.ts";
import { TraceCmd } from "./trace_cmd.ts";
import { ProtectCmd } from "./protect_cmd.ts";
import { allCommands, COMMAND_NAMES, commandName } from "./mod.ts";
import { checkDrawnCommands } from "../../../../fuzz/drawn_commands.ts";

type Answers = {
  open?: SysResult<number>;
  close?: SysResult<number>;
  register?: SysResult<number>;
  unregister?: SysResult<number>;
  delete?: SysResult<number>;
  write?: SysResult<number>;
  trace?: SysResult<number>;
  dyn?: SysResult<number>;
  /** Word values the stand-in's memory holds instead of the model's. */
  words?: Record<number, bigint>;
};

/** A stand-in for RealUserEvents answering what the test says, recording the log. */
function standIn(a: Answers): RealUserEvents & { log: string[] } {
  const said = (r: SysResult<number> | undefined, d: SysResult<number>) => r ?? d;
  const file = {
    register: () => said(a.register, ok(0)),
    unregister: () => said(a.unregister, ok(0)),
    delete: () => said(a.delete, ok(0)),
    write: () => said(a.write, ok(4)),
    writev: () => said(a.write, ok(4)),
    writeRaw: () => said(a.write, fail("EFAULT")),
    close: () => said(a.close, ok(0)),
  };
  const log: string[] = [];
  const fake = {
    log,
    files: new Map(),
    tracefs: { setEnabled: () => said(a.trace, ok(0)) },
    open: (h: number) => a.open ?? ok(h),
    file: () => file,
    address: (w: number, off = 0) => BigInt(0x10000 + w * 8 + off),
    dynCreate: () => said(a.dyn, ok(0)),
    dynDelete: () => said(a.dyn, ok(0)),
    protect: () => {},
    finish(m: UserEventsModel, after: string) {
      m.takeDying();
      log.push(after);
      for (let w = 0; w < WORDS; w++) {
        const got = a.words?.[w] ?? m.word(w);
        if (((got ^ m.word(w)) & ~m.unknownMask(w)) !== 0n) {
          throw new Mismatch(
            `enable word ${w} after ${after}`,
            "set",
            "clear",
            wordTitle(after, "x"),
          );
        }
      }
    },
  };
  return fake as unknown as RealUserEvents & { log: string[] };
}

const REG: RegisterArg = {
  name: 0,
  fields: 1,
  size: 4,
  bit: 3,
  word: 0,
  offset: 0,
  persist: false,
};
const W = (o: Partial<WriteArg>): WriteArg => ({
  index: "own",
  k: 0,
  len: 4,
  vector: false,
  short: false,
  ...o,
});
const f0 = { fd: 0, name: "f0", fields: 1, size: 4, bit: 3, word: 0, offset: 0, persist: false };

/** Each row: set the model up, then run a command whose stand-in answer is right or wrong. */
const ROWS: {
  name: string;
  setup: (m: UserEventsModel) => void;
  cmd: () => { run(m: UserEventsModel, r: RealUserEvents): void };
  right: Answers;
  wrong: Answers;
}[] = [
  {
    name: "OpenCmd",
    setup: () => {},
    cmd: () => new OpenCmd(),
    right: {},
    wrong: { open: fail("EMFILE") },
  },
  {
    name: "CloseCmd",
    setup: (m) => m.open(),
    cmd: () => new CloseCmd(0),
    right: {},
    wrong: { close: fail("EBADF") },
  },
  {
    name: "RegisterCmd (index 0)",
    setup: (m) => m.open(),
    cmd: () => new RegisterCmd(0, REG),
    right: { register: ok(0) },
    wrong: { register: ok(1) },
  },
  {
    name: "RegisterCmd (read-only page: ENOMEM)",
    setup: (m) => {
      m.open();
      m.protect(0, "ro");
    },
    cmd: () => new RegisterCmd(0, REG),
    right: { register: fail("ENOMEM") },
    wrong: { register: fail("EFAULT") },
  },
  {
    name: "RegisterCmd (registering a traced event sets the bit)",
    setup: (m) => {
      m.open();
      m.dynCreate("f0", 1);
      m.trace("f0", true);
    },
    cmd: () => new RegisterCmd(0, REG),
    right: { register: ok(0), words: { 0: 1n << 3n } },
    wrong: { register: ok(0), words: { 0: 0n } },
  },
  {
    name: "UnregisterCmd (live enabler)",
    setup: (m) => m.register({ ...f0, fd: m.open() }),
    cmd: () => new UnregisterCmd(0, { kind: "live", k: 0 }),
    right: { unregister: ok(0) },
    wrong: { unregister: fail("ENOENT") },
  },
  {
    name: "UnregisterCmd (nothing there: ENOENT)",
    setup: (m) => m.open(),
    cmd: () => new UnregisterCmd(0, { kind: "any", word: 1, offset: 4, bit: 7 }),
    right: { unregister: fail("ENOENT") },
    wrong: { unregister: ok(0) },
  },
  {
    name: "DeleteCmd (held by a file: EBUSY)",
    setup: (m) => m.register({ ...f0, fd: m.open() }),
    cmd: () => new DeleteCmd(0, 0),
    right: { delete: fail("EBUSY") },
    wrong: { delete: ok(0) },
  },
  {
    name: "DeleteCmd (unknown: ENOENT)",
    setup: (m) => m.open(),
    cmd: () => new DeleteCmd(0, 2),
    right: { delete: fail("ENOENT") },
    wrong: { delete: fail("EBUSY") },
  },
  {
    name: "WriteCmd (not traced: EBADF)",
    setup: (m) => m.register({ ...f0, fd: m.open() }),
    cmd: () => new WriteCmd(0, W({})),
    right: { write: fail("EBADF") },
    wrong: { write: ok(8) },
  },
  {
    name: "WriteCmd (traced: byte count)",
    setup: (m) => {
      m.register({ ...f0, fd: m.open() });
      m.trace("f0", true);
    },
    cmd: () => new WriteCmd(0, W({ vector: true, len: 5 })),
    right: { write: ok(9), words: { 0: 1n << 3n } },
    wrong: { write: fail("EBADF") },
  },
  {
    name: "WriteCmd (negative index: EINVAL)",
    setup: (m) => m.open(),
    cmd: () => new WriteCmd(0, W({ index: "negative", k: 1 })),
    right: { write: fail("EINVAL") },
    wrong: { write: fail("ENOENT") },
  },
  {
    name: "WriteCmd (short: EFAULT)",
    setup: (m) => m.open(),
    cmd: () => new WriteCmd(0, W({ short: true, len: 2 })),
    right: { write: fail("EFAULT") },
    wrong: { write: ok(2) },
  },
  {
    name: "TraceCmd (unknown event: ENOENT)",
    setup: () => {},
    cmd: () => new TraceCmd(1, true),
    right: { trace: fail("ENOENT") },
    wrong: { trace: ok(0) },
  },
  {
    name: "TraceCmd (the enabler's bit must follow)",
    setup: (m) => m.register({ ...f0, fd: m.open() }),
    cmd: () => new TraceCmd(0, true),
    right: { words: { 0: 1n << 3n } },
    wrong: { words: { 0: 0n } },
  },
  {
    name: "DynCreateCmd (other fields: EADDRINUSE)",
    setup: (m) => m.dynCreate("f1", 1),
    cmd: () => new DynCreateCmd(1, 2),
    right: { dyn: fail("EADDRINUSE") },
    wrong: { dyn: ok(0) },
  },
  {
    name: "DynDeleteCmd (unused persistent event)",
    setup: (m) => m.dynCreate("f1", 1),
    cmd: () => new DynDeleteCmd(1, 1),
    right: { dyn: ok(0) },
    wrong: { dyn: fail("ENOENT") },
  },
  {
    name: "ProtectCmd (a remapped page must read zero)",
    setup: (m) => m.protect(0, "unmapped"),
    cmd: () => new ProtectCmd(0, "rw"),
    right: { words: { 0: 0n } },
    wrong: { words: { 0: 1n } },
  },
];

for (const row of ROWS) {
  Deno.test(`${row.name}.run() accepts the model's answer and throws Mismatch on another`, () => {
    const good = new UserEventsModel();
    row.setup(good);
    row.cmd().run(good, standIn(row.right));
    const bad = new UserEventsModel();
    row.setup(bad);
    assert.throws(() => row.cmd().run(bad, standIn(row.wrong)), Mismatch);
  });
}

/** A model whose enabler (word 0, bit 3) was unregistered while faulting. */
function lingering(): UserEventsModel {
  const m = new UserEventsModel();
  m.register({ ...f0, fd: m.open() });
  m.protect(0, "ro");
  m.trace("f0", true);
  m.unregister(0, 0, 3);
  m.protect(0, "rw");
  return m;
}

Deno.test("RegisterCmd.run() accepts EADDRINUSE on a lingering faulting enabler (U:2690-2698)", () => {
  const m = lingering();
  new RegisterCmd(0, { ...REG, name: 1 }).run(m, standIn({ register: fail("EADDRINUSE") }));
  assert.equal(m.events().has("f1"), false); // nothing changed
  new RegisterCmd(0, { ...REG, name: 1 }).run(m, standIn({ register: ok(1) }));
  assert.equal(m.events().has("f1"), true);
});

Deno.test("UnregisterCmd.run() accepts 0 where a faulting enabler lingers (U:2690-2698)", () => {
  const m = lingering();
  const cmd = () => new UnregisterCmd(0, { kind: "any", word: 0, offset: 0, bit: 3 });
  cmd().run(m, standIn({ unregister: ok(0) }));
  cmd().run(m, standIn({ unregister: fail("ENOENT") }));
  assert.throws(() => cmd().run(m, standIn({ unregister: fail("EINVAL") })), Mismatch);
});

Deno.test("DeleteCmd.run() retries EBUSY while an RCU-deferred put is pending (UE-DEL-004)", () => {
  const m = new UserEventsModel();
  const fd = m.open();
  m.register({ ...f0, fd, persist: true });
  m.unregister(0, 0, 3);
  m.close(fd);
  const h = m.open();
  let calls = 0;
  const r = standIn({});
  (r.file(h) as unknown as { delete: () => SysResult<number> }).delete = () =>
    ++calls < 3 ? fail("EBUSY") : ok(0);
  new DeleteCmd(0, 0).run(m, r);
  assert.equal(calls, 3);
  assert.equal(m.events().has("f0"), false);
});

Deno.test("commandName() maps every printed command to a name in COMMAND_NAMES", () => {
  const names = new Set<string>(COMMAND_NAMES);
  for (
    const p of [
      "open() = h1",
      "close(h1)",
      'register(h1, "f0 u32 a", w0+4, size 4, bit 3)',
      "unregister(h1, w0+0, bit 3)",
      'delete(h1, "f0")',
      "write(h1, index own 0, 4 bytes)",
      "writev(h1, index negative, 4 bytes)",
      "short_write(h1, 2 bytes)",
      'trace("f0", on)',
      'dyn_create("u:f0")',
      'dyn_delete("!u:f0")',
      "protect(page 0, ro)",
    ]
  ) assert.ok(names.has(commandName(p)), p);
});

Deno.test("generated cases run against the model and an agreeing stand-in kernel", () => {
  // The stand-in answers what a second model says: every command class
  // runs, and none finds a mismatch where there is none.
  fc.assert(
    fc.property(fc.commands(allCommands, { maxCommands: 40 }), (cmds) => {
      const shadow = new UserEventsModel();
      const r = mirror(shadow);
      fc.modelRun(() => ({ model: new UserEventsModel(), real: r }), cmds);
    }),
    { numRuns: 200, seed: 42 },
  );
});

/**
 * A stand-in that answers each call from `shadow`, its own model driven the
 * same way the commands drive theirs: the kernel of a perfect world.
 */
function mirror(shadow: UserEventsModel): RealUserEvents {
  const pool = ["f0", "f1", "f2", "f3"];
  const words = (w: number, off: number) => ({ word: w, offset: off });
  const byAddr = new Map<bigint, { word: number; offset: number }>();
  for (let w = 0; w < WORDS; w++) {
    for (const off of [0, 4]) byAddr.set(BigInt(0x10000 + w * 8 + off), words(w, off));
  }
  const files = new Map<number, unknown>();
  const fileOf = (h: number) => ({
    register: (o: {
      nameArgs: string;
      enableAddr: bigint;
      enableBit: number;
      enableSize: number;
      flags: number;
    }) => {
      const [name, ...rest] = o.nameArgs.split(" ");
      const fields = ["", "u32 a", "u64 a", "u32 a; u32 b"].indexOf(rest.join(" "));
      const at = byAddr.get(o.enableAddr)!;
      return shadow.register({
        fd: h,
        name: name!,
        fields,
        size: o.enableSize,
        bit: o.enableBit,
        word: at.word,
        offset: at.offset,
        persist: o.flags === 1,
      });
    },
    unregister: (addr: bigint, bit: number) => {
      const at = byAddr.get(addr)!;
      return shadow.unregister(at.word, at.offset, bit);
    },
    delete: (n: string) => shadow.delete(n),
    write: (i: number, p: Uint8Array) => shadow.write(h, i, p.length),
    writev: (i: number, p: Uint8Array) => shadow.write(h, i, p.length),
    writeRaw: () => shadow.shortWrite(h),
    close: () => shadow.close(h),
  });
  const dyn = (s: string, del: boolean) => {
    const [name, ...rest] = s.split(" ");
    const fields = ["", "u32 a", "u64 a", "u32 a; u32 b"].indexOf(rest.join(" "));
    return del ? shadow.dynDelete(name!, fields) : shadow.dynCreate(name!, fields);
  };
  const fake = {
    log: [] as string[],
    files,
    tracefs: {
      setEnabled: (n: string, on: boolean) => shadow.trace(n, on),
    },
    open: (h: number) => {
      const s = shadow.open();
      assert.equal(s, h);
      files.set(h, fileOf(h));
      return ok(h);
    },
    file: (h: number) => files.get(h) ?? fileOf(h),
    address: (w: number, off = 0) => BigInt(0x10000 + w * 8 + off),
    dynCreate: (s: string) => dyn(s, false),
    dynDelete: (s: string) => dyn(s, true),
    protect: (p: number, to: "rw" | "ro" | "none" | "unmapped") => shadow.protect(p, to),
    finish(m: UserEventsModel, after: string) {
      assert.deepEqual(m.takeDying(), shadow.takeDying(), after);
      for (let w = 0; w < WORDS; w++) assert.equal(shadow.word(w), m.word(w), after);
      void pool;
    },
  };
  return fake as unknown as RealUserEvents;
}

Deno.test("every command allCommands draws prints itself, as a filed case needs", () => {
  checkDrawnCommands(allCommands, COMMAND_NAMES, commandName);
});
