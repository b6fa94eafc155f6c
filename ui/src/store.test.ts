import { describe, expect, it, vi } from "vitest";
import { commands } from "./bindings";
import { initialState, Store, toggled } from "./store";
import { tauriBackend } from "./tauri-backend";

describe("store", () => {
  it("tells every subscriber about a change, with the state before it, until unsubscribed", () => {
    const store = new Store(initialState());
    const seen = vi.fn();
    const stop = store.subscribe(seen);
    const before = store.get();
    store.set({ message: "Exported 3 items." });
    expect(seen).toHaveBeenCalledWith(store.get(), before);
    expect(store.get().message).toBe("Exported 3 items.");
    expect(store.get().loads).toBe(before.loads); // untouched slices keep their identity
    store.set((s) => ({ busy: toggled(s.busy, "notion", true) }));
    expect([...store.get().busy]).toEqual(["notion"]);
    expect(before.busy.size).toBe(0); // the old state was not mutated
    stop();
    store.set({ message: "" });
    expect(seen).toHaveBeenCalledTimes(2);
  });
});

describe("the Tauri backend", () => {
  it("has a method for every generated command", () => {
    const names = Object.keys(commands);
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) expect(typeof (tauriBackend as unknown as Record<string, unknown>)[name], name).toBe("function");
  });
});
