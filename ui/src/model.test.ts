import { describe, expect, it } from "vitest";
import { age, applyView, emptyView, facetCounts, flattenTree, itemKey } from "./model";
import type { IntegrationItem } from "./backend";

function item(id: string, name: string, extra: Partial<IntegrationItem> = {}): IntegrationItem {
  return {
    id, type: "contact", directory: false, parent_path_or_name: null, parent_id: null, name,
    creation_time: null, last_modified_time: null, url: null, children: null, mime_type: null, delta: null,
    drive_id: null, visibility: true, integration: "hubspot", ...extra,
  } as IntegrationItem;
}

const items = [
  item("1", "Zoe Adams", { creation_time: "2024-01-02T00:00:00Z" }),
  item("2", "adam smith", { creation_time: "2023-05-01T00:00:00Z" }),
  item("3", "Roadmap", { type: "page", integration: "notion", parent_path_or_name: "Workspace / Projects" }),
  item("4", "Item 10", { type: "deal" }),
  item("5", "Item 9", { type: "deal" }),
];

describe("applyView", () => {
  it("searches every word in the name and the parent path, case-insensitively", () => {
    const view = { ...emptyView(), query: "ADAM" };
    expect(applyView(items, view).map((i) => i.id)).toEqual(["2", "1"]);
    expect(applyView(items, { ...emptyView(), query: "projects road" }).map((i) => i.id)).toEqual(["3"]);
    expect(applyView(items, { ...emptyView(), query: "nothing matches" })).toEqual([]);
  });

  it("filters by type and integration", () => {
    expect(applyView(items, { ...emptyView(), types: new Set(["deal"]) }).map((i) => i.id)).toEqual(["4", "5"].reverse());
    expect(applyView(items, { ...emptyView(), integrations: new Set(["notion"]) }).map((i) => i.id)).toEqual(["3"]);
  });

  it("sorts naturally, both ways, with missing dates last", () => {
    const byName = applyView(items, emptyView()).map((i) => i.name);
    expect(byName).toEqual(["adam smith", "Item 9", "Item 10", "Roadmap", "Zoe Adams"]);
    const newest = applyView(items, { ...emptyView(), sort: { column: "created", direction: "desc" } }).map((i) => i.id);
    expect(newest.slice(0, 2)).toEqual(["1", "2"]);
    const oldest = applyView(items, { ...emptyView(), sort: { column: "created", direction: "asc" } }).map((i) => i.id);
    expect(oldest.slice(0, 2)).toEqual(["2", "1"]);
  });

  it("filters 100,000 items without modifying the loaded list", () => {
    const many = Array.from({ length: 100_000 }, (_, n) => item(String(n), `Contact ${n}`, { parent_path_or_name: `Group ${n % 50}` }));
    const before = many.slice(0, 3);
    expect(applyView(many, { ...emptyView(), query: "contact 99999" }).map((i) => i.id)).toEqual(["99999"]);
    expect(applyView(many, { ...emptyView(), query: "group 7" }).length).toBeGreaterThan(2000);
    expect(many.slice(0, 3)).toEqual(before);
  });
});

describe("facets, keys, tree and age", () => {
  it("counts types and integrations", () => {
    const { types, integrations } = facetCounts(items);
    expect(types.get("deal")).toBe(2);
    expect(integrations.get("hubspot")).toBe(4);
    expect(itemKey(items[2])).toBe("notion/page/3");
  });

  it("nests children under expanded parents and survives cycles and missing parents", () => {
    const base = item("app1", "Base", { type: "base", integration: "airtable", directory: true });
    const table = item("tbl1", "Table", { type: "table", integration: "airtable", parent_id: "app1" });
    const orphan = item("tbl2", "Orphan", { type: "table", integration: "airtable", parent_id: "gone" });
    const a = item("a", "A", { type: "page", integration: "notion", parent_id: "b" });
    const b = item("b", "B", { type: "page", integration: "notion", parent_id: "a" });
    const collapsed = flattenTree([base, table, orphan, a, b], new Set());
    expect(collapsed.map((r) => r.item.id)).toEqual(["app1", "tbl2"]);
    expect(collapsed[0].hasChildren).toBe(true);
    const open = flattenTree([base, table, orphan], new Set([itemKey(base)]));
    expect(open.map((r) => [r.item.id, r.depth])).toEqual([["app1", 0], ["tbl1", 1], ["tbl2", 0]]);
  });

  it("says how old a cached load is", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(age("2026-01-01T23:59:30Z", now)).toBe("just now");
    expect(age("2026-01-01T23:57:00Z", now)).toBe("3 minutes ago");
    expect(age("2025-12-31T00:00:00Z", now)).toBe("2 days ago");
  });
});
