// The Inlet window: connection cards, loading with per-stream progress, the items grid with
// search, filters, sorting, tree and details, and export of exactly what is shown.
import { describeError, type Backend, type ExportFormat, type Integration, type IntegrationItem, type IntegrationStatus } from "./backend";
import type { LoadProgress } from "./backend";
import { renderCards } from "./connections";
import { renderDetails } from "./details";
import { el } from "./format";
import { age, applyView, emptyView, facetCounts, flattenTree, itemKey, SearchIndex, SortCache, type SortColumn, type TreeRow, type ViewState } from "./model";
import { renderProgress } from "./progress";
import { SettingsView } from "./settings";
import { ItemTable } from "./table";

export { formatTime } from "./format";

const FIRST_RUN_KEY = "inlet.first-run-done";
const NAMES: Record<Integration, string> = { airtable: "Airtable", notion: "Notion", hubspot: "HubSpot" };

interface Loaded {
  items: IntegrationItem[];
  loadedAt: string;
  partial: boolean;
  cached: boolean;
}

export class App {
  private statuses: IntegrationStatus[] = [];
  private readonly busy = new Set<Integration>();
  private readonly loading = new Set<Integration>();
  private readonly progress = new Map<string, LoadProgress>();
  private readonly loads = new Map<Integration, Loaded>();
  private view: ViewState = emptyView();
  private tree = false;
  private readonly expanded = new Set<string>();
  private records: { table: IntegrationItem; items: IntegrationItem[] } | null = null;
  private shown: IntegrationItem[] = [];
  /** The keys of the grid's rows, in order: what an export of the view writes. */
  private visibleKeys: string[] = [];
  private detailItem: IntegrationItem | null = null;
  private retry: (() => void) | null = null;
  private readonly index = new SearchIndex();
  private readonly sortCache = new SortCache();
  private allCache: { loads: Loaded[]; items: IntegrationItem[] } = { loads: [], items: [] };
  readonly table: ItemTable;
  readonly settings: SettingsView;

  constructor(private readonly backend: Backend, private readonly doc: Document, gridRect?: { width: number; height: number }) {
    this.table = new ItemTable(doc, this.byId("grid"), {
      sort: (column) => this.sortBy(column),
      open: (item) => this.showDetails(item),
      toggle: (item) => this.toggle(item),
    }, gridRect);
    this.settings = new SettingsView(doc, this.byId("settings"), backend, (message) => {
      this.byId("loading").textContent = message;
    }, () => void this.refresh());
  }

  async start(): Promise<void> {
    this.wireToolbar();
    await this.backend.onConnectionChanged((event) => {
      if (event.integration) this.busy.delete(event.integration);
      if (event.error) this.showError(event.error.message);
      else if (event.connected) {
        this.clearError();
        this.dismissFirstRun();
      }
      if (!event.connected && event.integration && !event.error) this.loads.delete(event.integration);
      void this.refresh();
    });
    await this.backend.onLoadProgress((event) => {
      const p = event.progress;
      this.progress.set(`${p.integration}/${p.stream}`, p);
      renderProgress(this.doc, this.byId("loading"), [...this.progress.values()]);
    });
    await this.refresh();
    try {
      for (const cached of await this.backend.cachedItems()) {
        if (!this.loads.has(cached.integration)) {
          this.loads.set(cached.integration, { items: cached.items, loadedAt: cached.loaded_at, partial: cached.partial, cached: true });
        }
      }
    } catch (error) {
      this.showError(describeError(error));
    }
    this.updateView();
    const nothingYet = !this.statuses.some((s) => s.connected) && this.loads.size === 0;
    this.byId("first-run").hidden = !nothingYet || this.firstRunDone();
  }

  private dismissFirstRun(): void {
    this.byId("first-run").hidden = true;
    try {
      this.doc.defaultView?.localStorage.setItem(FIRST_RUN_KEY, "1");
    } catch {
      /* storage may be unavailable; the screen simply shows again next time */
    }
  }

  private firstRunDone(): boolean {
    try {
      return this.doc.defaultView?.localStorage.getItem(FIRST_RUN_KEY) === "1";
    } catch {
      return false;
    }
  }

  private byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const node = this.doc.getElementById(id);
    if (!node) throw new Error(`missing #${id}`);
    return node as T;
  }

  private wireToolbar(): void {
    const search = this.byId<HTMLInputElement>("search");
    search.addEventListener("input", () => {
      this.view = { ...this.view, query: search.value };
      this.updateView();
    });
    this.byId<HTMLSelectElement>("type-filter").addEventListener("change", (e) => {
      const value = (e.target as HTMLSelectElement).value;
      this.view = { ...this.view, types: value ? new Set([value]) : new Set() };
      this.updateView();
    });
    this.byId<HTMLSelectElement>("integration-filter").addEventListener("change", (e) => {
      const value = (e.target as HTMLSelectElement).value as Integration | "";
      this.view = { ...this.view, integrations: value ? new Set([value]) : new Set() };
      this.updateView();
    });
    this.byId("view-table").addEventListener("click", () => this.setTree(false));
    this.byId("view-tree").addEventListener("click", () => this.setTree(true));
    this.byId("export-view").addEventListener("click", () => void this.export(true));
    this.byId("export-all").addEventListener("click", () => void this.export(false));
    this.byId("retry").addEventListener("click", () => {
      const again = this.retry;
      this.clearError();
      again?.();
    });
    this.byId("open-settings").addEventListener("click", () => {
      if (this.byId("settings").hidden) void this.settings.open();
      else this.settings.close();
    });
    this.byId("first-run-start").addEventListener("click", () => {
      this.dismissFirstRun();
      this.doc.querySelector<HTMLButtonElement>(".card button:not(:disabled)")?.focus();
    });
    this.doc.addEventListener("keydown", (event) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
      if (event.key === "/" && !typing) {
        event.preventDefault();
        search.focus();
        search.select();
      } else if (event.key === "Escape") {
        if (this.detailItem) this.showDetails(null);
        else if (event.target === search && search.value) {
          search.value = "";
          this.view = { ...this.view, query: "" };
          this.updateView();
        }
      } else if (event.key === "ArrowDown" && event.target === search) {
        event.preventDefault();
        this.table.focus();
      }
    });
  }

  async refresh(): Promise<void> {
    try {
      this.statuses = await this.backend.listIntegrations();
      this.renderCards();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  private renderCards(): void {
    renderCards(this.doc, this.byId("integrations"), this.statuses, this.busy, this.loading, {
      connect: (i) => void this.connect(i),
      disconnect: (i) => void this.disconnect(i),
      load: (i) => void this.load(i),
      cancel: (i) => void this.backend.cancelLoad(i),
      switchAccount: (i, account) => void this.switchAccount(i, account),
    });
  }

  async switchAccount(integration: Integration, accountId: string): Promise<void> {
    try {
      await this.backend.switchAccount(integration, accountId);
      // The items on screen belong to the previous account.
      this.loads.delete(integration);
      this.updateView();
      await this.refresh();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  showError(message: string, retry: (() => void) | null = null): void {
    this.byId("error-text").textContent = message;
    this.retry = retry;
    this.byId("retry").hidden = retry === null;
    this.byId("error").hidden = false;
  }

  clearError(): void {
    this.byId("error-text").textContent = "";
    this.retry = null;
    this.byId("error").hidden = true;
  }

  async connect(integration: Integration): Promise<void> {
    this.clearError();
    this.busy.add(integration);
    this.renderCards();
    try {
      await this.backend.connect(integration);
    } catch (error) {
      this.busy.delete(integration);
      this.showError(describeError(error), () => void this.connect(integration));
      this.renderCards();
    }
  }

  async disconnect(integration: Integration): Promise<void> {
    try {
      await this.backend.disconnect(integration);
      this.loads.delete(integration);
      this.updateView();
      await this.refresh();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  async load(integration: Integration): Promise<void> {
    this.clearError();
    this.loading.add(integration);
    for (const key of [...this.progress.keys()]) if (key.startsWith(`${integration}/`)) this.progress.delete(key);
    renderProgress(this.doc, this.byId("loading"), [...this.progress.values()]);
    this.renderCards();
    try {
      const result = await this.backend.load(integration);
      this.loads.set(integration, { items: result.items, loadedAt: new Date().toISOString(), partial: result.partial, cached: false });
      this.records = null;
      this.updateView();
      if (result.partial) {
        const reasons = result.failures.map((f) => `${f.stream}: ${f.error.message}`).join("; ");
        this.showError(`Partial result from ${NAMES[integration]} — some items are missing. ${reasons}`, () => void this.load(integration));
      }
    } catch (error) {
      this.showError(describeError(error), () => void this.load(integration));
    } finally {
      this.loading.delete(integration);
      for (const key of [...this.progress.keys()]) if (key.startsWith(`${integration}/`)) this.progress.delete(key);
      renderProgress(this.doc, this.byId("loading"), [...this.progress.values()]);
      await this.refresh();
    }
  }

  /** Every loaded item, integration by integration (the same array until a load changes). */
  allItems(): IntegrationItem[] {
    const loads = [...this.loads.keys()].sort().map((i) => this.loads.get(i) as Loaded);
    const same = loads.length === this.allCache.loads.length && loads.every((l, n) => l === this.allCache.loads[n]);
    if (!same) this.allCache = { loads, items: loads.flatMap((l) => l.items) };
    return this.allCache.items;
  }

  private sortBy(column: SortColumn): void {
    const same = this.view.sort.column === column;
    this.view = { ...this.view, sort: { column, direction: same && this.view.sort.direction === "asc" ? "desc" : "asc" } };
    this.updateView();
  }

  private setTree(on: boolean): void {
    this.tree = on;
    this.byId("view-table").setAttribute("aria-pressed", String(!on));
    this.byId("view-tree").setAttribute("aria-pressed", String(on));
    this.updateView();
  }

  private toggle(item: IntegrationItem): void {
    const key = itemKey(item);
    if (this.expanded.has(key)) this.expanded.delete(key);
    else this.expanded.add(key);
    this.updateView();
  }

  /** Recomputes what the grid shows from the loaded items and the view state. */
  updateView(): void {
    const source = this.records?.items ?? this.allItems();
    // A table's records are one kind from one integration: the item filters do not apply to them.
    const view = this.records ? { ...this.view, types: new Set<string>(), integrations: new Set<Integration>() } : this.view;
    this.shown = applyView(source, view, this.index, this.sortCache);
    // The tree shows the hierarchy of the filtered items; a search shows matches flat.
    const rows: TreeRow[] = this.tree && !this.view.query
      ? flattenTree(this.shown, this.expanded)
      : this.shown.map((item) => ({ item, depth: 0, hasChildren: false, expanded: false }));
    this.table.setRows(rows, this.view.sort, this.tree && !this.view.query);
    this.visibleKeys = rows.map((r) => itemKey(r.item));
    this.renderFilters(source);
    this.renderCount(source.length, rows.length);
    if (this.detailItem && !source.includes(this.detailItem)) this.showDetails(null);
  }

  private renderFilters(source: IntegrationItem[]): void {
    const { types, integrations } = facetCounts(source);
    const fill = (select: HTMLSelectElement, all: string, entries: [string, number][], selected: string) => {
      const options = [Object.assign(el(this.doc, "option", all), { value: "" })];
      for (const [value, count] of entries.sort(([a], [b]) => a.localeCompare(b))) {
        options.push(Object.assign(el(this.doc, "option", `${value} (${count.toLocaleString("en")})`), { value }));
      }
      select.replaceChildren(...options);
      select.value = selected;
    };
    fill(this.byId("type-filter"), "All types", [...types], [...this.view.types][0] ?? "");
    fill(this.byId("integration-filter"), "All integrations", [...integrations], [...this.view.integrations][0] ?? "");
  }

  private renderCount(total: number, rows: number): void {
    const count = this.byId("item-count");
    const noun = this.records ? `records in ${this.records.table.name}` : "items";
    const filtered = this.shown.length === total ? `${total.toLocaleString("en")} ${noun}` : `${this.shown.length.toLocaleString("en")} of ${total.toLocaleString("en")} ${noun}`;
    const treeNote = rows !== this.shown.length ? ` · ${rows.toLocaleString("en")} rows in the tree` : "";
    const cached = [...this.loads.entries()].filter(([, l]) => l.cached).map(([i, l]) => `${NAMES[i]} from ${age(l.loadedAt)}`);
    const partial = [...this.loads.entries()].filter(([, l]) => l.partial).map(([i]) => NAMES[i]);
    const notes = [cached.length ? `cached: ${cached.join(", ")} — Reload to refresh` : "", partial.length ? `partial: ${partial.join(", ")}` : ""].filter(Boolean);
    count.textContent = `${filtered}${treeNote}${notes.length ? ` (${notes.join("; ")})` : ""}`;
    if (this.records) {
      const back = el(this.doc, "button", "Back to all items");
      back.type = "button";
      back.addEventListener("click", () => {
        this.records = null;
        this.updateView();
      });
      count.append(" ", back);
    }
  }

  showDetails(item: IntegrationItem | null): void {
    this.detailItem = item;
    renderDetails(this.doc, this.byId("details"), item, {
      openInProvider: (url) => void this.backend.openInProvider(url).catch((e) => this.showError(describeError(e))),
      copy: (text, what) => void this.copy(text, what),
      records: (table) => void this.openRecords(table),
      close: () => this.showDetails(null),
    });
    if (!item) this.table.focus();
  }

  private async copy(text: string, what: string): Promise<void> {
    try {
      await this.doc.defaultView?.navigator.clipboard.writeText(text);
      this.byId("loading").textContent = `${what} copied.`;
    } catch {
      this.showError(`Could not copy the ${what}: the clipboard is not available.`);
    }
  }

  async openRecords(table: IntegrationItem): Promise<void> {
    this.clearError();
    this.byId("loading").textContent = `Loading the records of ${table.name}…`;
    try {
      const items = await this.backend.loadAirtableRecords(table.parent_id ?? "", table.id);
      this.records = { table, items };
      this.showDetails(null);
      this.updateView();
      this.byId("loading").textContent = "";
    } catch (error) {
      this.byId("loading").textContent = "";
      this.showError(describeError(error), () => void this.openRecords(table));
    }
  }

  /** Exports the current view — the grid's rows, filtered, sorted, as the tree shows them, or a
   * table's records — or everything loaded. */
  async export(viewOnly: boolean): Promise<void> {
    const format = this.byId<HTMLSelectElement>("export-format").value as ExportFormat;
    const keys = viewOnly ? this.visibleKeys : null;
    try {
      const outcome = await this.backend.exportItems(keys, format);
      if (outcome) this.byId("loading").textContent = `Exported ${outcome.count.toLocaleString("en")} items to ${outcome.path}.`;
    } catch (error) {
      this.showError(describeError(error));
    }
  }
}
