/**
 * The guest's initramfs: static busybox, `guest/init.sh`, the target module
 * and a `run.env` naming the command. Built per run in a second or so.
 *
 * @module
 */
import { runLogged } from "../proc.ts";
import { stageDenoDir } from "./deno_dir.ts";
import { buildGuestBundles } from "./bundle_build.ts";
import { withLock } from "../lock.ts";
import { ROOT } from "../paths.ts";
import { ensureRawsysLib } from "../rawsys.ts";

const INIT = new URL("./guest/init.sh", import.meta.url);

/** What the guest's init does. */
export interface GuestPlan {
  /** Shell command run in the chroot of the host root. */
  readonly command: string;
  /** Working directory of the command (an absolute host path). */
  readonly cwd: string;
  /** Host directory shared writable into the guest at the same path. */
  readonly outDir: string;
  /** Modules to insmod, in order, before the command. */
  readonly modules: readonly string[];
  /** PATH inside the chroot. */
  readonly guestPath: string;
  /** Scan kmemleak after the command. */
  readonly kmemleak: boolean;
}

/**
 * PATH inside the guest's chroot of the host root: the running Deno's own
 * directory first, so the guest runs the same pinned Deno as the host.
 */
export function guestPath(): string {
  return [
    Deno.execPath().replace(/\/[^/]+$/, ""),
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
  ].join(":");
}

/** Quotes a value for a POSIX shell assignment. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** `run.env` for a plan: sourced by init.sh. */
export function runEnv(plan: GuestPlan, moduleNames: readonly string[]): string {
  const vars: [string, string][] = [
    ["CMD", plan.command],
    ["CWD", plan.cwd],
    ["OUT", plan.outDir],
    ["MODULES", moduleNames.join(" ")],
    ["GUEST_PATH", plan.guestPath],
    ["KMEMLEAK", plan.kmemleak ? "1" : "0"],
  ];
  return vars.map(([k, v]) => `${k}=${shellQuote(v)}\n`).join("");
}

/** Writes `<dir>/initramfs.cpio.gz` for `plan` and returns its path. */
export async function buildInitramfs(
  plan: GuestPlan,
  dir: string,
): Promise<string> {
  const root = `${dir}/initramfs`;
  await Deno.remove(root, { recursive: true }).catch(() => {});
  for (const d of ["bin", "proc", "sys", "dev", "tmp", "host"]) {
    await Deno.mkdir(`${root}/${d}`, { recursive: true });
  }
  await Deno.copyFile("/bin/busybox", `${root}/bin/busybox`);
  await Deno.copyFile(INIT, `${root}/init`);
  await Deno.chmod(`${root}/init`, 0o755);
  const names = plan.modules.map((p) => p.split("/").at(-1)!);
  for (const [i, p] of plan.modules.entries()) {
    await Deno.copyFile(p, `${root}/${names[i]}`);
  }
  await Deno.writeTextFile(`${root}/run.env`, runEnv(plan, names));
  // The guest runs its entries bundled; one writer at a time across runs.
  await withLock(`${ROOT}/out/guest-bundle`, () => buildGuestBundles());
  // init.sh copies it into the guest's DENO_DIR when it is there.
  await stageDenoDir(`${root}/deno`);
  // Every guest process makes its system calls through it, from the
  // read-only share: it must be built here.
  ensureRawsysLib();
  const out = `${dir}/initramfs.cpio.gz`;
  await runLogged("sh", [
    "-c",
    `find . -print0 | cpio --null -o -H newc --quiet | gzip -1 > ${shellQuote(out)}`,
  ], { cwd: root, logFile: `${dir}/initramfs.log` });
  // The cpio has it; a copy left in the run's folder is megabytes of
  // transpiled modules per boot that test discovery would walk into.
  await Deno.remove(`${root}/deno`, { recursive: true }).catch(() => {});
  return out;
}
