/**
 * Every task's entry point, spawned with bad flags and files: each must exit
 * 2 within seconds, with exactly one line on stderr that names what is wrong
 * and no stack trace, before anything slow (apt, a kernel build, a VM)
 * starts; `--help` must exit 0 with a usage that lists the flags and the
 * exit statuses (issue #18).
 *
 * Safety net: the children run with only Deno on PATH and an empty kernel
 * cache, so an entry point that wrongly accepts a bad input fails fast
 * (no make, gcc or QEMU) instead of building or booting anything.
 */
import assert from "node:assert/strict";
import { ROOT } from "./paths.ts";

const DENO = Deno.execPath();
const TIME_LIMIT_MS = 20_000;

/** A task: its entry point, the flags its --help must list, the bad inputs it must refuse. */
interface Task {
  readonly name: string;
  readonly file: string;
  readonly flags: readonly string[];
  /** Bad inputs: the arguments and what the one stderr line must name. */
  readonly bad: readonly (readonly [args: readonly string[], names: RegExp])[];
}

const UNKNOWN: Task["bad"][number] = [["--bogus-flag"], /--bogus-flag/];
const PROFILE: Task["bad"][number] = [["--profile", "bogus"], /--profile.*bogus/];
const NO_PATCH: Task["bad"][number] = [["--target", "patch:/nonexistent"], /\/nonexistent/];
const NO_ABI: Task["bad"][number] = [["--abi", "nosuch"], /--abi.*nosuch/];
const LOCAL: Task["bad"][number] = [["--target", "local"], /--target.*local|local.*--target/];

/** What the tests call the temporary folders. */
const LABELS = new Map<string, string>();

// The folders and files made for bad inputs go when the tests end.
globalThis.addEventListener("unload", () => {
  for (const path of LABELS.keys()) Deno.removeSync(path, { recursive: true });
});

/** A replay folder whose replay.json is `replay` (a string: its text as is). */
function replayFolder(replay: unknown): string {
  const dir = Deno.makeTempDirSync({ prefix: "udiag-cli-test-" });
  LABELS.set(dir, `<folder: replay.json ${JSON.stringify(replay).slice(0, 50)}…>`);
  Deno.writeTextFileSync(`${dir}/title`, "fuzz: something\n");
  Deno.writeTextFileSync(
    `${dir}/replay.json`,
    typeof replay === "string" ? replay : JSON.stringify(replay),
  );
  return dir;
}

/** A file whose text is `text`, for a flag that names a file. */
function textFile(text: string): string {
  const file = Deno.makeTempFileSync({ prefix: "udiag-cli-test-", suffix: ".json" });
  LABELS.set(file, `<file: ${text.slice(0, 40)}>`);
  Deno.writeTextFileSync(file, text);
  return file;
}

const FUZZ_REPLAY = {
  kind: "fuzz",
  abi: "udiag",
  target: "kmod",
  suite: "fuzz",
  campaign: "model",
  seed: 1,
  path: "3:0:1",
  replayPath: "AAB",
  maxCommands: 30,
  fastCheck: "4.10.2",
};

const TASKS: readonly Task[] = [
  {
    name: "fuzz",
    file: "fuzz/run.ts",
    flags: ["--abi", "--target", "--profile", "--time", "--runs", "--seed", "--jobs", "--suites"],
    bad: [
      UNKNOWN,
      PROFILE,
      NO_PATCH,
      NO_ABI,
      LOCAL,
      [["--time", "abc"], /--time.*abc/],
      [["--jobs", "0"], /--jobs.*0/],
      [["--runs=-1"], /--runs.*-1/],
      [["--seed", "1.5"], /--seed.*1\.5/],
      [["--shard", "3/2"], /--shard.*3\/2/],
      [["--suites", "nosuch"], /nosuch/],
    ],
  },
  {
    name: "conformance",
    file: "conformance/run.ts",
    flags: ["--abi", "--target", "--profile", "--rule", "--out", "--reports"],
    bad: [
      UNKNOWN,
      PROFILE,
      NO_PATCH,
      NO_ABI,
      [["--target", "kernel:/nonexistent"], /\/nonexistent/],
      [["--target", "bogus"], /--target.*bogus/],
      [["--rule", "NOSUCH-001"], /NOSUCH-001/],
      [["--rule", "UD-FI-001"], /UD-FI-001 needs --profile faults, not base/],
      [["--broken", "NOSUCH"], /--broken.*NOSUCH/],
    ],
  },
  {
    name: "security",
    file: "security/run.ts",
    flags: ["--abi", "--target", "--profile", "--check", "--out", "--reports"],
    bad: [UNKNOWN, PROFILE, NO_PATCH, NO_ABI, LOCAL, [["--check", "SEC-NOSUCH-001"], /SEC-NOSUCH/]],
  },
  {
    name: "mutate",
    file: "mutate/run.ts",
    flags: [
      "--abi",
      "--target",
      "--suites",
      "--time",
      "--jobs",
      "--only",
      "--limit",
      "--mutants",
      "--rules",
      "--baseline-runs",
      "--confirm-runs",
      "--equivalent",
      "--mutant-timeout",
      "--compile-only",
      "--from",
      "--out",
    ],
    bad: [
      UNKNOWN,
      [[], /--target/],
      [["--target", "kmod", "--profile", "bogus"], /--profile "bogus"/],
      [["--target", "kmod", "--only", "drop-everything"], /drop-everything/],
      [["--target", "kmod", "--suites", "conformance,nosuch"], /nosuch/],
      [["--target", "kmod", "--time", "abc"], /--time.*abc/],
      [["--target", "kmod", "--jobs", "0"], /--jobs.*0/],
      [["--target", "kmod", "--mutants", "e6f3056e,nosuch1"], /--mutants.*nosuch1/],
      [["--target", "kmod", "--baseline-runs", "0"], /--baseline-runs.*0/],
      [["--target", "kmod", "--rules", "UD-REG-001,UD-NOSUCH-001"], /--rules: UD-NOSUCH-001:/],
      [["--target", "kmod", "--rules", "UD-FI-003"], /UD-FI-003: .*profile base/],
      [["--target", "kmod", "--rules", ","], /--rules: no rule given/],
      [["--target", "kmod", "--suites", "fuzz", "--rules", "UD-REG-001"], /--rules needs/],
      [["--target", "kmod", "--mutant-timeout", "0"], /--mutant-timeout.*0/],
      [["--target", "kmod", "--from", ","], /--from: no run given/],
      [["--target", "kmod", "--from", "/nonexistent.json"], /--from \/nonexistent\.json/],
      [["--target", "kmod", "--from", "deno.json", "--compile-only"], /give one/],
      [["--target", "kmod", "--equivalent", "/nonexistent.json"], /\/nonexistent\.json/],
      [["--target", "kmod", "--equivalent", "deno.json"], /deno\.json: expected an array/],
      [["--target", "patch:/nonexistent.patch"], /\/nonexistent/],
      [["--target", "kernel", "--abi", "user_events"], /kernel:PATCH/],
      [["--target", "kmod", "--abi", "user_events"], /kmod/],
      [["--target", "local"], /local/],
    ],
  },
  {
    name: "review",
    file: "review/run.ts",
    flags: ["--abi", "--target", "--profiles", "--time", "--seed", "--repro-c", "--out"],
    bad: [
      UNKNOWN,
      [
        ["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--profiles", "bogus"],
        /--profiles "bogus"/,
      ],
      [
        ["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--profiles", "base,bogus"],
        /bogus/,
      ],
      [
        ["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--profiles", ","],
        /--profiles/,
      ],
      NO_PATCH,
      [["--abi", "nosuch", "--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt"], /nosuch/],
      LOCAL,
      [[], /--target/],
      [["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--time", "abc"], /--time/],
      [["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--seed", "x"], /--seed/],
      // The replay folders of docs.md would be docs/: a directory review did not write.
      [["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--out", "docs.md"], /docs/],
      [
        ["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--out", "README.md"],
        /README/,
      ],
      [["--target", "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt", "--out", "docs"], /--out/],
    ],
  },
  {
    name: "repro",
    file: "fuzz/repro.ts",
    flags: [],
    bad: [
      UNKNOWN,
      [[], /folder/],
      [["/nonexistent-finding"], /\/nonexistent-finding/],
      [[replayFolder("{ not json")], /replay\.json/],
      [[replayFolder({ ...FUZZ_REPLAY, seed: 1.5 })], /seed/],
      [[replayFolder({ ...FUZZ_REPLAY, campaign: "model; reboot" })], /campaign/],
      [[replayFolder({ ...FUZZ_REPLAY, abi: "nosuch" })], /nosuch/],
      [[replayFolder({ ...FUZZ_REPLAY, target: "patch:/nonexistent" })], /\/nonexistent/],
      [[replayFolder({ ...FUZZ_REPLAY, profile: "bogus" })], /bogus/],
      [[replayFolder({ ...FUZZ_REPLAY, maxCommands: 0 })], /maxCommands/],
      [[replayFolder({ ...FUZZ_REPLAY, fastCheck: "4.10.2 $(reboot)" })], /fastCheck/],
    ],
  },
  {
    name: "repro-c",
    file: "fuzz/repro_c.ts",
    flags: [],
    bad: [
      UNKNOWN,
      [[], /folder/],
      [["/nonexistent-finding"], /\/nonexistent-finding/],
      [[replayFolder("{ not json")], /replay\.json/],
      [[replayFolder({ ...FUZZ_REPLAY, campaign: "model; reboot" })], /campaign/],
      // Every folder is checked before the first one is replayed.
      [[replayFolder(FUZZ_REPLAY), "/nonexistent-finding"], /\/nonexistent-finding/],
    ],
  },
  {
    name: "report",
    file: "harness/report/mail_cli.ts",
    flags: [],
    bad: [
      UNKNOWN,
      [[], /one finding folder/],
      [["/nonexistent-finding"], /\/nonexistent-finding is not a finding folder/],
      [["a", "b"], /one finding folder/],
    ],
  },
  {
    name: "bench",
    file: "bench/run.ts",
    flags: [
      "--repeats",
      "--seconds",
      "--boots",
      "--parts",
      "--find-seconds",
      "--find-variants",
      "--find-seeds",
      "--kbuild-patch",
      "--profile",
      "--out",
      "--render",
    ],
    bad: [
      UNKNOWN,
      PROFILE,
      [["--render", "/nonexistent/results.json"], /--render.*\/nonexistent\/results\.json/],
      [["--render", textFile("{ not json")], /--render.*not JSON/],
      [["--render", textFile('{"schema": "other/1"}')], /--render.*schema "other\/1"/],
      [["--repeats", "abc"], /--repeats.*abc/],
      [["--boots", "1.5"], /--boots.*1\.5/],
      [["--seconds", "abc"], /--seconds.*abc/],
      [["--parts", "nosuch"], /nosuch/],
      [["--mixes", "nosuch"], /nosuch/],
      [["--find-variants", "SKIP_EBUSY,NOSUCH"], /--find-variants.*NOSUCH/],
      [["--find-seconds", "x"], /--find-seconds.*x/],
      [["--find-seeds", "0"], /--find-seeds.*at least 1/],
      [["--kbuild-patch", "/nonexistent.patch"], /--kbuild-patch.*\/nonexistent\.patch/],
    ],
  },
  {
    name: "vm",
    file: "abi/vm_cli.ts",
    flags: ["--abi", "--target", "--profile", "--timeout", "--silence", "--no-module"],
    bad: [
      [["--bogus-flag", "--", "true"], /--bogus-flag/],
      [["--profile", "bogus", "--", "true"], /--profile.*bogus/],
      [["--target", "patch:/nonexistent", "--", "true"], /\/nonexistent/],
      [["--abi", "nosuch", "--", "true"], /--abi.*nosuch/],
      [["--target", "local", "--", "true"], /local/],
      [["--timeout", "abc", "--", "true"], /--timeout.*abc/],
      [["--silence", "0", "--", "true"], /--silence.*0/],
      [[], /command/],
    ],
  },
  {
    name: "kernel",
    file: "harness/vm/kernel_cli.ts",
    flags: ["--profile", "--jobs"],
    bad: [
      UNKNOWN,
      PROFILE,
      [["--target", "patch:/nonexistent"], /--target/],
      [["--jobs", "0"], /--jobs.*0/],
      [["--jobs", "abc"], /--jobs.*abc/],
      [["--patch", "/nonexistent"], /\/nonexistent/],
      [["extra"], /extra/],
    ],
  },
  {
    name: "peer",
    file: "abi/user_events/peer/run.ts",
    flags: ["--target", "--profile", "--timeout", "--out", "--json"],
    bad: [
      UNKNOWN,
      PROFILE,
      [["--target", "kernel:/nonexistent"], /\/nonexistent/],
      [["--target", "patch:/nonexistent"], /--target/],
      LOCAL,
      [["--timeout", "abc"], /--timeout.*abc/],
    ],
  },
  {
    name: "calibrate",
    file: "abi/user_events/reverts/calibrate.ts",
    flags: ["--only", "--fuzz-time", "--seed", "--peer", "--out"],
    bad: [
      UNKNOWN,
      [["--only", "99"], /99/],
      [["--fuzz-time", "abc"], /--fuzz-time.*abc/],
      [["--seed", "1.5"], /--seed/],
    ],
  },
  {
    name: "capture-testdata",
    file: "harness/console/capture.ts",
    flags: [],
    bad: [UNKNOWN, [["nosuch-case"], /nosuch-case/]],
  },
];

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

async function run(file: string, args: readonly string[]): Promise<Ran> {
  const t0 = performance.now();
  const cache = await Deno.makeTempDir({ prefix: "udiag-cli-cache-" });
  try {
    const out = await new Deno.Command(DENO, {
      args: ["run", "-A", file, ...args],
      cwd: ROOT,
      env: { PATH: DENO.replace(/\/[^/]+$/, ""), UDIAG_CACHE: cache, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(TIME_LIMIT_MS + 10_000),
    }).output();
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      ms: performance.now() - t0,
    };
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

Deno.test("every deno.json task that runs an entry point is in the table", () => {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}/deno.json`)).tasks as Record<
    string,
    string
  >;
  const files = Object.values(tasks).map((t) => /^deno run -A (\S+)/.exec(t)?.[1])
    .filter((f) => f !== undefined);
  for (const f of new Set(files)) {
    assert.ok(TASKS.some((t) => t.file === f), `${f} is not in the table`);
  }
});

for (const task of TASKS) {
  Deno.test(`${task.name} --help prints its flags and exit statuses, exits 0`, async () => {
    const r = await run(task.file, ["--help"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: /);
    assert.match(r.stdout, /Exit status/);
    for (const f of task.flags) assert.ok(r.stdout.includes(f), `usage does not list ${f}`);
    assert.equal(r.stderr, "");
  });
  for (const [args, names] of task.bad) {
    const shown = args.map((a) => LABELS.get(a) ?? a).join(" ");
    Deno.test(`${task.name} ${shown}: one line naming it, exit 2`, async () => {
      const r = await run(task.file, args);
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      assert.equal(r.code, 2, `exit ${r.code}; stderr:\n${r.stderr}`);
      assert.equal(lines.length, 1, `not one line on stderr:\n${r.stderr}`);
      assert.match(lines[0]!, names);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "a stack trace");
      assert.equal(r.stdout, "");
      assert.ok(r.ms < TIME_LIMIT_MS, `took ${Math.round(r.ms)} ms`);
    });
  }
}
