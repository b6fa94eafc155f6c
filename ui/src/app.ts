// The Inlet window: the store, one view per region (cards, toolbar, items, details, status,
// settings), and the actions that talk to the backend. Actions change the store; views render
// from it — nothing here calls a render.
import { describeError, type AccountKey, type Backend, type CallEstimate, type ExportFormat, type Integration, type IntegrationItem, type ItemView, type LoadRequest, type LoadSummary, type RevokeOutcome } from "./backend";
import { emptyView, itemKey, toItemView, type SortColumn } from "./model";
import { initialState, nameOf, Store, toggled, type AppState } from "./store";
import { mountCards } from "./views/cards";
import { mountDetails } from "./views/details";
import { mountFeed } from "./views/feed";
import { ItemsView } from "./views/items";
import { SettingsView } from "./views/settings";
import { mountStatus } from "./views/status";
import { mountToolbar } from "./views/toolbar";
import type { ItemTable } from "./views/table";
import { formatCount } from "./format";

export { formatTime } from "./format";

const FIRST_RUN_KEY = "inlet.first-run-done";
/** A load of the account's structure alone. */
const STRUCTURE: LoadRequest = { records: { scope: "none" }, content: false, sync: false, scheduled: false };

/** A load with the records of `container` (a base or a table), or of every container. */
function recordsOf(container: IntegrationItem | null): LoadRequest {
  return { records: container ? { scope: "of", ids: [container.id] } : { scope: "all" }, content: false, sync: false, scheduled: false };
}

/** The stored children of `parent` (a table's records), in the order they loaded. */
function childrenView(parent: IntegrationItem): ItemView {
  return { ...toItemView(emptyView(), null), integrations: [parent.integration], parent: parent.id, sort: { column: "loaded", descending: false } };
}
const STRIP_KEY = "inlet.connections-strip";

export class App {
  readonly store = new Store<AppState>(initialState());
  /** Bumped by a disconnect or an account switch: a load that started before is not shown. */
  private readonly epochs = new Map<Integration, number>();
  readonly settings: SettingsView;
  private readonly items: ItemsView;

  constructor(private readonly backend: Backend, private readonly doc: Document, gridRect?: { width: number; height: number }) {
    this.items = new ItemsView(doc, this.store, backend, {
      sort: (column) => this.sortBy(column),
      open: (item) => this.showDetails(item),
      toggle: (item) => this.toggle(item),
    }, gridRect);
    const notify = (message: string) => this.store.set({ message });
    this.settings = new SettingsView(doc, this.byId("settings"), backend, notify, () => void this.refresh());
  }

  get table(): ItemTable {
    return this.items.table;
  }

  async start(): Promise<void> {
    this.mountViews();
    await this.backend.onConnectionChanged((event) => {
      const { integration } = event;
      const before = this.store.get().statuses.find((s) => s.integration === integration)?.account ?? null;
      this.store.set((s) => ({
        // A failed sign-in that names no integration ends every wait.
        busy: integration ? toggled(s.busy, integration, false) : event.error ? new Set() : s.busy,
        error: event.error ? { message: event.error.message, retry: null } : event.connected ? null : s.error,
      }));
      if (event.connected) this.dismissFirstRun();
      void this.refresh().then(() => {
        // A sign-in as another account adds it (and makes it the active one): never silently.
        const now = this.store.get().statuses.find((s) => s.integration === integration);
        if (event.connected && before && now?.account && now.account.id !== before.id) {
          this.store.set({
            message: `${now.name}: connected as ${now.account.label}. ${before.label} stays connected — switch between them on the card.`,
          });
        }
        return this.reloadStored();
      });
    });
    await this.backend.onInternalError(({ message }) => this.showError(message));
    await this.backend.onLoadProgress(({ progress }) => {
      // A late event of a load that already ended must not bring its bar back.
      if (!this.store.get().loading.has(progress.integration)) return;
      this.store.set((s) => ({ progress: new Map(s.progress).set(`${progress.integration}/${progress.stream}`, progress) }));
    });
    await this.refresh();
    await this.reloadStored();
    await this.items.ready;
    const nothingYet = !this.store.get().statuses.some((s) => s.connected) && this.store.get().loads.length === 0;
    this.byId("first-run").hidden = !nothingYet || this.firstRunDone();
  }

  private mountViews(): void {
    mountStatus(this.doc, this.store);
    mountCards(this.doc, this.byId("integrations"), this.store, {
      connect: (i) => void this.connect(i),
      disconnect: (i) => void this.disconnect(i),
      load: (i) => void this.load(i),
      loadEverything: (i) => void this.load(i, true),
      loadAllRecords: (i) => void this.loadRecordsAsking(i, null),
      setPlan: (i, plan) => void this.setPlan(i, plan),
      cancel: (i) => void this.backend.cancelLoad(i).catch((e) => this.showError(describeError(e))),
      switchAccount: (i, account) => void this.switchAccount(i, account),
      useSandbox: () => void this.useSandbox(),
    });
    mountDetails(this.doc, this.byId("details"), this.store, {
      openInProvider: (url) => void this.backend.openInProvider(url).catch((e) => this.showError(describeError(e))),
      copy: (text, what) => void this.copy(text, what),
      records: (table) => void this.openRecords(table),
      rows: (container) => void this.showRows(container),
      baseRecords: (base) => void this.loadRecordsAsking(base.integration, base),
      workbook: (base) => void this.exportWorkbook(base),
      content: (item) => this.backend.itemContent(item.integration, item.id),
      files: (item) => this.backend.itemFiles(item.integration, item.id),
      history: (item) => this.backend.itemHistory(item.integration, item.id),
      openFile: (file) => void this.backend.openFile(file.hash).catch((e) => this.showError(describeError(e))),
      close: () => this.showDetails(null),
    });
    mountFeed(this.doc, this.store, {
      changesSince: (since) => this.backend.changesSince(since),
      nameOf: (integration) => nameOf(this.store.get(), integration),
      failed: (error) => this.showError(describeError(error)),
    });
    mountToolbar(this.doc, this.store, {
      export: (viewOnly) => void this.export(viewOnly),
      focusGrid: () => this.table.focus(),
      closeDetails: () => this.showDetails(null),
    });
    // The connections strip folds away so the items take the window; the choice is kept.
    const toggle = this.byId("toggle-connections");
    const fold = (collapsed: boolean) => {
      this.byId("connections").classList.toggle("collapsed", collapsed);
      toggle.textContent = collapsed ? "Show" : "Hide";
      toggle.setAttribute("aria-expanded", String(!collapsed));
    };
    fold(this.remembered(STRIP_KEY) === "collapsed");
    toggle.addEventListener("click", () => {
      const collapsed = !this.byId("connections").classList.contains("collapsed");
      fold(collapsed);
      this.remember(STRIP_KEY, collapsed ? "collapsed" : "open");
    });
    this.byId("open-settings").addEventListener("click", () => {
      if (this.byId("settings").hidden) void this.settings.open();
      else this.settings.close();
    });
    this.byId("first-run-start").addEventListener("click", () => {
      this.dismissFirstRun();
      void this.useSandbox().then(() => this.doc.querySelector<HTMLButtonElement>(".card button:not(:disabled)")?.focus());
    });
  }

  private dismissFirstRun(): void {
    this.byId("first-run").hidden = true;
    this.remember(FIRST_RUN_KEY, "1");
  }

  private firstRunDone(): boolean {
    return this.remembered(FIRST_RUN_KEY) === "1";
  }

  /** Keeps a small choice of the person's across runs (storage may be unavailable: then the
   * choice simply does not last). */
  private remember(key: string, value: string): void {
    try {
      this.doc.defaultView?.localStorage.setItem(key, value);
    } catch {
      /* not kept */
    }
  }

  private remembered(key: string): string | null {
    try {
      return this.doc.defaultView?.localStorage.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  private byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const node = this.doc.getElementById(id);
    if (!node) throw new Error(`missing #${id}`);
    return node as T;
  }

  /** Reads the stored loads again and has the grid read its rows again (stored items changed:
   * a load, a disconnect, a forget). */
  async reloadStored(fresh: readonly number[] = []): Promise<void> {
    try {
      const loads = await this.backend.storedLoads();
      this.store.set((s) => ({ loads, fresh: new Set([...s.fresh, ...fresh]), revision: s.revision + 1 }));
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  /** Resolves when the grid's current view has its first window and counts. */
  get ready(): Promise<void> {
    return this.items.ready;
  }

  /** The person chose the sandbox: it starts now (never merely because Inlet was opened). */
  async useSandbox(): Promise<void> {
    try {
      await this.backend.useSandbox();
    } catch (error) {
      this.showError(describeError(error));
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.store.set({ statuses: await this.backend.listIntegrations() });
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  showError(message: string, retry: (() => void) | null = null): void {
    this.store.set({ error: { message, retry } });
  }

  clearError(): void {
    this.store.set({ error: null });
  }

  async connect(integration: Integration): Promise<void> {
    this.store.set((s) => ({ error: null, busy: toggled(s.busy, integration, true) }));
    try {
      await this.backend.connect(integration);
    } catch (error) {
      this.store.set((s) => ({ busy: toggled(s.busy, integration, false) }));
      this.showError(describeError(error), () => void this.connect(integration));
    }
  }

  async disconnect(integration: Integration): Promise<void> {
    try {
      this.epochs.set(integration, (this.epochs.get(integration) ?? 0) + 1);
      const gone = await this.backend.disconnect(integration);
      const name = nameOf(this.store.get(), integration);
      this.store.set({ message: "", offer: null });
      if (gone) {
        // The items stay on this computer unless the person says otherwise.
        this.store.set({
          message: `${name} disconnected${revocationNote(name, gone.revocation)}. Its loaded items are still stored on this computer.`,
          offer: { label: "Forget them", run: () => void this.forgetItems(gone.account, name) },
        });
      }
      await this.refresh();
      await this.reloadStored();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  private async forgetItems(account: AccountKey, name: string): Promise<void> {
    try {
      await this.backend.forgetItems(account);
      this.store.set({ message: `${name}'s stored items are forgotten.`, offer: null });
      await this.reloadStored();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  async switchAccount(integration: Integration, accountId: string): Promise<void> {
    try {
      this.epochs.set(integration, (this.epochs.get(integration) ?? 0) + 1);
      await this.backend.switchAccount(integration, accountId);
      await this.refresh();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  /**
   * Loads `integration`: once it was loaded, only what changed where the provider can tell
   * (a sync), unless `everything` asks for a full load again.
   */
  async load(integration: Integration, everything = false): Promise<void> {
    const status = this.store.get().statuses.find((s) => s.integration === integration);
    // Where the provider has content (Notion's pages), a load brings it: only pages edited since.
    const content = status?.capabilities.content ?? false;
    // Once loaded, a Reload syncs: only what changed where the provider can tell, and the
    // contents stored (Airtable's records) where it cannot — which costs calls from a plan's
    // month: past half of it, say so first and offer "Sync anyway".
    const sync = !everything && status?.last_load != null;
    const request: LoadRequest = { ...STRUCTURE, content, sync };
    const run = () => this.runLoad(integration, () => this.backend.load(integration, request), () => void this.load(integration, everything));
    if (sync && status?.capabilities.call_plans) {
      let estimate: CallEstimate | null = null;
      try {
        estimate = await this.backend.loadEstimate(integration, request);
      } catch {
        // Only advice: the sync itself says what stops it.
      }
      if (estimate?.ask_first) {
        this.store.set({ message: estimate.message, offer: { label: "Sync anyway", run: () => void run() } });
        return;
      }
    }
    await run();
  }

  /**
   * "Load all records" (of `base`, or of every container): where the provider caps API calls
   * (Airtable's plans) and the cap is known or was met this month, says first what the load
   * will cost and offers "Load anyway"; otherwise loads at once.
   */
  async loadRecordsAsking(integration: Integration, base: IntegrationItem | null): Promise<void> {
    let estimate: CallEstimate | null = null;
    try {
      estimate = await this.backend.loadEstimate(integration, recordsOf(base));
    } catch {
      // Only advice: the load itself says what stops it.
    }
    if (estimate?.ask_first) {
      this.store.set({ message: estimate.message, offer: { label: "Load anyway", run: () => void this.loadRecords(integration, base) } });
      return;
    }
    await this.loadRecords(integration, base);
  }

  /** Remembers which plan the account is on (its cap on API calls a month). */
  async setPlan(integration: Integration, plan: string | null): Promise<void> {
    try {
      await this.backend.setPlan(integration, plan);
    } catch (error) {
      this.showError(describeError(error));
    }
    await this.refresh();
  }

  /** Loads the account with every record of `base` — or of every container — into the store. */
  async loadRecords(integration: Integration, base: IntegrationItem | null): Promise<void> {
    await this.runLoad(integration, () => this.backend.load(integration, recordsOf(base)), () => void this.loadRecords(integration, base));
    const done = this.store.get().error === null;
    if (done) this.store.set({ message: base ? `Loaded every record of ${base.name}.` : `Loaded every record of every ${nameOf(this.store.get(), integration)} base.` });
  }

  /** Writes an Airtable base's stored records as one workbook, a sheet per table. */
  async exportWorkbook(base: IntegrationItem): Promise<void> {
    try {
      const outcome = await this.backend.exportBaseWorkbook(base.id, base.name);
      if (outcome) this.store.set({ message: `Exported ${formatCount(outcome.count)} records of ${base.name} to ${outcome.path}.` });
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  private async runLoad(integration: Integration, start: () => Promise<LoadSummary>, retry: () => void): Promise<void> {
    const clearProgress = (s: AppState) => new Map([...s.progress].filter(([key]) => !key.startsWith(`${integration}/`)));
    this.store.set((s) => ({ error: null, loading: toggled(s.loading, integration, true), progress: clearProgress(s) }));
    const epoch = this.epochs.get(integration) ?? 0;
    // The load's generation is the one that was not stored before it.
    const known = new Set(this.store.get().loads.map((l) => l.id));
    try {
      const result = await start();
      if ((this.epochs.get(integration) ?? 0) !== epoch) return; // another account by now
      const loads = await this.backend.storedLoads();
      const fresh = loads.filter((l) => l.key.integration === integration && !known.has(l.id)).flatMap((l) => (l.id === null ? [] : [l.id]));
      this.store.set((s) => ({ loads, fresh: new Set([...s.fresh, ...fresh]), revision: s.revision + 1, records: null }));
      if (result.notes.length > 0) this.store.set({ message: `${nameOf(this.store.get(), integration)}: ${result.notes.join(" ")}` });
      if (result.partial) {
        const reasons = result.failures.map((f) => `${f.part ? `${f.stream} (${f.part})` : f.stream}: ${f.error.message}`).join("; ");
        const name = nameOf(this.store.get(), integration);
        this.showError(`Partial result from ${name} — some items are missing. ${reasons}`, retry);
      }
    } catch (error) {
      this.showError(describeError(error), retry);
    } finally {
      this.store.set((s) => ({ loading: toggled(s.loading, integration, false), progress: clearProgress(s) }));
      await this.refresh();
    }
  }

  private sortBy(column: string): void {
    const records = this.store.get().records;
    if (records) {
      const same = records.sort?.column === column;
      this.store.set({ records: { ...records, sort: { column, direction: same && records.sort?.direction === "asc" ? "desc" : "asc" } } });
      return;
    }
    this.sortStored(column as SortColumn);
  }

  private sortStored(column: SortColumn): void {
    this.store.set(({ view }) => {
      const same = view.sort.column === column;
      return { view: { ...view, sort: { column, direction: same && view.sort.direction === "asc" ? "desc" : "asc" } } };
    });
  }

  private toggle(item: IntegrationItem): void {
    const key = itemKey(item);
    this.store.set((s) => ({ expanded: toggled(s.expanded, key, !s.expanded.has(key)) }));
  }

  showDetails(item: IntegrationItem | null): void {
    this.store.set({ detail: item });
    if (!item) this.table.focus();
  }

  private async copy(text: string, what: string): Promise<void> {
    try {
      await this.doc.defaultView?.navigator.clipboard.writeText(text);
      this.store.set({ message: `${what} copied.` });
    } catch {
      this.showError(`Could not copy the ${what}: the clipboard is not available.`);
    }
  }

  /** Loads a table's records into the store, then shows them, read back from the store. */
  async openRecords(table: IntegrationItem): Promise<void> {
    this.store.set({ error: null, message: `Loading the records of ${table.name}…` });
    // A load like any other: the card shows it, Cancel stops it, a partial one says so.
    await this.runLoad(table.integration, () => this.backend.load(table.integration, recordsOf(table)), () => void this.openRecords(table));
    if (this.store.get().error !== null) return;
    await this.showRows(table);
  }

  /** Shows a container's stored children as a table, a column per field of its schema. */
  async showRows(container: IntegrationItem): Promise<void> {
    try {
      const items = await this.storedChildren(container);
      this.store.set({ records: { table: container, items, sort: null }, detail: null, message: "" });
    } catch (error) {
      this.store.set({ message: "" });
      this.showError(describeError(error), () => void this.showRows(container));
    }
  }

  /**
   * Everything stored — of the integrations the view shows, for "Export view" — as a Markdown
   * vault: pages with front matter, CSVs, workbooks, kept files beside them; in a new folder
   * inside the one picked, or one .zip.
   */
  async exportVault(viewOnly: boolean, zip: boolean): Promise<void> {
    const integrations = viewOnly ? [...this.store.get().view.integrations] : [];
    try {
      const outcome = await this.backend.exportVault(integrations, zip);
      if (outcome) this.store.set({ message: `Exported ${formatCount(outcome.pages)} pages, ${formatCount(outcome.tables)} tables and ${formatCount(outcome.files)} files to ${outcome.path}.` });
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  /** Every stored child of `parent` (a table's records), in load order, window by window. */
  private async storedChildren(parent: IntegrationItem): Promise<IntegrationItem[]> {
    const view = childrenView(parent);
    const items: IntegrationItem[] = [];
    for (;;) {
      const window = await this.backend.itemWindow(view, items.length, 500);
      items.push(...window.rows.map((r) => r.item));
      if (window.rows.length === 0 || items.length >= window.total) return items.filter((i) => i.delta !== "gone");
    }
  }

  /** Exports the current view — the grid's rows, filtered, sorted, as the tree shows them, or a
   * table's records (in the order they loaded) — or every stored item of the connected
   * accounts. The backend writes the file straight from the store. */
  async export(viewOnly: boolean): Promise<void> {
    const chosen = this.byId<HTMLSelectElement>("export-format").value;
    if (chosen === "vault" || chosen === "vault-zip") return this.exportVault(viewOnly, chosen === "vault-zip");
    const format = chosen as ExportFormat;
    const records = viewOnly ? this.store.get().records : null;
    try {
      const view = records ? { ...childrenView(records.table), search: this.store.get().view.query } : viewOnly ? this.items.itemView() : { ...toItemView(emptyView(), null), sort: { column: "loaded", descending: false } as const };
      const outcome = await this.backend.exportItems(view, format);
      if (outcome) this.store.set({ message: `Exported ${formatCount(outcome.count)} items to ${outcome.path}.` });
    } catch (error) {
      this.showError(describeError(error));
    }
  }
}

/** What became of the grant at the provider, as a clause of the disconnect message. */
function revocationNote(name: string, revocation: RevokeOutcome): string {
  switch (revocation.outcome) {
    case "revoked":
      return ` and its access revoked at ${name}`;
    case "failed":
      return `, but its access could not be revoked at ${name} (${revocation.reason}): revoke it there by hand`;
    case "by_the_person":
      return `. ${revocation.instructions.replace(/\.$/, "")}`;
  }
}
