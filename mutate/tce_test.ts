import assert from "node:assert/strict";
import { codeClasses } from "./tce.ts";
import { isModuleSource } from "./tce_build.ts";

const CLASSES: readonly {
  name: string;
  base: string | null;
  codes: { id: string; code: string | null }[];
  equivalent: string[];
  duplicateOf: [string, string][];
}[] = [
  { name: "no mutant", base: "b", codes: [], equivalent: [], duplicateOf: [] },
  {
    name: "every mutant different",
    base: "b",
    codes: [{ id: "m1", code: "x" }, { id: "m2", code: "y" }],
    equivalent: [],
    duplicateOf: [],
  },
  {
    name: "the target's code is equivalent, not a class of its own",
    base: "b",
    codes: [{ id: "m1", code: "b" }, { id: "m2", code: "b" }],
    equivalent: ["m1", "m2"],
    duplicateOf: [],
  },
  {
    name: "a class of three stands for its first, in the run's order",
    base: "b",
    codes: [{ id: "m3", code: "x" }, { id: "m1", code: "x" }, { id: "m2", code: "x" }],
    equivalent: [],
    duplicateOf: [["m1", "m3"], ["m2", "m3"]],
  },
  {
    name: "no code (did not build, or a kernel target) is never a duplicate",
    base: null,
    codes: [{ id: "m1", code: null }, { id: "m2", code: null }],
    equivalent: [],
    duplicateOf: [],
  },
];

for (const c of CLASSES) {
  Deno.test(`codeClasses(): ${c.name}`, () => {
    const got = codeClasses(c.base, c.codes);
    assert.deepEqual([...got.equivalent], c.equivalent);
    assert.deepEqual([...got.duplicateOf], c.duplicateOf);
  });
}

Deno.test("isModuleSource(): a build folder's sources, not what make wrote there", () => {
  const names = [
    "udiag.c",
    "udiag_exports.h",
    "Kbuild",
    "Makefile",
    "udiag.mod.c",
    "udiag.o",
    "udiag.ko",
    ".udiag.o.cmd",
    "build.log",
    "port.md",
  ];
  assert.deepEqual(names.filter(isModuleSource), [
    "udiag.c",
    "udiag_exports.h",
    "Kbuild",
    "Makefile",
  ]);
});
