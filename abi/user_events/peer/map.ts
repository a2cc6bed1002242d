/**
 * Which of our rules check what each kernel selftest case checks (pure),
 * read off `tools/testing/selftests/user_events/*.c` of 6.12.117 and
 * NOTES.md: the side-by-side table of the peer run is built from it, and so
 * is the list of what only one suite checks.
 *
 * @module
 */

/** Our rules per kselftest case (`binary/user.case`); [] when none of ours checks it. */
export const PEER_RULES: Readonly<Record<string, readonly string[]>> = {
  // Register twice (EADDRINUSE for the same address and bit, and for the
  // same name with other fields), status, enable/disable, delete while busy.
  "ftrace_test/user.register_events": [
    "UE-REG-001",
    "UE-REG-003",
    "UE-REG-004",
    "UE-STATUS-001",
    "UE-ENABLE-001",
    "UE-DEL-001",
  ],
  // writev with an unknown index (ENOENT), while disabled (EBADF), enabled,
  // and with a bad index (EINVAL).
  "ftrace_test/user.write_events": ["UE-WRITE-001", "UE-WRITE-002", "UE-WRITE-003", "UE-WRITE-004"],
  "ftrace_test/user.write_empty_events": ["UE-WRITE-005"],
  // A payload in a page not faulted in yet must still be recorded.
  "ftrace_test/user.write_fault": [],
  // __data_loc/__rel_loc offsets and lengths checked against the payload.
  "ftrace_test/user.write_validator": [],
  "ftrace_test/user.print_fmt": [],
  // One event per field type, registered through the ioctl and dynamic_events alike.
  "dyn_test/user.basic_types": ["UE-REG-004"],
  "dyn_test/user.loc_types": ["UE-REG-004"],
  // Struct fields take a SIZE; a SIZE past an int is ours alone.
  "dyn_test/user.size_types": ["UE-REG-014"],
  "dyn_test/user.matching": ["UE-REG-005", "UE-DYN-001"],
  "perf_test/user.perf_write": ["UE-PERF-001"],
  "perf_test/user.perf_empty_events": [],
  "abi_test/user.enablement": ["UE-ENABLE-001", "UE-UNREG-001"],
  // PERSIST, then delete right after unregister; USER_EVENT_REG_MAX refused.
  "abi_test/user.flags": ["UE-PERSIST-001", "UE-DEL-004", "UE-REG-009"],
  "abi_test/user.bit_sizes": ["UE-REG-007", "UE-ENABLE-004"],
  // Two formats of one name are two user_events_multi/NAME.<id> events.
  "abi_test/user.multi_format": ["UE-MULTI-001"],
  // The fork child's copy follows tracing; its unregister leaves the parent's.
  "abi_test/user.forks": ["UE-FORK-001"],
  // A CLONE_VM child sees the enable.
  "abi_test/user.clones": ["UE-CLONE-001"],
};

/** Our rules that no kselftest case checks (pure): every rule ID not mapped above. */
export function onlyOurs(ruleIds: readonly string[]): string[] {
  const mapped = new Set(Object.values(PEER_RULES).flat());
  return ruleIds.filter((id) => !mapped.has(id));
}

/** Kselftest cases none of our rules checks (pure). */
export function onlyTheirs(): string[] {
  return Object.entries(PEER_RULES).filter(([, ids]) => ids.length === 0).map(([c]) => c);
}
