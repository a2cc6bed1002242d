/**
 * Upstream Linux user_events (`/sys/kernel/tracing/user_events_data`, see
 * NOTES.md) as a plug-in: built into our kernel (`kernel`, or `kernel:PATCH`
 * for a fix or a calibration revert from `reverts/`), so nothing is loaded;
 * the rules of `conformance/`, the checks of `security/` and the campaigns
 * of `fuzz/`.
 *
 * @module
 */
import type { AbiPlugin } from "../plugin.ts";
import { targetLabel } from "../../harness/target.ts";
import { USER_EVENTS_RULES } from "./conformance/rules.ts";
import { USER_EVENTS_CHECKS } from "./security/catalog.ts";
import { buildUeProc, buildUeRace } from "./helpers/build.ts";
import { COMMAND_NAMES } from "./fuzz/titles.ts";
import { buildFailNth } from "../../harness/faults/failnth.ts";

const files = (dir: string, names: readonly string[]) =>
  names.map((n) => `abi/user_events/${dir}/${n}`);

const userEvents: AbiPlugin = {
  name: "user_events",
  summary:
    "Linux user_events: tracefs user_events_data ioctls, enable bits, writes, dynamic_events",
  targets: ["kernel"],
  brokenVariants: [],
  load({ target }) {
    if (target.kind !== "kernel") {
      return Promise.reject(
        new TypeError(`user_events is built into the kernel: --target ${targetLabel(target)}`),
      );
    }
    return Promise.resolve({ modules: [], env: { target: targetLabel(target) } });
  },
  conformance: {
    rules: USER_EVENTS_RULES,
    source: "uapi header, user_events.rst and trace_events_user.c of 6.12.117 (NOTES.md)",
    files: files("conformance", [
      "reg_rules.ts",
      "enable_rules.ts",
      "write_rules.ts",
      "lifetime_rules.ts",
      "proc_rules.ts",
      "multi_rules.ts",
      "size_rules.ts",
      "fault_rules.ts",
    ]),
    prepare: async () => {
      await buildUeProc();
    },
  },
  security: {
    checks: USER_EVENTS_CHECKS,
    attackers: "root, an ordinary user (uid 1001, no capabilities) with no descriptor of " +
      "user_events_data, and the same user holding one root passed with SCM_RIGHTS; each " +
      "check names its attacker, the answer the kernel must give and the source lines " +
      "that say so.",
    // The attacker is a Deno actor (security/actor.ts): no helper to build.
    files: files("security", [
      "access_checks.ts",
      "handle_checks.ts",
      "write_checks.ts",
      "enable_checks.ts",
      "capacity_checks.ts",
    ]),
  },
  fuzz: {
    weights: { model: 3, raw: 1, race: 1, faults: 2 },
    profiles: { faults: "faults" },
    opNames: COMMAND_NAMES,
    prepare: async () => {
      await buildUeRace();
      await buildFailNth();
    },
    async campaigns() {
      const { userEventsCampaigns } = await import("./fuzz/campaigns.ts");
      return userEventsCampaigns();
    },
  },
  health: {
    // Imported in the guest only: the canary is FFI.
    async canary() {
      const { openUserEventsCanary } = await import("./health.ts");
      return () => openUserEventsCanary();
    },
  },
};

export default userEvents;
