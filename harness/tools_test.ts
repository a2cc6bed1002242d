import assert from "node:assert/strict";
import { AptProgress, aptStatus } from "./tools.ts";

Deno.test("aptStatus() reads apt-get's status lines and nothing else", () => {
  assert.deepEqual(aptStatus("dlstatus:2:65.2686:Retrieving file 2 of 2"), {
    phase: "downloading",
    percent: 65.2686,
  });
  assert.deepEqual(aptStatus("pmstatus:cpio:11.1111:Unpacking cpio (amd64)"), {
    phase: "installing",
    percent: 11.1111,
  });
  assert.equal(aptStatus("Setting up cpio (2.13+dfsg-7.1) ..."), null);
});

Deno.test("AptProgress reports a real apt-get run in steps of at least 10 points", async () => {
  // Captured: apt-get -o APT::Status-Fd=1 install --reinstall cpio bc.
  const text = await Deno.readTextFile(new URL("testdata/apt-status-fd.txt", import.meta.url));
  const said: string[] = [];
  const p = new AptProgress("apt-get install", (l) => said.push(l));
  for (const l of text.split("\n")) p.line(l);
  assert.deepEqual(said, [
    "udiag-fuzz: apt-get install: downloading 65 %",
    "udiag-fuzz: apt-get install: downloading 100 %",
    "udiag-fuzz: apt-get install: installing 0 %",
    "udiag-fuzz: apt-get install: installing 11 %",
    "udiag-fuzz: apt-get install: installing 22 %",
    "udiag-fuzz: apt-get install: installing 33 %",
    "udiag-fuzz: apt-get install: installing 44 %",
    "udiag-fuzz: apt-get install: installing 55 %",
    "udiag-fuzz: apt-get install: installing 66 %",
    "udiag-fuzz: apt-get install: installing 77 %",
    "udiag-fuzz: apt-get install: installing 88 %",
  ]);
});
