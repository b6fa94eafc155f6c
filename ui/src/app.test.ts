import { beforeEach, describe, expect, it, vi } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { App, formatTime } from "./app";
import { BackendError } from "./backend";
import { FakeBackend, generateItems } from "./fake-backend";
import type { Delta, IntegrationItem } from "./backend";

const html = readFileSync(resolve(process.cwd(), "index.html"), "utf8");
const tick = () => new Promise((r) => setTimeout(r, 0));
/** Lets the grid read its windows and counts from the backend after a change. */
const settle = async () => {
  for (let n = 0; n < 3; n++) {
    await tick();
    await app.ready;
  }
};

let backend: FakeBackend;
let app: App;

// jsdom does no layout: give the grid's scroller the size a window would, so the row window
// renders what would be visible.
for (const [prop, size] of [["offsetHeight", 320], ["offsetWidth", 1000], ["clientHeight", 320]] as const) {
  Object.defineProperty(HTMLElement.prototype, prop, {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("grid-scroll") ? size : 0;
    },
  });
}

async function boot(setup: (b: FakeBackend) => void = () => {}, keepStorage = false) {
  document.documentElement.innerHTML = html.replace(/<script[\s\S]*?<\/script>/g, "");
  if (!keepStorage) localStorage.clear();
  backend = new FakeBackend();
  setup(backend);
  app = new App(backend, document, { width: 1000, height: 320 });
  await app.start();
}

const card = (id: string) => document.querySelector<HTMLElement>(`[data-integration="${id}"]`)!;
const button = (scope: ParentNode, label: string) =>
  [...scope.querySelectorAll<HTMLButtonElement>("button")].find((b) => b.textContent === label || b.getAttribute("aria-label") === label);
const rows = () => [...document.querySelectorAll<HTMLElement>(".grid-row")];
const count = () => document.getElementById("item-count")!.textContent ?? "";
const key = (target: EventTarget, k: string) => target.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));

async function connectAndLoad(integration: "hubspot" | "notion" | "airtable" = "hubspot") {
  backend.setConnected(integration, true);
  await app.refresh();
  await app.load(integration);
  await settle();
}

describe("connections", () => {
  beforeEach(() => boot());

  it("shows each integration with its mode, and a first-run screen until dismissed", async () => {
    expect(card("hubspot").textContent).toContain("Sandbox");
    expect(card("hubspot").textContent).toContain("Not connected");
    const firstRun = document.getElementById("first-run")!;
    expect(firstRun.hidden).toBe(false);
    expect(firstRun.querySelectorAll("p")).toHaveLength(3);
    button(firstRun, "Try it with the sandbox")!.click();
    expect(firstRun.hidden).toBe(true);
    expect(backend.calls).toContain("use_sandbox");
    await boot(() => {}, true);
    expect(document.getElementById("first-run")!.hidden).toBe(true);
  });

  it("says so when a new sign-in adds another account instead of replacing the first", async () => {
    button(card("hubspot"), "Connect HubSpot")!.click();
    await tick();
    await tick();
    await tick();
    backend.nextAccount = { id: "77", label: "Second portal" };
    button(card("hubspot"), "Reconnect HubSpot")!.click();
    await tick();
    await tick();
    await tick();
    expect(card("hubspot").textContent).toContain("Connected as Second portal");
    expect(document.getElementById("status")!.textContent).toContain(
      "HubSpot: connected as Second portal. HubSpot sandbox account stays connected",
    );
  });

  it("starts the sandbox only when asked, from a card that is not set up", async () => {
    backend.statuses[2].mode = null;
    await app.refresh();
    expect(card("hubspot").textContent).toContain("Not set up");
    expect(button(card("hubspot"), "Connect HubSpot")!.disabled).toBe(true);
    expect(backend.calls).not.toContain("use_sandbox");
    button(card("hubspot"), "Try HubSpot with the sandbox")!.click();
    await tick();
    await tick();
    expect(backend.calls).toContain("use_sandbox");
    expect(card("hubspot").textContent).toContain("Sandbox");
    expect(button(card("hubspot"), "Connect HubSpot")!.disabled).toBe(false);
  });

  it("connects, then shows the account, when it was connected and the last load", async () => {
    button(card("hubspot"), "Connect HubSpot")!.click();
    await tick();
    expect(backend.calls).toContain("connect hubspot");
    await tick();
    await tick();
    expect(card("hubspot").textContent).toContain("Connected as HubSpot sandbox account");
    expect(document.getElementById("first-run")!.hidden).toBe(true);
    expect(card("hubspot").textContent).toContain("connected just now");
    await app.load("hubspot");
    expect(card("hubspot").textContent).toContain("last load just now");
    expect(button(card("hubspot"), "Reload HubSpot items")).toBeDefined();
  });

  it("reloads only what changed where the provider can tell, and loads everything again on request", async () => {
    backend.setConnected("hubspot", true);
    await app.refresh();
    await app.load("hubspot");
    expect(backend.calls).not.toContain("sync hubspot"); // the first load is a full one
    button(card("hubspot"), "Reload HubSpot items")!.click();
    await tick();
    await tick();
    expect(backend.calls).toContain("sync hubspot");
    backend.calls.length = 0;
    button(card("hubspot"), "Load every HubSpot item again")!.click();
    await tick();
    await tick();
    expect(backend.calls).toContain("load hubspot");
    expect(backend.calls).not.toContain("sync hubspot");
    // Airtable tells what changed through its webhooks: its Reload syncs too, and a full load
    // stays one click away.
    backend.setConnected("airtable", true);
    await app.refresh();
    await app.load("airtable");
    expect(button(card("airtable"), "Load every Airtable item again")).toBeDefined();
  });

  it("keeps the keyboard focus on a card's button when the cards are drawn again", async () => {
    backend.setConnected("hubspot", true);
    await app.refresh();
    button(card("hubspot"), "Load HubSpot items")!.focus();
    await app.load("hubspot");
    expect(card("hubspot").contains(document.activeElement)).toBe(true);
  });

  it("folds the connections strip away and keeps it folded on the next start", async () => {
    const toggle = document.getElementById("toggle-connections")!;
    toggle.click();
    expect(document.getElementById("connections")!.classList.contains("collapsed")).toBe(true);
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    await boot(() => {}, true);
    expect(document.getElementById("connections")!.classList.contains("collapsed")).toBe(true);
    expect(document.getElementById("toggle-connections")!.textContent).toBe("Show");
  });

  it("badges a provider whose endpoints are overridden, naming each override", async () => {
    expect(card("hubspot").querySelector(".badge.override")).toBeNull();
    await boot((b) => {
      b.statuses[2].mode = "live";
      b.statuses[2].endpoint_overrides = ["INLET_HUBSPOT_API_URL=https://proxy.example/"];
    });
    const badge = card("hubspot").querySelector<HTMLElement>(".badge.override")!;
    expect(badge.textContent).toBe("Endpoint override");
    expect(badge.title).toContain("INLET_HUBSPOT_API_URL=https://proxy.example/");
    expect(card("notion").querySelector(".badge.override")).toBeNull();
  });

  it("lets a sign-in whose tab was closed start over", async () => {
    backend.browserClosed = true;
    await app.connect("hubspot");
    expect(card("hubspot").textContent).toContain("Waiting for the browser");
    const again = button(card("hubspot"), "Start over HubSpot")!;
    expect(again.disabled).toBe(false);
    again.click();
    await tick();
    expect(backend.calls.filter((c) => c === "connect hubspot")).toHaveLength(2);
  });

  it("shows a failed sign-in and a command error as readable messages, with Retry", async () => {
    backend.emitConnection({ integration: "hubspot", connected: false, connection: null, error: { error: "oauth_access_denied", message: "HubSpot access was not granted.", details: {} } });
    await tick();
    expect(document.getElementById("error-text")!.textContent).toBe("HubSpot access was not granted.");
    backend.failNext = new BackendError({ error: "loopback_unavailable", message: "Port busy.", details: {} });
    await app.connect("hubspot");
    expect(document.getElementById("error-text")!.textContent).toBe("Port busy.");
    button(document.getElementById("error")!, "Retry")!.click();
    await tick();
    expect(backend.calls.filter((c) => c === "connect hubspot")).toHaveLength(2);
  });

  it("disconnects and drops that integration's items", async () => {
    await connectAndLoad();
    expect(count()).toContain("435 items");
    button(card("hubspot"), "Disconnect HubSpot")!.click();
    await settle();
    expect(card("hubspot").textContent).toContain("Not connected");
    expect(count()).toContain("0 items");
    // Its stored items stay unless the person asks to forget them.
    expect(document.getElementById("status")!.textContent).toContain("still stored on this computer");
    expect(document.getElementById("status")!.textContent).toContain("HubSpot disconnected and its access revoked at HubSpot");
    const forget = document.getElementById("status-action") as HTMLButtonElement;
    expect(forget.hidden).toBe(false);
    forget.click();
    await tick();
    expect(backend.calls).toContain("forget hubspot 42");
    expect(forget.hidden).toBe(true);
  });

  it("says where to revoke when the provider offers apps no way to, and when a revoke failed", async () => {
    backend.setConnected("airtable", true);
    await app.refresh();
    button(card("airtable"), "Disconnect Airtable")!.click();
    await settle();
    expect(document.getElementById("status")!.textContent).toContain("Remove Inlet in Airtable under your account's third-party integrations");
    backend.setConnected("notion", true);
    await app.refresh();
    backend.disconnect = async () => ({
      account: { integration: "notion", mode: "sandbox", account_id: "w1" },
      revocation: { outcome: "failed", reason: "Notion could not be reached" },
    });
    button(card("notion"), "Disconnect Notion")!.click();
    await settle();
    expect(document.getElementById("status")!.textContent).toContain("could not be revoked at Notion (Notion could not be reached): revoke it there by hand");
  });
});

describe("loading", () => {
  beforeEach(() => boot());

  it("renders only the visible rows, and provider names as text", async () => {
    backend.sizes.hubspot = 100_000;
    await connectAndLoad();
    expect(count()).toContain("100,000 items");
    expect(rows().length).toBeGreaterThan(5);
    expect(rows().length).toBeLessThan(60);
    expect(document.querySelector(".grid")!.getAttribute("aria-rowcount")).toBe("100001");
    document.getElementById("search")!.dispatchEvent(new Event("input"));
    const search = document.getElementById("search") as HTMLInputElement;
    search.value = "onerror";
    search.dispatchEvent(new Event("input"));
    await settle();
    expect(backend.windows.every((w) => w.endsWith("+100")), "only windows of rows cross").toBe(true);
    expect(rows()[0].textContent).toContain("<img src=x onerror=alert(1)>");
    expect(document.querySelector(".grid img")).toBeNull();
  });

  it("offers Cancel while a load runs and cancels through the backend", async () => {
    backend.holdLoads = true;
    backend.setConnected("hubspot", true);
    await app.refresh();
    const pending = app.load("hubspot");
    await tick();
    expect(document.querySelector('[data-stream="hubspot/all"]')).not.toBeNull();
    button(card("hubspot"), "Cancel loading HubSpot")!.click();
    await pending;
    expect(backend.calls).toContain("cancel hubspot");
    expect(button(card("hubspot"), "Load HubSpot items")).toBeDefined();
  });

  it("marks a partial load with its reasons and retries", async () => {
    backend.partial = [{ stream: "deals", part: null, error: { error: "provider_unavailable", message: "HubSpot is not answering.", details: {} } }];
    await connectAndLoad();
    expect(document.getElementById("error-text")!.textContent).toContain("Partial result from HubSpot — some items are missing. deals: HubSpot is not answering.");
    expect(count()).toContain("partial: HubSpot");
    backend.partial = [];
    button(document.getElementById("error")!, "Retry")!.click();
    await tick();
    await tick();
    expect(backend.calls.filter((c) => c === "load hubspot")).toHaveLength(2);
  });

  it("says what a load found beyond the provider's listing", async () => {
    backend.notes = ["Notion's search left out 3 database rows that their data source still lists; they were loaded from the data sources."];
    await connectAndLoad();
    expect(document.getElementById("status")!.textContent).toContain("HubSpot: Notion's search left out 3 database rows");
    expect(document.getElementById("error-text")?.textContent ?? "").not.toContain("Partial");
  });

  it("shows stored items at start with their age", async () => {
    await boot((b) => {
      b.setConnected("notion", true);
      b.store("notion", generateItems("notion", 12), new Date(Date.now() - 3 * 3600_000).toISOString());
    });
    await settle();
    expect(count()).toContain("12 items");
    expect(count()).toContain("Notion from 3 hours ago");
    expect(document.getElementById("first-run")!.hidden).toBe(true);
  });
});

describe("finding and viewing items", () => {
  beforeEach(async () => {
    await boot();
    await connectAndLoad("hubspot");
    await connectAndLoad("notion");
  });

  it("searches with / and clears with Esc, with counts", async () => {
    key(document.body, "/");
    const search = document.getElementById("search") as HTMLInputElement;
    expect(document.activeElement).toBe(search);
    search.value = "deal 30";
    search.dispatchEvent(new Event("input"));
    await settle();
    expect(count()).toMatch(/^\d+ of 585 items/);
    expect(rows().every((r) => ["deal", "30"].every((w) => r.textContent!.toLowerCase().includes(w)))).toBe(true);
    key(search, "Escape");
    await settle();
    expect(search.value).toBe("");
    expect(count()).toContain("585 items");
  });

  it("asks for the latest search while typing, not for every keystroke in turn", async () => {
    const search = document.getElementById("search") as HTMLInputElement;
    const before = backend.windows.length;
    for (const typed of ["d", "de", "dea", "deal", "deal ", "deal 3", "deal 30"]) {
      search.value = typed;
      search.dispatchEvent(new Event("input"));
    }
    await settle();
    expect(backend.windows.length - before).toBe(2); // the first keystroke's window, then the last's
    expect(count()).toMatch(/^\d+ of 585 items/);
    expect(rows().every((r) => ["deal", "30"].every((w) => r.textContent!.toLowerCase().includes(w)))).toBe(true);
  });

  it("filters by type, integration and account, with counts in the options", async () => {
    const types = document.getElementById("type-filter") as HTMLSelectElement;
    expect([...types.options].map((o) => o.textContent)).toContain("contact (145)");
    types.value = "database";
    types.dispatchEvent(new Event("change"));
    await settle();
    expect(count()).toContain("75 of 585 items");
    const integrations = document.getElementById("integration-filter") as HTMLSelectElement;
    integrations.value = "hubspot";
    integrations.dispatchEvent(new Event("change"));
    await settle();
    expect(count()).toContain("0 of 585 items");
    // The chosen type has no rows under the other filters now, and still reads as chosen.
    expect(types.selectedOptions[0].textContent).toBe("database (0)");
    const accounts = document.getElementById("account-filter") as HTMLSelectElement;
    expect([...accounts.options].map((o) => o.textContent)).toContain("HubSpot — sandbox account (0)");
  });

  it("sorts by a column both ways", async () => {
    const header = () => [...document.querySelectorAll<HTMLElement>('[role="columnheader"]')].find((h) => h.textContent!.startsWith("Created"))!;
    header().querySelector("button")!.click();
    await settle();
    expect(header().getAttribute("aria-sort")).toBe("ascending");
    const first = rows()[0].textContent;
    header().querySelector("button")!.click();
    await settle();
    expect(header().getAttribute("aria-sort")).toBe("descending");
    expect(rows()[0].textContent).not.toBe(first);
  });

  it("resizes a column", () => {
    const grid = document.querySelector<HTMLElement>(".grid")!;
    const before = grid.style.getPropertyValue("--columns");
    app.table.resize("name", 500);
    expect(grid.style.getPropertyValue("--columns")).not.toBe(before);
    expect(app.table.columnWidth("name")).toBe(500);
  });

  it("moves with the arrows, opens details with Enter and closes them with Esc", async () => {
    const scroller = document.querySelector<HTMLElement>(".grid-scroll")!;
    app.table.focus();
    key(scroller, "ArrowDown");
    expect(rows()[1].getAttribute("aria-selected")).toBe("true");
    key(scroller, "Enter");
    const details = document.getElementById("details")!;
    expect(details.hidden).toBe(false);
    expect(details.textContent).toContain("person");
    // HubSpot's properties by label; the internal names behind them stay in the exports.
    expect(details.textContent).toContain("Lifecycle Stage");
    expect(details.textContent).not.toContain("lifecyclestage");
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    button(details, "Copy ID")!.click();
    await tick();
    expect(writeText).toHaveBeenCalledWith(app.table.selected!.id);
    key(document.body, "Escape");
    expect(details.hidden).toBe(true);
  });

  it("opens an item in its provider", async () => {
    app.showDetails(backend.stored.get("hubspot")!.items[0]);
    button(document.getElementById("details")!, "Open in HubSpot")!.click();
    await tick();
    expect(backend.calls.some((c) => c.startsWith("open https://app.hubspot.com/"))).toBe(true);
  });

  it("shows the hierarchy as a tree that expands, and exports it as shown", async () => {
    const integrations = document.getElementById("integration-filter") as HTMLSelectElement;
    integrations.value = "notion";
    integrations.dispatchEvent(new Event("change"));
    document.getElementById("view-tree")!.click();
    await settle();
    expect(rows()).toHaveLength(10);
    const before = rows().length;
    const toggle = document.querySelector<HTMLButtonElement>(".toggle")!;
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    toggle.click();
    await settle();
    expect(document.querySelector<HTMLButtonElement>(".toggle")!.getAttribute("aria-expanded")).toBe("true");
    expect(rows().length).toBeGreaterThan(before);
    expect(rows()[1].querySelector<HTMLElement>(".grid-cell")!.style.paddingLeft).not.toBe(rows()[0].querySelector<HTMLElement>(".grid-cell")!.style.paddingLeft);
    document.getElementById("export-view")!.click();
    await tick();
    const exported = backend.exports.at(-1)!.view!;
    expect(exported.integrations).toEqual(["notion"]);
    expect(exported.expanded).toEqual([rows()[0].dataset.key]);
  });

  it("exports exactly the view, in order, or everything", async () => {
    const search = document.getElementById("search") as HTMLInputElement;
    search.value = "page 1";
    search.dispatchEvent(new Event("input"));
    await settle();
    (document.getElementById("export-format") as HTMLSelectElement).value = "xlsx";
    document.getElementById("export-view")!.click();
    await tick();
    expect(backend.exports[0].format).toBe("xlsx");
    expect(backend.exports[0].view).toMatchObject({ search: "page 1", sort: { column: "name", descending: false }, expanded: null });
    expect(document.getElementById("status")!.textContent).toContain(`Exported ${count().split(" ")[0]} items`);
    document.getElementById("export-all")!.click();
    await tick();
    expect(backend.exports[1].view).toMatchObject({ search: "", types: [], integrations: [], changes_only: false });
  });
});

describe("Airtable records", () => {
  it("opens a table's records from its details and goes back", async () => {
    await boot();
    await connectAndLoad("airtable");
    const table = backend.stored.get("airtable")!.items.find((i) => i.type === "table" && i.parent_id)!;
    backend.records = generateItems("airtable", 3).map((i) => ({ ...i, type: "record" }) as IntegrationItem);
    app.showDetails(table);
    button(document.getElementById("details")!, `Load the records of ${table.name}`)!.click();
    await tick();
    // The table's records load into the store (a load of that table), then show from there.
    expect(backend.calls).toContain(`records ${table.id}`);
    expect(count()).toContain(`3 records in ${table.name}`);
    document.getElementById("export-view")!.click();
    await tick();
    // The export is the store's view of that table's children, not a list the window holds.
    const exported = backend.exports.at(-1)!.view;
    expect(exported.parent).toBe(table.id);
    expect(exported.integrations).toEqual(["airtable"]);
    expect((document.getElementById("type-filter") as HTMLSelectElement).selectedOptions[0].textContent).toBe("Records (3)");
    button(document.getElementById("item-count")!, "Back to all items")!.click();
    await settle();
    expect(count()).toContain("40 items");
  });

  it("loads every record of a base or of every base, and exports a base as a workbook", async () => {
    await boot();
    await connectAndLoad("airtable");
    const base = backend.stored.get("airtable")!.items.find((i) => i.type === "base")!;
    app.showDetails(base);
    button(document.getElementById("details")!, `Load every record of ${base.name}`)!.click();
    await settle();
    expect(backend.calls).toContain(`records ${base.id}`);
    expect(document.getElementById("status")!.textContent).toContain(`Loaded every record of ${base.name}.`);
    button(document.getElementById("details")!, `Export ${base.name} as an XLSX workbook, a sheet per table`)!.click();
    await tick();
    expect(backend.calls).toContain(`workbook ${base.id} ${base.name}`);
    expect(document.getElementById("status")!.textContent).toContain(`to /tmp/${base.name}.xlsx`);
    button(card("airtable"), "Load every record of every Airtable base")!.click();
    await settle();
    expect(backend.calls).toContain("records all");
    expect(button(card("hubspot"), "Load every record of every Airtable base")).toBeFalsy();
  });

  it("counts Airtable's API calls on its card, and asks before loading every record once the plan caps them", async () => {
    await boot();
    await connectAndLoad("airtable");
    const usage = card("airtable").querySelector<HTMLElement>(".usage")!;
    expect(usage.textContent).toBe("5 API calls by Inlet this month");
    expect(card("hubspot").querySelector(".usage")).toBeNull();
    // No plan said, no quota met: the load starts at once.
    button(card("airtable"), "Load every record of every Airtable base")!.click();
    await settle();
    expect(backend.calls).toContain("records all");
    // The person says the workspace is on Free: 1,000 calls a month.
    const plan = card("airtable").querySelector<HTMLSelectElement>('select[aria-label="Airtable plan"]')!;
    plan.value = "free";
    plan.dispatchEvent(new Event("change"));
    await settle();
    expect(backend.calls).toContain("plan airtable free");
    expect(card("airtable").querySelector(".usage")!.textContent).toContain("the plan allows 1,000 a month per workspace");
    const loadsBefore = backend.calls.filter((c) => c === "records all").length;
    button(card("airtable"), "Load every record of every Airtable base")!.click();
    await settle();
    expect(backend.calls.filter((c) => c === "records all").length).toBe(loadsBefore);
    expect(document.getElementById("status")!.textContent).toContain("Loading these records takes about 24 API calls");
    const anyway = document.getElementById("status-action") as HTMLButtonElement;
    expect(anyway.hidden).toBe(false);
    expect(anyway.textContent).toBe("Load anyway");
    anyway.click();
    await settle();
    expect(backend.calls.filter((c) => c === "records all").length).toBe(loadsBefore + 1);
    // A Reload refreshes the stored records: past half of the month's calls it asks first.
    backend.status("airtable").usage!.calls = 600;
    await app.refresh();
    button(card("airtable"), "Reload Airtable items")!.click();
    await settle();
    expect(backend.calls).toContain("estimate sync");
    expect(backend.calls).not.toContain("sync airtable");
    const syncAnyway = document.getElementById("status-action") as HTMLButtonElement;
    expect(syncAnyway.textContent).toBe("Sync anyway");
    syncAnyway.click();
    await settle();
    expect(backend.calls).toContain("sync airtable");
    // A month whose quota was met says so on the card.
    backend.status("airtable").usage!.quota_met_at = "2026-12-03T10:00:00Z";
    await app.refresh();
    expect(card("airtable").querySelector(".usage.warning")!.textContent).toContain("this month's API calls are spent");
  });

  it("shows a table's fields as typed columns that sort by their type", async () => {
    await boot();
    await connectAndLoad("airtable");
    const stored = backend.stored.get("airtable")!.items.find((i) => i.type === "table" && i.parent_id)!;
    const table = { ...stored, details: { primaryFieldId: "fldName", fields: [
      { id: "fldName", name: "Name", type: "singleLineText" },
      { id: "fldQty", name: "Qty", type: "number" },
      { id: "fldDue", name: "Due", type: "dateTime" },
      { id: "fldDone", name: "Done", type: "checkbox" },
      { id: "fldTags", name: "Tags", type: "multipleSelects" },
    ] } } as IntegrationItem;
    const record = (id: string, qty: number, due: string, done: boolean, tags: string[]) =>
      ({ ...generateItems("airtable", 1)[0], id, type: "record", name: `Row ${id}`, details: { Name: `Row ${id}`, Qty: qty, Due: due, Done: done, Tags: tags } }) as IntegrationItem;
    backend.records = [record("a", 10, "2024-03-01T10:00:00.000Z", true, ["Red", "Blue"]), record("b", 9, "2023-01-01T00:00:00.000Z", false, []), record("c", 100, "2025-06-01T00:00:00.000Z", false, ["Green"])];
    await app.openRecords(table);
    const headers = [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.textContent);
    expect(headers).toEqual(["Name", "Qty", "Due", "Done", "Tags", "Created"]);
    const cells = (n: number) => rows().map((r) => r.querySelectorAll(".grid-cell")[n]);
    expect(cells(1).every((c) => c.classList.contains("number"))).toBe(true);
    const qtyHeader = () => [...document.querySelectorAll<HTMLElement>('[role="columnheader"]')].find((h) => h.textContent!.startsWith("Qty"))!;
    qtyHeader().querySelector("button")!.click();
    expect(cells(1).map((c) => c.textContent)).toEqual(["9", "10", "100"]);
    qtyHeader().querySelector("button")!.click();
    expect(cells(1).map((c) => c.textContent)).toEqual(["100", "10", "9"]);
    expect(cells(3).map((c) => c.textContent)).toEqual(["", "✓", ""]);
    expect([...cells(4)[1].querySelectorAll(".chip")].map((c) => c.textContent)).toEqual(["Red", "Blue"]);
    const dueHeader = [...document.querySelectorAll<HTMLElement>('[role="columnheader"]')].find((h) => h.textContent!.startsWith("Due"))!;
    dueHeader.querySelector("button")!.click();
    expect(rows().map((r) => r.dataset.key!.split("/")[2])).toEqual(["b", "a", "c"]);
  });
});

describe("Notion data sources", () => {
  it("show their rows as typed columns from the details, without a load", async () => {
    await boot();
    await connectAndLoad("notion");
    const source = { ...generateItems("notion", 1)[0], id: "ds1", type: "data_source", name: "Tasks", details: { fields: [
      { id: "title", name: "Name", type: "title" },
      { id: "prio", name: "Priority", type: "number" },
      { id: "tags", name: "Tags", type: "multi_select" },
      { id: "att", name: "Attachment", type: "files" },
    ] } } as IntegrationItem;
    const row = (id: string, priority: number, tags: string[]) =>
      ({ ...generateItems("notion", 1)[0], id, type: "page", parent_id: "ds1", name: `Task ${id}`,
        details: { properties: { Name: `Task ${id}`, Priority: priority, Tags: tags, Attachment: [{ name: `${id}.pdf`, type: "file" }] } } }) as IntegrationItem;
    backend.recordsOf.set("ds1", [row("a", 3, ["red"]), row("b", 1, [])]);
    const loads = backend.calls.length;
    app.store.set({ detail: source });
    button(document.getElementById("details")!, "Show the rows of Tasks as a table")!.click();
    await tick();
    await tick();
    expect(backend.calls.slice(loads).some((c) => c.startsWith("load") || c.startsWith("records"))).toBe(false);
    const headers = [...document.querySelectorAll('[role="columnheader"]')].map((h) => h.textContent);
    expect(headers).toEqual(["Name", "Priority", "Tags", "Attachment", "Created"]);
    const cells = (n: number) => rows().map((r) => r.querySelectorAll(".grid-cell")[n]);
    expect(cells(1).map((c) => c.textContent)).toEqual(["3", "1"]);
    expect([...cells(2)[0].querySelectorAll(".chip")].map((c) => c.textContent)).toEqual(["red"]);
    expect([...cells(3)[1].querySelectorAll(".chip")].map((c) => c.textContent)).toEqual(["b.pdf"]);
  });
});

describe("formatTime", () => {
  it("formats RFC 3339 and tolerates nonsense", () => {
    expect(formatTime("2024-09-12T11:36:05.267Z")).toBe("2024-09-12 11:36");
    expect(formatTime(null)).toBe("");
    expect(formatTime("not a date")).toBe("");
  });
});

describe("settings and accounts", () => {
  beforeEach(() => boot());

  it("says what the file store holds and sets its cap", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>(".file-store")!;
    expect(section.textContent).toContain("3 files, 12.3 MB of 10.0 GB");
    const cap = section.querySelector<HTMLSelectElement>("select")!;
    expect(cap.value).toBe("");
    cap.value = "5000";
    cap.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setFileCap 5000");
    expect(section.textContent).toContain("of 5.0 GB");
  });

  it("keeps the data up to date on a schedule, and says when it runs next and what it did", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>(".schedule")!;
    expect(section.textContent).toContain("Last run: 2026-12-06");
    expect(section.textContent).toContain("HubSpot: 0 new, 2 changed, 0 gone");
    const choice = section.querySelector<HTMLSelectElement>("select")!;
    expect(choice.value).toBe("off");
    choice.value = "hourly";
    choice.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setSchedule hourly");
    expect(section.textContent).toContain("Next run: 2026-12-06");
    const notifications = section.querySelector<HTMLInputElement>('input[type="checkbox"]')!;
    expect(notifications.checked).toBe(true);
    notifications.checked = false;
    notifications.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setScheduleNotifications false");
  });

  it("says how long the history keeps every change and the room it takes, and changes it", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>(".retention")!;
    expect(section.textContent).toContain("1,234 changes kept, 2.5 MB, since 2026-11-01");
    expect(section.textContent).toContain("then one a week");
    expect(section.textContent).toContain("all your stored data takes 48.0 MB");
    const choice = section.querySelector<HTMLSelectElement>("select")!;
    expect(choice.value).toBe("30");
    choice.value = "365";
    choice.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setRetentionDays 365");
    expect(section.textContent).toContain("until 365 days");
  });

  it("opens stored accounts to assistants one by one, shows the client configuration and the data folder", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>(".assistants")!;
    const boxes = [...section.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
    expect(boxes.map((b) => [b.getAttribute("aria-label"), b.checked])).toEqual([
      ["Assistants may read HubSpot — sandbox-10000042.hubspot.com", false],
      ["Assistants may read Notion — Sandbox Workspace", false],
    ]);
    const notion = boxes[1]!;
    notion.checked = true;
    notion.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setAssistantAccess notion ws-1 true");
    const now = [...section.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')].map((b) => b.checked);
    expect(now).toEqual([false, true]);
    expect(section.querySelector(".client-config")!.textContent).toContain('"args": ["mcp"]');
    expect(section.textContent).toContain("/home/me/.local/share/dev.inlet.app/items.sqlite3");
    button(section, "Open data folder")!.click();
    await tick();
    expect(backend.calls).toContain("openDataFolder");
  });

  it("turns the local API on, adds a bearer client (its key never shown) and removes it", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>(".local-api")!;
    expect(section.textContent).toContain("Off.");
    const on = section.querySelector<HTMLInputElement>('input[aria-label="Serve the local API"]')!;
    on.checked = true;
    on.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("setLocalApi true");
    expect(section.textContent).toContain("Listening at http://127.0.0.1:8766/mcp");
    section.querySelector<HTMLInputElement>('[name="client_name"]')!.value = "desktop";
    const bearer = section.querySelector<HTMLInputElement>('input[aria-label="It sends its key as a bearer token"]')!;
    bearer.checked = true;
    button(section, "Add client")!.click();
    await tick();
    expect(backend.calls).toContain("addLocalClient desktop true");
    expect(section.textContent).toContain("desktop — sends its key as a bearer token");
    expect(document.body.textContent).toContain("its key is on the clipboard");
    button(section, "Remove desktop")!.click();
    await tick();
    expect(section.textContent).toContain("No client yet.");
  });

  it("saves a provider's client credentials and shows where they live, never the secret", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    const form = document.querySelector<HTMLFormElement>('form[data-integration="hubspot"]')!;
    expect(form.textContent).toContain("Using the built-in sandbox");
    expect(form.querySelector<HTMLInputElement>('[name="redirect_uri"]')!.value).toBe("http://localhost:53682/oauth/callback");
    form.querySelector<HTMLInputElement>('[name="client_id"]')!.value = "my-app";
    form.querySelector<HTMLInputElement>('[name="client_secret"]')!.value = "s3cret";
    const transport = form.querySelector<HTMLSelectElement>('[name="transport"]')!;
    transport.value = "deep-link";
    transport.dispatchEvent(new Event("change"));
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick();
    await tick();
    expect(backend.saved[0]).toEqual({ integration: "hubspot", input: { client_id: "my-app", client_secret: "s3cret", redirect_uri: "inlet://oauth/callback" } });
    const saved = document.querySelector<HTMLFormElement>('form[data-integration="hubspot"]')!;
    expect(saved.textContent).toContain("Saved in the system keychain");
    expect(saved.querySelector<HTMLInputElement>('[name="client_secret"]')!.value).toBe("");
    expect(saved.querySelector<HTMLInputElement>('[name="client_secret"]')!.placeholder).toContain("saved");
    expect(card("hubspot").textContent).toContain("Live");
    const airtable = document.querySelector<HTMLFormElement>('form[data-integration="airtable"]')!;
    expect(airtable.querySelector<HTMLSelectElement>('[name="transport"]')!.disabled).toBe(true);
    expect(airtable.querySelector<HTMLInputElement>('[name="redirect_uri"]')!.value).toBe("http://127.0.0.1:53682/oauth/callback");
  });

  it("sets the log level and copies the diagnostics; an internal error shows in the window", async () => {
    const copied: string[] = [];
    Object.defineProperty(window.navigator, "clipboard", { configurable: true, value: { writeText: async (t: string) => void copied.push(t) } });
    document.getElementById("open-settings")!.click();
    await tick();
    await tick();
    const section = document.querySelector<HTMLElement>('#settings section[aria-label="Diagnostics"]')!;
    expect(section.textContent).toContain("Log files: /home/ada/.local/share/dev.inlet.app/logs");
    const level = section.querySelector<HTMLSelectElement>('select[name="log_level"]')!;
    expect(level.value).toBe("info");
    level.value = "debug";
    level.dispatchEvent(new Event("change"));
    await tick();
    expect(backend.calls).toContain("log level debug");
    expect(document.getElementById("status")!.textContent).toBe("Log level saved.");
    button(section, "Copy diagnostics: versions, settings without secrets, the last log lines")!.click();
    await tick();
    await tick();
    expect(copied[0]).toContain("WebKitGTK");
    expect(document.getElementById("status")!.textContent).toContain("Diagnostics copied");
    backend.internalErrorListeners.forEach((l) => l({ message: "Inlet hit an internal error (boom)." }));
    expect(document.getElementById("error-text")!.textContent).toContain("Inlet hit an internal error (boom).");
  });

  it("reports a refused setup", async () => {
    document.getElementById("open-settings")!.click();
    await tick();
    const form = document.querySelector<HTMLFormElement>('form[data-integration="notion"]')!;
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick();
    expect(document.getElementById("status")!.textContent).toBe("The client id must be one word.");
  });

  it("switches between connected accounts and keeps every account's stored items in view", async () => {
    await connectAndLoad("hubspot");
    const status = backend.status("hubspot");
    status.accounts = [status.account!, { id: "77", label: "Second portal", details: {} }];
    await app.refresh();
    const switcher = card("hubspot").querySelector<HTMLSelectElement>('select[aria-label="HubSpot account"]')!;
    switcher.value = "77";
    switcher.dispatchEvent(new Event("change"));
    await tick();
    await tick();
    expect(backend.calls).toContain("switch hubspot 77");
    expect(card("hubspot").textContent).toContain("Connected as Second portal");
    await settle();
    expect(count()).toContain("435 items");
  });
});

describe("changes since the last load", () => {
  it("counts them per connection and marks each changed row, gone ones struck through", async () => {
    await boot();
    backend.changes = { new: 2, changed: 1, gone: 1 };
    backend.sizes.hubspot = 6;
    backend.setConnected("hubspot", true);
    await app.refresh();
    const marks: (Delta | null)[] = ["new", "new", "changed", "gone", null, null];
    const marked = generateItems("hubspot", 6).map((item, n) => ({ ...item, delta: marks[n] }));
    backend.load = async () => {
      backend.store("hubspot", marked);
      return { integration: "hubspot", count: 6, partial: false, failures: [], changes: backend.changes, notes: [] };
    };
    await app.load("hubspot");
    await settle();
    expect(count()).toContain("HubSpot: +2 new · 1 changed · 1 gone");
    const deltas = rows().map((r) => r.dataset.delta ?? "");
    expect(deltas.filter((d) => d === "gone")).toHaveLength(1);
    expect(deltas.filter((d) => d === "new")).toHaveLength(2);
    const show = document.getElementById("changes-filter") as HTMLSelectElement;
    show.value = "changes";
    show.dispatchEvent(new Event("change"));
    await settle();
    expect(rows()).toHaveLength(4);
    document.getElementById("export-view")!.click();
    await tick();
    expect(backend.exports.at(-1)!.view!.changes_only).toBe(true);
    expect(document.getElementById("status")!.textContent).toContain("Exported 4 items");
  });
});

describe("the items as of a date", () => {
  it("asks the store for that day, says so, exports it, and comes back to now", async () => {
    await boot();
    await connectAndLoad("hubspot");
    const asOf = document.getElementById("as-of") as HTMLInputElement;
    asOf.value = "2026-12-01";
    asOf.dispatchEvent(new Event("change"));
    await settle();
    expect(backend.windowViews.at(-1)!.as_of).toBe("2026-12-01");
    expect(count()).toContain("as they were at the end of 2026-12-01");
    expect(count()).toContain("the fake backend keeps no history");
    document.getElementById("export-view")!.click();
    await tick();
    expect(backend.exports.at(-1)!.view!.as_of).toBe("2026-12-01");
    asOf.value = "";
    asOf.dispatchEvent(new Event("change"));
    await settle();
    expect(backend.windowViews.at(-1)!.as_of).toBeNull();
    expect(count()).not.toContain("as they were");
  });
});

describe("changes since a day", () => {
  it("lists every change across accounts, newest first, and reads again after a sync", async () => {
    await boot();
    await connectAndLoad("hubspot");
    const account = { integration: "hubspot" as const, mode: "sandbox" as const, account_id: "42" };
    backend.history.set("c1", [
      { account, item_id: "c1", name: "Ada Lovelace", seen_at: "2026-12-02T09:00:00.000Z", kind: "changed", changes: [{ field: "details.values.lastname", path: ["details", "values", "lastname"], from: "L", to: "Lovelace" }], edited_by: "HubSpot user 7" },
    ]);
    backend.history.set("c2", [{ account, item_id: "c2", name: "Grace Hopper", seen_at: "2026-12-03T09:00:00.000Z", kind: "gone", changes: [], edited_by: null }]);
    const since = document.getElementById("changes-since") as HTMLInputElement;
    since.value = "2026-12-01";
    since.dispatchEvent(new Event("change"));
    await settle();
    const feed = document.getElementById("change-feed")!;
    expect(feed.hidden).toBe(false);
    expect(feed.querySelector("h3")!.textContent).toBe("2 changes since 2026-12-01");
    const rows = [...feed.querySelectorAll("ol > li")].map((li) => li.textContent ?? "");
    expect(rows[0]).toContain("HubSpot: Grace Hopper gone");
    expect(rows[1]).toContain("HubSpot: Ada Lovelace changed by HubSpot user 7");
    expect(rows[1]).toContain("details.values.lastname: L → Lovelace");
    // A later day: nothing.
    since.value = "2026-12-04";
    since.dispatchEvent(new Event("change"));
    await settle();
    expect(feed.textContent).toContain("Nothing changed since then.");
    // A sync brings news: the open feed reads again.
    const asked = backend.calls.filter((c) => c.startsWith("changes since")).length;
    await app.load("hubspot");
    await settle();
    expect(backend.calls.filter((c) => c.startsWith("changes since")).length).toBeGreaterThan(asked);
    since.value = "";
    since.dispatchEvent(new Event("change"));
    expect(feed.hidden).toBe(true);
  });
});

describe("status line", () => {
  it("keeps messages apart from load progress and errors", async () => {
    await boot();
    backend.holdLoads = true;
    backend.setConnected("hubspot", true);
    await app.refresh();
    const pending = app.load("hubspot");
    await tick();
    document.getElementById("export-all")!.click();
    await tick();
    expect(document.getElementById("status")!.textContent).toContain("Exported");
    expect(document.querySelector('#loading [data-stream="hubspot/all"]')).not.toBeNull();
    expect(document.getElementById("error")!.hidden).toBe(true);
    await backend.cancelLoad("hubspot");
    await pending;
  });

  it("names integrations as the backend does", async () => {
    await boot((b) => {
      b.status("hubspot").name = "HubSpot CRM";
    });
    backend.partial = [{ stream: "deals", part: null, error: { error: "provider_unavailable", message: "down", details: {} } }];
    await connectAndLoad();
    expect(document.getElementById("error-text")!.textContent).toContain("Partial result from HubSpot CRM");
  });
});

describe("page content", () => {
  it("shows a Notion page's content rendered from its Markdown, inert and offline", async () => {
    await boot();
    await connectAndLoad("notion");
    expect(backend.calls).toContain("with content notion");
    expect(backend.calls).not.toContain("with content hubspot");
    const page = backend.stored.get("notion")!.items.find((i) => i.type === "page")!;
    backend.contents.set(
      page.id,
      "# Plan\n\n- [x] Done\n\n<img src=x onerror=alert(1)> <script>alert(2)</script>\n\n![A cat](https://example.com/cat.png)\n\n[Notion](https://www.notion.so/abc) [bad](javascript:alert(3))\n",
    );
    app.showDetails(page);
    await settle();
    const content = document.querySelector<HTMLElement>('#details [aria-label="Page content"]')!;
    expect(content.querySelector("h1")!.textContent).toBe("Plan");
    // Raw HTML in the provider's text stays text; nothing is fetched; no script link exists.
    expect(content.querySelector("script, img, [onerror]")).toBeNull();
    expect(content.textContent).toContain("<img src=x onerror=alert(1)>");
    expect(content.querySelector(".image-placeholder")!.textContent).toBe("🖼 A cat");
    expect(content.querySelector('a[href], a[data-href^="javascript"]')).toBeNull();
    // A link opens through the backend (in the browser), never in the window.
    content.querySelector<HTMLAnchorElement>('a[data-href="https://www.notion.so/abc"]')!.click();
    await tick();
    expect(backend.calls).toContain("open https://www.notion.so/abc");
    // A page whose content was not loaded says so; a HubSpot item has no content section.
    const other = backend.stored.get("notion")!.items.find((i) => i.type === "page" && i.id !== page.id)!;
    app.showDetails(other);
    await settle();
    expect(document.querySelector('#details [aria-label="Page content"]')!.textContent).toContain("not loaded yet");
  });
});

describe("kept files", () => {
  it("shows a page's kept image from the local store, lists its files and opens them with the system viewer", async () => {
    await boot();
    await connectAndLoad("notion");
    const page = backend.stored.get("notion")!.items.find((i) => i.type === "page")!;
    const hash = "a".repeat(64);
    backend.files.set(page.id, [{ source: "blk1@2024", hash, name: "diagram.png", size: "2048", mime: null }]);
    backend.contents.set(page.id, "![A diagram](inlet-file:blk1@2024)\n\n![Gone](inlet-file:blk2@2024)\n\n[notes](inlet-file:blk1@2024) [bad](inlet-file:%E0%A4%A)\n");
    app.showDetails(page);
    await settle();
    const content = document.querySelector<HTMLElement>('#details [aria-label="Page content"]')!;
    // The kept image is read from the file store through Inlet's protocol, never the network.
    const image = content.querySelector("img")!;
    expect(image.getAttribute("src")).toBe(`inlet-file://localhost/${hash}`);
    expect(content.querySelector(".image-placeholder")!.textContent).toContain("not kept on this computer");
    content.querySelector<HTMLAnchorElement>("a")!.click();
    await tick();
    expect(backend.calls).toContain(`open file ${hash}`);
    const files = document.querySelector<HTMLElement>('#details [aria-label="Files kept on this computer"]')!;
    expect(files.hidden).toBe(false);
    expect(files.textContent).toContain("diagram.png");
    expect(files.textContent).toContain("2.0 KB");
  });
});

describe("history", () => {
  it("shows an item's changes, newest first, each field from what to what", async () => {
    await boot();
    await connectAndLoad("hubspot");
    const contact = backend.stored.get("hubspot")!.items.find((i) => i.type === "contact")!;
    const account = { integration: "hubspot" as const, mode: "sandbox" as const, account_id: "42" };
    backend.history.set(contact.id, [
      { account, item_id: contact.id, name: contact.name, seen_at: "2026-12-01T09:00:00.000Z", kind: "new", changes: [], edited_by: null },
      { account, item_id: contact.id, name: contact.name, seen_at: "2026-12-05T09:00:00.000Z", kind: "changed", changes: [{ field: "details.values.lastname", from: "Smith", to: "<b>Jones</b>" }], edited_by: "<i>Ada</i>" },
    ]);
    app.showDetails(contact);
    await settle();
    const history = document.querySelector<HTMLElement>('#details [aria-label="History"]')!;
    expect(history.hidden).toBe(false);
    const entries = [...history.querySelectorAll("ol > li")].map((li) => li.textContent);
    expect(entries[0]).toContain("2026-12-05");
    expect(entries[0]).toContain("Changed by <i>Ada</i>");
    expect(entries[0]).toContain("details.values.lastname: Smith → <b>Jones</b>");
    expect(entries[1]).toContain("Appeared");
    expect(history.querySelector("b, i")).toBeNull(); // provider text stays text
    // An item without a kept change shows no history section.
    const other = backend.stored.get("hubspot")!.items.find((i) => i.type === "contact" && i.id !== contact.id)!;
    app.showDetails(other);
    await settle();
    expect(document.querySelector<HTMLElement>('#details [aria-label="History"]')!.hidden).toBe(true);
  });
});

describe("folder export", () => {
  it("exports everything as a Markdown folder or .zip from the export menu", async () => {
    await boot();
    await connectAndLoad("notion");
    const format = document.getElementById("export-format") as HTMLSelectElement;
    format.value = "vault";
    document.getElementById("export-all")!.click();
    await settle();
    expect(backend.calls).toContain("vault all");
    expect(document.getElementById("status")!.textContent).toContain("Exported 12 pages, 3 tables and 2 files to /tmp/Inlet.");
    format.value = "vault-zip";
    document.getElementById("export-all")!.click();
    await settle();
    expect(backend.calls).toContain("vault all zip");
  });
});
