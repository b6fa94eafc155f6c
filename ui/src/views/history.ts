// The detail panel's "History": every change the loads and syncs found of the item, newest
// first, each field that moved with its value before and after. Values are text nodes.
import type { Revision } from "../backend";
import { el, formatTime } from "../format";

/** A value as one short line. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/** The section, filled in once the history is read (hidden while there is none). */
export function historySection(doc: Document, panel: HTMLElement, key: string, history: Promise<Revision[]>): HTMLElement {
  const section = el(doc, "section", undefined, "history");
  section.setAttribute("aria-label", "History");
  section.hidden = true;
  void history.then((revisions) => {
    if (panel.dataset.key !== key || revisions.length === 0) return;
    const list = el(doc, "ol");
    for (const revision of [...revisions].reverse()) {
      const what = revision.kind === "new" ? "Appeared" : revision.kind === "gone" ? "Gone" : "Changed";
      const row = el(doc, "li");
      const by = revision.edited_by ? ` by ${revision.edited_by}` : "";
      row.append(el(doc, "span", `${formatTime(revision.seen_at)} — ${what}${by}`));
      if (revision.changes.length > 0) {
        const moves = el(doc, "ul");
        for (const change of revision.changes) moves.append(el(doc, "li", `${change.field}: ${shown(change.from)} → ${shown(change.to)}`));
        row.append(moves);
      }
      list.append(row);
    }
    section.replaceChildren(el(doc, "h4", "History"), list);
    section.hidden = false;
  });
  return section;
}
