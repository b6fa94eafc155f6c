// Pure view logic over loaded items: search, filters, sorting, counts and the tree. No DOM here,
// so it is tested directly and stays fast at 100,000 items.
import type { Integration, IntegrationItem, ItemKind, ItemView } from "./backend";
import { compareText } from "./format";

export type SortColumn = "name" | "type" | "parent" | "created" | "modified" | "integration";
export type SortDirection = "asc" | "desc";

export interface ViewState {
  query: string;
  /** Kinds to show; empty means all. */
  types: Set<ItemKind>;
  /** Integrations to show; empty means all. */
  integrations: Set<Integration>;
  /** Accounts (the provider's account ids) to show; empty means all. */
  accounts: Set<string>;
  /** Only items new, changed or gone since the load before. */
  changesOnly: boolean;
  /** The items as they were at the end of this day (`YYYY-MM-DD`); null for now. */
  asOf: string | null;
  sort: { column: SortColumn; direction: SortDirection };
}

export const emptyView = (): ViewState => ({ query: "", types: new Set(), integrations: new Set(), accounts: new Set(), changesOnly: false, asOf: null, sort: { column: "name", direction: "asc" } });

/** The view as the backend's item store reads it; `expanded` set for a tree. */
export function toItemView(view: ViewState, expanded: ReadonlySet<string> | null): ItemView {
  return {
    search: view.query,
    types: [...view.types],
    integrations: [...view.integrations],
    accounts: [...view.accounts],
    parent: null,
    changes_only: view.changesOnly,
    sort: { column: view.sort.column, descending: view.sort.direction === "desc" },
    expanded: expanded ? [...expanded] : null,
    as_of: view.asOf,
  };
}

/** The other way round, for the in-memory backends. */
export function fromItemView(view: ItemView): ViewState {
  return {
    query: view.search,
    types: new Set(view.types),
    integrations: new Set(view.integrations),
    accounts: new Set(view.accounts),
    changesOnly: view.changes_only,
    asOf: view.as_of ?? null,
    // The load order (an export of everything) has no column here: by name will do.
    sort: { column: view.sort.column === "loaded" ? "name" : view.sort.column, direction: view.sort.descending ? "desc" : "asc" },
  };
}

/** The key the backend knows an item by (`IntegrationItem::key`). */
export const itemKey = (item: IntegrationItem): string => `${item.integration}/${item.type}/${item.id}`;

function sortValue(item: IntegrationItem, column: SortColumn): string {
  switch (column) {
    case "name":
      return item.name;
    case "type":
      return item.type;
    case "parent":
      return item.parent_path_or_name ?? "";
    case "created":
      return item.creation_time ?? "";
    case "modified":
      return item.last_modified_time ?? "";
    case "integration":
      return item.integration;
  }
}

/** Lower-cased search text per item, computed once per load rather than per keystroke. */
export class SearchIndex {
  private readonly haystacks = new WeakMap<IntegrationItem, string>();

  text(item: IntegrationItem): string {
    let text = this.haystacks.get(item);
    if (text === undefined) {
      text = `${item.name}\u0000${item.parent_path_or_name ?? ""}`.toLowerCase();
      this.haystacks.set(item, text);
    }
    return text;
  }
}

function compare(column: SortColumn, direction: SortDirection): (a: IntegrationItem, b: IntegrationItem) => number {
  const sign = direction === "asc" ? 1 : -1;
  const dated = column === "created" || column === "modified";
  return (a, b) => {
    const x = sortValue(a, column);
    const y = sortValue(b, column);
    // Missing dates sort last either way.
    if (dated && (!x || !y)) return x === y ? 0 : x ? -1 : 1;
    return sign * (dated ? (x < y ? -1 : x > y ? 1 : 0) : compareText(x, y)) || compareText(a.id, b.id);
  };
}

/** Remembers the sorted order of the loaded items, so typing in the search box only filters:
 * filtering keeps the order, and sorting 100,000 names is the slow part. */
export class SortCache {
  private source: readonly IntegrationItem[] | null = null;
  private key = "";
  private sorted: IntegrationItem[] = [];

  sort(items: readonly IntegrationItem[], sort: ViewState["sort"]): IntegrationItem[] {
    const key = `${sort.column}:${sort.direction}`;
    if (items !== this.source || key !== this.key) {
      this.sorted = [...items].sort(compare(sort.column, sort.direction));
      this.source = items;
      this.key = key;
    }
    return this.sorted;
  }
}

/** The items a view shows, in order. Every word of the query must match the name or parent path.
 * The item store does this for stored items; this is the same view over items in memory (a
 * table's records, the fake backend). */
export function applyView(items: readonly IntegrationItem[], view: ViewState, index = new SearchIndex(), cache = new SortCache()): IntegrationItem[] {
  const words = view.query.toLowerCase().split(/\s+/).filter(Boolean);
  return cache.sort(items, view.sort).filter(
    (item) =>
      (view.types.size === 0 || view.types.has(item.type)) &&
      (view.integrations.size === 0 || view.integrations.has(item.integration)) &&
      (!view.changesOnly || Boolean(item.delta)) &&
      (words.length === 0 || words.every((w) => index.text(item).includes(w))),
  );
}

/** How many items of each type and integration there are (before filtering by them). */
export function facetCounts(items: readonly IntegrationItem[]): { types: Map<string, number>; integrations: Map<Integration, number> } {
  const types = new Map<string, number>();
  const integrations = new Map<Integration, number>();
  for (const item of items) {
    types.set(item.type, (types.get(item.type) ?? 0) + 1);
    integrations.set(item.integration, (integrations.get(item.integration) ?? 0) + 1);
  }
  return { types, integrations };
}

export interface TreeRow {
  item: IntegrationItem;
  depth: number;
  hasChildren: boolean;
  expanded: boolean;
}

/** The hierarchy (base → tables, page → child pages) as rows, children under expanded parents.
 * Items whose parent is not loaded are roots; a parent cycle cannot loop. */
export function flattenTree(items: readonly IntegrationItem[], expanded: ReadonlySet<string>): TreeRow[] {
  const byKey = new Map<string, IntegrationItem>();
  for (const item of items) byKey.set(`${item.integration}/${item.id}`, item);
  const children = new Map<string, IntegrationItem[]>();
  const roots: IntegrationItem[] = [];
  for (const item of items) {
    const parent = item.parent_id ? `${item.integration}/${item.parent_id}` : null;
    if (parent && byKey.has(parent) && parent !== `${item.integration}/${item.id}`) {
      const list = children.get(parent) ?? [];
      list.push(item);
      children.set(parent, list);
    } else {
      roots.push(item);
    }
  }
  const rows: TreeRow[] = [];
  const seen = new Set<string>();
  const visit = (item: IntegrationItem, depth: number) => {
    const key = `${item.integration}/${item.id}`;
    if (seen.has(key)) return;
    seen.add(key);
    const kids = children.get(key) ?? [];
    const open = expanded.has(itemKey(item));
    rows.push({ item, depth, hasChildren: kids.length > 0, expanded: open });
    if (open) for (const kid of kids) visit(kid, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return rows;
}

/** "3 minutes ago", "2 days ago": the age of cached items. */
export function age(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  const units: [number, string][] = [[86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}${n === 1 ? "" : "s"} ago`;
    }
  }
  return "just now";
}
