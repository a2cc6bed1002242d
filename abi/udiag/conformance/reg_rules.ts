/** Conformance: opening the device, DIAG_IOCSREG, and the tracefs event it creates. */
import { Fixture, rule } from "./fixture.ts";
import { GuardedBytes, sysIoctl, sysWriteText } from "../../../harness/syscall.ts";
import { O_TRUNC, O_WRONLY } from "../../../harness/libc.ts";
import { showResult } from "../../../harness/errno.ts";
import { DIAG_IOCSREG, MAX_NAME_BYTES } from "../abi.ts";
import { ioc, IOC_WRITE } from "../../../harness/ioctl.ts";
import { UdiagFile } from "../device.ts";
import { DEVICE } from "./fixture.ts";
import { heard, nextMessage } from "./worker_message.ts";
import type { RegRaceAnswers } from "./reg_race_worker.ts";
import type { EnableMessage, EnableStart } from "./reg_enable_worker.ts";

const ok = (value: unknown) => ({ ok: true as const, value });

rule("UD-OPEN-001", (t) => {
  const r = UdiagFile.open(DEVICE);
  t.expect("open(O_RDWR)", r.ok ? ok("fd") : r, ok("fd"));
  if (r.ok) r.value.close();
});

rule("UD-IOC-001", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = new TextEncoder().encode(fx.name() + "\0");
  // The RFC's magic with an unused number, and a foreign magic with REG's number.
  t.expect("ioctl(_IOW('*', 2, char*))", f.ioctl(ioc(IOC_WRITE, "*", 2, 8), name), "ENOTTY");
  t.expect("ioctl(_IOW('x', 0, char*))", f.ioctl(ioc(IOC_WRITE, "x", 0, 8), name), "ENOTTY");
  t.expect("ioctl(DIAG_IOCSREG ^ size)", f.ioctl(DIAG_IOCSREG ^ (1 << 16), name), "ENOTTY");
});

rule("UD-REG-001", (t) => {
  using fx = new Fixture();
  const r = fx.open().register(fx.name());
  t.expect("DIAG_IOCSREG(new name) index >= 1", r.ok ? ok(r.value >= 1) : r, ok(true));
});

rule("UD-REG-002", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  const a = fx.open().register(name);
  const b = fx.open().register(name);
  t.expect("first file", a.ok, true);
  t.expect("second file gets the same index", b, a);
});

rule("UD-REG-003", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const name = fx.name();
  t.expect("first DIAG_IOCSREG", f.register(name).ok, true);
  t.expect("DIAG_IOCSREG again, same name", f.register(name), "EMFILE");
  t.expect("DIAG_IOCSREG again, other name", f.register(fx.name()), "EMFILE");
});

rule("UD-REG-004", (t) => {
  using fx = new Fixture();
  const idx = new Set<number>();
  for (let i = 0; i < 8; i++) {
    const r = fx.open().register(fx.name());
    t.expect(`register #${i}`, r.ok, true);
    if (r.ok) idx.add(r.value);
  }
  t.expect("distinct indexes among 8 names", idx.size, 8);
});

rule("UD-REG-005", (t) => {
  using fx = new Fixture();
  const n95 = fx.own("n".repeat(MAX_NAME_BYTES));
  t.expect("95-byte name", fx.open().register(n95).ok, true);
  t.expect("96-byte name", fx.open().register("n".repeat(MAX_NAME_BYTES + 1)), "EINVAL");
  t.expect("300-byte name", fx.open().register("n".repeat(300)), "EINVAL");
});

rule("UD-REG-006", (t) => {
  using fx = new Fixture();
  // 96 bytes without a NUL, followed by an inaccessible page.
  using long = new GuardedBytes(new TextEncoder().encode("u".repeat(96)));
  t.expect("96 bytes, no NUL", fx.open().register(long.address), "EINVAL");
  using short = new GuardedBytes(new TextEncoder().encode("short"));
  t.expect("5 bytes, no NUL, then unmapped", fx.open().register(short.address), "EFAULT");
});

rule("UD-REG-007", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  t.expect("NULL", sysIoctl(f.fd, DIAG_IOCSREG, 0n), "EFAULT");
  t.expect("address 8", sysIoctl(f.fd, DIAG_IOCSREG, 8n), "EFAULT");
  t.expect("kernel address", sysIoctl(f.fd, DIAG_IOCSREG, 0xffffffff81000000n), "EFAULT");
  t.expect("non-canonical address", sysIoctl(f.fd, DIAG_IOCSREG, 0x8000000000000000n), "EFAULT");
});

rule("UD-REG-008", (t) => {
  using fx = new Fixture();
  const f = fx.open();
  const r = f.register("");
  // A target that accepts "" must not leave it behind for later rules (it
  // has no tracefs directory, so nothing else would show it).
  if (r.ok) f.close(), fx.open().delete("");
  t.expect('DIAG_IOCSREG("")', r, "EINVAL");
});

rule("UD-REG-009", (t) => {
  using fx = new Fixture();
  const hostile: [string, Uint8Array][] = [
    ["a/b", new TextEncoder().encode("a/b\0")],
    ["..", new TextEncoder().encode("..\0")],
    [".", new TextEncoder().encode(".\0")],
    ["a b", new TextEncoder().encode("a b\0")],
    ["%s%n", new TextEncoder().encode("%s%n\0")],
    ["tab", new TextEncoder().encode("a\tb\0")],
    ["newline", new TextEncoder().encode("a\nb\0")],
    ["\\x01", new Uint8Array([0x61, 0x01, 0])],
    ["non-UTF-8 0xff", new Uint8Array([0x61, 0xff, 0xfe, 0])],
    ["UTF-8 é", new TextEncoder().encode("caf\u00e9\0")],
    ["a-b", new TextEncoder().encode("a-b\0")],
  ];
  for (const [label, bytes] of hostile) {
    const f = fx.open();
    const r = f.register(bytes);
    // Should one be accepted, make sure it goes away.
    if (r.ok) f.close(), fx.open().delete(bytes);
    t.expect(`DIAG_IOCSREG(${label})`, r, "EINVAL");
  }
});

rule("UD-REG-010", (t) => {
  using fx = new Fixture();
  const name = fx.name();
  t.expect("register", fx.open().register(name).ok, true);
  t.expect("tracefs has events/udiag/<name>", fx.tracefs.hasEvent(name), true);
  const format = fx.tracefs.format(name);
  t.expect("format names the event", format.includes(`name: ${name}\n`), true);
  t.expect("field datalen", /\tfield:\S+ datalen;/.test(format), true);
  t.expect(
    "field data is __data_loc char[]",
    /\tfield:__data_loc char\[\] data;/.test(format),
    true,
  );
  t.expect(
    "print fmt",
    format.includes('print fmt: "datalen=%d", REC->datalen'),
    true,
  );
});

const REG_RACE_WORKER = new URL("./reg_race_worker.ts", import.meta.url).pathname;
const REG_RACE_WORKERS = 4;
const REG_RACE_NAMES = 8;
// A guard against a child that hangs: four Deno start-ups in a TCG guest
// beside other guests took up to a minute.
const REG_RACE_READY_MS = 300_000;

/** Reads a child's stdout up to and including its first line. */
async function firstLine(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  let text = "";
  const dec = new TextDecoder();
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
  }
  return text;
}

async function rest(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  head: string,
): Promise<string> {
  let text = head;
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += dec.decode(value, { stream: true });
  }
}

rule("UD-REG-011", async (t) => {
  using fx = new Fixture();
  const names = Array.from(
    { length: REG_RACE_WORKERS },
    (_, w) => Array.from({ length: REG_RACE_NAMES }, () => fx.name(`r${w}`)),
  );
  // Processes, not workers of this one: the registrations must run on
  // several CPUs at once, each from a file of its own.
  const children = names.map((own) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-check", REG_RACE_WORKER, "--device", DEVICE, ...own],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn()
  );
  const readers = children.map((c) => c.stdout.getReader());
  const timer = setTimeout(() => children.forEach((c) => c.kill("SIGKILL")), REG_RACE_READY_MS);
  try {
    const ready = await Promise.all(readers.map(firstLine));
    t.expect(
      "every process ready",
      ready.map((l) => l.split("\n")[0]).join(", "),
      ready.map(() => "ready").join(", "),
    );
    // One go for all, so that the registrations overlap.
    await Promise.all(children.map(async (c) => {
      const w = c.stdin.getWriter();
      await w.write(new TextEncoder().encode("go\n"));
      await w.close();
    }));
    const outs = await Promise.all(readers.map((r, i) => rest(r, ready[i]!)));
    const statuses = await Promise.all(children.map((c) => c.status));
    const answers: RegRaceAnswers = {};
    outs.forEach((out, i) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      t.expect(`process ${i} exit`, statuses[i]!.code, 0);
      try {
        Object.assign(answers, JSON.parse(last));
      } catch {
        t.expect(`process ${i} printed its answers`, last, "a JSON line");
      }
    });
    const indexes = new Map<number, string[]>();
    for (const name of names.flat()) {
      const a = answers[name] ?? "no answer";
      const m = /^ok (\d+)$/.exec(a);
      t.expect(
        `DIAG_IOCSREG("${name}") at once with others: index >= 1`,
        m !== null && Number(m[1]) >= 1,
        true,
      );
      if (!m) continue;
      const index = Number(m[1]);
      indexes.set(index, [...indexes.get(index) ?? [], name]);
      // Looked up again afterwards, each name is still its own event.
      t.expect(`"${name}" registered again`, fx.registerClosed(name), ok(index));
    }
    const shared = [...indexes].filter(([, ns]) => ns.length > 1)
      .map(([i, ns]) => `${i}: ${ns.join(", ")}`);
    t.expect(
      `indexes shared among ${names.flat().length} names registered at once`,
      shared.join("; ") || "none",
      "none",
    );
  } finally {
    clearTimeout(timer);
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch { /* already gone */ }
    }
    await Promise.all(children.map((c) => c.status));
    // stderr is unread: drain it so the process's resources go.
    await Promise.all(children.map((c) => c.stderr.cancel()));
  }
});

const REG_ENABLE_WORKER = new URL("./reg_enable_worker.ts", import.meta.url).href;
const REG_ENABLE_NAMES = 192;
// Trace instances the registrations must add each event to after the one
// the tracer walks (see the rule).
const REG_ENABLE_INSTANCES = 16;
// The Worker loads its modules in a TCG guest: allow for a slow start, and
// for a loop that a kernel bug stalls.
const REG_ENABLE_READY_MS = 120_000;
const REG_ENABLE_DONE_MS = 60_000;

rule("UD-REG-012", async (t) => {
  using fx = new Fixture();
  // The system's directory lives while one of its events does.
  const anchor = fx.name("anchor");
  t.expect("register an event first", fx.registerClosed(anchor).ok, true);
  // trace_add_event_call() adds a new event to each trace instance in turn,
  // the newest first (ftrace_trace_arrays is a stack), the top level last.
  // A tracer of the newest instance sees the event while the registration
  // still adds it to the others: a window a few instances wide, where the
  // top level's would be a few instructions.
  const instances = Array.from(
    { length: REG_ENABLE_INSTANCES },
    (_, i) => `${fx.tracefs.root}/instances/udiag_fuzz_${Deno.pid}_${i}`,
  );
  for (const dir of instances) {
    Deno.mkdirSync(dir);
    fx.defer(() => Deno.removeSync(dir));
  }
  const tracer = `${instances.at(-1)}/events/${fx.tracefs.system}/enable`;
  // Disabled again before the events are deleted (an enabled event is in use).
  fx.defer(() => void sysWriteText(tracer, "0", O_WRONLY | O_TRUNC));
  const stop = new SharedArrayBuffer(4);
  const w = new Worker(REG_ENABLE_WORKER, { type: "module" });
  try {
    const ready = nextMessage<EnableMessage>(w, REG_ENABLE_READY_MS);
    w.postMessage({ path: tracer, stop } satisfies EnableStart);
    const first = await ready;
    t.expect("the tracer's loop started", heard(first), "ready");
    if (first.kind !== "ready") return;
    const done = nextMessage<EnableMessage>(w, REG_ENABLE_DONE_MS);
    const failed: string[] = [];
    for (let i = 0; i < REG_ENABLE_NAMES; i++) {
      const name = fx.name("e");
      const r = fx.registerClosed(name);
      if (!r.ok) failed.push(`${name}: ${showResult(r)}`);
    }
    Atomics.store(new Int32Array(stop), 0, 1);
    const tally = await done;
    t.expect(
      `DIAG_IOCSREG of ${REG_ENABLE_NAMES} names while a tracer enables udiag/*`,
      failed.join("; ") || "all ok",
      "all ok",
    );
    t.expect("the tracer's loop ended", heard(tally), "done");
    if (tally.kind !== "done") return;
    // Counts vary from run to run: noted, not compared (the finding's
    // title is the comparison, and must read the same in every run).
    t.note("writes of 1 to the instance's events/udiag/enable", tally.writes);
    for (const [answer, n] of Object.entries(tally.failures)) {
      t.note(`writes answered ${answer}`, n);
    }
    t.expect(
      "errors of writes of 1 to events/udiag/enable",
      Object.keys(tally.failures).sort().join(", ") || "none",
      "none",
    );
  } finally {
    Atomics.store(new Int32Array(stop), 0, 1);
    w.terminate();
  }
});
