// A Backend with no Tauri behind it: for unit tests and the browser demo (Playwright), with a
// generated dataset of any size, including the awkward names real workspaces have.
import { BackendError, type Backend, type ConnectionChanged, type ExportFormat, type Integration, type IntegrationItem, type IntegrationStatus, type LoadProgressEvent, type LoadSummary, type ProviderSetup, type SetupInput } from "./backend";
import type { AccountKey, ApiUsage, CallEstimate, Capabilities, FileUsage, ItemFile, ItemKind, LoadRequest, StoredContent, Disconnected, Generation, InternalError, PlanChoice, ItemView, ItemWindow, LogLevel, LogSettings, RevokeOutcome, ScheduleStatus, Frequency, Revision, HistorySpace, ViewFacets, AssistantAccess, LocalApiStatus } from "./backend";
import { applyView, facetCounts, flattenTree, fromItemView, SearchIndex, SortCache } from "./model";

const ODD = ["<img src=x onerror=alert(1)>", "שלום עולם — RTL", "🚀 Launch 🌕", "X".repeat(300)];

export function generateItems(integration: Integration, count: number): IntegrationItem[] {
  const types: Record<Integration, ItemKind[]> = { hubspot: ["contact", "company", "deal"], notion: ["page", "database"], airtable: ["base", "table"] };
  const items: IntegrationItem[] = [];
  for (let n = 0; n < count; n++) {
    const type = types[integration][n % types[integration].length];
    const parent = integration === "hubspot" || n < 10 ? null : `${integration}-${n % 10}`;
    items.push({
      id: `${integration}-${n}`,
      type,
      directory: type === "base" || type === "database",
      parent_path_or_name: parent ? `Parent ${n % 10}` : null,
      parent_id: parent,
      name: n % 97 === 5 ? ODD[n % ODD.length] : `${type[0].toUpperCase()}${type.slice(1)} ${n}`,
      creation_time: new Date(Date.UTC(2020, 0, 1) + n * 3_600_000).toISOString(),
      last_modified_time: new Date(Date.UTC(2021, 0, 1) + n * 7_200_000).toISOString(),
      url: integration === "hubspot" ? `https://app.hubspot.com/contacts/42/record/0-1/${n}` : null,
      children: null,
      mime_type: null,
      delta: null,
      drive_id: null,
      visibility: true,
      integration,
      details:
        integration === "hubspot"
          ? { properties: { Email: `person${n}@example.com`, "Lifecycle Stage": "Customer" }, values: { email: `person${n}@example.com`, lifecyclestage: "customer" } }
          : { email: `person${n}@example.com` },
    } as IntegrationItem);
  }
  return items;
}

/** The core's default loopback redirect: 127.0.0.1 where the provider accepts it. */
function defaultRedirect(integration: Integration): string {
  return `http://${integration === "airtable" ? "127.0.0.1" : "localhost"}:53682/oauth/callback`;
}

/** What each provider can do, as the core says. */
const CAPABILITIES: Record<Integration, Capabilities> = {
  airtable: { records_of: ["base", "table"], record_kind: "record", columns_of: ["table"], workbook_of: ["base"], content: false, call_plans: true, optional_scopes: [], syncs: true },
  notion: { records_of: [], record_kind: null, columns_of: ["data_source"], workbook_of: [], content: true, call_plans: false, optional_scopes: [], syncs: true },
  hubspot: {
    records_of: [],
    record_kind: null,
    columns_of: [],
    workbook_of: [],
    content: false,
    call_plans: false,
    optional_scopes: [{ scope: "tickets", or: [], without: "Tickets are not loaded." }],
    syncs: true,
  },
};

const AIRTABLE_PLANS: PlanChoice[] = [
  { id: "free", label: "Free", monthly_calls: 1000 },
  { id: "team", label: "Team", monthly_calls: 100000 },
  { id: "business", label: "Business or Enterprise", monthly_calls: null },
];

export class FakeBackend implements Backend {
  statuses: IntegrationStatus[] = (["airtable", "notion", "hubspot"] as Integration[]).map((integration) => ({
    integration,
    name: { airtable: "Airtable", notion: "Notion", hubspot: "HubSpot" }[integration],
    mode: "sandbox",
    connected: false,
    account: null,
    reconnect_needed: false,
    transport: "loopback",
    endpoint_overrides: [],
    connected_at: null,
    last_load: null,
    accounts: [],
    usage: null,
    capabilities: CAPABILITIES[integration],
    left_out: [],
  }));
  sizes: Record<Integration, number> = { airtable: 40, notion: 150, hubspot: 435 };
  calls: string[] = [];
  /** The "item store": each connected integration's last load, as stored. */
  stored = new Map<Integration, { generation: Generation; items: IntegrationItem[] }>();
  exports: { view: ItemView; format: ExportFormat }[] = [];
  /** Every window asked for, as `offset+limit`. */
  windows: string[] = [];
  /** The view of every window asked for. */
  windowViews: ItemView[] = [];
  records: IntegrationItem[] = [];
  /** The records loaded into the store, by their container. */
  readonly recordsOf = new Map<string, IntegrationItem[]>();
  partial: LoadSummary["failures"] = [];
  changes: LoadSummary["changes"] = null;
  notes: string[] = [];
  private nextGeneration = 1;
  failNext: Error | null = null;
  /** When set, sign-ins never come back (the person closed the tab). */
  browserClosed = false;
  /** When set, loads wait for `release()` (to test Cancel). */
  holdLoads = false;
  private release: (() => void) | null = null;
  private connectionListeners: ((e: ConnectionChanged) => void)[] = [];
  private progressListeners: ((e: LoadProgressEvent) => void)[] = [];

  status(integration: Integration): IntegrationStatus {
    const found = this.statuses.find((s) => s.integration === integration);
    if (!found) throw new Error(integration);
    return found;
  }

  /** The account the next sign-in connects (another person's, say); the sandbox's by default. */
  nextAccount: { id: string; label: string } | null = null;

  setConnected(integration: Integration, on: boolean): void {
    const status = this.status(integration);
    status.connected = on;
    const account = this.nextAccount ?? { id: "42", label: `${status.name} sandbox account` };
    this.nextAccount = null;
    const others = status.accounts.filter((a) => a.id !== account.id);
    status.account = on ? { ...account, details: {} } : null;
    status.accounts = status.account ? [...(on ? others : []), status.account] : [];
    status.connected_at = on ? new Date().toISOString() : null;
    // Airtable caps a workspace's API calls a month: its card counts them.
    if (integration === "airtable") status.usage = on ? { month: "2026-12", calls: 1, quota_met_at: null, plan: null, plan_calls: null, plans: AIRTABLE_PLANS } : null;
  }

  /** What the fake's loads spend: one call per ten items. */
  private spend(integration: Integration, items: number): void {
    const usage = this.status(integration).usage;
    if (usage) usage.calls += Math.ceil(items / 10);
  }

  emitConnection(event: ConnectionChanged): void {
    for (const l of this.connectionListeners) l(event);
  }

  async listIntegrations() {
    return structuredClone(this.statuses);
  }
  async connect(integration: Integration) {
    this.calls.push(`connect ${integration}`);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    if (this.browserClosed) return { integration, authorization_url: "http://sandbox.invalid/authorize?state=s", open_url: "http://127.0.0.1:1/start/n", transport: "loopback" as const };
    setTimeout(() => {
      this.setConnected(integration, true);
      this.emitConnection({ integration, connected: true, connection: null, error: null });
    }, 0);
    return { integration, authorization_url: "http://sandbox.invalid/authorize?state=s", open_url: "http://127.0.0.1:1/start/n", transport: "loopback" as const };
  }
  async disconnect(integration: Integration): Promise<Disconnected | null> {
    this.calls.push(`disconnect ${integration}`);
    const account = this.status(integration).account;
    this.setConnected(integration, false);
    if (!account) return null;
    const revocation: RevokeOutcome =
      integration === "airtable" ? { outcome: "by_the_person", instructions: "Remove Inlet in Airtable under your account's third-party integrations." } : { outcome: "revoked" };
    return { account: { integration, mode: "sandbox" as const, account_id: account.id }, revocation };
  }
  async forgetItems(account: AccountKey) {
    this.calls.push(`forget ${account.integration} ${account.account_id}`);
    this.stored.delete(account.integration);
    return null;
  }
  async credentials() {
    return null;
  }
  /** Stores `items` as the latest load of `integration` (as the item store would). */
  store(integration: Integration, items: IntegrationItem[], loadedAt = new Date().toISOString()): Generation {
    const generation: Generation = {
      id: this.nextGeneration++,
      key: { integration, mode: "sandbox", account_id: "42" },
      account: { id: "42", label: `${this.status(integration).name} sandbox account`, details: {} },
      loaded_at: loadedAt,
      partial: this.partial.length > 0,
      changes: this.changes,
    };
    this.stored.set(integration, { generation, items });
    return generation;
  }

  private visibleCache: { key: string; items: IntegrationItem[] } = { key: "", items: [] };
  private readonly index = new SearchIndex();
  private readonly sortCache = new SortCache();

  /** The stored items of connected integrations, integration by integration (the same array
   * while they do not change, so sorted orders are reused as a real store's indexes would be). */
  private visible(): IntegrationItem[] {
    const shown = [...this.stored.entries()].filter(([integration]) => this.status(integration).connected).sort(([a], [b]) => a.localeCompare(b));
    const key = shown.map(([i, s]) => `${i}:${s.generation.id}`).join(",");
    if (key !== this.visibleCache.key) this.visibleCache = { key, items: shown.flatMap(([, s]) => s.items) };
    return this.visibleCache.items;
  }

  private viewRows(view: ItemView) {
    const shown = applyView(this.visible(), fromItemView(view), this.index, this.sortCache);
    if (view.expanded && !view.search.trim()) return flattenTree(shown, new Set(view.expanded));
    return shown.map((item) => ({ item, depth: 0, hasChildren: false, expanded: false }));
  }

  async storedLoads(): Promise<Generation[]> {
    return [...this.stored.entries()].filter(([i]) => this.status(i).connected).map(([, s]) => s.generation);
  }
  async itemWindow(view: ItemView, offset: number, limit: number): Promise<ItemWindow> {
    this.windows.push(`${offset}+${limit}`);
    this.windowViews.push(view);
    const rows = view.parent ? (this.recordsOf.get(view.parent) ?? []).map((item) => ({ item, depth: 0, hasChildren: false })) : this.viewRows(view);
    // The fake keeps no history: a view as of a date shows the items as they are, and says so.
    const notes = view.as_of ? [`the fake backend keeps no history: these are the items as they are now`] : [];
    return { total: rows.length, offset, rows: rows.slice(offset, offset + limit).map((r) => ({ item: r.item, depth: r.depth, has_children: r.hasChildren })), notes };
  }
  async itemFacets(view: ItemView): Promise<ViewFacets> {
    const all = this.visible();
    const under = (change: Partial<ReturnType<typeof fromItemView>>) => applyView(all, { ...fromItemView(view), ...change }, this.index, this.sortCache);
    const { types } = facetCounts(under({ types: new Set() }));
    const { integrations } = facetCounts(under({ integrations: new Set() }));
    const changes = under({ changesOnly: true }).length;
    const entry = (value: string, count: number, label = value) => ({ value, label, count });
    // As the store does: every stored account is listed, with 0 when the other filters leave none.
    const stored = (await this.storedLoads()).map((g) => g.key.integration);
    return {
      types: [...types].map(([t, n]) => entry(t, n)),
      integrations: stored.map((i) => entry(i, integrations.get(i) ?? 0, this.status(i).name)),
      accounts: stored.map((i) => entry("42", integrations.get(i) ?? 0, `${this.status(i).name} — sandbox account`)),
      changes,
      total: all.length,
    };
  }

  async load(integration: Integration, request: LoadRequest = { records: { scope: "none" }, content: false, sync: false, scheduled: false }): Promise<LoadSummary> {
    const records = request.records ?? { scope: "none" };
    if (records.scope !== "none") return this.loadRecords(integration, records.scope === "of" ? records.ids : null);
    this.calls.push(`load ${integration}`);
    if (request.content) this.calls.push(`with content ${integration}`);
    if (request.sync) this.calls.push(`sync ${integration}`);
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const items = generateItems(integration, this.sizes[integration]);
    for (const l of this.progressListeners) {
      l({ progress: { integration, stream: "all", pages: 1, items: items.length, done: false, waiting_secs: null } });
    }
    if (this.holdLoads) {
      await new Promise<void>((resolve) => (this.release = resolve));
      throw Object.assign(new Error("The load was cancelled."), { name: "BackendError" });
    }
    this.status(integration).last_load = new Date().toISOString();
    this.spend(integration, items.length);
    this.store(integration, items);
    return { integration, count: items.length, partial: this.partial.length > 0, failures: this.partial, changes: this.changes, notes: this.notes };
  }
  async cancelLoad(integration: Integration) {
    this.calls.push(`cancel ${integration}`);
    this.release?.();
    return true;
  }
  /** A load with the records of `containers` (or of every one): the fake's `records` become
   * the children of each container named. */
  private async loadRecords(integration: Integration, containers: string[] | null): Promise<LoadSummary> {
    this.calls.push(`records ${containers?.join(",") ?? "all"}`);
    const summary = await this.load(integration);
    for (const id of containers ?? []) this.recordsOf.set(id, this.records.map((r) => ({ ...r, parent_id: id })));
    for (const l of this.progressListeners) {
      l({ progress: { integration, stream: "Tasks", pages: 2, items: 150, done: true, waiting_secs: null } });
    }
    return summary;
  }
  async loadEstimate(integration: Integration, request: LoadRequest): Promise<CallEstimate | null> {
    const records = request.records ?? { scope: "none" };
    const baseId = records.scope === "of" ? records.ids[0] : null;
    this.calls.push(request.sync ? "estimate sync" : `estimate ${baseId ?? "all"}`);
    if (!CAPABILITIES[integration].call_plans || (records.scope === "none" && !request.sync)) return null;
    const usage = this.status(integration).usage;
    if (!usage) throw Object.assign(new Error("Airtable is not connected."), { name: "BackendError" });
    const calls = baseId ? 3 : 24;
    // A sync asks only past half of the plan's month; a records load whenever the cap is known.
    const ask_first = request.sync
      ? usage.quota_met_at !== null || (usage.plan_calls !== null && usage.calls + calls > usage.plan_calls / 2)
      : usage.plan_calls !== null || usage.quota_met_at !== null;
    const message = `Loading these records takes about ${calls} API calls. Inlet has made ${usage.calls} calls this month.`;
    return { calls, bases: baseId ? 1 : 7, tables: baseId ? 2 : 16, tables_never_loaded: 0, usage: structuredClone(usage), ask_first, message };
  }
  async setPlan(integration: Integration, plan: string | null): Promise<ApiUsage | null> {
    this.calls.push(`plan ${integration} ${plan ?? "none"}`);
    const usage = this.status(integration).usage;
    if (!usage) return null;
    const chosen = usage.plans.find((p) => p.id === plan) ?? null;
    if (plan !== null && !chosen) throw Object.assign(new Error(`No plan ${plan}.`), { name: "BackendError" });
    usage.plan = chosen?.id ?? null;
    usage.plan_calls = chosen?.monthly_calls ?? null;
    return structuredClone(usage);
  }
  async exportBaseWorkbook(baseId: string, name: string) {
    this.calls.push(`workbook ${baseId} ${name}`);
    return { path: `/tmp/${name}.xlsx`, count: this.records.length };
  }
  async exportItems(view: ItemView, format: ExportFormat) {
    this.exports.push({ view, format });
    return { path: `/tmp/inlet-items.${format}`, count: this.viewRows(view).length };
  }
  async exportVault(integrations: Integration[], zip: boolean) {
    this.calls.push(`vault ${integrations.join(",") || "all"}${zip ? " zip" : ""}`);
    return { path: zip ? "/tmp/Inlet.zip" : "/tmp/Inlet", pages: 12, tables: 3, files: 2 };
  }
  /** Kept files, by item id (a test sets them). */
  readonly files = new Map<string, ItemFile[]>();
  /** Revisions, by item id (a test sets them). */
  readonly history = new Map<string, Revision[]>();
  async itemHistory(_integration: Integration, itemId: string): Promise<Revision[]> {
    return structuredClone(this.history.get(itemId) ?? []);
  }
  async changesSince(since: string): Promise<Revision[]> {
    this.calls.push(`changes since ${since}`);
    if (!/^\d{4}-\d{2}-\d{2}/.test(since)) throw new BackendError({ error: "invalid_argument", message: `--since takes a date, not ${since}`, details: null });
    const all = [...this.history.values()].flat().filter((r) => r.seen_at >= since);
    return structuredClone(all.sort((a, b) => a.seen_at.localeCompare(b.seen_at)));
  }
  async itemFiles(_integration: Integration, itemId: string): Promise<ItemFile[]> {
    return structuredClone(this.files.get(itemId) ?? []);
  }
  /** The fake file store: what it holds and its cap. */
  fileStore: FileUsage = { count: 3, bytes: 12_345_678, cap: 10_000_000_000, dir: "/home/me/.local/share/dev.inlet.app/files" };
  async fileUsage(): Promise<FileUsage> {
    this.calls.push("fileUsage");
    return { ...this.fileStore };
  }
  async setFileCap(megabytes: number | null): Promise<FileUsage> {
    this.calls.push(`setFileCap ${megabytes}`);
    this.fileStore.cap = megabytes === null ? 10_000_000_000 : megabytes * 1_000_000;
    return { ...this.fileStore };
  }
  /** The fake schedule: how often, and what the last run did. */
  schedule: ScheduleStatus = { frequency: "off", next_run: null, last_run: { at: "2026-12-06T09:00:00.000Z", ok: true, summary: "HubSpot: 0 new, 2 changed, 0 gone" }, unavailable: null, notify: true };
  async scheduleStatus(): Promise<ScheduleStatus> {
    this.calls.push("scheduleStatus");
    return structuredClone(this.schedule);
  }
  async setSchedule(frequency: Frequency): Promise<ScheduleStatus> {
    this.calls.push(`setSchedule ${frequency}`);
    this.schedule.frequency = frequency;
    this.schedule.next_run = frequency === "off" ? null : "2026-12-06T11:00:00.000Z";
    return structuredClone(this.schedule);
  }
  async setScheduleNotifications(on: boolean): Promise<ScheduleStatus> {
    this.calls.push(`setScheduleNotifications ${on}`);
    this.schedule.notify = on;
    return structuredClone(this.schedule);
  }
  /** The fake history: how long it keeps every change and what it holds. */
  historyKept: HistorySpace = { days: 30, daily_until_days: 90, revisions: 1234, bytes: 2_500_000, oldest: "2026-11-01T09:00:00.000Z", store_bytes: 48_000_000 };
  async historySpace(): Promise<HistorySpace> {
    this.calls.push("historySpace");
    return { ...this.historyKept };
  }
  async setRetentionDays(days: number): Promise<HistorySpace> {
    this.calls.push(`setRetentionDays ${days}`);
    this.historyKept.days = days;
    return { ...this.historyKept };
  }
  /** The fake assistants' access: the stored accounts, none open until a test opens one. */
  assistants: AssistantAccess = {
    accounts: [
      { key: { integration: "hubspot", mode: "sandbox", account_id: "10000042" }, account: "sandbox-10000042.hubspot.com", load_id: 1, loaded_at: "2026-12-06T09:00:00.000Z", load_state: "complete", readable: false },
      { key: { integration: "notion", mode: "sandbox", account_id: "ws-1" }, account: "Sandbox Workspace", load_id: 2, loaded_at: "2026-12-06T09:05:00.000Z", load_state: "complete", readable: false },
    ],
    client_config: '{\n  "mcpServers": {\n    "inlet": { "command": "/usr/bin/inlet", "args": ["mcp"] }\n  }\n}',
    unavailable: null,
    data_folder: "/home/me/.local/share/dev.inlet.app",
    store_file: "/home/me/.local/share/dev.inlet.app/items.sqlite3",
  };
  async assistantAccess(): Promise<AssistantAccess> {
    this.calls.push("assistantAccess");
    return structuredClone(this.assistants);
  }
  async setAssistantAccess(account: AccountKey, readable: boolean): Promise<AssistantAccess> {
    this.calls.push(`setAssistantAccess ${account.integration} ${account.account_id} ${readable}`);
    const found = this.assistants.accounts.find((a) => a.key.integration === account.integration && a.key.account_id === account.account_id);
    if (!found) throw new BackendError({ error: "invalid_argument", message: `No stored account ${account.account_id}`, details: null });
    found.readable = readable;
    return structuredClone(this.assistants);
  }
  /** The fake local API: off, no client. Keys never come back (the real one copies them). */
  localApi: LocalApiStatus = { url: null, clients: [], per_minute: 100 };
  async localApiStatus(): Promise<LocalApiStatus> {
    this.calls.push("localApiStatus");
    return structuredClone(this.localApi);
  }
  async setLocalApi(on: boolean): Promise<LocalApiStatus> {
    this.calls.push(`setLocalApi ${on}`);
    this.localApi.url = on ? "http://127.0.0.1:8766/mcp" : null;
    return structuredClone(this.localApi);
  }
  async addLocalClient(name: string, bearer: boolean): Promise<LocalApiStatus> {
    this.calls.push(`addLocalClient ${name} ${bearer}`);
    if (this.localApi.clients.some((c) => c.name === name)) throw new BackendError({ error: "invalid_argument", message: `There is a client called ${name} already`, details: null });
    this.localApi.clients.push({ name, proof: bearer ? "bearer" : "signed", created: "2026-12-07T12:00:00Z" });
    return structuredClone(this.localApi);
  }
  async removeLocalClient(name: string): Promise<LocalApiStatus> {
    this.calls.push(`removeLocalClient ${name}`);
    this.localApi.clients = this.localApi.clients.filter((c) => c.name !== name);
    return structuredClone(this.localApi);
  }
  async openDataFolder() {
    this.calls.push("openDataFolder");
    return null;
  }
  async openFile(hash: string) {
    this.calls.push(`open file ${hash}`);
    return null;
  }
  /** Stored contents, by item id (a test sets them). */
  readonly contents = new Map<string, string>();
  async itemContent(integration: Integration, itemId: string): Promise<StoredContent | null> {
    this.calls.push(`content ${integration} ${itemId}`);
    const markdown = this.contents.get(itemId);
    return markdown === undefined ? null : { item_id: itemId, markdown, edited: null, fetched_at: "2026-12-06T00:00:00Z" };
  }
  async openInProvider(url: string) {
    this.calls.push(`open ${url}`);
    return null;
  }
  setups: ProviderSetup[] = this.statuses.map((s) => ({
    integration: s.integration, name: s.name, mode: "sandbox", source: "sandbox", client_id: null, has_client_secret: false,
    secret_required: s.integration !== "airtable", redirect_uri: defaultRedirect(s.integration), default_redirect: defaultRedirect(s.integration), transport: "loopback",
    loopback_only: s.integration === "airtable", developer_portal: "https://airtable.com/create/oauth", scopes: ["a", "b"],
  }));
  saved: { integration: Integration; input: SetupInput }[] = [];
  async providerSetups() {
    return structuredClone(this.setups);
  }
  async saveProviderSetup(integration: Integration, input: SetupInput) {
    if (!input.client_id.trim()) throw new BackendError({ error: "invalid_argument", message: "The client id must be one word.", details: {} });
    this.saved.push({ integration, input });
    const setup = this.setups.find((s) => s.integration === integration)!;
    Object.assign(setup, { mode: "live", source: "keychain", client_id: input.client_id, has_client_secret: Boolean(input.client_secret) || setup.has_client_secret, redirect_uri: input.redirect_uri ?? setup.redirect_uri });
    this.status(integration).mode = "live";
    return this.providerSetups();
  }
  async useSandbox() {
    this.calls.push("use_sandbox");
    for (const status of this.statuses) if (!status.mode) status.mode = "sandbox";
    return null;
  }
  async clearProviderSetup(integration: Integration) {
    Object.assign(this.setups.find((s) => s.integration === integration)!, { mode: "sandbox", source: "sandbox", client_id: null, has_client_secret: false });
    this.status(integration).mode = "sandbox";
    return this.providerSetups();
  }
  async switchAccount(integration: Integration, accountId: string) {
    this.calls.push(`switch ${integration} ${accountId}`);
    const status = this.status(integration);
    status.account = status.accounts.find((a) => a.id === accountId) ?? status.account;
    return null;
  }
  async onConnectionChanged(l: (e: ConnectionChanged) => void) {
    this.connectionListeners.push(l);
    return () => {};
  }
  async onLoadProgress(l: (e: LoadProgressEvent) => void) {
    this.progressListeners.push(l);
    return () => {};
  }
  internalErrorListeners: ((e: InternalError) => void)[] = [];
  async onInternalError(l: (e: InternalError) => void) {
    this.internalErrorListeners.push(l);
    return () => {};
  }
  log: LogSettings = { level: "info", overridden_by: null, folder: "/home/ada/.local/share/dev.inlet.app/logs" };
  async logSettings() {
    return { ...this.log };
  }
  async setLogLevel(level: LogLevel) {
    this.calls.push(`log level ${level}`);
    this.log = { ...this.log, level };
    return { ...this.log };
  }
  async diagnostics() {
    this.calls.push("diagnostics");
    return `Inlet: 0.1.0\nWebKitGTK: 2.48.0\nHubSpot: not connected; client secret not set`;
  }
}
