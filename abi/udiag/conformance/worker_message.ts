/** What the rules that run Workers (UD-REG-012, UD-DEL-008) hear from them. */

/** A Worker's message: `ready`, `done`, or `failed` with why it could not open. */
export interface WorkerMessage {
  readonly kind: string;
  readonly open?: string;
}

/** What a Worker posted, or why it posted nothing. */
export type Heard<M> = M | { readonly kind: "none"; readonly why: string };

/** The next message of `w`, or why there was none in `ms`. */
export function nextMessage<M>(w: Worker, ms: number): Promise<Heard<M>> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ kind: "none", why: `no message in ${ms / 1000} s` }),
      ms,
    );
    w.onmessage = (e: MessageEvent<M>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    w.onerror = (e) => {
      clearTimeout(timer);
      e.preventDefault();
      resolve({ kind: "none", why: `worker error: ${e.message}` });
    };
  });
}

/** A message as the rule's evidence shows it. */
export function heard(m: Heard<WorkerMessage>): string {
  if ("why" in m) return m.why;
  return m.kind === "failed" ? `open: ${m.open}` : m.kind;
}

/** What a Worker's global scope offers these modules. */
interface WorkerScope<S, M> {
  onmessage: ((e: MessageEvent<S>) => void) | null;
  postMessage(m: M | { kind: "ready" }): void;
  close(): void;
}

/**
 * In a Worker, runs `loop` on the start message it gets, posts `ready` when
 * the loop says so and the loop's result when the stop flag (`stop[0]`) ends
 * it; elsewhere (a test, the rule importing the module's types) does nothing.
 */
export function serveLoop<S extends { readonly stop: SharedArrayBuffer }, M>(
  loop: (start: S, stopped: () => boolean, ready: () => void) => M,
): void {
  if (!("WorkerGlobalScope" in globalThis)) return;
  const scope = globalThis as unknown as WorkerScope<S, M>;
  scope.onmessage = (e) => {
    const stop = new Int32Array(e.data.stop);
    const done = loop(
      e.data,
      () => Atomics.load(stop, 0) !== 0,
      () => scope.postMessage({ kind: "ready" }),
    );
    scope.postMessage(done);
    scope.close();
  };
}
