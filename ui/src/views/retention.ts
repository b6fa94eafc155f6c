// Settings → "History of changes": how long every change is kept (then one a day per item until
// three months, then one a week) and the room the history takes.
import { describeError, type Backend, type HistorySpace } from "../backend";
import { el, formatBytes, formatCount, formatTime } from "../format";

/** The times offered, in days. */
const CHOICES: [number, string][] = [
  [7, "a week"],
  [30, "30 days (default)"],
  [90, "three months"],
  [365, "a year"],
  [3650, "ten years"],
];

/** The section, filled in once the backend says what the history holds. */
export function retentionSection(doc: Document, backend: Backend, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "retention");
  section.setAttribute("aria-label", "History of changes");
  const choice = el(doc, "select");
  choice.setAttribute("aria-label", "Keep every change for");
  for (const [days, label] of CHOICES) choice.append(Object.assign(el(doc, "option", label), { value: String(days) }));
  const summary = el(doc, "p", "Reading the history…", "notice");
  const show = (space: HistorySpace) => {
    const days = space.days;
    if (!CHOICES.some(([d]) => d === days)) choice.append(Object.assign(el(doc, "option", `${days} days`), { value: String(days) }));
    choice.value = String(days);
    // Counts come as JSON numbers (the bindings allow null, as for any float).
    const [count, bytes] = [space.revisions ?? 0, space.bytes ?? 0];
    const since = space.oldest ? `, since ${formatTime(space.oldest)}` : "";
    const whole = formatBytes(space.store_bytes ?? 0);
    summary.textContent = `Then one change a day per item until ${Math.max(space.daily_until_days, days)} days, then one a week. ${formatCount(count)} ${count === 1 ? "change" : "changes"} kept, ${formatBytes(bytes)}${since}; all your stored data takes ${whole}.`;
  };
  choice.addEventListener("change", () => {
    backend.setRetentionDays(Number(choice.value)).then(
      (space) => {
        show(space);
        notify(`Inlet keeps every change for ${space.days} days.`);
      },
      (error) => notify(describeError(error)),
    );
  });
  backend.historySpace().then(show, (error) => (summary.textContent = describeError(error)));
  const label = el(doc, "label", undefined, "field");
  label.append(el(doc, "span", "Keep every change for"), choice);
  section.append(el(doc, "h3", "History of changes"), label, summary);
  return section;
}
