/**
 * A catalog of items with stable IDs (conformance rules, security checks):
 * the list in its table order, lookup by ID, and an error naming an unknown
 * ID, so a typo in a test or a flag is caught where it is made.
 *
 * @module
 */

/** Items of one kind, by ID. */
export interface Catalog<T extends { readonly id: string }> {
  /** Every item, in table order. */
  readonly all: readonly T[];
  /** The items by ID. */
  readonly byId: ReadonlyMap<string, T>;
  /** The item of an ID; throws a TypeError for an unknown one. */
  get(id: string): T;
}

/**
 * Indexes `items`; throws a TypeError when two share an ID.
 *
 * @example
 * ```ts
 * import { catalog } from "./catalog.ts";
 * const c = catalog("rule", [{ id: "A-1" }, { id: "A-2" }]);
 * if (c.get("A-2").id !== "A-2" || c.all.length !== 2) throw new Error();
 * ```
 */
export function catalog<T extends { readonly id: string }>(
  what: string,
  items: readonly T[],
): Catalog<T> {
  const byId = new Map<string, T>();
  for (const item of items) {
    if (byId.has(item.id)) throw new TypeError(`Duplicate ${what} ID "${item.id}"`);
    byId.set(item.id, item);
  }
  return {
    all: items,
    byId,
    get(id: string): T {
      const item = byId.get(id);
      if (!item) throw new TypeError(`Unknown ${what} ID "${id}"`);
      return item;
    },
  };
}
