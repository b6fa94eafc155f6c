// The items region: the grid as a window onto the item store — each change of the view (search,
// filters, sort, tree) or of the stored items asks the backend for the first window, the total
// and the filters' counts; scrolling asks for more windows. A table's records, loaded on demand,
// are viewed in memory instead.
import type { Backend, IntegrationItem, ItemKind, ItemView, ViewFacets } from "../backend";
import { describeError } from "../backend";
import { compareText, el, formatCount } from "../format";
import { age, applyView, itemKey, SearchIndex, SortCache, toItemView, type TreeRow } from "../model";
import { nameOf, type AppState, type Store } from "../store";
import { recordColumns, sortRecords, type Column } from "./record-columns";
import { ArraySource, PagedSource } from "./rows";
import { ItemTable } from "./table";

export interface ItemEvents {
  open(item: IntegrationItem): void;
  toggle(item: IntegrationItem): void;
  sort(column: string): void;
}

export class ItemsView {
  readonly table: ItemTable;
  private readonly index = new SearchIndex();
  private readonly sortCache = new SortCache();
  private paged: PagedSource | null = null;
  /** The date of the view the rows shown were read for (null: now), and what that view as of
   * a date could not bring back (its windows say): the count line speaks of the rows it counts,
   * not of a view asked for since. */
  private shownAsOf: string | null = null;
  /** The date of the view the counts beside the filters were read for. */
  private facetsAsOf: string | null = null;
  private asOfNotes: string[] = [];
  private records: ArraySource | null = null;
  private facets: ViewFacets | null = null;
  private facetsRevision = -1;
  private recordColumns: { table: IntegrationItem; columns: Column[] } | null = null;
  /** Resolves when the current view's first window and counts have arrived (tests, benchmarks). */
  ready: Promise<void> = Promise.resolve();
  private firstWindow: Promise<void> = Promise.resolve();
  private inFlight = false;
  private again = false;

  constructor(private readonly doc: Document, private readonly store: Store<AppState>, private readonly backend: Backend, events: ItemEvents, gridRect?: { width: number; height: number }) {
    this.table = new ItemTable(doc, this.byId("grid"), events, gridRect);
    store.subscribe((s, p) => {
      const changed = s.revision !== p.revision || s.records !== p.records || s.view !== p.view || s.tree !== p.tree || s.expanded !== p.expanded;
      if (changed) this.request();
      else if (s.loads !== p.loads || s.statuses !== p.statuses || s.fresh !== p.fresh) this.renderCount(s);
    });
  }

  /** Renders the view now, or — while the previous view's first window is still being read —
   * once it arrives, with whatever the state is then: typing fast asks for the latest search,
   * not for every keystroke in turn. */
  private request(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.render(this.store.get());
    if (this.store.get().records) return;
    this.inFlight = true;
    const settled = () => {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.request();
      }
    };
    this.firstWindow.then(settled, settled);
  }

  /** The view as the store reads it. */
  itemView(state: AppState = this.store.get()): ItemView {
    return toItemView(state.view, state.tree && !state.view.query ? state.expanded : null);
  }

  /** The keys of a table's records as shown (what exporting that view writes); null otherwise. */
  recordKeys(): string[] | null {
    return this.records ? this.records.rows.map((r) => itemKey(r.item)) : null;
  }

  render(state: AppState): void {
    this.paged?.close();
    this.paged = null;
    if (state.records) {
      this.renderRecords(state);
      return;
    }
    if (this.records) this.byId("item-count").textContent = "Reading the items…"; // not the records' count
    this.records = null;
    // Counts of an older store are wrong, not merely late: until the new ones arrive the line
    // counts the rows alone.
    const view = this.itemView(state);
    // Nor are the counts of the store as it is for the store as of a date, or the other way.
    const asOf = view.as_of ?? null;
    if (this.facetsRevision !== state.revision || this.facetsAsOf !== asOf) this.facets = null;
    const paged = new PagedSource(
      (offset, limit) =>
        this.backend.itemWindow(view, offset, limit).then((window) => {
          if (this.paged === paged) {
            this.shownAsOf = view.as_of ?? null;
            this.asOfNotes = window.notes ?? [];
          }
          return window;
        }),
      (key) => state.expanded.has(key),
      () => {
        this.table.refresh();
        this.renderCount(this.store.get());
      },
      (error) => this.store.set({ error: { message: describeError(error), retry: () => this.render(this.store.get()) } }),
    );
    this.paged = paged;
    this.table.setSource(paged, state.view.sort, view.expanded !== null);
    // The rows first: the counts beside the filters (a full pass under a broad search) follow.
    const first = paged.start();
    const facets = first.then(() => (this.paged === paged ? this.backend.itemFacets(view) : null)).then(
      (facets) => {
        if (!facets || this.paged !== paged) return;
        this.facets = facets;
        this.facetsRevision = state.revision;
        this.facetsAsOf = asOf;
        this.renderFilters(this.store.get());
        this.renderCount(this.store.get());
      },
      (error) => this.store.set({ error: { message: describeError(error), retry: null } }),
    );
    this.firstWindow = first;
    this.ready = Promise.all([first, facets]).then(() => undefined);
  }

  private renderRecords(state: AppState): void {
    const records = state.records!;
    // A table's records are one kind from one integration: only search and sort apply.
    const view = { ...state.view, types: new Set<ItemKind>(), integrations: new Set<never>(), accounts: new Set<string>() };
    if (this.recordColumns?.table !== records.table) this.recordColumns = { table: records.table, columns: recordColumns(records.table) };
    const columns = this.recordColumns.columns;
    let shown = applyView(records.items, { ...view, sort: { column: "name", direction: "asc" } }, this.index, this.sortCache);
    const sortedBy = columns.find((c) => c.id === records.sort?.column);
    if (records.sort && sortedBy) shown = sortRecords(shown, sortedBy, records.sort.direction);
    const rows: TreeRow[] = shown.map((item) => ({ item, depth: 0, hasChildren: false, expanded: false }));
    this.records = new ArraySource(rows);
    this.table.setSource(this.records, records.sort ?? { column: "", direction: "asc" }, false, columns);
    this.renderFilters(state);
    this.renderCount(state);
  }

  private byId<T extends HTMLElement = HTMLElement>(id: string): T {
    return this.doc.getElementById(id) as T;
  }

  private renderFilters(state: AppState): void {
    const fill = (id: string, all: string, entries: { value: string; label: string; count: number }[], selected: string) => {
      const select = this.byId<HTMLSelectElement>(id);
      const options = [Object.assign(el(this.doc, "option", all), { value: "" })];
      for (const entry of [...entries].sort((a, b) => compareText(a.label, b.label))) {
        options.push(Object.assign(el(this.doc, "option", `${entry.label} (${formatCount(entry.count)})`), { value: entry.value }));
      }
      // A chosen value that no longer has rows stays listed, so the select never shows blank.
      if (selected && !entries.some((e) => e.value === selected)) options.push(Object.assign(el(this.doc, "option", `${selected} (0)`), { value: selected }));
      select.replaceChildren(...options);
      select.value = selected;
      select.disabled = Boolean(state.records);
    };
    if (state.records) {
      const n = state.records.items.length;
      fill("type-filter", `Records (${formatCount(n)})`, [], "");
      fill("integration-filter", "Airtable", [], "");
      fill("account-filter", state.records.table.parent_path_or_name ?? "This base", [], "");
      return;
    }
    const facets = this.facets;
    fill("type-filter", "All types", facets?.types ?? [], [...state.view.types][0] ?? "");
    fill("integration-filter", "All integrations", facets?.integrations ?? [], [...state.view.integrations][0] ?? "");
    fill("account-filter", "All accounts", facets?.accounts ?? [], [...state.view.accounts][0] ?? "");
  }

  renderCount(state: AppState): void {
    const count = this.byId("item-count");
    const n = formatCount;
    let text: string;
    if (state.records) {
      const total = state.records.items.length;
      const shown = this.records?.length ?? total;
      text = shown === total ? `${n(total)} records in ${state.records.table.name}` : `${n(shown)} of ${n(total)} records in ${state.records.table.name}`;
    } else {
      // Until the view's first window arrives, the line keeps saying what it said.
      if (this.paged && !this.paged.arrived) return;
      const shown = this.paged?.length ?? 0;
      const total = this.facets?.total ?? shown;
      text = shown === total ? `${n(total)} items` : `${n(shown)} of ${n(total)} items`;
    }
    const notes: string[] = [];
    if (!state.records && this.shownAsOf) {
      // The past has no fresh loads to speak of: what it is, and what could not come back.
      notes.push(`as they were at the end of ${this.shownAsOf}`, ...this.asOfNotes);
    } else if (!state.records) {
      const earlier = state.loads.filter((l) => l.id !== null && !state.fresh.has(l.id));
      if (earlier.length) notes.push(`stored: ${earlier.map((l) => `${nameOf(state, l.key.integration)} from ${age(l.loaded_at)}`).join(", ")} — Reload to refresh`);
      const partial = state.loads.filter((l) => l.partial).map((l) => nameOf(state, l.key.integration));
      if (partial.length) notes.push(`partial: ${partial.join(", ")}`);
      for (const load of state.loads) {
        if (!load.changes || load.id === null || !state.fresh.has(load.id)) continue;
        const { new: added, changed, gone } = load.changes;
        const parts = [added ? `+${n(added)} new` : "", changed ? `${n(changed)} changed` : "", gone ? `${n(gone)} gone` : ""].filter(Boolean);
        if (parts.length) notes.push(`${nameOf(state, load.key.integration)}: ${parts.join(" · ")}`);
      }
    }
    count.textContent = `${text}${notes.length ? ` (${notes.join("; ")})` : ""}`;
    if (state.records) {
      const back = el(this.doc, "button", "Back to all items");
      back.type = "button";
      back.addEventListener("click", () => this.store.set({ records: null }));
      count.append(" ", back);
    }
  }
}
