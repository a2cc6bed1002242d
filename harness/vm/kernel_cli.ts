/**
 * `deno task kernel [--profile base|strict] [--patch FILE] [--jobs N]`: builds
 * (or finds in the cache) the test kernel and prints where it is.
 *
 * Exit status: 0 the kernel is there, 1 the build failed, 2 bad flags.
 *
 * @module
 */
import { ensureKernel } from "./kernel.ts";
import { fileFlag, intFlag, parseFlags, profileFlag, runMain, UsageError } from "../cli.ts";

const USAGE = `Usage: deno task kernel [options]
  --profile NAME    kernel profile (base, strict, faults)              [base]
  --patch FILE      build our kernel with FILE applied to its source (cached apart)
  --jobs N          parallel make jobs                                 [nproc]

Prints the build (image, key, release) as JSON.

Exit status: 0 the kernel is built or cached, 1 the build failed, 2 bad flags.`;

/** Parses and checks the command line (nothing slow starts before it passes). */
export function parseKernelArgs(
  args: readonly string[],
): { profile: string; patch?: string; jobs?: number } {
  const { values: v, positionals } = parseFlags(
    args,
    {
      profile: { type: "string" },
      patch: { type: "string" },
      jobs: { type: "string" },
      help: { type: "boolean" },
    },
    USAGE,
    true,
  );
  if (positionals.length > 0) {
    throw new UsageError(
      `Unexpected argument "${positionals[0]}": deno task kernel takes flags only`,
    );
  }
  return {
    profile: profileFlag(v.profile),
    ...(v.patch === undefined ? {} : { patch: fileFlag("patch", v.patch) }),
    ...(v.jobs === undefined ? {} : { jobs: intFlag("jobs", v.jobs, 1) }),
  };
}

if (import.meta.main) {
  runMain(async () => {
    const o = parseKernelArgs(Deno.args);
    console.log(JSON.stringify(await ensureKernel(o), null, 2));
    return 0;
  });
}
