// The Backend over Tauri IPC: every generated command, its result unwrapped.
import { commands, events } from "./bindings";
import { BackendError, type Backend, type BackendCommands, type CommandError } from "./backend";

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

export const tauriBackend: Backend = {
  ...unwrapped,
  onConnectionChanged: (listener) => events.connectionChanged.listen((e) => listener(e.payload)),
  onLoadProgress: (listener) => events.loadProgressEvent.listen((e) => listener(e.payload)),
  onInternalError: (listener) => events.internalError.listen((e) => listener(e.payload)),
};
