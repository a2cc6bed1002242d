/**
 * A kernel module's life cycle from inside the guest: finit_module(2) and
 * delete_module(2), for rules on what loading and unloading leave behind.
 * The guest's init copies the modules it loaded to /run/modules and names
 * them in `UDIAG_MODULES` (harness/vm/guest/init.sh).
 *
 * @module
 */
import type { SysResult } from "./errno.ts";
import { O_CLOEXEC, O_NONBLOCK, O_RDONLY } from "./libc.ts";
import { NR } from "./rawsys.ts";
import { cString, sysClose, sysOpen, sysRaw } from "./syscall.ts";

/** The guest's copy of module `name` (`<name>.ko`), or null when the guest loaded none. */
export function guestModulePath(
  name: string,
  env: string | undefined = Deno.env.get("UDIAG_MODULES"),
): string | null {
  return (env ?? "").split(/\s+/).find((p) => p.endsWith(`/${name}.ko`)) ?? null;
}

/** Loads the module file at `path` (finit_module with no parameters). */
export function loadModule(path: string): SysResult<number> {
  const fd = sysOpen(path, O_RDONLY | O_CLOEXEC);
  if (!fd.ok) return fd;
  try {
    return sysRaw(NR.finit_module, fd.value, cString(""), 0);
  } finally {
    sysClose(fd.value);
  }
}

/**
 * Unloads module `name` without waiting: EWOULDBLOCK (EAGAIN) while anything
 * holds a reference to it (an open file, a tracer of its events).
 */
export function unloadModule(name: string): SysResult<number> {
  return sysRaw(NR.delete_module, cString(name), O_NONBLOCK);
}

/** Whether /proc/modules lists module `name` (pure: given the file's text). */
export function listsModule(procModules: string, name: string): boolean {
  return procModules.split("\n").some((l) => l.startsWith(`${name} `));
}

/** Whether module `name` is loaded now. */
export function moduleLoaded(name: string): boolean {
  return listsModule(Deno.readTextFileSync("/proc/modules"), name);
}
