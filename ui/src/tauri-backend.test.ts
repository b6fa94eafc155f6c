// The Tauri backend's one channel: opened once, each message handed to the listeners of its kind.
import { beforeEach, describe, expect, it, vi } from "vitest";

const opened: { onmessage: (message: unknown) => void }[] = [];

vi.mock("@tauri-apps/api/core", () => ({
  Channel: class {
    onmessage: (message: unknown) => void = () => {};
    constructor() {
      opened.push(this);
    }
  },
}));

const subscribe = vi.fn(async () => {});
vi.mock("./bindings", () => ({ commands: { subscribe: (...args: unknown[]) => subscribe(...(args as [])) } }));

describe("tauriBackend events", () => {
  beforeEach(() => subscribe.mockClear());

  it("subscribes once and routes each message to the listeners of its kind only", async () => {
    const { tauriBackend } = await import("./tauri-backend");
    const progress: unknown[] = [];
    const connections: unknown[] = [];
    const errors: unknown[] = [];
    await tauriBackend.onLoadProgress((event) => progress.push(event));
    const stop = await tauriBackend.onConnectionChanged((event) => connections.push(event));
    await tauriBackend.onInternalError((event) => errors.push(event));
    expect(subscribe).toHaveBeenCalledTimes(1);
    expect(opened).toHaveLength(1);
    const channel = opened[0];
    channel.onmessage({ kind: "LoadProgress", payload: { progress: { done: 3 } } });
    channel.onmessage({ kind: "InternalError", payload: { message: "boom" } });
    expect(progress).toEqual([{ progress: { done: 3 } }]);
    expect(errors).toEqual([{ message: "boom" }]);
    expect(connections).toEqual([]);
    channel.onmessage({ kind: "ConnectionChanged", payload: { connected: true } });
    stop();
    channel.onmessage({ kind: "ConnectionChanged", payload: { connected: false } });
    expect(connections).toEqual([{ connected: true }]);
  });

  it("tries again when subscribing failed", async () => {
    vi.resetModules();
    const { tauriBackend } = await import("./tauri-backend");
    subscribe.mockRejectedValueOnce(new Error("not yet"));
    await expect(tauriBackend.onLoadProgress(() => {})).rejects.toThrow("not yet");
    await tauriBackend.onLoadProgress(() => {});
    expect(subscribe).toHaveBeenCalledTimes(2);
  });
});
