import { beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { App, formatTime } from "./app";
import { BackendError, type Backend, type ConnectionChanged, type IntegrationStatus, type LoadProgressEvent, type LoadResult } from "./backend";
import type { IntegrationItem } from "./bindings";

const html = readFileSync(resolve(process.cwd(), "index.html"), "utf8");

function item(id: string, name: string): IntegrationItem {
  return {
    id, type: "contact", directory: false, parent_path_or_name: null, parent_id: null, name,
    creation_time: "2024-09-12T11:36:05.267Z", last_modified_time: null, url: null, children: null,
    mime_type: null, delta: null, drive_id: null, visibility: true, integration: "hubspot",
  } as IntegrationItem;
}

class FakeBackend implements Backend {
  statuses: IntegrationStatus[] = [
    { integration: "airtable", name: "Airtable", mode: "sandbox", connected: false, account: null, reconnect_needed: false, transport: "loopback" },
    { integration: "notion", name: "Notion", mode: null, connected: false, account: null, reconnect_needed: false, transport: null },
    { integration: "hubspot", name: "HubSpot", mode: "sandbox", connected: false, account: null, reconnect_needed: false, transport: "loopback" },
  ];
  connected: ((e: ConnectionChanged) => void)[] = [];
  progress: ((e: LoadProgressEvent) => void)[] = [];
  loadResult: LoadResult = { integration: "hubspot", items: [], partial: false, failures: [] };
  calls: string[] = [];
  failConnect: BackendError | null = null;

  async listIntegrations() { return structuredClone(this.statuses); }
  async connect(integration: "airtable" | "notion" | "hubspot") {
    this.calls.push(`connect ${integration}`);
    if (this.failConnect) throw this.failConnect;
    return { integration, authorization_url: "http://sandbox/authorize", transport: "loopback" as const };
  }
  async disconnect(integration: string) { this.calls.push(`disconnect ${integration}`); this.setConnected(false); return true; }
  async credentials() { return null; }
  async load() {
    for (const l of this.progress) l({ progress: { integration: "hubspot", stream: "contacts", pages: 1, items: 2, done: true } });
    return this.loadResult;
  }
  cancelled: string[] = [];
  releaseLoad: (() => void) | null = null;
  async cancelLoad(integration: string) { this.cancelled.push(integration); this.releaseLoad?.(); return true; }
  records: IntegrationItem[] = [];
  async loadAirtableRecords(baseId: string, tableId: string) { this.calls.push(`records ${baseId}/${tableId}`); return this.records; }
  async onConnectionChanged(l: (e: ConnectionChanged) => void) { this.connected.push(l); return () => {}; }
  async onLoadProgress(l: (e: LoadProgressEvent) => void) { this.progress.push(l); return () => {}; }

  setConnected(on: boolean) {
    const hubspot = this.statuses[2];
    hubspot.connected = on;
    hubspot.account = on ? { id: "42", label: "acme.hubspot.com (42)", details: {} } : null;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("App", () => {
  let backend: FakeBackend;
  let app: App;

  beforeEach(async () => {
    document.documentElement.innerHTML = html.replace(/<script[\s\S]*?<\/script>/g, "");
    backend = new FakeBackend();
    app = new App(backend, document);
    await app.start();
  });

  const card = (id: string) => document.querySelector<HTMLElement>(`[data-integration="${id}"]`)!;
  const button = (id: string, label: string) =>
    [...card(id).querySelectorAll("button")].find((b) => b.textContent === label) as HTMLButtonElement | undefined;

  it("lists every integration with its mode and state", () => {
    expect(card("hubspot").textContent).toContain("Sandbox");
    expect(card("hubspot").textContent).toContain("Not connected");
    expect(card("notion").textContent).toContain("Not configured");
    expect(button("airtable", "Connect")!.disabled).toBe(false);
    expect(button("notion", "Connect")!.disabled).toBe(true);
  });

  it("connects through the backend and shows the account when the event arrives", async () => {
    button("hubspot", "Connect")!.click();
    await tick();
    expect(backend.calls).toEqual(["connect hubspot"]);
    expect(card("hubspot").textContent).toContain("Waiting for the browser");
    backend.setConnected(true);
    backend.connected.forEach((l) => l({ integration: "hubspot", connected: true, connection: null, error: null }));
    await tick();
    expect(card("hubspot").textContent).toContain("Connected as acme.hubspot.com (42)");
    expect(button("hubspot", "Load")).toBeDefined();
  });

  it("shows a failed sign-in as a readable message", async () => {
    backend.connected.forEach((l) => l({ integration: "hubspot", connected: false, connection: null,
      error: { error: "oauth_access_denied", message: "HubSpot access was not granted.", details: {} } }));
    await tick();
    const error = document.getElementById("error")!;
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe("HubSpot access was not granted.");
  });

  it("shows a command error body's message", async () => {
    backend.failConnect = new BackendError({ error: "loopback_unavailable", message: "Port busy.", details: {} });
    button("hubspot", "Connect")!.click();
    await tick();
    expect(document.getElementById("error")!.textContent).toBe("Port busy.");
    expect(button("hubspot", "Connect")!.disabled).toBe(false);
  });

  it("loads items into the table as text, never as markup", async () => {
    backend.setConnected(true);
    await app.refresh();
    backend.loadResult = { integration: "hubspot", items: [item("1", "<img src=x onerror=alert(1)>"), item("2", "שלום 🚀")], partial: false, failures: [] };
    button("hubspot", "Load")!.click();
    await tick();
    await tick();
    const rows = document.querySelectorAll("#items tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[0].querySelector("td")!.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(document.querySelector("#items img")).toBeNull();
    expect(document.getElementById("item-count")!.textContent).toBe("2 items");
    expect(document.getElementById("progress")!.textContent).toContain("contacts: 2 items, 1 pages ✓");
  });

  it("marks a partial load with its reasons", async () => {
    backend.setConnected(true);
    await app.refresh();
    backend.loadResult = { integration: "hubspot", items: [item("1", "A")], partial: true,
      failures: [{ stream: "deals", error: { error: "provider_unavailable", message: "HubSpot is not answering.", details: {} } }] };
    await app.load("hubspot");
    expect(document.getElementById("error")!.textContent).toBe("Partial result: deals: HubSpot is not answering.");
  });

  it("disconnects", async () => {
    backend.setConnected(true);
    await app.refresh();
    button("hubspot", "Disconnect")!.click();
    await tick();
    await tick();
    expect(backend.calls).toContain("disconnect hubspot");
    expect(card("hubspot").textContent).toContain("Not connected");
  });
});

describe("App actions", () => {
  it("offers Cancel while a load runs, and cancels through the backend", async () => {
    document.documentElement.innerHTML = html.replace(/<script[\s\S]*?<\/script>/g, "");
    const backend = new FakeBackend();
    backend.setConnected(true);
    let release!: () => void;
    backend.load = () => new Promise((resolve) => { release = () => resolve(backend.loadResult); backend.releaseLoad = release; });
    const app = new App(backend, document);
    await app.start();
    const pending = app.load("hubspot");
    await tick();
    const cancel = [...document.querySelectorAll<HTMLButtonElement>('[data-integration="hubspot"] button')].find((b) => b.textContent === "Cancel")!;
    cancel.click();
    await pending;
    expect(backend.cancelled).toEqual(["hubspot"]);
  });

  it("opens an Airtable table's records and goes back", async () => {
    document.documentElement.innerHTML = html.replace(/<script[\s\S]*?<\/script>/g, "");
    const backend = new FakeBackend();
    const app = new App(backend, document);
    await app.start();
    const table = { ...item("tblT", "Tasks"), type: "table", integration: "airtable", parent_id: "appB", parent_path_or_name: "Projects" } as IntegrationItem;
    app.renderItems([table, item("2", "Other")]);
    backend.records = [{ ...item("rec1", "Row 1"), type: "record", integration: "airtable" } as IntegrationItem];
    const open = document.querySelector<HTMLButtonElement>('button[aria-label="Load the records of Tasks"]')!;
    open.click();
    await tick();
    expect(backend.calls).toContain("records appB/tblT");
    expect(document.getElementById("item-count")!.textContent).toContain("1 records in Tasks");
    expect(document.querySelectorAll("#items tbody tr")).toHaveLength(1);
    [...document.querySelectorAll<HTMLButtonElement>("#item-count button")][0].click();
    expect(document.querySelectorAll("#items tbody tr")).toHaveLength(2);
    expect(document.querySelector('#items tbody tr td:nth-child(3)')!.textContent).toBe("Projects");
  });
});

describe("formatTime", () => {
  it("formats RFC 3339 and tolerates nonsense", () => {
    expect(formatTime("2024-09-12T11:36:05.267Z")).toBe("2024-09-12 11:36");
    expect(formatTime(null)).toBe("");
    expect(formatTime("not a date")).toBe("");
  });
});
