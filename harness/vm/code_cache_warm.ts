/**
 * Loads the modules a guest starts from, so that Deno writes their V8 code
 * cache into `DENO_DIR` (harness/vm/deno_dir.ts runs it on the host with the
 * cache it stages into the guest). Loading is all it does: the suites'
 * files only register tests (`Deno.test` registers nothing under `deno
 * run`), and the CLIs run only as `import.meta.main`. In the guest, Deno
 * compiled the same modules again in every boot: measured there, a run of
 * fuzz/guest.ts started 3 s sooner with the cache its first run left.
 *
 * @module
 */
import { abiNames, loadAbi } from "../../abi/mod.ts";
import { ROOT } from "../paths.ts";
import { BUNDLED_ENTRIES, bundlePath } from "./guest_bundle.ts";

/**
 * The guest's entry modules, as paths from the checkout: the bundles
 * (harness/vm/guest_bundle.ts, built before this runs), their sources (a
 * guest may still run them: `fuzz/guest.ts` in bench/guest.ts's start-up
 * table), and the suite files, which run as sources under `deno test`.
 */
export async function guestEntries(): Promise<string[]> {
  const out: string[] = [...BUNDLED_ENTRIES.map(bundlePath), ...BUNDLED_ENTRIES];
  for (const name of abiNames()) {
    const abi = await loadAbi(name);
    out.push(...abi.conformance.files, ...(abi.security?.files ?? []));
  }
  return [...new Set(out)];
}

if (import.meta.main) {
  for (const f of await guestEntries()) {
    // A bundle is built before each boot (harness/vm/initramfs.ts); without one, nothing to warm.
    const exists = await Deno.stat(`${ROOT}/${f}`).then(() => true, () => false);
    if (exists) await import(`file://${ROOT}/${f}`);
  }
}
