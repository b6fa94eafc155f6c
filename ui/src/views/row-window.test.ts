import { describe, expect, it } from "vitest";
import { RowWindow } from "./row-window";

/** A scroller whose scroll offset can be set (jsdom does no layout). */
function scroller(): HTMLElement {
  const element = document.createElement("div");
  let top = 0;
  Object.defineProperty(element, "scrollTop", { get: () => top, set: (v: number) => (top = v) });
  return element;
}

describe("RowWindow", () => {
  it("draws the rows on screen and the overscan around them, nothing per row of the list", () => {
    const element = scroller();
    const rows = new RowWindow(element, 32, 12, 320, () => {});
    rows.count = 1_000_000;
    expect(rows.totalSize).toBe(32_000_000);
    expect(rows.visible().map((r) => r.index)).toEqual([...Array(22).keys()]); // 10 on screen + 12
    element.scrollTop = 500_000 * 32 + 5;
    const middle = rows.visible();
    expect(middle[0]).toEqual({ index: 499_988, start: 499_988 * 32 });
    expect(middle.at(-1)?.index).toBe(500_022);
    element.scrollTop = 1_000_000 * 32 - 320;
    expect(rows.visible().at(-1)?.index).toBe(999_999);
  });

  it("has nothing to draw for an empty list", () => {
    const rows = new RowWindow(scroller(), 32, 12, 320, () => {});
    expect(rows.visible()).toEqual([]);
    expect(rows.totalSize).toBe(0);
  });

  it("scrolls the least that shows a row whole", () => {
    const element = scroller();
    const rows = new RowWindow(element, 32, 12, 320, () => {});
    rows.count = 1000;
    rows.scrollToIndex(5);
    expect(element.scrollTop).toBe(0); // already on screen
    rows.scrollToIndex(100);
    expect(element.scrollTop).toBe(101 * 32 - 320); // at the bottom edge
    rows.scrollToIndex(50);
    expect(element.scrollTop).toBe(50 * 32); // at the top edge
  });

  it("tells only when a scroll changes the rows on screen", () => {
    const element = scroller();
    let changes = 0;
    const rows = new RowWindow(element, 32, 12, 320, () => changes++);
    rows.count = 1000;
    rows.visible();
    element.dispatchEvent(new Event("scroll")); // an event that moved nothing
    expect(changes).toBe(0);
    element.scrollTop = 40; // a new row enters at the bottom
    element.dispatchEvent(new Event("scroll"));
    expect(changes).toBe(1);
    rows.visible(); // the render after the change
    element.scrollTop = 50; // the same rows
    element.dispatchEvent(new Event("scroll"));
    expect(changes).toBe(1);
  });
});
