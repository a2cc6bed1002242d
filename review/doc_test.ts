import assert from "node:assert/strict";
import { type DocFinding, findingsMarkdown } from "./doc.ts";

const f = (title: string, type: string): DocFinding => ({
  title,
  type,
  breaks: `invariant broken by ${title}`,
  slug: title.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
  cases: ["conformance/UD-WR-004"],
  count: 1,
  evidence: "evidence line",
  reproduce: "deno task repro docs/x",
  profiles: ["base"],
});

Deno.test("findingsMarkdown() lists memory-safety reports before leaks and violations", () => {
  const md = findingsMarkdown(
    {
      target: "patch:x",
      subject: "[RFC PATCH] x",
      id: "sha256 ab",
      kernel: "6.12",
      date: "2026-11-26",
      conformance: "36 rules",
      profiles: "base (conformance, security, fuzz), strict (conformance, security)",
      security: "19 pass, 4 by design, 1 exposed (docs/x-security.md)",
      fuzz: "covered",
      portSteps: ["class-create-owner"],
      regenerate: "deno task review-rfc",
    },
    [
      f("conformance UD-REG-008: x returned ok 1, expected EINVAL", "CONFORMANCE"),
      {
        ...f("memory leak in diag_dev_ioctl", "KMEMLEAK"),
        reproC: "verified (console: memory leak)",
      },
      f("KASAN: slab-use-after-free Read in diag_dev_write", "KASAN"),
      { ...f("kernel BUG in diag_init", "BUG"), profiles: ["strict"] },
    ],
    "docs/x",
  );
  const order = [...md.matchAll(/^## \d+\. (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(order, [
    "KASAN: slab-use-after-free Read in diag_dev_write",
    "kernel BUG in diag_init",
    "memory leak in diag_dev_ioctl",
    "conformance UD-REG-008: x returned ok 1, expected EINVAL",
  ]);
  assert.match(md, /reproduce: `deno task repro docs\/x`/);
  assert.match(md, /^- target: `patch:x` \(sha256 ab\)$/m);
  assert.match(md, /- breaks: invariant broken by memory leak in diag_dev_ioctl/);
  // Which profile's pass found what.
  assert.match(md, /^- debug profiles, a pass each: base \(conformance, security, fuzz\), strict/m);
  assert.match(
    md,
    /## 2\. kernel BUG in diag_init\n\n(- .*\n){3}- found under profile\(s\): strict\n/,
  );
  // Only the finding a C reproducer was tried for says how it went.
  assert.deepEqual([...md.matchAll(/^- C reproducer: (.*)$/gm)].map((m) => m[1]), [
    "verified (console: memory leak)",
  ]);
});
