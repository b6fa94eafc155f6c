// Which rows of a long list are on screen. Every row of the grid is one height, so the window is
// arithmetic on the scroll offset: nothing is kept per row. Hand-written rather than a package on
// purpose: @tanstack/virtual-core (used before) keeps a measurement object for every row, which
// over 1,000,000 stored items cost WebKit's web process about 30 MB and an O(n) pass whenever
// the count changed (BENCHMARKS.md "Light and quick").

/** A row to draw: its index and its offset from the top of the list. */
export interface VisibleRow {
  index: number;
  start: number;
}

/** The rows of a fixed-row-height scroller that are on screen, plus `overscan` on each side. */
export class RowWindow {
  private rowCount = 0;
  private height: number;
  private shown = "";
  private readonly resize: ResizeObserver | undefined;
  private readonly onScroll = () => this.notifyIfMoved();

  /** `initialHeight` stands in for the scroller's height until layout gives one (tests, first
   * frame); `onChange` runs when the rows on screen change. */
  constructor(
    private readonly scroller: HTMLElement,
    private readonly rowHeight: number,
    private readonly overscan: number,
    initialHeight: number,
    private readonly onChange: () => void,
  ) {
    this.height = initialHeight;
    scroller.addEventListener("scroll", this.onScroll, { passive: true });
    this.resize = typeof ResizeObserver === "undefined" ? undefined : new ResizeObserver(() => this.notifyIfMoved());
    this.resize?.observe(scroller);
  }

  /** Stops listening to the scroller. */
  destroy(): void {
    this.scroller.removeEventListener("scroll", this.onScroll);
    this.resize?.disconnect();
  }

  /** How many rows the list has. */
  get count(): number {
    return this.rowCount;
  }

  set count(count: number) {
    this.rowCount = Math.max(0, count);
  }

  /** The height of the whole list, in pixels. */
  get totalSize(): number {
    return this.rowCount * this.rowHeight;
  }

  /** The rows to draw now, top to bottom. */
  visible(): VisibleRow[] {
    const [first, last] = this.range();
    const rows: VisibleRow[] = [];
    for (let index = first; index <= last; index++) rows.push({ index, start: index * this.rowHeight });
    this.shown = `${first}:${last}`;
    return rows;
  }

  /** Scrolls the least that brings row `index` fully on screen. */
  scrollToIndex(index: number): void {
    const top = index * this.rowHeight;
    const bottom = top + this.rowHeight;
    const view = this.viewportHeight();
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (bottom > this.scroller.scrollTop + view) this.scroller.scrollTop = Math.max(0, bottom - view);
  }

  private viewportHeight(): number {
    const measured = this.scroller.clientHeight;
    if (measured > 0) this.height = measured;
    return this.height;
  }

  /** First and last index on screen (with overscan); `[0, -1]` when there is none. */
  private range(): [number, number] {
    if (this.rowCount === 0) return [0, -1];
    const top = Math.max(0, this.scroller.scrollTop);
    const first = Math.max(0, Math.floor(top / this.rowHeight) - this.overscan);
    const onScreen = Math.ceil((top + this.viewportHeight()) / this.rowHeight);
    const last = Math.min(this.rowCount - 1, onScreen - 1 + this.overscan);
    return [Math.min(first, last), last];
  }

  private notifyIfMoved(): void {
    const [first, last] = this.range();
    if (`${first}:${last}` !== this.shown) this.onChange();
  }
}
