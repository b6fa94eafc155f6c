// A progress bar per stream of a load, driven by the typed progress events.
import type { LoadProgress } from "../backend";
import { el, formatCount } from "../format";

export function renderProgress(doc: Document, area: HTMLElement, streams: LoadProgress[]): void {
  area.replaceChildren(
    ...streams.map((p) => {
      const row = el(doc, "div", undefined, "stream");
      row.dataset.stream = `${p.integration}/${p.stream}`;
      const bar = el(doc, "progress");
      bar.max = 1;
      if (p.done) bar.value = 1; // running streams stay indeterminate: the total is unknown
      const label = `${p.integration} · ${p.stream}`;
      bar.setAttribute("aria-label", label);
      const waiting = p.waiting_secs ? ` — waiting ${p.waiting_secs} s for the rate limit` : "";
      const text = `${label}: ${formatCount(p.items)} items, ${p.pages} pages${p.done ? " ✓" : waiting || "…"}`;
      row.append(bar, el(doc, "span", text));
      return row;
    }),
  );
}
