// The connection cards: Live or Sandbox, the account, connected since, last load, and actions.
import type { ApiUsage, Integration, IntegrationStatus } from "../backend";
import { el, formatCount } from "../format";
import { age } from "../model";
import type { AppState, Store } from "../store";

export interface CardActions {
  connect(integration: Integration): void;
  disconnect(integration: Integration): void;
  load(integration: Integration): void;
  /** Loads every record too, where records come on demand (asking first where calls are capped). */
  loadAllRecords(integration: Integration): void;
  /** A full load again, where a Reload syncs only what changed. */
  loadEverything(integration: Integration): void;
  /** Says which plan the account is on (`null`: not known). */
  setPlan(integration: Integration, plan: string | null): void;
  cancel(integration: Integration): void;
  switchAccount(integration: Integration, accountId: string): void;
  /** Starts the built-in sandbox for the providers without client credentials. */
  useSandbox(): void;
}

/** Renders the cards whenever the statuses, sign-ins or loads change. */
export function mountCards(doc: Document, list: HTMLElement, store: Store<AppState>, actions: CardActions): void {
  store.subscribe((s, p) => {
    if (s.statuses !== p.statuses || s.busy !== p.busy || s.loading !== p.loading) renderCards(doc, list, s.statuses, s.busy, s.loading, actions);
  });
}

export function renderCards(doc: Document, list: HTMLElement, statuses: IntegrationStatus[], busy: ReadonlySet<Integration>, loading: ReadonlySet<Integration>, actions: CardActions): void {
  // Re-rendering replaces the buttons: keep the keyboard focus on the one that had it (by its
  // label; "Load" becoming "Cancel loading" hands the focus to the card's first button).
  const focused = doc.activeElement instanceof HTMLElement && list.contains(doc.activeElement) ? doc.activeElement : null;
  const label = focused?.getAttribute("aria-label") ?? null;
  const cardOf = focused?.closest<HTMLElement>("[data-integration]")?.dataset.integration ?? null;
  list.replaceChildren(...statuses.map((status) => card(doc, status, busy.has(status.integration), loading.has(status.integration), actions)));
  if (focused) {
    const again =
      [...list.querySelectorAll<HTMLElement>("button, select")].find((b) => b.getAttribute("aria-label") === label) ??
      list.querySelector<HTMLElement>(`[data-integration="${cardOf}"] button:not(:disabled)`);
    again?.focus();
  }
}

function card(doc: Document, status: IntegrationStatus, busy: boolean, loading: boolean, actions: CardActions): HTMLLIElement {
  const item = el(doc, "li", undefined, "card");
  item.dataset.integration = status.integration;
  const title = el(doc, "h3", status.name);
  if (status.mode) title.append(el(doc, "span", status.mode === "sandbox" ? "Sandbox" : "Live", `badge ${status.mode}`));
  if (status.endpoint_overrides.length) {
    // Tokens go wherever an override points: it must never be in force unnoticed.
    const badge = el(doc, "span", "Endpoint override", "badge override");
    badge.title = `${status.name} talks to endpoints set in the environment or .env:\n${status.endpoint_overrides.join("\n")}`;
    badge.setAttribute("role", "note");
    title.append(badge);
  }
  item.append(title);
  let line = "Not connected";
  if (!status.mode) line = "Not set up: add your client id in Settings, or try the sandbox";
  else if (status.reconnect_needed) line = "Reconnect needed";
  else if (status.account) line = `Connected as ${status.account.label}`;
  else if (busy) line = "Waiting for the browser…";
  item.append(el(doc, "p", line, "account"));
  if (status.accounts.length > 1 && status.account) {
    const switcher = el(doc, "select");
    switcher.setAttribute("aria-label", `${status.name} account`);
    for (const account of status.accounts) switcher.append(Object.assign(el(doc, "option", account.label), { value: account.id }));
    switcher.value = status.account.id;
    switcher.addEventListener("change", () => actions.switchAccount(status.integration, switcher.value));
    item.append(switcher);
  }
  const facts: string[] = [];
  if (status.connected_at) facts.push(`connected ${age(status.connected_at)}`);
  if (status.last_load) facts.push(`last load ${age(status.last_load)}`);
  if (facts.length) item.append(el(doc, "p", facts.join(" · "), "facts"));
  for (const sentence of status.left_out ?? []) item.append(el(doc, "p", sentence, "notice left-out"));
  if (status.usage && status.account) item.append(...usageLine(doc, status.name, status.usage, (plan) => actions.setPlan(status.integration, plan)));
  const buttons = el(doc, "div", undefined, "actions");
  const button = (label: string, aria: string, onClick: () => void, disabled = false) => {
    const b = el(doc, "button", label);
    b.type = "button";
    b.setAttribute("aria-label", aria);
    b.disabled = disabled;
    b.addEventListener("click", onClick);
    buttons.append(b);
  };
  // While a sign-in waits for the browser, Connect stays available: a closed tab must not block
  // a new attempt (the backend replaces the pending one).
  const connectLabel = busy ? "Start over" : status.connected ? "Reconnect" : "Connect";
  button(connectLabel, `${connectLabel} ${status.name}`, () => actions.connect(status.integration), !status.mode);
  if (!status.mode) button("Try the sandbox", `Try ${status.name} with the sandbox`, () => actions.useSandbox());
  if (status.connected && loading) {
    button("Cancel", `Cancel loading ${status.name}`, () => actions.cancel(status.integration));
  } else if (status.connected) {
    // Once something was loaded (this session or cached), the same action reloads it.
    const label = status.last_load ? "Reload" : "Load";
    button(label, `${label} ${status.name} items`, () => actions.load(status.integration), status.reconnect_needed);
    // Where Reload fetches only what changed, a full load stays one click away.
    if (status.last_load && status.capabilities.syncs) {
      button("Load everything again", `Load every ${status.name} item again`, () => actions.loadEverything(status.integration), status.reconnect_needed);
    }
    if (status.capabilities.records_of.length > 0) {
      button("Load all records", `Load every record of every ${status.name} base`, () => actions.loadAllRecords(status.integration), status.reconnect_needed);
    }
  }
  if (status.connected) button("Disconnect", `Disconnect ${status.name}`, () => actions.disconnect(status.integration));
  item.append(buttons);
  return item;
}

/**
 * The account's API calls this month (Airtable caps a workspace's), what the plan allows, and
 * a choice of plan — the provider's API does not say which one the workspace is on.
 */
function usageLine(doc: Document, name: string, usage: ApiUsage, setPlan: (plan: string | null) => void): HTMLElement[] {
  let text = `${formatCount(usage.calls)} API ${usage.calls === 1 ? "call" : "calls"} by Inlet this month`;
  if (usage.plan_calls !== null) text += ` · the plan allows ${formatCount(usage.plan_calls)} a month per workspace, shared with its other integrations`;
  const line = el(doc, "p", text, "usage");
  line.dataset.calls = String(usage.calls);
  const out: HTMLElement[] = [line];
  if (usage.quota_met_at) {
    const met = new Date(usage.quota_met_at).toLocaleDateString(undefined, { day: "numeric", month: "long" });
    const warning = el(doc, "p", `${name} refused calls on ${met}: this month's API calls are spent — records loads wait for the month to turn.`, "usage warning");
    warning.setAttribute("role", "note");
    out.push(warning);
  }
  const plan = el(doc, "select");
  plan.setAttribute("aria-label", `${name} plan`);
  plan.append(Object.assign(el(doc, "option", "Plan: not set"), { value: "" }));
  for (const choice of usage.plans) {
    const cap = choice.monthly_calls === null ? "no monthly cap" : `${formatCount(choice.monthly_calls)} calls a month`;
    plan.append(Object.assign(el(doc, "option", `Plan: ${choice.label} (${cap})`), { value: choice.id }));
  }
  plan.value = usage.plan ?? "";
  plan.addEventListener("change", () => setPlan(plan.value === "" ? null : plan.value));
  out.push(plan);
  return out;
}
