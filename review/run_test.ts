import assert from "node:assert/strict";
import { checkReviewOut, parseReviewArgs, priorReproCs, REVIEW_MARKER } from "./run.ts";
import { UsageError } from "../harness/cli.ts";
import { ROOT } from "../harness/paths.ts";

const PATCH = "patch:abi/udiag/rfc/000_aa391f59f6e4613c.txt";

async function inTemp(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "udiag-review-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("checkReviewOut() takes a path where nothing exists yet", () =>
  inTemp((d) => checkReviewOut(`${d}/x-findings.md`)));

Deno.test("checkReviewOut() refuses a replay directory no review wrote", () =>
  inTemp(async (d) => {
    await Deno.mkdir(`${d}/docs`);
    await Deno.writeTextFile(`${d}/docs/precious.md`, "mine\n");
    assert.throws(() => checkReviewOut(`${d}/docs.md`), UsageError, `"${d}/docs" exists`);
  }));

Deno.test("checkReviewOut() refuses to overwrite a file no review wrote", () =>
  inTemp(async (d) => {
    await Deno.writeTextFile(`${d}/README.md`, "mine\n");
    assert.throws(() => checkReviewOut(`${d}/README.md`), UsageError, "README.md");
    await Deno.writeTextFile(`${d}/x.json`, "{}\n");
    assert.throws(() => checkReviewOut(`${d}/x.md`), UsageError, "x.json");
    await Deno.writeTextFile(`${d}/y.sarif`, "{}\n");
    assert.throws(() => checkReviewOut(`${d}/y.md`), UsageError, "y.sarif");
  }));

Deno.test("checkReviewOut() refuses a replay path that is a file", () =>
  inTemp(async (d) => {
    await Deno.writeTextFile(`${d}/x`, "");
    assert.throws(() => checkReviewOut(`${d}/x.md`), UsageError, "not a directory");
  }));

Deno.test(`checkReviewOut() takes what a review wrote: ${REVIEW_MARKER}, or its findings JSON`, () =>
  inTemp(async (d) => {
    await Deno.mkdir(`${d}/a-findings`);
    await Deno.writeTextFile(`${d}/a-findings/${REVIEW_MARKER}`, "");
    await Deno.writeTextFile(`${d}/a-findings.md`, "# findings\n");
    checkReviewOut(`${d}/a-findings.md`);
    // Written before the marker existed: the findings JSON says a review made it.
    await Deno.mkdir(`${d}/b-findings`);
    await Deno.writeTextFile(
      `${d}/b-findings.json`,
      JSON.stringify({ target: PATCH, sha256: "00", findings: [] }),
    );
    checkReviewOut(`${d}/b-findings.md`);
    checkReviewOut(`${ROOT}/docs/rfc-findings.md`);
  }));

Deno.test("parseReviewArgs() refuses --out docs.md (it would replace docs/) before anything starts", () =>
  inTemp(async (d) => {
    await Deno.mkdir(`${d}/docs`);
    await assert.rejects(
      () => parseReviewArgs(["--target", PATCH, "--out", `${d}/docs.md`]),
      UsageError,
      "not written by deno task review",
    );
    const o = await parseReviewArgs(["--target", PATCH, "--out", `${d}/new-findings.md`]);
    assert.equal(o.out, `${d}/new-findings.md`);
  }));

Deno.test("priorReproCs(): only the verified programs of the last review, by folder", async () => {
  const root = await Deno.makeTempDir({ prefix: "udiag-prior-" });
  const put = async (dir: string, files: Record<string, string>) => {
    await Deno.mkdir(`${root}/${dir}`);
    for (const [f, t] of Object.entries(files)) await Deno.writeTextFile(`${root}/${dir}/${f}`, t);
  };
  await put("verified-1", { "repro.c": "int main(void) { return 1; }", "repro.c.verified": "k" });
  await put("unverified-2", { "repro.c": "int main(void) { return 2; }" });
  await put("none-3", { title: "t" });
  await Deno.writeTextFile(`${root}/REVIEW`, "marker");
  assert.deepEqual(
    [...await priorReproCs(root)],
    [["verified-1", "int main(void) { return 1; }"]],
  );
  assert.equal((await priorReproCs(`${root}/nonexistent`)).size, 0);
  await Deno.remove(root, { recursive: true });
});
