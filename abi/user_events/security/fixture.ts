/**
 * The user_events security fixture: `check()` registers one user_events
 * check (security/check_context.ts); `refused()` records an attacker's move
 * and its answer and marks the exposure when it was not the refusal the
 * source gives; `handTo()` passes a descriptor of user_events_data from root
 * to an actor (SCM_RIGHTS); `tracefsTraversable()` opens the tracefs root
 * (mode 0700 by default) so an ordinary user meets each file's own mode.
 *
 * @module
 */
import type { SysResult } from "../../../harness/errno.ts";
import { checkTests, fileMode, type SecurityContext } from "../../../security/check_context.ts";
import { actorHome } from "../../../security/actor.ts";
import { sendFd } from "../../../harness/fdpass.ts";
import { setUp } from "../../udiag/security/setup.ts";
import { DATA_PATH, TRACEFS_ROOT } from "../abi.ts";
import { userEventsPresent } from "../client.ts";
import type { Fixture } from "../conformance/fixture.ts";
import { USER_EVENTS_CHECKS } from "./catalog.ts";
import { wrongAnswer } from "./answer.ts";
import type { UeActor } from "./users.ts";
import { openUserEventsCanary } from "../health.ts";

export type { SecurityContext } from "../../../security/check_context.ts";
export { setUp };

/** Registers the test of one user_events check; skipped where user_events_data is absent. */
export const check = checkTests({
  checks: USER_EVENTS_CHECKS,
  absent: () => userEventsPresent() ? null : `${DATA_PATH} absent`,
  canary: openUserEventsCanary,
});

/**
 * Records move `what` and its answer `r`; marks an exposure unless `r` failed
 * with one of `expected`. Returns whether it did.
 */
export function refused(
  t: SecurityContext,
  what: string,
  r: SysResult<unknown>,
  expected: readonly string[],
): boolean {
  t.saw(what, r);
  const wrong = wrongAnswer(what, r, expected);
  if (wrong !== null) {
    // A C reproducer's check on this call (harness/ctrace): one errno when
    // only one will do, else any refusal.
    t.judge(what, expected.length === 1 ? expected[0]! : "refused");
    t.exposed(wrong);
  }
  return wrong === null;
}

/** A file's mode and owner, as evidence. */
export function modeOf(path: string): string {
  const s = Deno.statSync(path);
  return `${((s.mode ?? 0) & 0o7777).toString(8).padStart(4, "0")} ${s.uid}:${s.gid}`;
}

/**
 * Sets the tracefs root to 0755 (as `mount -o mode=755` would) for the
 * check, so an ordinary user's open reaches the file's own mode rather than
 * stopping at the root (0700 by default, fs/tracefs/inode.c:26; chmod goes
 * through tracefs_setattr, :233-268); the old mode comes back at the end
 * (`using`).
 */
export function tracefsTraversable(t: SecurityContext): Disposable {
  t.saw("tracefs root before", modeOf(TRACEFS_ROOT));
  const d = fileMode(TRACEFS_ROOT, 0o755);
  t.saw("tracefs root during the check", modeOf(TRACEFS_ROOT));
  return d;
}

/**
 * Root opens user_events_data (closed with `fx`) and hands the descriptor to
 * `actor` with SCM_RIGHTS; returns root's file and the actor's handle. Every
 * step is set-up: a failure throws (the check's verdict is "error").
 */
export async function handTo(
  t: SecurityContext,
  fx: Fixture,
  actor: UeActor,
): Promise<{ fd: number; h: number }> {
  const path = `${actorHome(actor.user)}/fd.sock`;
  await Deno.remove(path).catch(() => {});
  setUp(`${actor.user.name} binds ${path}`, await actor.bind(path));
  const root = fx.open();
  const sent = sendFd(path, root.fd);
  t.saw(`root sends its user_events_data to ${actor.user.name} (SCM_RIGHTS)`, sent);
  setUp("root sends its user_events_data", sent);
  const h = setUp(`${actor.user.name} receives the descriptor`, await actor.recv());
  return { fd: root.fd, h };
}
