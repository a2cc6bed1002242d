import assert from "node:assert/strict";
import { cpuSplit, parseProcStat, USER_HZ } from "./proc_stat.ts";

// /proc/<pid>/stat of a `cat` on the development host, verbatim.
const CAT =
  "29357 (cat) R 29355 29355 26588 0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 332869 3133440 381 " +
  "18446744073709551615 93872316887040 93872316906921 140726381103280 0 0 0 0 0 0 0 0 0 17 0 0 " +
  "0 0 0 0 93872316922928 93872316924544 93872493785088 140726381107936 140726381107956 " +
  "140726381107956 140726381109227 0";

Deno.test("parseProcStat() reads utime, stime, cutime and cstime of a real stat line", () => {
  assert.deepEqual(parseProcStat(CAT), { utime: 0, stime: 0, cutime: 0, cstime: 0 });
});

Deno.test("parseProcStat() counts fields after the last ')' so a comm with spaces and parens parses", () => {
  const line = "7 (deno (main) x) S 1 7 7 0 -1 0 10 0 0 0 123 45 6 7 20 0 9 0 100 0 0";
  assert.deepEqual(parseProcStat(line), { utime: 123, stime: 45, cutime: 6, cstime: 7 });
});

Deno.test("parseProcStat() refuses a line without (comm) or with too few fields", () => {
  assert.throws(() => parseProcStat("7 deno S 1"), SyntaxError);
  assert.throws(() => parseProcStat("7 (deno) S 1 7 7"), SyntaxError);
});

Deno.test("parseProcStat() parses this process's own stat file", () => {
  const t = parseProcStat(Deno.readTextFileSync("/proc/self/stat"));
  for (const v of Object.values(t)) assert.ok(Number.isInteger(v) && v >= 0);
});

Deno.test("cpuSplit() turns tick deltas into seconds and the kernel's share", () => {
  const s = cpuSplit({ utime: 10, stime: 10 }, { utime: 10 + 3 * USER_HZ, stime: 10 + USER_HZ });
  assert.deepEqual(s, { userSeconds: 3, kernelSeconds: 1, kernelShare: 0.25 });
});

Deno.test("cpuSplit() has no share when no tick fell in the window, and refuses time going back", () => {
  assert.equal(cpuSplit({ utime: 5, stime: 5 }, { utime: 5, stime: 5 }).kernelShare, null);
  assert.throws(() => cpuSplit({ utime: 5, stime: 5 }, { utime: 4, stime: 5 }), RangeError);
});
