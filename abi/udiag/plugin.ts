/**
 * The udiag ABI (`/dev/udiag`, the RFC in `rfc/`) as a plug-in: our module or
 * a driver patch as the target, the rules and checks of `conformance/` and
 * `security/`, and the campaigns of `fuzz/`.
 *
 * @module
 */
import type { AbiPlugin } from "../plugin.ts";
import { BROKEN_VARIANTS, buildUdiag, UDIAG_MODULE } from "./module.ts";
import { UDIAG_RULES } from "./conformance/rules.ts";
import { UDIAG_CHECKS } from "./security/catalog.ts";
import { buildForkHelper } from "./security/helpers.ts";
import { buildPatchTarget } from "../../harness/patch/build.ts";
import { targetLabel } from "../../harness/target.ts";
import { COMMAND_NAMES } from "./fuzz/titles.ts";

const files = (dir: string, names: readonly string[]) => names.map((n) => `abi/udiag/${dir}/${n}`);

const udiag: AbiPlugin = {
  name: "udiag",
  summary: "the udiag RFC's /dev/udiag: register, delete, write, one shared enable page",
  targets: ["kmod", "patch", "local"],
  brokenVariants: BROKEN_VARIANTS,
  module: UDIAG_MODULE,
  async load({ target, kernel, buildRoot, broken, mutant }) {
    if (target.kind === "patch") {
      // The patch's module creates /dev/udiag itself; ours is not loaded.
      const t = await buildPatchTarget(kernel, target.file, buildRoot);
      return {
        modules: [t.modulePath],
        env: {
          target: targetLabel(target),
          patchSubject: t.subject,
          patchSha256: t.patchSha256,
          portLog: `${t.dir}/port.md`,
          portSteps: t.steps.filter((s) => s.applied).map((s) => s.id).join(", "),
        },
      };
    }
    if (target.kind !== "kmod") {
      throw new TypeError(`udiag cannot boot --target ${targetLabel(target)} in the VM`);
    }
    return {
      modules: [await buildUdiag(kernel, buildRoot, broken, mutant)],
      env: {
        target: broken
          ? `kmod (broken: ${broken})`
          : mutant
          ? `kmod (mutant: ${mutant.id})`
          : "kmod",
      },
    };
  },
  conformance: {
    rules: UDIAG_RULES,
    source: "RFC",
    files: files("conformance", [
      "reg_rules.ts",
      "del_rules.ts",
      "write_rules.ts",
      "page_rules.ts",
      "trace_rules.ts",
      "bpf_rules.ts",
      "size_rules.ts",
      "fault_rules.ts",
      "capacity_rules.ts",
      "module_rules.ts",
    ]),
  },
  security: {
    checks: UDIAG_CHECKS,
    attackers: "root, an ordinary user the device admits (mode 0666, or group udiag with " +
      "0660) and an ordinary user it does not.",
    files: files("security", [
      "access_checks.ts",
      "cross_user_checks.ts",
      "page_checks.ts",
      "name_checks.ts",
      "handle_checks.ts",
      "write_checks.ts",
      "capacity_checks.ts",
    ]),
    prepare: async () => {
      await buildForkHelper();
    },
  },
  fuzz: {
    weights: { model: 6, raw: 2, race: 2 },
    opNames: COMMAND_NAMES,
    async campaigns() {
      const { udiagCampaigns } = await import("./fuzz/campaigns.ts");
      return udiagCampaigns();
    },
  },
  health: {
    async canary() {
      const { openUdiagCanary } = await import("./health.ts");
      return () => openUdiagCanary();
    },
  },
};

export default udiag;
