// "Changes since": every change the loads and syncs found since a day, across the connected
// accounts, newest first — which item, where, and each field that moved. Values are text nodes.
import type { Integration, Revision } from "../backend";
import { el, formatCount, formatTime } from "../format";
import type { AppState, Store } from "../store";
import { shown } from "./history";

export interface FeedActions {
  /** The changes since `since` (a date), oldest first. */
  changesSince(since: string): Promise<Revision[]>;
  /** The name people know an integration by. */
  nameOf(integration: Integration): string;
  /** Something went wrong reading them. */
  failed(error: unknown): void;
}

/** Fills `#change-feed` whenever the "Changes since" date is set; hides it when cleared. */
export function mountFeed(doc: Document, store: Store<AppState>, actions: FeedActions): void {
  const section = doc.getElementById("change-feed") as HTMLElement;
  const input = doc.getElementById("changes-since") as HTMLInputElement;
  let asked = 0;
  const show = async (since: string) => {
    const ask = ++asked;
    section.hidden = false;
    section.replaceChildren(el(doc, "p", `Reading the changes since ${since}…`));
    let revisions: Revision[];
    try {
      revisions = await actions.changesSince(since);
    } catch (error) {
      if (ask === asked) section.hidden = true;
      actions.failed(error);
      return;
    }
    if (ask !== asked) return; // a newer date was asked for meanwhile
    const heading = el(doc, "h3", `${formatCount(revisions.length)} change${revisions.length === 1 ? "" : "s"} since ${since}`);
    const list = el(doc, "ol");
    for (const revision of [...revisions].reverse()) {
      const what = revision.kind === "new" ? "appeared" : revision.kind === "gone" ? "gone" : "changed";
      const row = el(doc, "li");
      row.dataset.kind = revision.kind;
      const by = revision.edited_by ? ` by ${revision.edited_by}` : "";
      row.append(el(doc, "span", `${formatTime(revision.seen_at)} — ${actions.nameOf(revision.account.integration)}: ${revision.name} ${what}${by}`));
      if (revision.changes.length > 0) {
        const moves = el(doc, "ul");
        for (const change of revision.changes) moves.append(el(doc, "li", `${change.field}: ${shown(change.from)} → ${shown(change.to)}`));
        row.append(moves);
      }
      list.append(row);
    }
    section.replaceChildren(heading, revisions.length ? list : el(doc, "p", "Nothing changed since then."));
  };
  input.addEventListener("change", () => {
    const since = input.value;
    if (since) {
      void show(since);
    } else {
      asked++;
      section.hidden = true;
      section.replaceChildren();
    }
  });
  // After a load or sync, an open feed reads again: it may have news.
  store.subscribe((s, p) => {
    if (s.revision !== p.revision && input.value) void show(input.value);
  });
}
