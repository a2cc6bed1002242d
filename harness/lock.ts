/**
 * Exclusive locks on state that runs share: a report folder, a kernel cache
 * entry, a module build directory. An flock(2) on a lock file beside the
 * state: the kernel drops it when the holder dies, so a killed run never
 * leaves a stale lock, and it is held per open file, so two jobs of one
 * process exclude each other as two processes do.
 *
 * @module
 */
import { dirname } from "node:path";

/**
 * Runs `fn` holding the exclusive lock of `path` (the lock file is
 * `path + ".lock"`, created when absent and left in place: removing it would
 * let a waiter lock a file nobody else sees). Its folder is created when
 * absent: on a fresh machine the cache root does not exist yet. `onWait` is
 * called once if another holder makes us wait.
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  await Deno.mkdir(dirname(path), { recursive: true });
  using file = await Deno.open(`${path}.lock`, { create: true, write: true });
  const note = setTimeout(() => onWait?.(), 200);
  try {
    await file.lock(true);
  } finally {
    clearTimeout(note);
  }
  try {
    return await fn();
  } finally {
    await file.unlock();
  }
}
