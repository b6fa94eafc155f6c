// The minimal Inlet window: integration cards with Connect / Disconnect / Load, load progress,
// and the loaded items in a table. Provider data is only ever set as text, never as HTML.
import { describeError, type Backend, type Integration, type IntegrationStatus, type LoadProgressEvent } from "./backend";
import type { IntegrationItem } from "./bindings";

const COLUMNS = ["Name", "Type", "Parent", "Created", "Modified", "Integration"];

/** Rows rendered at once in this plain table; the rest are counted, not hidden silently. */
export const MAX_ROWS = 5000;

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function formatTime(value: string | null): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 16).replace("T", " ");
}

export class App {
  private statuses: IntegrationStatus[] = [];
  private busy = new Set<Integration>();
  private progress = new Map<string, LoadProgressEvent["progress"]>();

  constructor(private readonly backend: Backend, private readonly doc: Document) {}

  async start(): Promise<void> {
    await this.backend.onConnectionChanged((event) => {
      if (event.error) this.showError(event.error.message);
      else this.clearError();
      if (event.integration) this.busy.delete(event.integration);
      void this.refresh();
    });
    await this.backend.onLoadProgress((event) => {
      const p = event.progress;
      this.progress.set(`${p.integration}/${p.stream}`, p);
      this.renderProgress();
    });
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.statuses = await this.backend.listIntegrations();
      this.renderCards();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  private byId(id: string): HTMLElement {
    const node = this.doc.getElementById(id);
    if (!node) throw new Error(`missing #${id}`);
    return node;
  }

  showError(message: string): void {
    const box = this.byId("error");
    box.textContent = message;
    box.hidden = false;
  }

  clearError(): void {
    const box = this.byId("error");
    box.textContent = "";
    box.hidden = true;
  }

  private renderCards(): void {
    const list = this.byId("integrations");
    list.replaceChildren(...this.statuses.map((s) => this.card(s)));
  }

  private card(status: IntegrationStatus): HTMLLIElement {
    const doc = this.doc;
    const card = el(doc, "li", undefined, "card");
    card.dataset.integration = status.integration;
    const title = el(doc, "h3", status.name);
    if (status.mode) title.append(el(doc, "span", status.mode === "sandbox" ? "Sandbox" : "Live", `badge ${status.mode}`));
    card.append(title);
    let line = "Not connected";
    if (!status.mode) line = "Not configured: add a client id in .env";
    else if (status.reconnect_needed) line = "Reconnect needed";
    else if (status.account) line = `Connected as ${status.account.label}`;
    else if (this.busy.has(status.integration)) line = "Waiting for the browser…";
    card.append(el(doc, "p", line, "account"));
    const actions = el(doc, "div", undefined, "actions");
    const usable = Boolean(status.mode);
    const connectLabel = status.connected ? "Reconnect" : "Connect";
    const connect = el(doc, "button", connectLabel);
    connect.disabled = !usable || this.busy.has(status.integration);
    connect.setAttribute("aria-label", `${connectLabel} ${status.name}`);
    connect.addEventListener("click", () => void this.connect(status.integration));
    actions.append(connect);
    if (status.connected && this.busy.has(status.integration)) {
      const cancel = el(doc, "button", "Cancel");
      cancel.setAttribute("aria-label", `Cancel loading ${status.name}`);
      cancel.addEventListener("click", () => void this.backend.cancelLoad(status.integration));
      actions.append(cancel);
    } else if (status.connected) {
      const load = el(doc, "button", "Load");
      load.setAttribute("aria-label", `Load ${status.name} items`);
      load.disabled = this.busy.has(status.integration);
      load.addEventListener("click", () => void this.load(status.integration));
      const disconnect = el(doc, "button", "Disconnect");
      disconnect.setAttribute("aria-label", `Disconnect ${status.name}`);
      disconnect.addEventListener("click", () => void this.disconnect(status.integration));
      actions.append(load, disconnect);
    }
    card.append(actions);
    return card;
  }

  async connect(integration: Integration): Promise<void> {
    this.clearError();
    this.busy.add(integration);
    this.renderCards();
    try {
      await this.backend.connect(integration);
    } catch (error) {
      this.busy.delete(integration);
      this.showError(describeError(error));
      this.renderCards();
    }
  }

  async disconnect(integration: Integration): Promise<void> {
    try {
      await this.backend.disconnect(integration);
      await this.refresh();
    } catch (error) {
      this.showError(describeError(error));
    }
  }

  async load(integration: Integration): Promise<void> {
    this.clearError();
    this.busy.add(integration);
    this.progress.clear();
    this.renderCards();
    try {
      const result = await this.backend.load(integration);
      this.renderItems(result.items);
      if (result.partial) {
        const reasons = result.failures.map((f) => `${f.stream}: ${f.error.message}`).join("; ");
        this.showError(`Partial result: ${reasons}`);
      }
    } catch (error) {
      this.showError(describeError(error));
    } finally {
      this.busy.delete(integration);
      this.renderCards();
    }
  }

  private renderProgress(): void {
    const parts = [...this.progress.values()].map((p) => `${p.stream}: ${p.items} items, ${p.pages} pages${p.done ? " ✓" : "…"}`);
    this.byId("progress").textContent = parts.join(" · ");
  }

  private loaded: IntegrationItem[] = [];

  renderItems(items: IntegrationItem[], caption?: string): void {
    const doc = this.doc;
    if (!caption) this.loaded = items;
    const table = this.byId("items") as HTMLTableElement;
    table.tHead?.replaceChildren(el(doc, "tr"));
    table.tHead?.rows[0].append(...COLUMNS.map((c) => Object.assign(el(doc, "th", c), { scope: "col" })), el(doc, "th"));
    const body = table.tBodies[0];
    const shown = items.slice(0, MAX_ROWS);
    body.replaceChildren(...shown.map((item) => this.row(item)));
    table.hidden = items.length === 0;
    const more = items.length > shown.length ? ` (showing the first ${shown.length})` : "";
    const count = this.byId("item-count");
    count.textContent = `${items.length.toLocaleString("en")} ${caption ?? "items"}${more}`;
    if (caption) {
      const back = el(doc, "button", "Back to all items");
      back.addEventListener("click", () => this.renderItems(this.loaded));
      count.append(" ", back);
    }
  }

  private row(item: IntegrationItem): HTMLTableRowElement {
    const doc = this.doc;
    const row = el(doc, "tr");
    row.dataset.id = item.id;
    const texts = [item.name, item.type, item.parent_path_or_name ?? "", formatTime(item.creation_time), formatTime(item.last_modified_time), item.integration];
    for (const text of texts) {
      const cell = el(doc, "td", text);
      cell.title = text;
      row.append(cell);
    }
    const actions = el(doc, "td");
    if (item.integration === "airtable" && item.type === "table" && item.parent_id) {
      const open = el(doc, "button", "Records");
      open.setAttribute("aria-label", `Load the records of ${item.name}`);
      open.addEventListener("click", () => void this.openRecords(item));
      actions.append(open);
    }
    row.append(actions);
    return row;
  }

  async openRecords(table: IntegrationItem): Promise<void> {
    this.clearError();
    this.byId("progress").textContent = `Loading the records of ${table.name}…`;
    try {
      const records = await this.backend.loadAirtableRecords(table.parent_id ?? "", table.id);
      this.renderItems(records, `records in ${table.name}`);
      this.byId("progress").textContent = "";
    } catch (error) {
      this.byId("progress").textContent = "";
      this.showError(describeError(error));
    }
  }
}
