// Settings → "Keep my data up to date": off, hourly or daily — a systemd user timer runs
// `inlet sync --all` with the window closed — and when it runs next and what it did last.
import { describeError, type Backend, type Frequency, type ScheduleStatus } from "../backend";
import { el, formatTime } from "../format";

const CHOICES: [Frequency, string][] = [
  ["off", "Off: only when I press Reload"],
  ["hourly", "Every hour"],
  ["daily", "Every day"],
];

/** The section, filled in once the backend says how the schedule stands. */
export function scheduleSection(doc: Document, backend: Backend, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "schedule");
  section.setAttribute("aria-label", "Keep my data up to date");
  const choice = el(doc, "select");
  choice.setAttribute("aria-label", "How often to keep my data up to date");
  for (const [value, label] of CHOICES) choice.append(Object.assign(el(doc, "option", label), { value }));
  const lines = el(doc, "div", undefined, "notice");
  const notifyBox = Object.assign(el(doc, "input"), { type: "checkbox" });
  const notifyLabel = el(doc, "label", undefined, "field");
  notifyLabel.append(notifyBox, el(doc, "span", "Show a notification when something changed or needs me"));
  const show = (status: ScheduleStatus) => {
    choice.value = status.frequency;
    choice.disabled = status.unavailable !== null;
    notifyBox.checked = status.notify;
    notifyLabel.hidden = status.frequency === "off";
    const said: HTMLElement[] = [];
    if (status.unavailable) said.push(el(doc, "p", `Not available here: ${status.unavailable}`));
    if (status.next_run) said.push(el(doc, "p", `Next run: ${formatTime(status.next_run)}`));
    const last = status.last_run;
    if (last) {
      const line = el(doc, "p", `Last run: ${formatTime(last.at)} — ${last.ok ? "" : "needs a look: "}${last.summary}`, last.ok ? "" : "warning");
      said.push(line);
    }
    lines.replaceChildren(...said);
  };
  choice.addEventListener("change", () => {
    const frequency = choice.value as Frequency;
    backend.setSchedule(frequency).then(
      (status) => {
        show(status);
        notify(frequency === "off" ? "Inlet no longer updates your data on its own." : `Inlet keeps your data up to date ${frequency === "hourly" ? "every hour" : "every day"}, with the window closed too.`);
      },
      (error) => notify(describeError(error)),
    );
  });
  notifyBox.addEventListener("change", () => {
    backend.setScheduleNotifications(notifyBox.checked).then(show, (error) => notify(describeError(error)));
  });
  backend.scheduleStatus().then(show, (error) => lines.replaceChildren(el(doc, "p", describeError(error))));
  section.append(el(doc, "h3", "Keep my data up to date"), choice, notifyLabel, lines);
  return section;
}
