import assert from "node:assert/strict";
import { readFinding } from "./mail_cli.ts";
import { foundBy, mailReport, MAX_REPORT_LINES } from "./mail.ts";

const data = (name: string) => new URL(`./testdata/${name}`, import.meta.url).pathname;

/** A copy of a testdata folder (the reader writes the config beside it). */
async function copy(name: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "udiag-mail-" });
  for await (const e of Deno.readDir(data(name))) {
    await Deno.copyFile(`${data(name)}/${e.name}`, `${dir}/${e.name}`);
  }
  return dir;
}

Deno.test("mailReport(): real findings as syzbot-shaped mails", async (t) => {
  const cache = await Deno.makeTempDir({ prefix: "udiag-cache-" });
  const tree = `${cache}/kernels/base-75c2c76b2e536e1b-pae24f0928a35/tree`;
  await Deno.mkdir(tree, { recursive: true });
  await Deno.writeTextFile(`${tree}/.config`, "CONFIG_USER_EVENTS=y\n");
  Deno.env.set("UDIAG_CACHE", cache);
  const table: { folder: string; want: RegExp[]; config: boolean }[] = [
    {
      folder: "finding-gpf",
      config: true,
      want: [
        /^Subject: \[udiag-fuzz\] general protection fault in user_events_write_core\n/,
        /^kernel release: 6\.12\.117 \(linux-source-6\.12 6\.12\.117-1~deb12u1\)$/m,
        /^kernel patch: {3}abi\/user_events\/reverts\/01-write-index-negative\.patch$/m,
        /^config key: {5}75c2c76b2e536e1b-pae24f0928a35 \(profile base\)$/m,
        /^found by: {7}conformance rule UE-WRITE-001, 1 time\(s\), first 2026-12-02T05:04:58\.301Z$/m,
        /^C reproducer: {3}none$/m,
        /^Oops: general protection fault, probably for non-canonical address/m,
      ],
    },
    {
      // A fuzz campaign on revert 08 (deno task fuzz --abi user_events --target
      // kernel:abi/user_events/reverts/08-dyn-event-delete-race.patch --seed 1): the
      // machine died of it before its case was saved, so there is no replay.
      folder: "finding-kasan",
      config: false,
      want: [
        /^Subject: \[udiag-fuzz\] KASAN: slab-use-after-free Read in destroy_user_event\n/,
        /^kernel patch: {3}abi\/user_events\/reverts\/08-dyn-event-delete-race\.patch$/m,
        /^config key: {5}75c2c76b2e536e1b-p9c0d3c469c1e \(profile base\)$/m,
        /^found by: {7}fuzz case model\/5\/81, 2 time\(s\)/m,
        /^BUG: KASAN: slab-use-after-free in destroy_user_event\+0xca\/0x4c9$/m,
        /^No replay was saved for it .*\n.*\n\n {2}deno run -A fuzz\/guest\.ts --abi user_events --seed 4 /m,
      ],
    },
    {
      // A review's folder (deno task review-rfc): the RFC's first registration trips
      // lockdep's RCU check; its C reproducer was verified by deno task repro-c.
      folder: "finding-lockdep",
      config: false,
      want: [
        /^Subject: \[udiag-fuzz\] WARNING: suspicious RCU usage in trace_create_new_event\n/,
        /^target: {9}patch:abi\/udiag\/rfc\/000_aa391f59f6e4613c\.txt$/m,
        /^found by: {7}security check SEC-ACC-002$/m,
        /^C reproducer: {3}repro\.c \(verified\)$/m,
        /^kernel\/trace\/trace_events\.c:\d+ suspicious rcu_dereference_protected\(\) usage!$/m,
        /^C reproducer:\n\n\/\*\n \* WARNING: suspicious RCU usage in trace_create_new_event\n/m,
        /^\t+r = sys\(16, /m,
      ],
    },
    {
      folder: "finding-conformance",
      config: true,
      want: [
        /^Subject: \[udiag-fuzz\] conformance UE-REG-014: /,
        /^found by: {7}conformance rule UE-REG-014/m,
        /^The operations of the case \(the failing one last\):\n\nNAME struct s a 2147483648 {2}# got ok 4294967295, expected EINVAL$/m,
      ],
    },
  ];
  for (const c of table) {
    await t.step(c.folder, async () => {
      const dir = await copy(c.folder);
      const mail = mailReport(await readFinding(dir));
      for (const w of c.want) assert.match(mail, w);
      if (c.config) {
        assert.match(mail, new RegExp(`^kernel config: {2}${dir}/config$`, "m"));
        assert.equal(await Deno.readTextFile(`${dir}/config`), "CONFIG_USER_EVENTS=y\n");
      } else {
        assert.match(mail, /^kernel config: {2}not found in this machine's kernel cache$/m);
      }
      const replayable = await Deno.stat(`${dir}/replay.json`).then(() => true, () => false);
      assert.equal(mail.trimEnd().endsWith(`deno task repro ${dir}`), replayable);
    });
  }
  Deno.env.delete("UDIAG_CACHE");
});

Deno.test("mailReport(): a review's folder (title, report, replay.json) and a long report", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-mail-" });
  await Deno.writeTextFile(
    `${dir}/title`,
    "BUG: sleeping function called from invalid context in f\n",
  );
  const report = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
  await Deno.writeTextFile(`${dir}/report`, report);
  await Deno.writeTextFile(
    `${dir}/replay.json`,
    JSON.stringify({ kind: "kernel", suite: "race", seed: 1, target: "patch:x.patch" }),
  );
  Deno.env.set("UDIAG_CACHE", dir);
  const mail = mailReport(await readFinding(dir));
  Deno.env.delete("UDIAG_CACHE");
  assert.match(mail, /^found by: {7}race case seed 1$/m);
  assert.match(mail, /^target: {9}patch:x\.patch$/m);
  assert.match(mail, /^kernel config: {2}not found in this machine's kernel cache$/m);
  assert.match(mail, new RegExp(`^line ${MAX_REPORT_LINES - 1}\\n\\[… 20 more lines\\]$`, "m"));
  assert.doesNotMatch(mail, /^line 80$/m);
});

Deno.test("readFinding() refuses a folder that holds no finding, naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-mail-" });
  await assert.rejects(readFinding(dir), new RegExp(`${dir} is not a finding folder`));
});

Deno.test("foundBy(): the suite and case in words", () => {
  assert.equal(foundBy(["security/SEC-XU-001"], "security"), "security check SEC-XU-001");
  assert.equal(foundBy(["fuzz/model:17"], "fuzz"), "fuzz case model:17");
  assert.equal(foundBy([], "kernel"), "a kernel finding with no running case");
});
