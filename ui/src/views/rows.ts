// Where the grid's rows come from. `PagedSource` asks the backend for the windows the grid
// scrolls to (100 rows a call, the total with each), keeping a bounded number of them; only rows
// on screen ever cross IPC. `ArraySource` serves rows already in memory (a table's records).
import type { ItemWindow } from "../backend";
import type { TreeRow } from "../model";

/** The grid's view of its rows: how many, the row at an index once it has arrived, and a way to
 * say which rows are about to be shown. */
export interface RowSource {
  readonly length: number;
  row(index: number): TreeRow | undefined;
  /** Rows `start..end` are (about to be) on screen. */
  ensure(start: number, end: number): void;
}

export class ArraySource implements RowSource {
  constructor(readonly rows: readonly TreeRow[]) {}
  get length(): number {
    return this.rows.length;
  }
  row(index: number): TreeRow | undefined {
    return this.rows[index];
  }
  ensure(): void {}
}

export const PAGE = 100;
/** Pages kept: a screen needs one or two; the rest make scrolling back instant. */
const KEPT_PAGES = 40;

export type FetchWindow = (offset: number, limit: number) => Promise<ItemWindow>;

export class PagedSource implements RowSource {
  private total = 0;
  private readonly pages = new Map<number, TreeRow[]>();
  private readonly asked = new Set<number>();
  private closed = false;

  /** `changed` runs when a window arrived (the total may have changed with it); `failed` when a
   * window could not be read. */
  constructor(
    private readonly fetch: FetchWindow,
    private readonly isExpanded: (key: string) => boolean,
    private readonly changed: () => void,
    private readonly failed: (error: unknown) => void,
  ) {}

  get length(): number {
    return this.total;
  }

  /** Whether a window (and so the total) has arrived. */
  get arrived(): boolean {
    return this.pages.size > 0;
  }

  /** Reads the first window (and the total). */
  start(): Promise<void> {
    return this.load(0);
  }

  /** A newer view replaced this one: late windows are dropped. */
  close(): void {
    this.closed = true;
  }

  row(index: number): TreeRow | undefined {
    return this.pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  ensure(start: number, end: number): void {
    if (this.total === 0) return;
    const last = Math.min(Math.max(start, end - 1), this.total - 1);
    for (let page = Math.floor(Math.max(0, start) / PAGE); page <= Math.floor(last / PAGE); page++) {
      if (!this.asked.has(page)) void this.load(page);
    }
  }

  private async load(page: number): Promise<void> {
    this.asked.add(page);
    try {
      const window = await this.fetch(page * PAGE, PAGE);
      if (this.closed) return;
      this.total = window.total;
      this.pages.set(
        page,
        window.rows.map((r) => ({ item: r.item, depth: r.depth, hasChildren: r.has_children, expanded: this.isExpanded(`${r.item.integration}/${r.item.type}/${r.item.id}`) })),
      );
      this.evict(page);
      this.changed();
    } catch (error) {
      this.asked.delete(page);
      if (!this.closed) this.failed(error);
    }
  }

  /** Drops the pages farthest from `near` beyond the ones kept. */
  private evict(near: number): void {
    if (this.pages.size <= KEPT_PAGES) return;
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const page of far.slice(0, this.pages.size - KEPT_PAGES)) {
      this.pages.delete(page);
      this.asked.delete(page);
    }
  }
}
