import assert from "node:assert/strict";
import { CANARY_MSG_SIZE, CANARY_NAME_ARGS, canaryFrame, payloadCount } from "./health.ts";
import { encodeWriteIndex, MAX_EVENT_DESC } from "./abi.ts";

const enc = new TextEncoder();

Deno.test("the canary registers one static char field that holds its payload", () => {
  assert.equal(CANARY_NAME_ARGS, `udiag_fuzz_health char[${CANARY_MSG_SIZE}] msg`);
  // name_args with its NUL must fit MAX_EVENT_DESC (U:36).
  assert.ok(CANARY_NAME_ARGS.length < MAX_EVENT_DESC);
});

Deno.test("canaryFrame pads the payload with NULs to the field's size", () => {
  const payload = enc.encode("health 3 42");
  const f = canaryFrame(payload);
  assert.equal(f.length, CANARY_MSG_SIZE);
  assert.deepEqual([...f.subarray(0, payload.length)], [...payload]);
  assert.ok(f.subarray(payload.length).every((b) => b === 0));
  assert.equal(canaryFrame(new Uint8Array(CANARY_MSG_SIZE).fill(0x41)).length, CANARY_MSG_SIZE);
});

Deno.test("canaryFrame refuses a payload longer than the field", () => {
  assert.throws(() => canaryFrame(new Uint8Array(CANARY_MSG_SIZE + 1)), RangeError);
});

Deno.test("payloadCount maps the kernel's full count to the payload's length", () => {
  const index = encodeWriteIndex(0).length;
  for (const n of [0, 1, 11, CANARY_MSG_SIZE]) {
    assert.equal(payloadCount(index + CANARY_MSG_SIZE, CANARY_MSG_SIZE, n), n);
  }
});

Deno.test("payloadCount keeps a short write different from the payload's length", () => {
  const index = encodeWriteIndex(0).length;
  const n = 11;
  const full = index + CANARY_MSG_SIZE;
  for (const short of [0, index, index + n, full - 1]) {
    const got = payloadCount(short, CANARY_MSG_SIZE, n);
    assert.equal(got, short - (full - n));
    assert.notEqual(got, n);
  }
});
