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
