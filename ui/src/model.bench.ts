import { bench, describe } from "vitest";
import { generateItems } from "./fake-backend";
import { applyView, emptyView, SearchIndex, SortCache } from "./model";

const items = generateItems("hubspot", 100_000);
const index = new SearchIndex();
const sorted = new SortCache();
applyView(items, { ...emptyView(), query: "warm" }, index, sorted);

describe("100,000 items", () => {
  bench("a keystroke in the search box (two words; index and order warm)", () => {
    applyView(items, { ...emptyView(), query: "contact 99" }, index, sorted);
  });
  bench("sort by name", () => {
    applyView(items, emptyView(), index);
  });
  bench("sort by created, descending", () => {
    applyView(items, { ...emptyView(), sort: { column: "created", direction: "desc" } }, index);
  });
});
