// The items grid: virtualized with TanStack Virtual (only the visible rows exist in the DOM) over
// a `RowSource` (rows arrive from the store window by window, a placeholder until then), sortable
// and resizable columns, a tree mode, keyboard navigation and ARIA grid roles. Provider text is
// only ever set as textContent.
import type { IntegrationItem } from "../backend";
import { formatTime } from "../format";
import type { SortDirection } from "../model";
import type { Column } from "./record-columns";
import { RowWindow } from "./row-window";
import { ArraySource, type RowSource } from "./rows";

export type { Column };

/** The columns of stored items (the store sorts by each). */
export const COLUMNS: Column[] = [
  { id: "name", label: "Name", width: 320, kind: "text", text: (i) => i.name },
  { id: "type", label: "Type", width: 100, kind: "text", text: (i) => i.type },
  { id: "parent", label: "Parent", width: 240, kind: "text", text: (i) => i.parent_path_or_name ?? "" },
  { id: "created", label: "Created", width: 150, kind: "date", text: (i) => formatTime(i.creation_time) },
  { id: "modified", label: "Modified", width: 150, kind: "date", text: (i) => formatTime(i.last_modified_time) },
  { id: "integration", label: "Integration", width: 110, kind: "text", text: (i) => i.integration },
];

/** A sort as the header shows it. */
export interface HeaderSort {
  column: string;
  direction: SortDirection;
}

export const ROW_HEIGHT = 32;

const keyOf = (item: IntegrationItem) => `${item.integration}/${item.type}/${item.id}`;

export interface TableEvents {
  sort(column: string): void;
  open(item: IntegrationItem): void;
  toggle(item: IntegrationItem): void;
}

export class ItemTable {
  private rows: RowSource = new ArraySource([]);
  private selectedIndex = -1;
  private selectedKey: string | null = null;
  private tree = false;
  private columns: Column[] = COLUMNS;
  private readonly widths = new Map<string, number>(COLUMNS.map((c) => [c.id, c.width]));
  private readonly grid: HTMLElement;
  private readonly head: HTMLElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowWindow: RowWindow;

  constructor(private readonly doc: Document, container: HTMLElement, private readonly events: TableEvents, initialRect?: { width: number; height: number }) {
    this.grid = doc.createElement("div");
    this.grid.className = "grid";
    this.grid.setAttribute("role", "grid");
    this.grid.setAttribute("aria-label", "Items");
    this.head = doc.createElement("div");
    this.head.className = "grid-head";
    this.head.setAttribute("role", "row");
    this.scroller = doc.createElement("div");
    this.scroller.className = "grid-scroll";
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute("aria-label", "Items list: arrows move, Enter opens details");
    this.spacer = doc.createElement("div");
    this.spacer.className = "grid-spacer";
    this.scroller.append(this.spacer);
    this.grid.append(this.head, this.scroller);
    container.replaceChildren(this.grid);
    this.scroller.addEventListener("keydown", (e) => this.onKey(e));
    this.rowWindow = new RowWindow(this.scroller, ROW_HEIGHT, 12, initialRect?.height ?? 0, () => this.renderRows());
    this.applyWidths();
  }

  destroy(): void {
    this.rowWindow.destroy();
  }

  /** Shows the rows of `source`; `tree` adds indentation and expand toggles. The selection
   * stays on the same item when it is among the rows already there. */
  setSource(source: RowSource, sort: HeaderSort, tree: boolean, columns: Column[] = COLUMNS): void {
    if (source !== this.rows) this.selectedIndex = -1;
    this.rows = source;
    this.tree = tree;
    if (columns !== this.columns) {
      this.columns = columns;
      for (const c of columns) if (!this.widths.has(c.id)) this.widths.set(c.id, c.width);
      this.applyWidths();
    }
    this.renderHead(sort);
    this.refresh();
  }

  /** The source's rows or length changed (a window arrived). */
  refresh(): void {
    if (this.selectedKey && this.selected && keyOf(this.selected) !== this.selectedKey) this.selectedIndex = -1;
    if (this.selectedIndex < 0 && this.selectedKey) this.selectedIndex = this.findLoaded(this.selectedKey);
    this.grid.setAttribute("aria-rowcount", String(this.rows.length + 1));
    this.rowWindow.count = this.rows.length;
    this.renderRows();
  }

  /** The index of the row with `key` among the rows that have arrived, or -1. */
  private findLoaded(key: string): number {
    const range = this.rowWindow.visible();
    for (const virtual of range) if (this.rows.row(virtual.index) && keyOf(this.rows.row(virtual.index)!.item) === key) return virtual.index;
    return -1;
  }

  get selected(): IntegrationItem | null {
    return this.rows.row(this.selectedIndex)?.item ?? null;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  focus(): void {
    this.scroller.focus();
    if (this.selectedIndex < 0 && this.rows.length > 0) this.select(0);
  }

  select(index: number): void {
    if (this.rows.length === 0) return;
    this.selectedIndex = Math.max(0, Math.min(this.rows.length - 1, index));
    const item = this.rows.row(this.selectedIndex)?.item;
    this.selectedKey = item ? keyOf(item) : null;
    this.rowWindow.scrollToIndex(this.selectedIndex);
    this.renderRows();
  }

  private onKey(event: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (event.key in moves) {
      this.select(this.selectedIndex < 0 ? 0 : this.selectedIndex + moves[event.key]);
    } else if (event.key === "Home") {
      this.select(0);
    } else if (event.key === "End") {
      this.select(this.rows.length - 1);
    } else if (event.key === "Enter" && this.selected) {
      this.events.open(this.selected);
    } else if ((event.key === "ArrowRight" || event.key === "ArrowLeft") && this.tree && this.selected) {
      const row = this.rows.row(this.selectedIndex);
      if (row?.hasChildren && row.expanded === (event.key === "ArrowLeft")) this.events.toggle(row.item);
    } else {
      return;
    }
    event.preventDefault();
  }

  private template(): string {
    return this.columns.map((c) => `${this.widths.get(c.id)}px`).join(" ");
  }

  private applyWidths(): void {
    this.grid.style.setProperty("--columns", this.template());
  }

  private renderHead(sort: HeaderSort): void {
    const cells = this.columns.map((column, index) => {
      const cell = this.doc.createElement("div");
      cell.className = "grid-header";
      cell.setAttribute("role", "columnheader");
      cell.setAttribute("aria-colindex", String(index + 1));
      const active = sort.column === column.id;
      cell.setAttribute("aria-sort", active ? (sort.direction === "asc" ? "ascending" : "descending") : "none");
      const button = this.doc.createElement("button");
      button.type = "button";
      button.textContent = `${column.label}${active ? (sort.direction === "asc" ? " ▲" : " ▼") : ""}`;
      button.addEventListener("click", () => this.events.sort(column.id));
      const handle = this.doc.createElement("span");
      handle.className = "resizer";
      handle.setAttribute("role", "separator");
      handle.setAttribute("aria-label", `Resize ${column.label}`);
      handle.addEventListener("pointerdown", (e) => this.startResize(e, column.id));
      cell.append(button, handle);
      return cell;
    });
    this.head.replaceChildren(...cells);
  }

  private startResize(event: PointerEvent, column: string): void {
    event.preventDefault();
    const startX = event.clientX;
    const startWidth = this.widths.get(column) ?? 100;
    const move = (e: PointerEvent) => {
      this.widths.set(column, Math.max(60, Math.min(1200, startWidth + e.clientX - startX)));
      this.applyWidths();
    };
    const stop = () => {
      this.doc.removeEventListener("pointermove", move);
      this.doc.removeEventListener("pointerup", stop);
      this.doc.removeEventListener("pointercancel", stop);
    };
    this.doc.addEventListener("pointermove", move);
    this.doc.addEventListener("pointerup", stop);
    this.doc.addEventListener("pointercancel", stop);
  }

  /** Widens or narrows a column (also what dragging its edge does). */
  resize(column: string, width: number): void {
    this.widths.set(column, Math.max(60, Math.min(1200, width)));
    this.applyWidths();
  }

  columnWidth(column: string): number {
    return this.widths.get(column) ?? 0;
  }

  private renderRows(): void {
    this.spacer.style.height = `${this.rowWindow.totalSize}px`;
    const range = this.rowWindow.visible();
    if (range.length > 0) this.rows.ensure(range[0].index, range[range.length - 1].index + 1);
    const rows = range.map((virtual) => {
      const tree = this.rows.row(virtual.index);
      const row = this.doc.createElement("div");
      row.className = "grid-row";
      row.setAttribute("role", "row");
      row.setAttribute("aria-rowindex", String(virtual.index + 2));
      row.style.transform = `translateY(${virtual.start}px)`;
      if (!tree) {
        // Not read from the store yet: a placeholder the window replaces.
        row.classList.add("placeholder");
        row.setAttribute("aria-busy", "true");
        row.textContent = "…";
        return row;
      }
      const selected = virtual.index === this.selectedIndex;
      row.setAttribute("aria-selected", String(selected));
      if (selected) row.classList.add("selected");
      row.dataset.key = keyOf(tree.item);
      if (tree.item.delta) {
        // Changes since the last load: a marker, and gone items struck through until the next load.
        row.dataset.delta = tree.item.delta;
        row.setAttribute("aria-description", tree.item.delta);
      }
      this.columns.forEach((column, index) => {
        const cell = this.doc.createElement("div");
        cell.className = `grid-cell ${column.kind}`;
        cell.setAttribute("role", "gridcell");
        const text = column.text(tree.item);
        if (index === 0 && this.tree) {
          cell.style.paddingLeft = `${0.5 + tree.depth * 1.2}rem`;
          if (tree.hasChildren) {
            const toggle = this.doc.createElement("button");
            toggle.className = "toggle";
            toggle.textContent = tree.expanded ? "▾" : "▸";
            toggle.setAttribute("aria-expanded", String(tree.expanded));
            toggle.setAttribute("aria-label", `${tree.expanded ? "Collapse" : "Expand"} ${text}`);
            toggle.addEventListener("click", (e) => {
              e.stopPropagation();
              this.events.toggle(tree.item);
            });
            cell.append(toggle);
          }
        }
        cell.title = text;
        if (column.chips) {
          for (const chip of column.chips(tree.item)) {
            const span = this.doc.createElement("span");
            span.className = "chip";
            span.dir = "auto"; // provider text: its own direction, isolated from the row's
            span.textContent = chip;
            cell.append(span);
          }
        } else {
          const label = this.doc.createElement("span");
          label.dir = "auto"; // provider text: its own direction, isolated from the row's
          label.textContent = text;
          cell.append(label);
        }
        row.append(cell);
      });
      row.addEventListener("click", () => {
        this.selectedIndex = virtual.index;
        this.selectedKey = keyOf(tree.item);
        this.renderRows();
      });
      row.addEventListener("dblclick", () => this.events.open(tree.item));
      return row;
    });
    this.spacer.replaceChildren(...rows);
  }
}
