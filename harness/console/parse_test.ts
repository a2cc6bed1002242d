import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cleanFunc,
  consoleLine,
  containsCrash,
  type Crash,
  parseAll,
  parseConsole,
  parseFrame,
  sanitizeTitle,
} from "./parse.ts";
import { lastMarkBefore } from "../marks.ts";
import { OOPSES } from "./oopses.ts";
import { formatTestdata, splitTestdata, wantOf } from "./testdata_format.ts";

const dir = new URL("./testdata/", import.meta.url);
const update = Deno.env.get("UPDATE") === "1";

/** Known gaps: testdata file → why the parser does not meet its header yet. */
const ignored: Readonly<Record<string, string>> = {};

const names = [...Deno.readDirSync(dir)]
  .filter((e) => e.isFile && e.name !== "README.md")
  .map((e) => e.name)
  .sort();
const logs = new Map(names.map((name) => {
  const { log } = splitTestdata(Deno.readTextFileSync(new URL(name, dir)));
  return [name, log] as const;
}));

function log(name: string): string {
  const text = logs.get(name);
  if (text === undefined) throw new Error(`Cannot find testdata "${name}"`);
  return text;
}

// Only lines copied verbatim from the testdata logs: kernel text is never invented.
function line(name: string, contains: string): string {
  const found = log(name).split("\n").find((l) => l.includes(contains));
  if (found === undefined) throw new Error(`Cannot find "${contains}" in testdata "${name}"`);
  return found;
}

for (const name of names) {
  Deno.test({
    name: `parseConsole() titles testdata/${name}`,
    ignore: name in ignored,
    fn() {
      const url = new URL(name, dir);
      const { want, log } = splitTestdata(Deno.readTextFileSync(url));
      const got = wantOf(parseConsole(log));
      if (update && JSON.stringify(got) !== JSON.stringify(want)) {
        Deno.writeTextFileSync(url, formatTestdata(got, log));
        assert.fail(`Updated the headers of testdata/${name}: review the diff`);
      }
      assert.deepEqual(got, want);
    },
  });
}

function assertWellFormed(crash: Crash, text: string): void {
  assert.ok(crash.title.length > 0, "empty title");
  assert.ok(crash.title.length <= 120, `title too long: ${crash.title}`);
  assert.match(crash.title, /^[\x20-\x7e]+$/, "title is not printable ASCII");
  assert.ok(crash.startLine <= crash.endLine);
  assert.ok(crash.endLine < text.split("\n").length);
  assert.equal(crash.corrupted, crash.corruptedReason !== undefined);
}

Deno.test("containsCrash() agrees with parseConsole() on every testdata log", () => {
  for (const [name, text] of logs) {
    const crash = parseConsole(text);
    assert.equal(containsCrash(text), crash !== null, name);
    if (crash) assertWellFormed(crash, text);
  }
});

Deno.test("containsCrash() agrees with parseConsole() on random strings", () => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
    const crash = parseConsole(text);
    assert.equal(containsCrash(text), crash !== null);
    if (crash) assertWellFormed(crash, text);
  }));
});

Deno.test("parseAll() yields well-formed reports for random interleavings of testdata lines", () => {
  const pool = [...logs.values()].flatMap((text) => text.split("\n"));
  fc.assert(fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 300 }), (picked) => {
    const text = picked.join("\n");
    const first = parseConsole(text);
    assert.equal(containsCrash(text), first !== null);
    const all = parseAll(text);
    assert.equal(all.length > 0, first !== null);
    if (first) assert.equal(all[0]!.title, first.title);
    assert.equal(new Set(all.map((c) => c.title)).size, all.length, "titles repeat");
    for (const crash of all) assertWellFormed(crash, text);
  }));
});

Deno.test("parseConsole() finds a report however testdata logs are interleaved line by line", () => {
  const crashing = [...logs].filter(([, text]) => containsCrash(text)).map(([, text]) => text);
  fc.assert(fc.property(
    fc.constantFrom(...crashing),
    fc.constantFrom(...logs.values()),
    fc.array(fc.boolean(), { maxLength: 600 }),
    (a, b, coin) => {
      const left = a.split("\n");
      const right = b.split("\n");
      const merged: string[] = [];
      for (let i = 0; left.length + right.length > 0; i++) {
        const fromLeft = right.length === 0 || (left.length > 0 && (coin[i] ?? true));
        merged.push((fromLeft ? left : right).shift()!);
      }
      const text = merged.join("\n");
      const crash = parseConsole(text);
      assert.ok(crash !== null);
      assertWellFormed(crash, text);
    },
  ));
});

Deno.test("parseAll() returns a WARNING and a later kmemleak report in log order", () => {
  const warning = log("warning_in_page_allocator_6_13.txt");
  const leak = log("kmemleak_nci_rawsock.txt");
  const text = `${warning}${leak}`;
  const all = parseAll(text);
  assert.deepEqual(all.map((c) => c.title), [
    "WARNING in v9fs_fid_get_acl",
    "memory leak in rawsock_create",
  ]);
  assert.ok(all[0]!.endLine < all[1]!.startLine);
  assert.equal(
    text.split("\n")[all[1]!.startLine],
    line("kmemleak_nci_rawsock.txt", "unreferenced"),
  );
});

Deno.test("parseAll(): a preempt count leaked past a syscall is one finding, noticed on return to user space or as the task dies on that way back", () => {
  const titles = (name: string) =>
    parseAll(log(name)).filter((c) => c.title.startsWith("BUG: scheduling while atomic"))
      .map((c) => `${c.title} @${c.frames[0]}`);
  assert.deepEqual(titles("preempt-leak-to-user"), [
    "BUG: scheduling while atomic on return to user mode @syscall_exit_to_user_mode",
  ]);
  assert.deepEqual(titles("preempt-leak-task-dead"), [
    "BUG: scheduling while atomic on return to user mode @do_task_dead",
  ]);
});

Deno.test("parseAll() keeps a panic that follows an oops inside the oops report", () => {
  const text = log("warning_drop_nlink_then_panic_6_12.txt");
  const all = parseAll(text);
  assert.deepEqual(all.map((c) => c.title), ["WARNING in drop_nlink"]);
  assert.match(all[0]!.report, /Kernel panic - not syncing: kernel: panic_on_warn set/);
  assert.doesNotMatch(all[0]!.report, /Kernel Offset/);
});

Deno.test("parseConsole() reports a lone panic line as a corrupted PANIC", () => {
  const panic = line("kernel_bug_folio_unlock_6_14.txt", "Kernel panic - not syncing");
  const crash = parseConsole(panic)!;
  assert.equal(crash.title, "Kernel panic - not syncing: Fatal exception");
  assert.equal(crash.type, "PANIC");
  assert.equal(crash.corrupted, true);
});

Deno.test("parseConsole() titles a header without stack '… in corrupted'", () => {
  const header = line(
    "lockdep_inconsistent_lock_state_in_irq.txt",
    "WARNING: inconsistent lock state",
  );
  const crash = parseConsole(header)!;
  assert.equal(crash.title, "inconsistent lock state in corrupted");
  assert.equal(crash.corrupted, true);
  assert.equal(crash.corruptedReason, "report regexp did not match");

  const kernelBug = line("kernel_bug_folio_unlock_6_14.txt", "kernel BUG at");
  const bug = parseConsole(kernelBug)!;
  assert.equal(bug.title, "kernel BUG in corrupted");
  assert.equal(bug.corruptedReason, "no stack frames in the report");
});

Deno.test("parseConsole() blames the first frame after the skip list when the header names an allocator", () => {
  const crash = parseConsole(log("warning_in_page_allocator_6_13.txt"))!;
  assert.equal(crash.title, "WARNING in v9fs_fid_get_acl");
  assert.deepEqual(crash.frames.slice(0, 3), [
    "v9fs_fid_get_acl",
    "v9fs_get_acl",
    "v9fs_inode_from_fid_dotl",
  ]);
});

Deno.test("parseConsole() leaves lines of other printk callers out of the report", () => {
  const crash = parseConsole(log("kernel_bug_folio_unlock_6_14.txt"))!;
  assert.doesNotMatch(crash.report, /9pnet_virtio|GRED/);
  assert.match(crash.report, /^kernel BUG at mm\/filemap\.c:1499!/);
  assert.match(crash.report, /---\[ end trace 0000000000000000 \]---$/);
});

Deno.test("parseConsole() ends a KASAN report at its closing rule", () => {
  const text = log("kasan_slab_use_after_free_list_add_6_15.txt");
  const crash = parseConsole(text)!;
  assert.equal(crash.endLine, text.split("\n").length - 2);
  assert.match(crash.report, /Memory state around the buggy address/);
  assert.match(crash.report, /\n={66}$/);
});

Deno.test("consoleLine() strips the printk timestamp and caller id", () => {
  const a = consoleLine(
    line("lockdep_inconsistent_lock_state_in_irq.txt", "x25_lapb_receive_frame+0x1b0"),
  );
  assert.deepEqual(a, { text: " x25_lapb_receive_frame+0x1b0/0xfb0", context: "C1" });
  const b = consoleLine(line("kasan_slab_use_after_free_ext4_6_12.txt", "BUG: KASAN"));
  assert.deepEqual(b, {
    text: "BUG: KASAN: slab-use-after-free in ext4_read_inline_data+0x19c/0x270",
    context: "",
  });
  const c = consoleLine(`${line("kmemleak_nci_rawsock.txt", "backtrace")}\r`);
  assert.deepEqual(c, { text: "  backtrace (crc ec2b3c5):", context: "" });
});

Deno.test("parseFrame() reads plain, questionable, RIP, inline and module frames", () => {
  const frame = (name: string, contains: string) =>
    parseFrame(consoleLine(line(name, contains)).text);
  assert.deepEqual(frame("warning_drop_nlink_then_panic_6_12.txt", "udf_rmdir+0x3bc"), {
    func: "udf_rmdir",
    questionable: false,
  });
  assert.deepEqual(frame("warning_drop_nlink_then_panic_6_12.txt", "? __warn+0x168"), {
    func: "__warn",
    questionable: true,
  });
  assert.deepEqual(frame("warning_drop_nlink_then_panic_6_12.txt", "RIP: 0010:drop_nlink"), {
    func: "drop_nlink",
    questionable: false,
  });
  assert.deepEqual(frame("kmemleak_symbolized_by_syzkaller.txt", "slab_alloc_node mm"), {
    func: "slab_alloc_node",
    questionable: false,
  });
  assert.deepEqual(frame("kmemleak_nci_rawsock.txt", "sk_prot_alloc"), {
    func: "sk_prot_alloc",
    questionable: false,
  });
  assert.equal(frame("warning_drop_nlink_then_panic_6_12.txt", "RIP: 0033:"), null);
  assert.equal(frame("lockdep_inconsistent_lock_state_in_irq.txt", "hardirqs last  enabled"), null);
  // The module tag of an out-of-tree frame is not part of the name.
  assert.deepEqual(parseFrame(" [<ffffffffc0123456>] udiag_ioctl+0x1a/0x30 [udiag]"), {
    func: "udiag_ioctl",
    questionable: false,
  });
  assert.equal(cleanFunc("__napi_poll.constprop.0"), "__napi_poll");
});

Deno.test("sanitizeTitle() hides addresses and long numbers and bounds the length", () => {
  assert.equal(
    sanitizeTitle("BUG: Bad rss-counter state mm:ffff88801d4a8000 type:MM_FILEPAGES val:12345"),
    "BUG: Bad rss-counter state mm:ADDR type:MM_FILEPAGES val:NUM",
  );
  assert.equal(sanitizeTitle("a\tb\n c"), "a b c");
  assert.equal(sanitizeTitle("task \u00e9\u0000x"), "task ??x");
  assert.equal(sanitizeTitle("x".repeat(200)).length, 120);
  assert.equal(sanitizeTitle("WARNING in drop_nlink"), "WARNING in drop_nlink");
});

Deno.test("lastMarkBefore() attributes a report to the case whose start mark precedes it", () => {
  const kasan = log("kasan_slab_use_after_free_ext4_6_12.txt");
  const marks = [
    "[   17.100000] udiag-fuzz[412]: reg/REG-001: start",
    "[   17.150000] udiag-fuzz[412]: reg/REG-001: end",
    "[   17.200000] udiag-fuzz[412]: del/DEL-003 delete while traced: start",
  ];
  const text = [...marks, kasan].join("\n");
  const crash = parseConsole(text)!;
  assert.equal(lastMarkBefore(text, crash.startLine), "del/DEL-003 delete while traced");
  assert.equal(lastMarkBefore(text, 1), "reg/REG-001");
  assert.equal(lastMarkBefore(text, 0), null);
  assert.equal(lastMarkBefore(kasan, 10_000), null);
  assert.equal(containsCrash(marks.join("\n")), false);
});

Deno.test("OOPSES headers are anchored, so a signature quoted mid-line starts no report", () => {
  for (const format of OOPSES) {
    assert.ok(format.header.source.startsWith("^"), format.header.source);
  }
  const quoted = line("no_crash_boot_srso_warning_text.txt", "WARNING: kernel not compiled");
  assert.equal(containsCrash(quoted), false);
});

Deno.test("splitTestdata() and formatTestdata() round-trip", () => {
  for (const name of names) {
    const text = Deno.readTextFileSync(new URL(name, dir));
    const { want, log } = splitTestdata(text);
    assert.equal(formatTestdata(want, log), text, name);
  }
  assert.throws(() => splitTestdata("TITLE: x\nBOGUS: y\n\nlog"), SyntaxError);
});
