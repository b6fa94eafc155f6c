// The Backend over Tauri IPC: every generated command, its result unwrapped; what the app tells
// the window arrives through one channel handed to `subscribe` (the window may listen to no
// Tauri event: see capabilities/default.json).
import { Channel } from "@tauri-apps/api/core";
import { commands, type InletEvent } from "./bindings";
import { BackendError, type Backend, type BackendCommands, type CommandError, type Unlisten } from "./backend";

type Outcome = { status: "ok"; data: unknown } | { status: "error"; error: CommandError };

function isOutcome(value: unknown): value is Outcome {
  return typeof value === "object" && value !== null && "status" in value && ("data" in value || "error" in value);
}

function unwrap(value: unknown): unknown {
  if (!isOutcome(value)) return value; // a command that cannot fail returns its value as is
  if (value.status === "error") {
    // Tauri rejects a call it could not make (bad arguments) with a plain string.
    const error = value.error as unknown;
    if (typeof error !== "object" || error === null) throw new BackendError({ error: "task_failed", message: String(error), details: null });
    throw new BackendError(value.error);
  }
  return value.data;
}

const unwrapped = Object.fromEntries(
  Object.entries(commands).map(([name, command]) => [name, async (...args: unknown[]) => unwrap(await (command as (...a: unknown[]) => Promise<unknown>)(...args))]),
) as BackendCommands;

type Kind = InletEvent["kind"];
type PayloadOf<K extends Kind> = Extract<InletEvent, { kind: K }>["payload"];
type Listener = (payload: never) => void;

const listeners = new Map<Kind, Set<Listener>>();
let subscribed: Promise<void> | null = null;

/** Opens the channel once; each message goes to the listeners of its kind. */
function subscribeOnce(): Promise<void> {
  const channel = new Channel<InletEvent>();
  channel.onmessage = (event) => {
    for (const listener of listeners.get(event.kind) ?? []) (listener as (payload: unknown) => void)(event.payload);
  };
  return commands.subscribe(channel);
}

async function on<K extends Kind>(kind: K, listener: (payload: PayloadOf<K>) => void): Promise<Unlisten> {
  const set = listeners.get(kind) ?? new Set<Listener>();
  listeners.set(kind, set);
  set.add(listener as Listener);
  subscribed ??= subscribeOnce();
  try {
    await subscribed;
  } catch (error) {
    subscribed = null; // the next listener tries again
    set.delete(listener as Listener);
    throw error;
  }
  return () => set.delete(listener as Listener);
}

export const tauriBackend: Backend = {
  ...unwrapped,
  onConnectionChanged: (listener) => on("ConnectionChanged", listener),
  onLoadProgress: (listener) => on("LoadProgress", listener),
  onInternalError: (listener) => on("InternalError", listener),
};
