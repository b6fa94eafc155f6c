import { describe, expect, it } from "vitest";
import { compareText, el, formatCount } from "./format";

describe("formatCount", () => {
  it("groups thousands as toLocaleString('en') does", () => {
    for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 1234567890, -4321, Number.MAX_SAFE_INTEGER]) {
      expect(formatCount(n)).toBe(n.toLocaleString("en"));
    }
  });

  it("leaves what is not a whole count to the locale formatter", () => {
    expect(formatCount(1234.5)).toBe("1,234.5");
    expect(formatCount(Number.NaN)).toBe("NaN");
  });
});

describe("compareText", () => {
  it("sorts case-insensitively with numbers by value", () => {
    expect(["b", "A", "item 10", "item 9", "a"].sort(compareText)).toEqual(["A", "a", "b", "item 9", "item 10"]);
  });
});

describe("el", () => {
  it("isolates the text it shows in its own direction", () => {
    const node = el(document, "span", "\u202Eevil.pdf");
    expect(node.dir).toBe("auto");
    expect(node.textContent).toBe("\u202Eevil.pdf");
    expect(el(document, "div").dir).toBe("");
  });
});
