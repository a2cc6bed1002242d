/**
 * The user_events security checks of Linux 6.12.117, one per attacker move,
 * with stable IDs `UE-SEC-<AREA>-NNN`: what an attacker tries, the weakness
 * class (CWE) and severity if it works, as the udiag catalog has them; and,
 * for this ABI, who the attacker is, what the kernel must answer, and the
 * source line that says so (NOTES.md's short names: `U:n` is
 * `kernel/trace/trace_events_user.c` line n, `T:n` `kernel/trace/trace.h`,
 * `DE:n` `kernel/trace/trace_dynevent.c`, `H:n` the uapi header, `D:n` the
 * documentation; and, not in NOTES.md, `TE:n` `kernel/trace/trace_events.c`
 * and `TI:n` `fs/tracefs/inode.c`, all of 6.12.117).
 *
 * The trust boundary is the file modes of tracefs (`user_events_data` 0640
 * root, T:32, U:2908) and of the sysctl, plus CAP_PERFMON for persistent
 * events (U:223-232): a process that holds an open `user_events_data` (one
 * root handed over, for instance) may register, write and delete ordinary
 * events, which is the documented use and not a finding.
 *
 * IDs never change meaning; a retired check keeps its ID out of use.
 *
 * @module
 */

import { CWE, type SecurityCheck } from "../../../security/check.ts";
import { catalog } from "../../../harness/catalog.ts";

/** Who plays the attacker. */
export type Attacker =
  /** An ordinary user (uid 1001, no capabilities) with no descriptor of user_events_data. */
  | "unprivileged user"
  /** The same user, holding a `user_events_data` descriptor root passed with SCM_RIGHTS. */
  | "unprivileged fd holder";

/** A user_events check: the udiag catalog's shape plus attacker, expected answer and source. */
export interface UserEventsCheck extends SecurityCheck {
  readonly attacker: Attacker;
  /** What the kernel answers when the move fails as it must (errno names). */
  readonly expected: string;
  /** The source lines the expectation comes from (NOTES.md short names). */
  readonly source: string;
}

const CHECK_LIST: readonly UserEventsCheck[] = [
  {
    id: "UE-SEC-ACC-001",
    area: "access",
    statement: "an unprivileged user cannot open user_events_data, for writing or for reading",
    cwe: CWE.accessControl,
    severity: "high",
    attacker: "unprivileged user",
    expected: "open O_RDWR, O_WRONLY and O_RDONLY: EACCES (EPERM accepted)",
    source: "U:2908 (user_events_data, TRACE_MODE_WRITE); T:32 (0640); U:2720-2748 (the ioctls " +
      "check no f_mode, so read-only would do); NOTES.md §1",
  },
  {
    id: "UE-SEC-ACC-002",
    area: "access",
    statement:
      "an unprivileged user cannot write dynamic_events: no 'u:' create, no O_TRUNC wipe of root's events",
    cwe: CWE.accessControl,
    severity: "high",
    attacker: "unprivileged user",
    expected: "open for writing (append, and O_TRUNC): EACCES (EPERM accepted); root's event stays",
    source: "DE:284-285 (TRACE_MODE_WRITE); DE:250-254 (an O_TRUNC open releases every " +
      "dyn event); U:1841-1842; NOTES.md §1, §9",
  },
  {
    id: "UE-SEC-ACC-003",
    area: "access",
    statement: "an unprivileged user cannot change the user_events_max sysctl",
    cwe: CWE.accessControl,
    severity: "medium",
    attacker: "unprivileged user",
    expected: "open /proc/sys/kernel/user_events_max for writing: EACCES (EPERM accepted)",
    source: "U:2944-2951 (user_events_max, mode 0644); NOTES.md §1",
  },
  {
    id: "UE-SEC-ACC-004",
    area: "access",
    statement: "an unprivileged user cannot enable a user event through its tracefs enable file",
    cwe: CWE.accessControl,
    severity: "high",
    attacker: "unprivileged user",
    expected:
      "open events/user_events/NAME/enable and events/user_events/enable for writing: EACCES " +
      "(EPERM accepted); the event's enable bit stays clear",
    source: "TE:2661-2662 (event enable, TRACE_MODE_WRITE); TE:2512-2518 (system enable); T:32; " +
      "U:1716-1750; NOTES.md §8",
  },
  {
    id: "UE-SEC-FD-001",
    area: "handles",
    statement:
      "a process handed root's user_events_data cannot register a persistent event without CAP_PERFMON",
    cwe: CWE.accessControl,
    severity: "medium",
    attacker: "unprivileged fd holder",
    expected: "DIAG_IOCSREG with USER_EVENT_REG_PERSIST: EPERM, no event created; an ordinary " +
      "register through the same fd succeeds (documented use, not a finding)",
    source: "U:2127-2128; U:223-232 (perfmon_capable); H:21-31; D:77-111; NOTES.md §4",
  },
  {
    id: "UE-SEC-FD-002",
    area: "handles",
    statement:
      "a process handed root's user_events_data cannot delete a persistent event root created",
    cwe: CWE.accessControl,
    severity: "medium",
    attacker: "unprivileged fd holder",
    expected: "DIAG_IOCSDEL of root's persistent event: EPERM; the event stays",
    source: "U:2269-2270; U:1899-1900; NOTES.md §4, §9",
  },
  {
    id: "UE-SEC-WR-001",
    area: "writes",
    statement:
      "a negative write index (-1, -2, -4, INT32_MIN) is refused before it indexes the fd's " +
      "event table (CVE-2023-54139)",
    cwe: CWE.inputValidation,
    severity: "high",
    attacker: "unprivileged fd holder",
    expected:
      "writev and write with each index: EINVAL; no kernel report; the writer survives and " +
      "index 0 still writes",
    source: "U:2296-2297 (idx < 0); U:2308-2314; upstream cd98c93286a3; reverts/01",
  },
  {
    id: "UE-SEC-EN-001",
    area: "enable address",
    statement:
      "an enable_addr the kernel must not write (a kernel address, the NULL page, a read-only " +
      "mapping) is refused at register and never written",
    cwe: CWE.inputValidation,
    severity: "high",
    attacker: "unprivileged fd holder",
    expected:
      "kernel address 0xffffffff81000000: EFAULT; NULL: ENOMEM; read-only page: ENOMEM and " +
      "the page stays zero while the event is enabled; no kernel report",
    source: "U:2489-2491 (access_ok); U:2563-2566; U:435-462; U:937-969; NOTES.md §5 steps 8, 13",
  },
  {
    id: "UE-SEC-EN-002",
    area: "enable address",
    statement:
      "enabling an event whose enable_addr was unmapped after register (the address then held " +
      "by a no-access page) writes nothing there and crashes nothing",
    cwe: CWE.uaf,
    severity: "high",
    attacker: "unprivileged fd holder",
    expected: "tracefs enable succeeds; the page at the address stays zero (the kernel's " +
      "fault-in gets EFAULT there); the holder's other word gets the bit; the holder lives; " +
      "no kernel report",
    source: "U:518-548; U:468-516 (async fault-in, pr_warn U:483-484); U:570-572; NOTES.md §8",
  },
  {
    id: "UE-SEC-CAP-001",
    area: "capacity",
    statement:
      "with user_events_max lowered by root, a process holding user_events_data cannot create " +
      "events past it",
    cwe: CWE.exhaustion,
    severity: "medium",
    attacker: "unprivileged fd holder",
    expected:
      "registering new events stops with EMFILE once the system-wide count reaches the limit; " +
      "the count never exceeds it",
    source: "U:2209-2211; U:71; U:2930-2942; U:1554-1557; NOTES.md §1, §5 step 11",
  },
];

/** The user_events checks, by ID and in table order. */
export const USER_EVENTS_CHECKS = catalog("security check", CHECK_LIST);

/** Every check, in table order. */
export function allChecks(): readonly UserEventsCheck[] {
  return USER_EVENTS_CHECKS.all;
}
