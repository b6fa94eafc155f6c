// The UI's only door to the app: a typed interface derived from the generated commands
// (bindings.ts), with a Tauri implementation and fakes for tests and the browser demo. Adding a
// Rust command adds its method here by itself.
import type { commands } from "./bindings";
import type { CommandError, ConnectionChanged, InternalError, LoadProgressEvent } from "./bindings";

// Every generated type, for the views: they import types from here, never from bindings.ts.
export type * from "./bindings";

/** A failed command, carrying the backend's `{error, message, details}` body. */
export class BackendError extends Error {
  constructor(readonly body: CommandError) {
    super(body.message);
    this.name = "BackendError";
  }
}

export type Unlisten = () => void;

type Commands = typeof commands;
/** What a command resolves to once its `{status, data | error}` result is unwrapped. */
type Unwrapped<R> = R extends Promise<{ status: "ok"; data: infer T } | { status: "error"; error: unknown }> ? T : R extends Promise<infer T> ? T : never;

/** Every command, as a promise of its data that rejects with a `BackendError`. */
export type BackendCommands = { [K in keyof Commands]: (...args: Parameters<Commands[K]>) => Promise<Unwrapped<ReturnType<Commands[K]>>> };

/** The commands and what the app tells the window (`subscribe` stays inside the Tauri backend). */
export interface Backend extends Omit<BackendCommands, "subscribe"> {
  onConnectionChanged(listener: (event: ConnectionChanged) => void): Promise<Unlisten>;
  onLoadProgress(listener: (event: LoadProgressEvent) => void): Promise<Unlisten>;
  /** Inlet hit a bug (a panic): the window says so. */
  onInternalError(listener: (event: InternalError) => void): Promise<Unlisten>;
}

/** Turns anything thrown into readable text. */
export function describeError(error: unknown): string {
  if (error instanceof BackendError) return error.body.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
