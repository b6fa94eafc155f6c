// Settings → "Assistants and other tools": which stored accounts an AI assistant may read through
// Inlet's MCP server (`inlet mcp`; every account is closed until opened here), the configuration
// to paste into an MCP client, and the data folder whose SQLite file other tools open read-only.
import { describeError, type AssistantAccess, type Backend, type ReadableAccount } from "../backend";
import { el, formatTime } from "../format";

const PROVIDERS: Record<string, string> = { airtable: "Airtable", notion: "Notion", hubspot: "HubSpot" };

/** The section, filled in once the backend says which accounts are stored. */
export function assistantsSection(doc: Document, backend: Backend, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "assistants");
  section.setAttribute("aria-label", "Assistants and other tools");
  const intro = el(
    doc,
    "p",
    "An AI assistant (Claude Desktop, an editor, any MCP client) can read your stored data through Inlet — read-only, on this computer, with no call to the providers. It reads only the accounts you open to it here.",
    "notice",
  );
  const list = el(doc, "ul", undefined, "assistant-accounts");
  list.setAttribute("aria-label", "Accounts assistants may read");
  const config = el(doc, "pre", undefined, "client-config");
  config.setAttribute("aria-label", "MCP client configuration");
  const copy = el(doc, "button", "Copy configuration");
  copy.type = "button";
  const folder = el(doc, "p", undefined, "notice data-folder");
  const open = el(doc, "button", "Open data folder");
  open.type = "button";
  let access: AssistantAccess | null = null;

  const row = (account: ReadableAccount): HTMLElement => {
    const item = el(doc, "li");
    const label = el(doc, "label", undefined, "field inline");
    const box = Object.assign(el(doc, "input"), { type: "checkbox", checked: account.readable });
    const name = `${PROVIDERS[account.key.integration] ?? account.key.integration} — ${account.account}`;
    box.setAttribute("aria-label", `Assistants may read ${name}`);
    box.addEventListener("change", () => {
      box.disabled = true;
      backend.setAssistantAccess(account.key, box.checked).then(
        (now) => {
          show(now);
          notify(box.checked ? `Assistants may now read ${name}.` : `${name} is closed to assistants.`);
        },
        (error) => {
          box.checked = !box.checked;
          box.disabled = false;
          notify(describeError(error));
        },
      );
    });
    const loaded = account.loaded_at ? ` · loaded ${formatTime(account.loaded_at)}` : "";
    label.append(box, el(doc, "span", `${name}${loaded}`));
    item.append(label);
    return item;
  };

  const show = (now: AssistantAccess) => {
    access = now;
    list.replaceChildren(...now.accounts.map(row));
    if (now.accounts.length === 0) list.append(el(doc, "li", "No account is stored yet: load one first."));
    config.textContent = now.client_config ?? `Not available here: ${now.unavailable ?? "the inlet command is not installed beside the app"}.`;
    copy.disabled = now.client_config === null;
    folder.textContent = now.store_file ? `Your data: ${now.store_file} (its SQL views: docs/schema.md; \`inlet sql\` reads them).` : "Inlet keeps no data folder in this session.";
    open.disabled = now.data_folder === null;
  };

  copy.addEventListener("click", () => {
    const text = access?.client_config;
    if (!text) return;
    navigator.clipboard.writeText(text).then(
      () => notify("The configuration is copied: paste it into your MCP client's settings."),
      () => notify("Copying is not allowed here: select the configuration and copy it."),
    );
  });
  open.addEventListener("click", () => {
    backend.openDataFolder().catch((error) => notify(describeError(error)));
  });
  backend.assistantAccess().then(show, (error) => (intro.textContent = describeError(error)));
  section.append(el(doc, "h3", "Assistants and other tools"), intro, list, el(doc, "p", "Add Inlet to an MCP client:", "notice"), config, copy, folder, open);
  return section;
}
