/**
 * System packages the VM target needs, checked before use and installed with
 * apt-get when we can (root on Debian), or named exactly when we cannot.
 *
 * @module
 */

/** A Debian package and a file whose presence proves it is installed. */
export interface ToolPackage {
  readonly pkg: string;
  readonly probe: string;
}

/** Packages the kernel build needs (`make tinyconfig` … `make -j`). */
export const KERNEL_BUILD_PACKAGES: readonly ToolPackage[] = [
  { pkg: "linux-source-6.12", probe: "/usr/src/linux-source-6.12.tar.xz" },
  { pkg: "gcc", probe: "/usr/bin/gcc" },
  { pkg: "make", probe: "/usr/bin/make" },
  { pkg: "flex", probe: "/usr/bin/flex" },
  { pkg: "bison", probe: "/usr/bin/bison" },
  { pkg: "bc", probe: "/usr/bin/bc" },
  { pkg: "libelf-dev", probe: "/usr/include/libelf.h" },
  { pkg: "libssl-dev", probe: "/usr/include/openssl/ssl.h" },
  { pkg: "xz-utils", probe: "/usr/bin/xz" },
  // The kernel image is LZ4-compressed (kmod/kernel/base.config).
  { pkg: "lz4", probe: "/usr/bin/lz4" },
  { pkg: "patch", probe: "/usr/bin/patch" },
  { pkg: "python3", probe: "/usr/bin/python3" },
];

/** Packages the guest runner needs: QEMU, a static busybox, cpio. */
export const VM_PACKAGES: readonly ToolPackage[] = [
  { pkg: "qemu-system-x86", probe: "/usr/bin/qemu-system-x86_64" },
  { pkg: "busybox-static", probe: "/bin/busybox" },
  { pkg: "cpio", probe: "/usr/bin/cpio" },
  { pkg: "gzip", probe: "/usr/bin/gzip" },
];

/** Does `path` exist (any kind of file)? */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Returns the packages whose probe file is absent. */
export function missingPackages(
  wanted: readonly ToolPackage[],
): ToolPackage[] {
  return wanted.filter((t) => !exists(t.probe));
}

/**
 * Installs what is missing with apt-get when running as root, otherwise throws
 * an error naming the exact command to run.
 */
export async function ensurePackages(
  wanted: readonly ToolPackage[],
  log: (line: string) => void = console.error,
): Promise<void> {
  const missing = missingPackages(wanted);
  if (missing.length === 0) return;
  const names = missing.map((t) => t.pkg);
  const command = `apt-get install -y --no-install-recommends ${names.join(" ")}`;
  if (Deno.uid() !== 0 || !exists("/usr/bin/apt-get")) {
    throw new Error(
      `Missing system packages: ${names.join(", ")}; run as root: ${command}`,
    );
  }
  log(`udiag-fuzz: installing ${names.join(" ")} with apt-get (progress below)`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // APT::Status-Fd=1 makes apt-get report dlstatus/pmstatus lines on stdout.
  for (const args of [["update"], command.split(" ").slice(1)]) {
    const child = new Deno.Command("apt-get", {
      args: ["-o", "APT::Status-Fd=1", ...args],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const progress = new AptProgress(`apt-get ${args[0]}`, log);
    for await (const line of linesOf(child.stdout)) progress.line(line);
    const { code } = await child.status;
    if (code !== 0) {
      const why = (await stderr).trim().split("\n").at(-1);
      throw new Error(`Cannot run "apt-get ${args.join(" ")}": ${why}`);
    }
    log(`udiag-fuzz: apt-get ${args[0]}: done`);
  }
  const still = missingPackages(missing).map((t) => t.pkg);
  if (still.length > 0) {
    throw new Error(`Installed but still missing: ${still.join(", ")}`);
  }
}

/** One apt-get status line (`dlstatus:pkg:percent:text`, `pmstatus:…`), parsed (pure). */
export function aptStatus(line: string): { phase: string; percent: number } | null {
  const m = /^(dlstatus|pmstatus):[^:]*:([\d.]+):/.exec(line);
  if (!m) return null;
  return { phase: m[1] === "dlstatus" ? "downloading" : "installing", percent: Number(m[2]) };
}

/**
 * Says how far apt-get is, at most every 10 points of each phase: a
 * linux-source download alone takes minutes on a slow mirror.
 */
export class AptProgress {
  #last = new Map<string, number>();
  constructor(readonly what: string, readonly log: (line: string) => void) {}

  line(line: string): void {
    const s = aptStatus(line);
    if (!s) return;
    const last = this.#last.get(s.phase) ?? -10;
    if (s.percent - last < 10 && s.percent < 100) return;
    this.#last.set(s.phase, s.percent);
    this.log(`udiag-fuzz: ${this.what}: ${s.phase} ${Math.floor(s.percent)} %`);
  }
}

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}
