/**
 * `deno task kernel [--profile base|strict] [--jobs N]`: builds (or finds in
 * the cache) the test kernel and prints where it is.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureKernel, PROFILES } from "./kernel.ts";

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      profile: { type: "string", default: "base" },
      jobs: { type: "string" },
    },
    strict: true,
  });
  if (!(values.profile in PROFILES)) {
    console.error(`Unknown --profile "${values.profile}"`);
    Deno.exit(2);
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0)) {
    console.error(`Invalid --jobs "${values.jobs}": expected a positive integer`);
    Deno.exit(2);
  }
  const k = await ensureKernel({
    profile: values.profile,
    ...(jobs ? { jobs } : {}),
  });
  console.log(JSON.stringify(k, null, 2));
}
