/**
 * The commands against the model with a stand-in kernel: each command must
 * notice when the kernel answers otherwise than the model (so a broken harness
 * cannot pass a wrong kernel), and must stay quiet when the answers agree.
 */
import assert from "node:assert/strict";
import { UdiagModel } from "../model.ts";
import { Mismatch, type RealUdiag } from "../real.ts";
import type { SysResult } from "../../../../harness/errno.ts";
import { OpenCmd } from "./open_cmd.ts";
import { CloseCmd } from "./close_cmd.ts";
import { RegisterCmd } from "./register_cmd.ts";
import { DeleteCmd } from "./delete_cmd.ts";
import { WriteCmd } from "./write_cmd.ts";
import { TraceCmd } from "./trace_cmd.ts";
import { PerfOpenCmd } from "./perf_open_cmd.ts";
import { BpfAttachCmd } from "./bpf_attach_cmd.ts";
import { checkBpfSeen } from "./drain_cmd.ts";
import { allCommands, COMMAND_NAMES, commandName } from "./mod.ts";
import { checkDrawnCommands } from "../../../../fuzz/drawn_commands.ts";

type Answers = {
  open?: SysResult<number>;
  register?: SysResult<number>;
  delete?: SysResult<number>;
  write?: SysResult<number>;
  close?: SysResult<number>;
  trace?: SysResult<number>;
  perfOpen?: SysResult<number>;
  bpfAttach?: SysResult<number>;
  page?: Uint8Array;
};

/** A stand-in for RealUdiag answering what the test says, recording the log. */
function standIn(m: UdiagModel, a: Answers): RealUdiag {
  const file = {
    register: () => a.register ?? { ok: true, value: 1 },
    delete: () => a.delete ?? { ok: true, value: 0 },
    write: () => a.write ?? { ok: true, value: 1 },
    pwrite: () => a.write ?? { ok: true, value: 1 },
    close: () => a.close ?? { ok: true, value: 0 },
  };
  const log: string[] = [];
  const fake = {
    log,
    created: [],
    files: new Map(),
    perfs: new Map(),
    tracefs: { setEnabled: () => a.trace ?? { ok: true, value: 1 } },
    open: (h: number) => a.open ?? { ok: true, value: h },
    file: () => file,
    control: () => file,
    learnFormat: () => 1,
    perfOpen: (id: number) => a.perfOpen ?? { ok: true, value: id },
    bpfAttach: () => a.bpfAttach ?? { ok: true, value: 0 },
    checkPage(model: UdiagModel, after: string) {
      log.push(after);
      const got = a.page ?? model.page();
      const want = model.page();
      const i = got.findIndex((b, j) => b !== want[j]);
      if (i >= 0) {
        throw new Mismatch(`enable byte ${i} after ${after}`, String(got[i]), String(want[i]));
      }
    },
  };
  void m;
  return fake as unknown as RealUdiag;
}

const pool = (i: number) => ({ kind: "pool" as const, i });
const EBUSY = { ok: false as const, errno: "EBUSY" as const };

/** Each row: set the model up, then run a command whose stand-in answer is right or wrong. */
const ROWS: {
  name: string;
  setup: (m: UdiagModel) => void;
  cmd: () => { run(m: UdiagModel, r: RealUdiag): void };
  right: Answers;
  wrong: Answers;
}[] = [
  {
    name: "OpenCmd",
    setup: () => {},
    cmd: () => new OpenCmd(),
    right: {},
    wrong: { open: { ok: false, errno: "EMFILE" } },
  },
  {
    name: "RegisterCmd",
    setup: (m) => m.open(),
    cmd: () => new RegisterCmd(0, pool(0)),
    right: { register: { ok: true, value: 1 } },
    wrong: { register: { ok: true, value: 2 } },
  },
  {
    name: "DeleteCmd (held: EBUSY)",
    setup: (m) => m.register(m.open(), "f0"),
    cmd: () => new DeleteCmd(pool(0)),
    right: { delete: EBUSY },
    wrong: { delete: { ok: true, value: 0 } },
  },
  {
    name: "WriteCmd (unregistered: ENOENT)",
    setup: (m) => m.open(),
    cmd: () => new WriteCmd(0, { payload: new Uint8Array([1]), offset: 0 }),
    right: { write: { ok: false, errno: "ENOENT" } },
    wrong: { write: { ok: true, value: 1 } },
  },
  {
    name: "CloseCmd",
    setup: (m) => m.open(),
    cmd: () => new CloseCmd(0),
    right: { close: { ok: true, value: 0 } },
    wrong: { close: { ok: false, errno: "EBADF" } },
  },
  {
    name: "TraceCmd (unknown event: ENOENT)",
    setup: () => {},
    cmd: () => new TraceCmd(1, true),
    right: { trace: { ok: false, errno: "ENOENT" } },
    wrong: { trace: { ok: true, value: 1 } },
  },
  {
    name: "TraceCmd (enable byte must follow)",
    setup: (m) => m.register(m.open(), "f0"),
    cmd: () => new TraceCmd(0, true),
    right: {},
    wrong: { page: new Uint8Array(4096) }, // the kernel forgot to set byte 1
  },
  {
    name: "PerfOpenCmd",
    setup: (m) => m.register(m.open(), "f2"),
    cmd: () => new PerfOpenCmd(2),
    right: { perfOpen: { ok: true, value: 1 } },
    wrong: { perfOpen: { ok: false, errno: "ENOENT" } },
  },
  {
    name: "PerfOpenCmd with a program attached",
    setup: (m) => m.register(m.open(), "f2"),
    cmd: () => new PerfOpenCmd(2, true),
    right: {},
    wrong: { bpfAttach: { ok: false, errno: "EINVAL" } },
  },
  {
    name: "BpfAttachCmd (a second program: EEXIST)",
    setup: (m) => {
      m.register(m.open(), "f2");
      const p = m.perfOpen("f2");
      if (p.ok) m.bpfAttach(p.value);
    },
    cmd: () => new BpfAttachCmd(0),
    right: { bpfAttach: { ok: false, errno: "EEXIST" } },
    wrong: { bpfAttach: { ok: true, value: 0 } },
  },
];

for (const row of ROWS) {
  Deno.test(`${row.name}.run() accepts the model's answer and throws Mismatch on another`, () => {
    const good = new UdiagModel();
    row.setup(good);
    row.cmd().run(good, standIn(good, row.right));
    const bad = new UdiagModel();
    row.setup(bad);
    assert.throws(() => row.cmd().run(bad, standIn(bad, row.wrong)), Mismatch);
  });
}

Deno.test("checkBpfSeen(): the eBPF program must have read the last payload its perf event got", () => {
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  const last = { name: "f0", sink: 1, data };
  const seen = (length: number, bytes: Uint8Array) => ({
    ok: true as const,
    value: { length, bytes },
  });
  checkBpfSeen(1, seen(100, data.slice(0, 64)), last);
  const table: [string, Parameters<typeof checkBpfSeen>[1], string][] = [
    ["other bytes", seen(100, data.slice(1, 65)), "fuzz: drain(bpf) read bytes other than written"],
    [
      "another length",
      seen(7, data.slice(0, 7)),
      "fuzz: drain(bpf) read a length other than written",
    ],
    [
      "a user pointer's bytes",
      seen(0, new Uint8Array()),
      "fuzz: drain(bpf) read a length other than written",
    ],
    [
      "no map entry",
      { ok: false, errno: "ENOENT" },
      "fuzz: drain(bpf) could not read the program's map",
    ],
  ];
  for (const [what, got, title] of table) {
    assert.throws(
      () => checkBpfSeen(1, got, last),
      (e: Error) => e instanceof Mismatch && e.title === title,
      what,
    );
  }
});

Deno.test("every command allCommands draws prints itself, as a filed case needs", () => {
  checkDrawnCommands(allCommands, COMMAND_NAMES, commandName);
});
