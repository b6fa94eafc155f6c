// The status region: the error banner (with Retry), the status line (copied, exported, saved),
// and a progress bar per stream of a load — three places, so one never hides another.
import type { AppState, Store } from "../store";
import { renderProgress } from "./progress";

export function mountStatus(doc: Document, store: Store<AppState>): void {
  const byId = (id: string) => doc.getElementById(id) as HTMLElement;
  byId("status-action").addEventListener("click", () => {
    const offer = store.get().offer;
    store.set({ offer: null });
    offer?.run();
  });
  byId("retry").addEventListener("click", () => {
    const retry = store.get().error?.retry;
    store.set({ error: null });
    retry?.();
  });
  store.subscribe((s, p) => {
    if (s.error !== p.error) {
      byId("error-text").textContent = s.error?.message ?? "";
      byId("retry").hidden = !s.error?.retry;
      byId("error").hidden = s.error === null;
    }
    if (s.message !== p.message) byId("status").textContent = s.message;
    if (s.offer !== p.offer) {
      byId("status-action").textContent = s.offer?.label ?? "";
      byId("status-action").hidden = s.offer === null;
    }
    if (s.progress !== p.progress) renderProgress(doc, byId("loading"), [...s.progress.values()]);
  });
}
