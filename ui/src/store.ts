// The window's state in one place: every view subscribes and renders from it; actions only ever
// call `set`. A change that a view does not read costs it a reference comparison, nothing more.
import type { Generation, Integration, IntegrationItem, IntegrationStatus, LoadProgress } from "./backend";
import { emptyView, type ViewState } from "./model";

/** A failure shown in the error banner, with what Retry does. */
export interface Problem {
  message: string;
  retry: (() => void) | null;
}

export interface AppState {
  statuses: IntegrationStatus[];
  /** Sign-ins waiting for the browser. */
  busy: ReadonlySet<Integration>;
  /** Loads under way. */
  loading: ReadonlySet<Integration>;
  /** Progress per `integration/stream`. */
  progress: ReadonlyMap<string, LoadProgress>;
  /** The stored loads of every connected account (the grid reads their rows from the store). */
  loads: readonly Generation[];
  /** Generations loaded in this session: their changes are news. */
  fresh: ReadonlySet<number>;
  /** Bumped whenever the stored items change: the grid reads its rows again. */
  revision: number;
  view: ViewState;
  tree: boolean;
  expanded: ReadonlySet<string>;
  /** An Airtable table's records, shown instead of the items, with the field they are sorted by. */
  records: { table: IntegrationItem; items: IntegrationItem[]; sort: { column: string; direction: "asc" | "desc" } | null } | null;
  detail: IntegrationItem | null;
  error: Problem | null;
  /** The status line: copied, exported, saved, loading records. */
  message: string;
  /** An action offered beside the status line (forget a disconnected account's items). */
  offer: { label: string; run: () => void } | null;
}

export const initialState = (): AppState => ({
  statuses: [],
  busy: new Set(),
  loading: new Set(),
  progress: new Map(),
  loads: [],
  fresh: new Set(),
  revision: 0,
  view: emptyView(),
  tree: false,
  expanded: new Set(),
  records: null,
  detail: null,
  error: null,
  message: "",
  offer: null,
});

export type Listener<S> = (state: S, previous: S) => void;

/** State plus subscribe: the whole state management of the window. */
export class Store<S extends object> {
  private readonly listeners = new Set<Listener<S>>();

  constructor(private state: S) {}

  get(): S {
    return this.state;
  }

  /** Applies a change and tells every subscriber, with the state before it. */
  set(change: Partial<S> | ((state: S) => Partial<S>)): void {
    const previous = this.state;
    const patch = typeof change === "function" ? change(previous) : change;
    this.state = { ...previous, ...patch };
    for (const listener of [...this.listeners]) listener(this.state, previous);
  }

  subscribe(listener: Listener<S>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A copy of `set` with `value` added or removed. */
export function toggled<T>(set: ReadonlySet<T>, value: T, on: boolean): Set<T> {
  const next = new Set(set);
  if (on) next.add(value);
  else next.delete(value);
  return next;
}

/** The product name of an integration, as the backend names it. */
export function nameOf(state: AppState, integration: Integration): string {
  return state.statuses.find((s) => s.integration === integration)?.name ?? integration;
}
