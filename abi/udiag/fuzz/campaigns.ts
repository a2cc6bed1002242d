/**
 * udiag's fuzz campaigns, as the engine (fuzz/campaign.ts) runs them:
 *
 * - `model`: fast-check command sequences run against the reference model
 *   (model.ts) and the kernel side by side; every answer and the whole enable
 *   page must agree, and a case must leave the device as it found it;
 * - `raw`: syscalls with arguments no well-behaved client passes (raw.ts);
 * - `race`: rounds of racing worker processes (race.ts).
 *
 * Loaded in the guest only: it opens the device through FFI.
 *
 * @module
 */
import fc from "fast-check";
import { UdiagModel } from "./model.ts";
import { leftBehind, RealUdiag, type StateLeak } from "./real.ts";
import { allCommands } from "./commands/mod.ts";
import { POOL } from "./commands/names.ts";
import { commandName, isPageTitle } from "./titles.ts";
import { rawCleanup, type RawOp, rawOp, runRawOp, showRawOp } from "./raw.ts";
import { raceCampaign } from "./race.ts";
import { UdiagFile } from "../device.ts";
import { DIAG_SYSTEM } from "../abi.ts";
import { pageSize } from "../../../harness/syscall.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { steps } from "../../../harness/steps.ts";
import {
  type Campaign,
  type CaseCampaign,
  type CaseShape,
  DirtyTargetError,
} from "../../../fuzz/campaign.ts";

type Commands = Iterable<fc.Command<UdiagModel, RealUdiag>>;

/**
 * The model campaign. Once a page dirty where no event lives has been filed,
 * later cases compare only the bytes of their own events (a target whose page
 * holds stale memory would otherwise fail every case at setup).
 */
export class ModelCampaign implements CaseCampaign<Commands> {
  readonly kind = "cases";
  readonly name = "model";
  #strictPage = true;

  arbitrary(o: CaseShape): fc.Arbitrary<Commands> {
    return fc.commands(allCommands, {
      maxCommands: o.maxCommands,
      size: "max",
      ...(o.replayPath !== undefined ? { replayPath: o.replayPath } : {}),
    });
  }

  run(cmds: Commands, log: string[]): void {
    const model = new UdiagModel({ pageSize: pageSize() });
    const real = new RealUdiag(POOL, this.#strictPage);
    let leak: StateLeak | null = null;
    let failure: unknown = null;
    try {
      steps.time("set-up", () => {
        real.ensureClean(); // a case starts on a clean device…
        real.clearSinks(); // …and empty sinks: a case is judged on its own records
        real.checkPage(model, "setup");
      });
      real.log.length = 0;
      steps.time("commands", () => fc.modelRun(() => ({ model, real }), cmds));
    } catch (e) {
      failure = e;
    } finally {
      log.push(...real.log);
      steps.time("clean-up", () => real[Symbol.dispose]());
      leak = steps.time("leak check", () => leftBehind(real.tracefs));
    }
    // A leak ends this boot's cases, so it is what gets filed, even when the
    // case failed for another reason too (that reason is found again later).
    // A device dirty at the start was not this case's doing.
    if (failure instanceof DirtyTargetError) throw failure;
    if (leak) throw failure ? leak.alsoFailed(failure) : leak;
    if (failure) throw failure;
  }

  opName(line: string): string {
    return commandName(line);
  }

  filed(f: { title: string }): void {
    if (isPageTitle(f.title)) this.#strictPage = false;
  }

  replaying(title: string): void {
    // Look past a dirty page unless the finding is about the page.
    this.#strictPage = isPageTitle(title);
  }
}

/** A printed raw operation's first word → its RawOp `op` (showRawOp in raw.ts). */
const RAW_OP_OF: Readonly<Record<string, string>> = {
  pwrite: "write",
  ftrace: "trace",
  close: "reopen",
};

/** The raw campaign: random raw operations, no model; see raw.ts for the oracle. */
export class RawCampaign implements CaseCampaign<RawOp[]> {
  readonly kind = "cases";
  readonly name = "raw";

  arbitrary(o: CaseShape): fc.Arbitrary<RawOp[]> {
    // Generator 1 made small cases (10 operations at most); see GENERATOR.
    return fc.array(rawOp, {
      maxLength: o.maxCommands,
      ...(o.generator >= 2 ? { size: "max" as const } : {}),
    });
  }

  run(ops: RawOp[], log: string[]): void {
    const tracefs = new Tracefs(DIAG_SYSTEM);
    const state = { file: UdiagFile.openOrThrow(), tracefs };
    try {
      steps.time("commands", () => {
        for (const o of ops) {
          log.push(showRawOp(o));
          steps.time(`raw: ${o.op}`, () => runRawOp(state, o));
        }
      });
    } finally {
      steps.time("clean-up", () => {
        state.file.close();
        rawCleanup(tracefs);
      });
    }
  }

  opName(line: string): string {
    const head = line.slice(0, Math.max(0, line.indexOf("(")));
    return `raw_${RAW_OP_OF[head] ?? head}`;
  }
}

/** A fresh set of udiag's campaigns (each guest process makes its own). */
export function udiagCampaigns(): Campaign[] {
  return [
    new ModelCampaign() as CaseCampaign<unknown>,
    new RawCampaign() as CaseCampaign<unknown>,
    raceCampaign,
  ];
}
