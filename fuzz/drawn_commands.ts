/**
 * A check both ABIs' command tests share: every command a campaign's
 * arbitraries draw prints a name the ABI knows and lets fast-check print the
 * whole sequence, as a filed case's replay path does (fuzz/campaign.ts).
 * The ABIs' commands are wrapped for timing (harness/steps.ts `timedRun`),
 * so this is where a wrapper that breaks `toString` shows.
 *
 * @module
 */
import fc from "fast-check";

/** Throws when a drawn command's printed name is not in `names`, or a sequence cannot print. */
export function checkDrawnCommands<M extends object, R>(
  commands: fc.Arbitrary<fc.Command<M, R>>[],
  names: readonly string[],
  nameOf: (printed: string) => string,
): void {
  const known = new Set(names);
  fc.assert(
    fc.property(fc.commands(commands, { maxCommands: 30 }), (cmds) => {
      if (typeof String(cmds) !== "string") throw new Error("a sequence did not print");
      for (const c of cmds) {
        const printed = String(c);
        if (!known.has(nameOf(printed))) throw new Error(`unknown command: ${printed}`);
      }
    }),
    { numRuns: 100, seed: 7 },
  );
}
