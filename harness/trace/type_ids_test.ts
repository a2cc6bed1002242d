import assert from "node:assert/strict";
import { growthPoint, IDA_BITMAP_BITS } from "./type_ids.ts";

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

// Cases as a booted kernel leaves the ids: the static types below
// __TRACE_LAST_TYPE are not the IDA's, so `from` is where it starts.
const CASES: { name: string; used: number[]; from: number; want: [number, number] | null }[] = [
  {
    name: "nothing taken: chunk 0 from `from` on is not unused",
    used: [],
    from: 20,
    want: [1087, 1067],
  },
  { name: "from on a chunk start", used: [], from: 1024, want: [1087, 63] },
  {
    name: "kernel events fill chunks 0 and 1 in part",
    used: range(20, 1700),
    from: 20,
    want: [2048 + 63, 2048 - 1701 + 63],
  },
  {
    name: "a hole below is filled first and counted",
    used: [...range(20, 500), ...range(502, 1700)],
    from: 20,
    want: [2111, 2048 - 1701 + 1 + 63],
  },
  {
    name: "one id high in chunk 2 makes it used: chunk 3",
    used: [...range(20, 1700), 3000],
    from: 20,
    want: [3072 + 63, 3072 - 1701 - 1 + 63],
  },
  { name: "no room left before max", used: range(20, 2000), from: 20, want: null },
];

for (const c of CASES) {
  Deno.test(`growthPoint(): ${c.name}`, () => {
    const g = growthPoint(new Set(c.used), c.from, c.want === null ? 2047 + 60 : 65535);
    assert.deepEqual(g === null ? null : [g.id, g.fill], c.want);
    if (g) assert.equal(g.chunkStart % IDA_BITMAP_BITS, 0);
  });
}
