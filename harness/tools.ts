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
  log(`udiag-fuzz: installing ${names.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], command.split(" ").slice(1)]) {
    const { code, stderr } = await new Deno.Command("apt-get", {
      args,
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      const why = new TextDecoder().decode(stderr).trim().split("\n").at(-1);
      throw new Error(`Cannot run "apt-get ${args.join(" ")}": ${why}`);
    }
  }
  const still = missingPackages(missing).map((t) => t.pkg);
  if (still.length > 0) {
    throw new Error(`Installed but still missing: ${still.join(", ")}`);
  }
}
