// The items region: what the grid shows, derived from the loaded items (or a table's records)
// and the view state — search, filters, sort, tree — with the count line and the filter options'
// counts. Recomputed only when one of those changes.
import type { Integration, IntegrationItem } from "../backend";
import { el } from "../format";
import { age, applyView, facetCounts, flattenTree, itemKey, SearchIndex, SortCache, type SortColumn, type TreeRow } from "../model";
import { nameOf, type AppState, type Loaded, type Store } from "../store";
import { ItemTable } from "./table";

export interface ItemEvents {
  open(item: IntegrationItem): void;
  toggle(item: IntegrationItem): void;
  sort(column: SortColumn): void;
}

export class ItemsView {
  readonly table: ItemTable;
  private readonly index = new SearchIndex();
  private readonly sortCache = new SortCache();
  private allCache: { loads: Loaded[]; items: IntegrationItem[] } = { loads: [], items: [] };
  private keys: string[] = [];

  constructor(private readonly doc: Document, private readonly store: Store<AppState>, events: ItemEvents, gridRect?: { width: number; height: number }) {
    this.table = new ItemTable(doc, this.byId("grid"), events, gridRect);
    store.subscribe((s, p) => {
      const changed = s.loads !== p.loads || s.records !== p.records || s.view !== p.view || s.tree !== p.tree || s.expanded !== p.expanded || s.statuses !== p.statuses;
      if (changed) this.render(s);
    });
  }

  /** Every loaded item, integration by integration (the same array until a load changes). */
  allItems(state: AppState = this.store.get()): IntegrationItem[] {
    const loads = [...state.loads.keys()].sort().map((i) => state.loads.get(i) as Loaded);
    const same = loads.length === this.allCache.loads.length && loads.every((l, n) => l === this.allCache.loads[n]);
    if (!same) this.allCache = { loads, items: loads.flatMap((l) => l.items) };
    return this.allCache.items;
  }

  /** The keys of the grid's rows, in order: what an export of the view writes. */
  visibleKeys(): string[] {
    return this.keys;
  }

  render(state: AppState): void {
    const source = state.records?.items ?? this.allItems(state);
    // A table's records are one kind from one integration: the item filters do not apply to them.
    const view = state.records ? { ...state.view, types: new Set<string>(), integrations: new Set<Integration>() } : state.view;
    const shown = applyView(source, view, this.index, this.sortCache);
    // The tree shows the hierarchy of the filtered items; a search shows matches flat.
    const treeOn = state.tree && !state.view.query;
    const rows: TreeRow[] = treeOn ? flattenTree(shown, state.expanded) : shown.map((item) => ({ item, depth: 0, hasChildren: false, expanded: false }));
    this.table.setRows(rows, state.view.sort, treeOn);
    this.keys = rows.map((r) => itemKey(r.item));
    this.renderFilters(state, source);
    this.renderCount(state, source.length, shown.length, rows.length);
    if (state.detail && !source.includes(state.detail)) this.store.set({ detail: null });
  }

  private byId<T extends HTMLElement = HTMLElement>(id: string): T {
    return this.doc.getElementById(id) as T;
  }

  private renderFilters(state: AppState, source: IntegrationItem[]): void {
    const { types, integrations } = facetCounts(source);
    const fill = (select: HTMLSelectElement, all: string, entries: [string, number][], selected: string) => {
      const options = [Object.assign(el(this.doc, "option", all), { value: "" })];
      for (const [value, count] of entries.sort(([a], [b]) => a.localeCompare(b))) {
        options.push(Object.assign(el(this.doc, "option", `${value} (${count.toLocaleString("en")})`), { value }));
      }
      select.replaceChildren(...options);
      select.value = selected;
    };
    fill(this.byId("type-filter"), "All types", [...types], [...state.view.types][0] ?? "");
    fill(this.byId("integration-filter"), "All integrations", [...integrations], [...state.view.integrations][0] ?? "");
  }

  private renderCount(state: AppState, total: number, shown: number, rows: number): void {
    const count = this.byId("item-count");
    const n = (x: number) => x.toLocaleString("en");
    const noun = state.records ? `records in ${state.records.table.name}` : "items";
    const filtered = shown === total ? `${n(total)} ${noun}` : `${n(shown)} of ${n(total)} ${noun}`;
    const treeNote = rows !== shown ? ` · ${n(rows)} rows in the tree` : "";
    const loads = [...state.loads.entries()];
    const cached = loads.filter(([, l]) => l.cached).map(([i, l]) => `${nameOf(state, i)} from ${age(l.loadedAt)}`);
    const partial = loads.filter(([, l]) => l.partial).map(([i]) => nameOf(state, i));
    const changes = loads.flatMap(([i, l]) => {
      if (!l.changes || l.cached) return [];
      const { new: added, changed, gone } = l.changes;
      const parts = [added ? `+${n(added)} new` : "", changed ? `${n(changed)} changed` : "", gone ? `${n(gone)} gone` : ""].filter(Boolean);
      return parts.length ? [`${nameOf(state, i)}: ${parts.join(" · ")}`] : [];
    });
    const notes = [cached.length ? `cached: ${cached.join(", ")} — Reload to refresh` : "", partial.length ? `partial: ${partial.join(", ")}` : "", ...changes].filter(Boolean);
    count.textContent = `${filtered}${treeNote}${notes.length ? ` (${notes.join("; ")})` : ""}`;
    if (state.records) {
      const back = el(this.doc, "button", "Back to all items");
      back.type = "button";
      back.addEventListener("click", () => this.store.set({ records: null }));
      count.append(" ", back);
    }
  }
}
