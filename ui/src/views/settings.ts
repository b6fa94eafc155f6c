// The Settings page: per provider, the client id and secret (saved in the keychain by the
// backend; the secret is never shown back), the redirect URI to register with a copy button, the
// transport, and a link to the provider's developer portal.
import { describeError, type Backend, type Integration, type LogSettings, type ProviderSetup } from "../backend";
import { el } from "../format";
import { diagnosticsSection } from "./diagnostics";
import { fileStoreSection } from "./file-store";
import { assistantsSection } from "./assistants";
import { localApiSection } from "./local-api";
import { retentionSection } from "./retention";
import { scheduleSection } from "./schedule";

const DEEP_LINK = "inlet://oauth/callback";
const SOURCE: Record<ProviderSetup["source"], string> = {
  environment: "Set in the environment (.env) — edit it there",
  keychain: "Saved in the system keychain",
  sandbox: "Using the built-in sandbox",
  none: "Not configured",
};

export class SettingsView {
  private log: LogSettings | null = null;
  /** What each connection's loads leave out for want of an optional scope. */
  private leftOut = new Map<string, string[]>();

  constructor(
    private readonly doc: Document,
    private readonly root: HTMLElement,
    private readonly backend: Backend,
    private readonly notify: (message: string) => void,
    private readonly changed: () => void,
  ) {}

  async open(): Promise<void> {
    this.root.hidden = false;
    try {
      this.log = await this.backend.logSettings();
      const statuses = await this.backend.listIntegrations();
      this.leftOut = new Map(statuses.map((s) => [s.integration, s.left_out]));
      this.render(await this.backend.providerSetups());
    } catch (error) {
      this.notify(describeError(error));
    }
  }

  close(): void {
    this.root.hidden = true;
  }

  private render(setups: ProviderSetup[]): void {
    const heading = el(this.doc, "h2", "Settings");
    heading.id = "settings-title";
    const close = el(this.doc, "button", "Close settings");
    close.type = "button";
    close.addEventListener("click", () => this.close());
    const intro = el(this.doc, "p", "Register an app with each provider, then enter its client id and secret here. They are kept in your system keychain, never in a file.", "notice");
    const diagnostics = this.log ? [diagnosticsSection(this.doc, this.backend, this.log, this.notify)] : [];
    const files = fileStoreSection(this.doc, this.backend, this.notify);
    const schedule = scheduleSection(this.doc, this.backend, this.notify);
    const history = retentionSection(this.doc, this.backend, this.notify);
    const assistants = assistantsSection(this.doc, this.backend, this.notify);
    const localApi = localApiSection(this.doc, this.backend, this.notify);
    this.root.replaceChildren(heading, intro, ...setups.map((s) => this.form(s)), schedule, history, files, assistants, localApi, ...diagnostics, close);
  }

  private form(setup: ProviderSetup): HTMLElement {
    const doc = this.doc;
    const form = el(doc, "form", undefined, "provider-setup");
    form.dataset.integration = setup.integration;
    form.setAttribute("aria-label", `${setup.name} settings`);
    const title = el(doc, "h3", setup.name);
    if (setup.mode) title.append(el(doc, "span", setup.mode === "live" ? "Live" : "Sandbox", `badge ${setup.mode}`));
    const locked = setup.source === "environment";
    const field = (label: string, input: HTMLInputElement | HTMLSelectElement) => {
      const wrap = el(doc, "label", undefined, "field");
      wrap.append(el(doc, "span", label), input);
      return wrap;
    };
    const clientId = Object.assign(el(doc, "input"), { name: "client_id", value: setup.client_id ?? "", disabled: locked, autocomplete: "off", spellcheck: false });
    const secret = Object.assign(el(doc, "input"), {
      name: "client_secret",
      type: "password",
      disabled: locked,
      autocomplete: "off",
      placeholder: setup.has_client_secret ? "saved — leave empty to keep it" : setup.secret_required ? "required" : "optional (public client)",
    });
    const transport = el(doc, "select");
    transport.name = "transport";
    transport.disabled = locked || setup.loopback_only;
    transport.append(
      Object.assign(el(doc, "option", `Loopback (${setup.default_redirect.replace(/:\d+\/.*$/, "")}…)`), { value: "loopback" }),
      Object.assign(el(doc, "option", "Deep link (inlet://, or your https page)"), { value: "deep-link" }),
    );
    transport.value = setup.transport;
    const redirect = Object.assign(el(doc, "input"), { name: "redirect_uri", value: setup.redirect_uri, disabled: locked, spellcheck: false });
    transport.addEventListener("change", () => {
      redirect.value = transport.value === "deep-link" ? DEEP_LINK : setup.default_redirect;
    });
    const copy = el(doc, "button", "Copy redirect URI");
    copy.type = "button";
    copy.addEventListener("click", () => {
      void doc.defaultView?.navigator.clipboard.writeText(redirect.value).then(
        () => this.notify(`Copied ${redirect.value}`),
        () => this.notify("The clipboard is not available."),
      );
    });
    const portal = el(doc, "button", "Open the developer portal");
    portal.type = "button";
    portal.addEventListener("click", () => void this.backend.openInProvider(setup.developer_portal).catch((e) => this.notify(describeError(e))));
    const save = el(doc, "button", "Save");
    save.type = "submit";
    save.disabled = locked;
    const clear = el(doc, "button", "Remove saved credentials");
    clear.type = "button";
    clear.hidden = setup.source !== "keychain";
    clear.addEventListener("click", () => void this.run(() => this.backend.clearProviderSetup(setup.integration), `${setup.name} is back on the sandbox.`));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.run(
        () => this.backend.saveProviderSetup(setup.integration as Integration, { client_id: clientId.value, client_secret: secret.value || null, redirect_uri: redirect.value || null }),
        `${setup.name} settings saved.`,
      );
    });
    const notes = [
      el(doc, "p", SOURCE[setup.source], "notice"),
      el(doc, "p", `Scopes to enable: ${setup.scopes.length ? setup.scopes.join(" ") : "none (pages are picked when connecting)"}`, "notice"),
    ];
    for (const sentence of this.leftOut.get(setup.integration) ?? []) notes.push(el(doc, "p", sentence, "notice left-out"));
    if (setup.loopback_only) notes.push(el(doc, "p", `${setup.name} accepts only loopback redirect URIs.`, "notice"));
    const buttons = el(doc, "div", undefined, "actions");
    buttons.append(save, clear, copy, portal);
    form.append(title, ...notes, field("Client id", clientId), field("Client secret", secret), field("Redirect transport", transport), field("Redirect URI to register", redirect), buttons);
    return form;
  }

  private async run(action: () => Promise<ProviderSetup[]>, done: string): Promise<void> {
    try {
      this.render(await action());
      this.notify(done);
      this.changed();
    } catch (error) {
      this.notify(describeError(error));
    }
  }
}
