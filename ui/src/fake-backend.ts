// A Backend with no Tauri behind it: for unit tests and the browser demo (Playwright), with a
// generated dataset of any size, including the awkward names real workspaces have.
import { BackendError, type Backend, type ConnectionChanged, type ExportFormat, type Integration, type IntegrationItem, type IntegrationStatus, type LoadProgressEvent, type LoadResult, type ProviderSetup, type SetupInput } from "./backend";
import type { AccountKey, CachedLoad } from "./backend";

const ODD = ["<img src=x onerror=alert(1)>", "שלום עולם — RTL", "🚀 Launch 🌕", "X".repeat(300)];

export function generateItems(integration: Integration, count: number): IntegrationItem[] {
  const types: Record<Integration, string[]> = { hubspot: ["contact", "company", "deal"], notion: ["page", "database"], airtable: ["base", "table"] };
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
      details: { email: `person${n}@example.com` },
    } as IntegrationItem);
  }
  return items;
}

export class FakeBackend implements Backend {
  statuses: IntegrationStatus[] = (["airtable", "notion", "hubspot"] as Integration[]).map((integration) => ({
    integration,
    name: { airtable: "Airtable", notion: "Notion", hubspot: "HubSpot" }[integration],
    mode: "sandbox",
    connected: false,
    account: null,
    reconnect_needed: false,
    transport: "loopback",
    connected_at: null,
    last_load: null,
    accounts: [],
  }));
  sizes: Record<Integration, number> = { airtable: 40, notion: 150, hubspot: 435 };
  calls: string[] = [];
  cached: CachedLoad[] = [];
  exports: { keys: string[] | null; format: ExportFormat }[] = [];
  records: IntegrationItem[] = [];
  partial: LoadResult["failures"] = [];
  changes: LoadResult["changes"] = null;
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

  setConnected(integration: Integration, on: boolean): void {
    const status = this.status(integration);
    status.connected = on;
    status.account = on ? { id: "42", label: `${status.name} sandbox account`, details: {} } : null;
    status.accounts = status.account ? [status.account] : [];
    status.connected_at = on ? new Date().toISOString() : null;
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
    if (this.browserClosed) return { integration, authorization_url: "http://sandbox.invalid/authorize", transport: "loopback" as const };
    setTimeout(() => {
      this.setConnected(integration, true);
      this.emitConnection({ integration, connected: true, connection: null, error: null });
    }, 0);
    return { integration, authorization_url: "http://sandbox.invalid/authorize", transport: "loopback" as const };
  }
  async disconnect(integration: Integration) {
    this.calls.push(`disconnect ${integration}`);
    const account = this.status(integration).account;
    this.setConnected(integration, false);
    return account ? { integration, mode: "sandbox" as const, account_id: account.id } : null;
  }
  async forgetItems(account: AccountKey) {
    this.calls.push(`forget ${account.integration} ${account.account_id}`);
    return null;
  }
  async credentials() {
    return null;
  }
  async load(integration: Integration): Promise<LoadResult> {
    this.calls.push(`load ${integration}`);
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
    const changes = this.changes;
    return { integration, items, partial: this.partial.length > 0, failures: this.partial, changes };
  }
  async cancelLoad(integration: Integration) {
    this.calls.push(`cancel ${integration}`);
    this.release?.();
    return true;
  }
  async loadAirtableRecords(baseId: string, tableId: string) {
    this.calls.push(`records ${baseId}/${tableId}`);
    return this.records;
  }
  async cachedItems() {
    return this.cached;
  }
  async exportItems(keys: string[] | null, format: ExportFormat) {
    this.exports.push({ keys, format });
    return { path: `/tmp/inlet-items.${format}`, count: keys?.length ?? 0 };
  }
  async openInProvider(url: string) {
    this.calls.push(`open ${url}`);
    return null;
  }
  setups: ProviderSetup[] = this.statuses.map((s) => ({
    integration: s.integration, name: s.name, mode: "sandbox", source: "sandbox", client_id: null, has_client_secret: false,
    secret_required: s.integration !== "airtable", redirect_uri: "http://localhost:53682/oauth/callback", transport: "loopback",
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
}
