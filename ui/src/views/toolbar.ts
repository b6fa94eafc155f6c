// The toolbar and the keyboard: search, filters, layout and export buttons write the view state;
// `/` focuses search, Esc closes details or clears the search, ↓ moves into the grid.
import type { Integration, ItemKind } from "../backend";
import type { AppState, Store } from "../store";

export interface ToolbarActions {
  export(viewOnly: boolean): void;
  focusGrid(): void;
  closeDetails(): void;
}

export function mountToolbar(doc: Document, store: Store<AppState>, actions: ToolbarActions): void {
  const byId = <T extends HTMLElement = HTMLElement>(id: string) => doc.getElementById(id) as T;
  const search = byId<HTMLInputElement>("search");
  const setQuery = (query: string) => store.set((s) => ({ view: { ...s.view, query } }));
  search.addEventListener("input", () => setQuery(search.value));
  byId<HTMLSelectElement>("type-filter").addEventListener("change", (e) => {
    const value = (e.target as HTMLSelectElement).value as ItemKind | "";
    store.set((s) => ({ view: { ...s.view, types: value ? new Set([value]) : new Set<ItemKind>() } }));
  });
  byId<HTMLSelectElement>("integration-filter").addEventListener("change", (e) => {
    const value = (e.target as HTMLSelectElement).value as Integration | "";
    store.set((s) => ({ view: { ...s.view, integrations: value ? new Set([value]) : new Set() } }));
  });
  byId<HTMLSelectElement>("account-filter").addEventListener("change", (e) => {
    const value = (e.target as HTMLSelectElement).value;
    store.set((s) => ({ view: { ...s.view, accounts: value ? new Set([value]) : new Set() } }));
  });
  byId<HTMLSelectElement>("changes-filter").addEventListener("change", (e) => {
    const changesOnly = (e.target as HTMLSelectElement).value === "changes";
    store.set((s) => ({ view: { ...s.view, changesOnly } }));
  });
  // The store as it was at the end of a day (the backend rebuilds it from the history).
  byId<HTMLInputElement>("as-of").addEventListener("change", (e) => {
    const asOf = (e.target as HTMLInputElement).value || null;
    store.set((s) => ({ view: { ...s.view, asOf } }));
  });
  byId("view-table").addEventListener("click", () => store.set({ tree: false }));
  byId("view-tree").addEventListener("click", () => store.set({ tree: true }));
  byId("export-view").addEventListener("click", () => actions.export(true));
  byId("export-all").addEventListener("click", () => actions.export(false));
  store.subscribe((s, p) => {
    if (s.tree === p.tree) return;
    byId("view-table").setAttribute("aria-pressed", String(!s.tree));
    byId("view-tree").setAttribute("aria-pressed", String(s.tree));
  });
  doc.addEventListener("keydown", (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (event.key === "/" && !typing) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape") {
      if (store.get().detail) actions.closeDetails();
      else if (event.target === search && search.value) {
        search.value = "";
        setQuery("");
      }
    } else if (event.key === "ArrowDown" && event.target === search) {
      event.preventDefault();
      actions.focusGrid();
    }
  });
}
