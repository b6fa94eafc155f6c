// The detail panel: every field of the selected item, open it in its provider, copy id / URL,
// and what the provider's capabilities offer: the records of a container whose records come on
// demand (an Airtable table, a base) and a container's workbook. Values are text nodes, never
// markup.
import type { Capabilities, IntegrationItem, ItemFile, Revision, StoredContent } from "../backend";
import { historySection } from "./history";
import { formatBytes } from "../format";
import { renderMarkdown, type KeptFile } from "../markdown";
import { el, formatTime } from "../format";
import { nameOf, type AppState, type Store } from "../store";

export interface DetailActions {
  openInProvider(url: string): void;
  copy(text: string, what: string): void;
  /** Loads a table's records into the store and shows them. */
  records(table: IntegrationItem): void;
  /** Shows a container's stored children as a table, a column per field (a data source's rows). */
  rows(container: IntegrationItem): void;
  /** Loads every record of a container (an Airtable base) into the store. */
  baseRecords(base: IntegrationItem): void;
  /** Writes a container's stored records as one workbook (an Airtable base). */
  workbook(base: IntegrationItem): void;
  /** The item's stored content (a Notion page's Markdown), if it was loaded. */
  content(item: IntegrationItem): Promise<StoredContent | null>;
  /** The item's files kept on this computer. */
  files(item: IntegrationItem): Promise<ItemFile[]>;
  /** Opens a kept file with the system viewer. */
  openFile(file: KeptFile): void;
  /** The item's history: every change the loads found. */
  history(item: IntegrationItem): Promise<Revision[]>;
  close(): void;
}

function fields(item: IntegrationItem): [string, string][] {
  const rows: [string, string][] = [
    ["Name", item.name],
    ["Type", item.type],
    ["Integration", item.integration],
    ["ID", item.id],
    ["Parent", item.parent_path_or_name ?? ""],
    ["Parent ID", item.parent_id ?? ""],
    ["Created", formatTime(item.creation_time)],
    ["Modified", formatTime(item.last_modified_time)],
    ["URL", item.url ?? ""],
    ["Directory", item.directory ? "yes" : "no"],
    ["Children", item.children ? String(item.children.length) : ""],
    ["Delta", item.delta ?? ""],
    ["Visible", item.visibility === false ? "no" : "yes"],
  ];
  const details = item.details ?? {};
  // Properties by label (HubSpot's, Notion rows'), then the rest of the details; a provider's
  // raw values behind them (`values`: HubSpot's internal names) are in the JSON exports.
  const properties = details.properties;
  const labelled = properties && typeof properties === "object" && !Array.isArray(properties);
  if (labelled) for (const [label, value] of Object.entries(properties as Record<string, unknown>)) rows.push([label, text(value)]);
  for (const [key, value] of Object.entries(details)) {
    if (labelled && (key === "properties" || key === "values")) continue;
    if (key === "propertyDefinitions" && Array.isArray(value)) rows.push(["Properties", `${value.length} defined`]);
    else rows.push([key, text(value)]);
  }
  return rows;
}

/** A list of values (`["Red", "Blue"]`) reads as "Red, Blue"; other objects as JSON. */
function text(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number")) return v.join(", ");
  // Files and people (Notion's `files` values): by their names.
  if (Array.isArray(v) && v.every((x) => x && typeof x === "object" && typeof (x as { name?: unknown }).name === "string")) return v.map((x) => (x as { name: string }).name).join(", ");
  return JSON.stringify(v);
}

/** Renders the panel whenever the selected item changes. */
export function mountDetails(doc: Document, panel: HTMLElement, store: Store<AppState>, actions: DetailActions): void {
  store.subscribe((s, p) => {
    if (s.detail === p.detail) return;
    const capabilities = s.statuses.find((status) => status.integration === s.detail?.integration)?.capabilities ?? null;
    renderDetails(doc, panel, s.detail, s.detail ? nameOf(s, s.detail.integration) : "", actions, capabilities);
  });
}

export function renderDetails(doc: Document, panel: HTMLElement, item: IntegrationItem | null, provider: string, actions: DetailActions, capabilities: Capabilities | null = null): void {
  if (!item) {
    panel.hidden = true;
    panel.replaceChildren();
    return;
  }
  const title = el(doc, "h3", item.name);
  title.id = "details-title";
  const buttons = el(doc, "div", undefined, "actions");
  const button = (label: string, onClick: () => void, aria?: string) => {
    const b = el(doc, "button", label);
    b.type = "button";
    if (aria) b.setAttribute("aria-label", aria);
    b.addEventListener("click", onClick);
    buttons.append(b);
    return b;
  };
  if (item.url) {
    const url = item.url;
    button(`Open in ${provider}`, () => actions.openInProvider(url));
    button("Copy URL", () => actions.copy(url, "URL"));
  }
  button("Copy ID", () => actions.copy(item.id, "ID"));
  // Records come on demand: a container that holds them directly (a table) shows them; one that
  // holds such containers (a base) loads them all; a workbook container exports them.
  const recordsOf = capabilities?.records_of ?? [];
  const workbook = capabilities?.workbook_of.includes(item.type) ?? false;
  if (recordsOf.includes(item.type) && !workbook && item.parent_id) {
    button("Records", () => actions.records(item), `Load the records of ${item.name}`);
  }
  const columnsOf = capabilities?.columns_of ?? [];
  if (columnsOf.includes(item.type) && !recordsOf.includes(item.type)) {
    button("Rows", () => actions.rows(item), `Show the rows of ${item.name} as a table`);
  }
  if (recordsOf.includes(item.type) && workbook) {
    button("Load all records", () => actions.baseRecords(item), `Load every record of ${item.name}`);
  }
  if (workbook) button("Export workbook", () => actions.workbook(item), `Export ${item.name} as an XLSX workbook, a sheet per table`);
  button("Close", () => actions.close(), "Close details (Esc)");
  const list = el(doc, "dl");
  for (const [key, value] of fields(item)) {
    if (!value) continue;
    list.append(el(doc, "dt", key), el(doc, "dd", value));
  }
  panel.setAttribute("aria-labelledby", "details-title");
  const key = `${item.integration}/${item.type}/${item.id}`;
  panel.dataset.key = key;
  panel.replaceChildren(title, buttons, list);
  // The item's kept files (listed once known), then its content, whose images they may be.
  const files = actions.files(item).catch(() => [] as ItemFile[]);
  panel.append(filesSection(doc, panel, key, files, actions));
  if (capabilities?.content && item.type === "page") panel.append(contentSection(doc, panel, key, item, files, actions));
  panel.append(historySection(doc, panel, key, actions.history(item).catch(() => [] as Revision[])));
  panel.hidden = false;
}

/** The page's content, rendered from its stored Markdown once it is read. */
function contentSection(doc: Document, panel: HTMLElement, key: string, item: IntegrationItem, files: Promise<ItemFile[]>, actions: DetailActions): HTMLElement {
  const section = el(doc, "section", undefined, "page-content");
  section.setAttribute("aria-label", "Page content");
  section.append(el(doc, "p", "Reading the content…", "muted"));
  void Promise.all([actions.content(item), files]).then(
    ([content, kept]) => {
      if (panel.dataset.key !== key) return; // another item is shown by now
      if (!content) {
        section.replaceChildren(el(doc, "p", "The content is not loaded yet: Reload loads it.", "muted"));
        return;
      }
      const bySource = new Map(kept.map((f) => [f.source, f]));
      const links = {
        open: (url: string) => actions.openInProvider(url),
        openFile: (file: KeptFile) => actions.openFile(file),
        resolve: (source: string) => bySource.get(source) ?? null,
      };
      section.replaceChildren(renderMarkdown(doc, content.markdown, links));
    },
    () => section.replaceChildren(el(doc, "p", "The content could not be read.", "muted")),
  );
  return section;
}

/** The item's files kept on this computer, each opened with the system viewer. */
function filesSection(doc: Document, panel: HTMLElement, key: string, files: Promise<ItemFile[]>, actions: DetailActions): HTMLElement {
  const section = el(doc, "section", undefined, "kept-files");
  section.setAttribute("aria-label", "Files kept on this computer");
  section.hidden = true;
  void files.then((kept) => {
    if (panel.dataset.key !== key || kept.length === 0) return;
    const list = el(doc, "ul");
    for (const file of kept) {
      const row = el(doc, "li");
      const open = el(doc, "button", file.name);
      open.type = "button";
      open.setAttribute("aria-label", `Open ${file.name}`);
      open.addEventListener("click", () => actions.openFile(file));
      row.append(open, el(doc, "span", ` ${formatBytes(Number(file.size))}`, "muted"));
      list.append(row);
    }
    section.replaceChildren(el(doc, "h4", "Files"), list);
    section.hidden = false;
  });
  return section;
}
