// Run by verdict_test.ts (not a test of its own): four user_events checks
// through the real check runner, the kernel's answers made up: a set-up step
// that failed, a move that worked, a refusal with the wrong errno, and the
// refusal the source gives.
import { checkTests } from "../../../../security/check_context.ts";
import { USER_EVENTS_CHECKS } from "../catalog.ts";
import { refused, setUp } from "../fixture.ts";

const check = checkTests({ checks: USER_EVENTS_CHECKS, absent: () => null });

check("UE-SEC-FD-001", () => {
  setUp("mallory receives the descriptor", { ok: false, errno: "EBADMSG" });
});

check("UE-SEC-WR-001", (t) => {
  refused(t, "mallory writevs index -1", { ok: true, value: 8 }, ["EINVAL"]);
});

check("UE-SEC-FD-002", (t) => {
  refused(t, "mallory deletes root's persistent event", { ok: false, errno: "ENOENT" }, ["EPERM"]);
});

check("UE-SEC-ACC-003", (t) => {
  refused(t, 'mallory writes "1" to user_events_max', { ok: false, errno: "EACCES" }, [
    "EACCES",
    "EPERM",
  ]);
});
