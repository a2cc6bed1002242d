import assert from "node:assert/strict";
import { CommandError, runLogged } from "./proc.ts";

Deno.test("runLogged() appends the output to the log while the command runs, not at its end", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-proc-" });
  const log = `${dir}/build.log`;
  const sizes: number[] = [];
  const timer = setInterval(() => sizes.push(Deno.statSync(log).size), 100);
  await runLogged("sh", [
    "-c",
    "for i in 1 2 3 4 5 6; do echo line $i; echo err $i >&2; sleep 0.2; done",
  ], {
    logFile: log,
  });
  clearInterval(timer);
  const text = await Deno.readTextFile(log);
  assert.match(text, /^\n\$ sh -c for i in/);
  assert.match(text, /line 1\nerr 1\n/);
  assert.match(text, /line 6\nerr 6\n$/);
  // Sizes seen while it ran: more than the header, less than everything.
  assert.ok(sizes.some((n) => n > 60 && n < text.length), `sizes seen: ${sizes.join(", ")}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runLogged() throws a CommandError quoting the log's end, and keeps the log", async () => {
  const dir = await Deno.makeTempDir({ prefix: "udiag-proc-" });
  const log = `${dir}/build.log`;
  await Deno.writeTextFile(log, "earlier step\n");
  const e = await runLogged("sh", ["-c", "echo 'error: no rule'; exit 3"], { logFile: log }).then(
    () => null,
    (x) => x,
  );
  assert.ok(e instanceof CommandError);
  assert.equal(e.code, 3);
  assert.match(e.logTail, /error: no rule/);
  assert.match(await Deno.readTextFile(log), /^earlier step\n/);
  await Deno.remove(dir, { recursive: true });
});
