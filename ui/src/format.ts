// Small display helpers shared by the views.

/** `2024-09-12 11:36` in UTC, or "" for a missing or invalid time. */
export function formatTime(value: string | null): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString().slice(0, 16).replace("T", " ");
}

/** `document.createElement` with text (as textContent, never HTML) and a class. */
export function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (text !== undefined) {
    // Text may be the provider's (names, labels): `dir="auto"` takes its own direction and
    // isolates it, so bidirectional controls in it cannot reorder what is around it.
    node.dir = "auto";
    node.textContent = text;
  }
  if (className) node.className = className;
  return node;
}

/**
 * `12,345`: a count with its thousands grouped as `toLocaleString("en")` would, without it —
 * number formatting maps megabytes of ICU data into the page, which the window need not carry
 * to show a count (BENCHMARKS.md "Light and quick").
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en");
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${digits}` : digits;
}

/** A size in bytes as people read it (decimal units, as the core's notes say them). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

let collator: Intl.Collator | undefined;

/**
 * Compares text as people sort it (case-insensitive, numbers by value). The collator is made on
 * first use, not when the page starts: ICU's collation data stays unmapped until something is sorted.
 */
export function compareText(a: string, b: string): number {
  collator ??= new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  return collator.compare(a, b);
}
