import assert from "node:assert/strict";
import { baseRuleIds, type ListedReplay } from "./replay_rules.ts";
import { readReplay } from "../harness/replay.ts";
import { loadAbi } from "../abi/mod.ts";

const r = (rule: string | undefined, profile?: string, suite = "conformance"): ListedReplay => ({
  suite,
  profile,
  rule,
});

Deno.test("baseRuleIds: the base profile's named rules, once each", async (t) => {
  const table: [string, ListedReplay[], string[]][] = [
    ["none", [], []],
    ["one rule twice", [r("UD-TR-003"), r("UD-TR-003")], ["UD-TR-003"]],
    ["whole suite only: the whole suite", [r("all")], []],
    ["whole suite beside a rule: the rule", [r("all"), r("UD-MM-005")], ["UD-MM-005"]],
    ["faults profile left out", [r("UD-FI-001", "faults"), r("UD-WR-005")], ["UD-WR-005"]],
    ["other suites left out", [r(undefined, undefined, "fuzz"), r("UD-REG-008")], ["UD-REG-008"]],
  ];
  for (const [name, replays, want] of table) {
    await t.step(name, () => assert.deepEqual(baseRuleIds(replays), want));
  }
});

// The VM test reruns these rules: a rule the catalog does not know (as "all"
// once was, passed through as an ID) fails there only after a boot.
Deno.test("baseRuleIds: every rule docs/rfc-findings.json replays is in the udiag catalog", async () => {
  const doc = JSON.parse(
    await Deno.readTextFile(new URL("../docs/rfc-findings.json", import.meta.url)),
  );
  const dirs: string[] = doc.findings
    .map((f: { reproduce: string }) => f.reproduce)
    .filter((s: string) => s.startsWith("deno task repro "))
    .map((s: string) => s.slice("deno task repro ".length));
  const replays = await Promise.all(dirs.map(async (dir) => {
    const replay = await readReplay(new URL(`../${dir}`, import.meta.url).pathname);
    return {
      suite: replay.suite,
      profile: replay.profile,
      rule: "rule" in replay ? replay.rule : undefined,
    };
  }));
  const ids = baseRuleIds(replays);
  assert.ok(ids.length >= 5, `only ${ids.length} rules`);
  const rules = (await loadAbi("udiag")).conformance.rules;
  for (const id of ids) assert.doesNotThrow(() => rules.get(id), id);
});
