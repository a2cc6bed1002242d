/**
 * user_events' fuzz campaigns, as the engine (fuzz/campaign.ts) runs them:
 *
 * - `model`: fast-check command sequences (commands/) run against the
 *   reference model (model.ts) and the kernel side by side; every answer and
 *   every readable enable word of the case must agree, and a case must leave
 *   no event of its names behind;
 * - `raw`: calls with arguments no well-behaved client passes (raw.ts),
 *   judged by NOTES.md's errno table;
 * - `race`: processes and threads racing every lookup, reference and delete
 *   path on two names (race.ts);
 * - `faults`: one call of a short sequence with its N-th allocation or user
 *   copy failing (faults.ts; kernel profile `faults` only).
 *
 * Loaded in the guest only: it opens user_events_data through FFI.
 *
 * @module
 */
import fc from "fast-check";
import { UserEventsModel, WORDS } from "./model.ts";
import { deleteSettled, ensureClean, POOL, RealUserEvents, StateLeak } from "./real.ts";
import { type RawOp, rawOp, runRawOp, showRawOp } from "./raw.ts";
import { EnableWord, UserEventsFile } from "../client.ts";
import { TRACEFS_ROOT, USER_EVENTS_MULTI_SYSTEM, USER_EVENTS_SYSTEM } from "../abi.ts";
import { Tracefs } from "../../../harness/tracefs.ts";
import { allCommands } from "./commands/mod.ts";
import { raceCampaign } from "./race.ts";
import { FaultCampaign } from "./faults.ts";
import { commandName } from "./titles.ts";
import {
  type Campaign,
  type CaseCampaign,
  type CaseShape,
  DirtyTargetError,
} from "../../../fuzz/campaign.ts";
import { steps } from "../../../harness/steps.ts";

type Commands = Iterable<fc.Command<UserEventsModel, RealUserEvents>>;

/** One case: each enable word's value before it, and the commands. */
export type ModelCase = readonly [readonly bigint[], Commands];

const ALL = (1n << 64n) - 1n;

/** Initial word values: zero, all ones, alternating bits, or anything. */
const wordValue: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.constantFrom(ALL, 0x5555_5555_5555_5555n, 0xaaaa_aaaa_aaaa_aaaan) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: ALL }) },
);

/** The model campaign (see the module comment). */
export class ModelCampaign implements CaseCampaign<ModelCase> {
  readonly kind = "cases";
  readonly name = "model";

  arbitrary(o: CaseShape): fc.Arbitrary<ModelCase> {
    return fc.tuple(
      fc.array(wordValue, { minLength: WORDS, maxLength: WORDS }),
      fc.commands(allCommands, {
        maxCommands: o.maxCommands,
        size: "max",
        ...(o.replayPath !== undefined ? { replayPath: o.replayPath } : {}),
      }),
    );
  }

  run([initial, cmds]: ModelCase, log: string[]): void {
    const model = new UserEventsModel({ initial });
    let real: RealUserEvents | null = null;
    let leak: StateLeak | null = null;
    let failure: unknown = null;
    try {
      real = steps.time("set-up", () => {
        // A case starts on a clean target: no user event at all.
        ensureClean();
        const r = new RealUserEvents(initial);
        r.checkWords(model, "setup");
        return r;
      });
      real.log.length = 0;
      steps.time("commands", () => fc.modelRun(() => ({ model, real: real! }), cmds));
    } catch (e) {
      failure = e;
    } finally {
      if (real) {
        log.push(...real.log);
        leak = steps.time("clean-up and leak check", () => real!.dispose());
      }
    }
    // A leak ends this boot's cases, so it is what gets filed; a dirty
    // target at the start was not this case's doing.
    if (failure instanceof DirtyTargetError) throw failure;
    if (leak) throw failure ? leak.alsoFailed(failure) : leak;
    if (failure) throw failure;
  }

  opName(line: string): string {
    return commandName(line);
  }
}

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
    steps.time("set-up", () => ensureClean());
    const word = new EnableWord();
    const file = UserEventsFile.openOrThrow();
    const target = { file, word: word.address, unmapped: UNMAPPED };
    let failure: unknown = null;
    try {
      steps.time("commands", () => {
        for (const o of ops) {
          log.push(showRawOp(o));
          steps.time(`raw: ${o.op}`, () => runRawOp(target, o));
        }
      });
    } catch (e) {
      failure = e;
    }
    const leak = steps.time("clean-up and leak check", () => rawCleanup(file, word));
    if (leak) throw failure ? leak.alsoFailed(failure) : leak;
    if (failure) throw failure;
  }

  opName(line: string): string {
    return commandName(line);
  }
}

/** An address in user space below mmap_min_addr: never mapped. */
const UNMAPPED = 0x1000n;

/**
 * Unwinds a raw case: every (address, bit) of its word unregistered, the
 * file closed, the pool names deleted (EBUSY retried for a bounded time, as
 * auto-delete and the RCU-deferred put are asynchronous); what stays is a
 * {@linkcode StateLeak}.
 */
function rawCleanup(file: UserEventsFile, word: EnableWord): StateLeak | null {
  for (const off of [0n, 4n]) {
    for (let bit = 0; bit < 64; bit++) file.unregister(word.address + off, bit);
  }
  file.close();
  using ctl = UserEventsFile.openOrThrow();
  for (const n of POOL) deleteSettled(ctl, n);
  const single = new Tracefs(USER_EVENTS_SYSTEM, TRACEFS_ROOT).events();
  const multi = new Tracefs(USER_EVENTS_MULTI_SYSTEM, TRACEFS_ROOT).events();
  const left = [...single, ...multi].filter((n) =>
    POOL.some((p) => n === p || n.startsWith(`${p}.`))
  );
  return left.length
    ? new StateLeak("an event stays that delete cannot remove", left.join(", "))
    : null;
}

/** A fresh set of user_events' campaigns (each guest process makes its own). */
export function userEventsCampaigns(): Campaign[] {
  return [
    new ModelCampaign() as CaseCampaign<unknown>,
    new RawCampaign() as CaseCampaign<unknown>,
    raceCampaign,
    new FaultCampaign() as CaseCampaign<unknown>,
  ];
}
