/**
 * The security checks, one per attacker move, with stable IDs: what an
 * attacker tries, the weakness class (CWE) and severity if it works, and, for
 * moves the ABI allows on purpose, the conformance rule that documents it.
 *
 * The RFC leaves the trust boundary to the device file's mode and shares one
 * page and one namespace among every process that can open the device; a
 * check whose weakness follows from that design is marked `byDesign`: it is
 * still measured and listed, but it is a property of the ABI, not a bug of
 * the implementation under test.
 *
 * IDs never change meaning; a retired check keeps its ID out of use.
 *
 * @module
 */

import { CWE, type SecurityCheck } from "../../../security/check.ts";
import { catalog } from "../../../harness/catalog.ts";

const CHECK_LIST: readonly SecurityCheck[] = [
  {
    id: "SEC-ACC-001",
    area: "access",
    statement:
      "a user the device's mode does not admit cannot open /dev/udiag, read-write or read-only",
    cwe: CWE.accessControl,
    severity: "high",
  },
  {
    id: "SEC-ACC-002",
    area: "access",
    statement: "a user the device admits cannot turn an event's tracing on through tracefs",
    cwe: CWE.accessControl,
    severity: "high",
  },
  {
    id: "SEC-XU-001",
    area: "cross-user",
    statement: "a user cannot delete an event another user's open file holds",
    cwe: CWE.uaf,
    severity: "high",
  },
  {
    id: "SEC-XU-002",
    area: "cross-user",
    statement: "a user cannot delete an unused event another user registered",
    cwe: CWE.accessControl,
    severity: "low",
    byDesign: {
      rule: "UD-DEL-005",
      why: "events have no owner: any file of the device deletes an event no file, tracer or " +
        "perf event holds",
    },
  },
  {
    id: "SEC-XU-003",
    area: "cross-user",
    statement: "a user cannot emit records into an event another user registered",
    cwe: CWE.authenticity,
    severity: "medium",
    byDesign: {
      rule: "UD-REG-002",
      why: "names are global: registering a name that exists joins that event, whoever made it, " +
        "so consumers cannot tell writers apart by the event",
    },
  },
  {
    id: "SEC-XU-004",
    area: "cross-user",
    statement: "a user cannot learn whether another user's event is traced",
    cwe: CWE.exposure,
    severity: "low",
    byDesign: {
      rule: "UD-TR-001",
      why: "one page is shared by every process that maps it: each event's enable byte is " +
        "readable by all of them",
    },
  },
  {
    id: "SEC-CAP-001",
    area: "capacity",
    statement: "one ordinary user cannot take every event index and deny the others",
    cwe: CWE.exhaustion,
    severity: "medium",
    byDesign: {
      rule: "UD-CAP-001",
      why: "PAGE_SIZE-1 indexes are shared by all users with no per-user quota, and events " +
        "outlive the files that made them",
    },
  },
  {
    id: "SEC-PG-001",
    area: "page",
    statement: "the enable page cannot be mapped writable, shared or private",
    cwe: CWE.permissions,
    severity: "high",
  },
  {
    id: "SEC-PG-002",
    area: "page",
    statement: "a read-only mapping of the page cannot be made writable with mprotect",
    cwe: CWE.permissions,
    severity: "high",
  },
  {
    id: "SEC-PG-003",
    area: "page",
    statement: "writes through a private mapping never reach the shared page",
    cwe: CWE.permissions,
    severity: "high",
  },
  {
    id: "SEC-PG-004",
    area: "page",
    statement: "a forked child cannot make its inherited mapping writable or change the page",
    cwe: CWE.permissions,
    severity: "high",
  },
  {
    id: "SEC-PG-005",
    area: "page",
    statement: "the page holds only enable flags: each byte is 0, or 1 at a traced event",
    cwe: CWE.exposure,
    severity: "high",
  },
  {
    id: "SEC-PG-006",
    area: "page",
    statement: "nothing beyond the one page can be mapped: no longer length, no other offset",
    cwe: CWE.exposure,
    severity: "high",
  },
  {
    id: "SEC-NM-001",
    area: "names",
    statement: 'names with "/" are refused: they cannot reach other tracefs directories',
    cwe: CWE.pathTraversal,
    severity: "medium",
  },
  {
    id: "SEC-NM-002",
    area: "names",
    statement: 'the names "." and ".." are refused',
    cwe: CWE.pathTraversal,
    severity: "medium",
  },
  {
    id: "SEC-NM-003",
    area: "names",
    statement: "names with spaces or control bytes are refused: they cannot forge trace output",
    cwe: CWE.logNeutralization,
    severity: "medium",
  },
  {
    id: "SEC-NM-004",
    area: "names",
    statement: "names with printf format specifiers are refused",
    cwe: CWE.formatString,
    severity: "medium",
  },
  {
    id: "SEC-NM-005",
    area: "names",
    statement: "a 95-byte name registers; 96 and 97-byte names are refused, never truncated",
    cwe: CWE.inputValidation,
    severity: "low",
  },
  {
    id: "SEC-NM-006",
    area: "names",
    statement: "names that are not ASCII (Latin-1 bytes, broken UTF-8) are refused",
    cwe: CWE.encoding,
    severity: "low",
  },
  {
    id: "SEC-NM-007",
    area: "names",
    statement: "the empty name is refused",
    cwe: CWE.inputValidation,
    severity: "low",
  },
  {
    id: "SEC-WR-001",
    area: "writes",
    statement: "very large writes while traced leave no kernel report and no lasting memory growth",
    cwe: CWE.exhaustion,
    severity: "medium",
  },
  {
    id: "SEC-WR-002",
    area: "writes",
    statement:
      "concurrent writers of several users on one traced event leave no kernel report and " +
      "every write is answered",
    cwe: CWE.race,
    severity: "medium",
  },
  {
    id: "SEC-HD-001",
    area: "handles",
    statement: "a handle inherited across fork and exec by another user's process keeps the " +
      "event alive (delete: EBUSY) and stays usable after its owner closed",
    cwe: CWE.uaf,
    severity: "high",
  },
  {
    id: "SEC-HD-002",
    area: "handles",
    statement: "a handle passed with SCM_RIGHTS to a user without access keeps the event " +
      "alive (delete: EBUSY) and stays usable after its owner closed",
    cwe: CWE.uaf,
    severity: "high",
  },
];

/** The udiag checks, by ID and in table order. */
export const UDIAG_CHECKS = catalog("security check", CHECK_LIST);

/** Every check, in ID order of areas as listed. */
export function allChecks(): readonly SecurityCheck[] {
  return UDIAG_CHECKS.all;
}

/** The check with this ID; throws a TypeError naming the known areas otherwise. */
export function checkById(id: string): SecurityCheck {
  const c = UDIAG_CHECKS.byId.get(id);
  if (!c) {
    throw new TypeError(
      `Unknown security check "${id}": IDs are SEC-<AREA>-NNN (${
        [...new Set(CHECK_LIST.map((x) => x.id.split("-")[1]))].join(", ")
      })`,
    );
  }
  return c;
}
