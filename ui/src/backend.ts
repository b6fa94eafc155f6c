// The UI's only door to the app: a typed interface with a Tauri implementation generated from the
// Rust commands (bindings.ts) and fakes for tests and the browser demo.
import type {
  AuthorizationStart,
  CachedLoad,
  ConnectionChanged,
  ConnectionInfo,
  ErrorBody,
  ExportFormat,
  ExportOutcome,
  Integration,
  IntegrationItem,
  IntegrationStatus,
  LoadProgressEvent,
  LoadResult,
  ProviderSetup,
  SetupInput,
} from "./bindings";

// Every generated type, for the views: they import types from here, never from bindings.ts.
export type * from "./bindings";

/** A failed command, carrying the backend's `{error, message, details}` body. */
export class BackendError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
    this.name = "BackendError";
  }
}

export type Unlisten = () => void;

export interface Backend {
  listIntegrations(): Promise<IntegrationStatus[]>;
  connect(integration: Integration): Promise<AuthorizationStart>;
  disconnect(integration: Integration): Promise<boolean>;
  credentials(integration: Integration): Promise<ConnectionInfo | null>;
  load(integration: Integration): Promise<LoadResult>;
  cancelLoad(integration: Integration): Promise<boolean>;
  loadAirtableRecords(baseId: string, tableId: string): Promise<IntegrationItem[]>;
  cachedItems(): Promise<CachedLoad[]>;
  /** Asks where to save and writes the items with `keys` (the view), or all when null. */
  exportItems(keys: string[] | null, format: ExportFormat): Promise<ExportOutcome | null>;
  openInProvider(url: string): Promise<void>;
  providerSetups(): Promise<ProviderSetup[]>;
  saveProviderSetup(integration: Integration, input: SetupInput): Promise<ProviderSetup[]>;
  clearProviderSetup(integration: Integration): Promise<ProviderSetup[]>;
  switchAccount(integration: Integration, accountId: string): Promise<void>;
  onConnectionChanged(listener: (event: ConnectionChanged) => void): Promise<Unlisten>;
  onLoadProgress(listener: (event: LoadProgressEvent) => void): Promise<Unlisten>;
}

/** Turns anything thrown into readable text. */
export function describeError(error: unknown): string {
  if (error instanceof BackendError) return error.body.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
