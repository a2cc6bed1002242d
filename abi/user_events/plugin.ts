/**
 * Upstream Linux user_events (`/sys/kernel/tracing/user_events_data`, see
 * NOTES.md) as a plug-in: built into our kernel (`kernel`, or `kernel:PATCH`
 * for a fix or a calibration revert from `reverts/`), so nothing is loaded;
 * the rules of `conformance/` and the campaigns of `fuzz/`.
 *
 * @module
 */
import type { AbiPlugin } from "../plugin.ts";
import { targetLabel } from "../../harness/target.ts";
import { USER_EVENTS_RULES } from "./conformance/rules.ts";
import { buildUeProc } from "./helpers/build.ts";
import { COMMAND_NAMES } from "./fuzz/titles.ts";

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
    ]),
    prepare: async () => {
      await buildUeProc();
    },
  },
  fuzz: {
    weights: { model: 3, raw: 1 },
    opNames: COMMAND_NAMES,
    async campaigns() {
      const { userEventsCampaigns } = await import("./fuzz/campaigns.ts");
      return userEventsCampaigns();
    },
  },
};

export default userEvents;
