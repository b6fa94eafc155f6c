// The Backend over Tauri IPC, through the generated bindings.
import { commands, events } from "./bindings";
import { BackendError, type Backend, type ErrorBody } from "./backend";

type Outcome<T> = { status: "ok"; data: T } | { status: "error"; error: ErrorBody };

function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.status === "error") throw new BackendError(outcome.error);
  return outcome.data;
}

export const tauriBackend: Backend = {
  listIntegrations: async () => unwrap(await commands.listIntegrations()),
  connect: async (integration) => unwrap(await commands.connect(integration)),
  disconnect: async (integration) => unwrap(await commands.disconnect(integration)),
  credentials: async (integration) => unwrap(await commands.credentials(integration)),
  load: async (integration) => unwrap(await commands.load(integration)),
  cancelLoad: (integration) => commands.cancelLoad(integration),
  loadAirtableRecords: async (baseId, tableId) => unwrap(await commands.loadAirtableRecords(baseId, tableId)),
  cachedItems: async () => unwrap(await commands.cachedItems()),
  exportItems: async (keys, format) => unwrap(await commands.exportItems(keys, format)),
  openInProvider: async (url) => {
    unwrap(await commands.openInProvider(url));
  },
  providerSetups: async () => unwrap(await commands.providerSetups()),
  saveProviderSetup: async (integration, input) => unwrap(await commands.saveProviderSetup(integration, input)),
  clearProviderSetup: async (integration) => unwrap(await commands.clearProviderSetup(integration)),
  switchAccount: async (integration, accountId) => {
    unwrap(await commands.switchAccount(integration, accountId));
  },
  onConnectionChanged: (listener) => events.connectionChanged.listen((e) => listener(e.payload)),
  onLoadProgress: (listener) => events.loadProgressEvent.listen((e) => listener(e.payload)),
};
