// Settings → "Local API": Inlet's read-only MCP tools over HTTP on 127.0.0.1 for tools that cannot
// launch a process — off until turned on here (remembered), each client with a key of its own
// (which goes to the clipboard, never onto the screen), signed requests or a bearer key,
// rate-limited per client.
import { describeError, type Backend, type LocalApiStatus, type LocalClient } from "../backend";
import { el } from "../format";

/** The section, filled in once the backend says how the local API stands. */
export function localApiSection(doc: Document, backend: Backend, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "local-api");
  section.setAttribute("aria-label", "Local API");
  const on = Object.assign(el(doc, "input"), { type: "checkbox" });
  on.setAttribute("aria-label", "Serve the local API");
  const switchLabel = el(doc, "label", undefined, "field inline");
  switchLabel.append(on, el(doc, "span", "Serve Inlet's read-only tools to local programs over HTTP"));
  const where = el(doc, "p", "", "notice");
  const list = el(doc, "ul", undefined, "local-clients");
  list.setAttribute("aria-label", "Clients of the local API");
  const name = Object.assign(el(doc, "input"), { name: "client_name", placeholder: "a name for the client", autocomplete: "off", spellcheck: false });
  name.setAttribute("aria-label", "New client's name");
  const bearer = Object.assign(el(doc, "input"), { type: "checkbox" });
  bearer.setAttribute("aria-label", "It sends its key as a bearer token");
  const bearerLabel = el(doc, "label", undefined, "field inline");
  bearerLabel.append(bearer, el(doc, "span", "It can only send its key as a bearer token (most MCP clients); otherwise it signs each request"));
  const add = el(doc, "button", "Add client");
  add.type = "button";

  const client = (c: LocalClient): HTMLElement => {
    const item = el(doc, "li", `${c.name} — ${c.proof === "signed" ? "signs each request" : "sends its key as a bearer token"} `);
    const remove = el(doc, "button", `Remove ${c.name}`);
    remove.type = "button";
    remove.addEventListener("click", () => {
      backend.removeLocalClient(c.name).then(
        (now) => {
          show(now);
          notify(`${c.name} is removed: its key no longer opens the local API.`);
        },
        (error) => notify(describeError(error)),
      );
    });
    item.append(remove);
    return item;
  };

  const show = (now: LocalApiStatus) => {
    on.checked = now.url !== null;
    where.textContent = now.url
      ? `Listening at ${now.url} (this computer only); each client may send ${now.per_minute} requests a minute.`
      : "Off. Programs that can launch a command use `inlet mcp` instead (above).";
    list.replaceChildren(...now.clients.map(client));
    if (now.clients.length === 0) list.append(el(doc, "li", "No client yet."));
  };

  on.addEventListener("change", () => {
    on.disabled = true;
    backend.setLocalApi(on.checked).then(
      (now) => {
        on.disabled = false;
        show(now);
        notify(now.url ? `The local API listens at ${now.url}.` : "The local API is off.");
      },
      (error) => {
        on.disabled = false;
        on.checked = !on.checked;
        notify(describeError(error));
      },
    );
  });
  add.addEventListener("click", () => {
    const wanted = name.value.trim();
    if (!wanted) return notify("Give the client a name first.");
    backend.addLocalClient(wanted, bearer.checked).then(
      (now) => {
        name.value = "";
        show(now);
        notify(`${wanted} is added; its key is on the clipboard — paste it into the client's settings now (it is not shown again).`);
      },
      (error) => notify(describeError(error)),
    );
  });
  backend.localApiStatus().then(show, (error) => (where.textContent = describeError(error)));
  const adding = el(doc, "div", undefined, "add-client");
  adding.append(name, bearerLabel, add);
  section.append(el(doc, "h3", "Local API"), switchLabel, where, list, adding);
  return section;
}
