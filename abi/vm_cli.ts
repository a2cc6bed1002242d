/**
 * `deno task vm [options] -- <command>`: boots the KASAN guest with an ABI's
 * target loaded (udiag's module by default), runs `<command>` in the
 * checkout with Deno on PATH, streams its output, saves any kernel report
 * under reports/, and exits with the command's status, or 255 when the
 * kernel died.
 *
 * @module
 */
import { resolveSubject, subjectGuest } from "./mod.ts";
import {
  checkInput,
  intFlag,
  parseFlags,
  profileFlag,
  runMain,
  UsageError,
} from "../harness/cli.ts";
import { describeOutcome, runGuest } from "../harness/vm/guest_run.ts";
import { ROOT } from "../harness/paths.ts";

const USAGE = `Usage: deno task vm [options] -- <command>
  --abi NAME          whose target to load (abi/<NAME>/)           [udiag]
  --target T          kmod | patch:FILE | kernel | kernel:PATCH    [the ABI's first]
  --profile NAME      kernel profile (base, strict, faults)        [base]
  --broken VARIANT    load a test-only broken module of the ABI
  --no-module         boot the kernel without loading anything
  --provoke           also load the test-only report provoker (kmod/provoke)
  --timeout SEC       host timeout for the whole run               [600]
  --silence SEC       kill the guest after SEC without output      [120]
  --reports DIR       where findings go                            [reports]
  --show-command      print the QEMU command line
  --quiet             do not echo the kernel console

Exit status: the command's, or 255 when the kernel died; 2 bad flags (before
anything is built or booted).`;

async function main(args: readonly string[]): Promise<number> {
  const o = await checkInput(async () => {
    const { values: v, positionals } = parseFlags(
      args,
      {
        abi: { type: "string" },
        target: { type: "string" },
        profile: { type: "string" },
        broken: { type: "string" },
        timeout: { type: "string" },
        silence: { type: "string" },
        "no-module": { type: "boolean" },
        provoke: { type: "boolean" },
        reports: { type: "string" },
        "show-command": { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean" },
      },
      USAGE,
      true,
    );
    if (positionals.length === 0) {
      throw new UsageError("No command given: deno task vm -- <command>");
    }
    const subject = await resolveSubject({ ...v, profile: profileFlag(v.profile) });
    if (subject.target.kind === "local") {
      throw new UsageError("--target local is not one deno task vm takes: it boots a VM");
    }
    return {
      v,
      command: positionals.join(" "),
      subject,
      timeout: v.timeout === undefined ? undefined : intFlag("timeout", v.timeout, 1),
      silence: v.silence === undefined ? undefined : intFlag("silence", v.silence, 1),
    };
  });
  const guest = subjectGuest(o.subject);
  const { run, exitCode } = await runGuest({
    kernel: guest.kernel,
    ...(o.v["no-module"] ? {} : { load: guest.load }),
    command: o.command,
    ...(o.timeout ? { timeoutSeconds: o.timeout } : {}),
    ...(o.silence ? { silenceSeconds: o.silence } : {}),
    provoke: o.v.provoke ?? false,
    reportsDir: o.v.reports ?? `${ROOT}/reports`,
    showCommand: o.v["show-command"] ?? false,
    echoConsole: !o.v.quiet,
  });
  console.error(
    `udiag-fuzz: ${describeOutcome(run)} after ${
      run.seconds.toFixed(1)
    } s; console: ${run.consoleFile}`,
  );
  return exitCode;
}

if (import.meta.main) runMain(() => main(Deno.args));
