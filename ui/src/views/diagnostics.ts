// The Settings page's "Diagnostics" part: how much the log says (saved by the backend), where
// its files are, and "Copy diagnostics" — versions, the platform, settings without secrets and
// the last log lines — for a bug report.
import { describeError, type Backend, type LogLevel, type LogSettings } from "../backend";
import { el } from "../format";

const LEVELS: [LogLevel, string][] = [
  ["error", "Errors only"],
  ["warn", "Errors and warnings"],
  ["info", "What Inlet does (default)"],
  ["debug", "Every step"],
  ["trace", "Every request"],
];

export function diagnosticsSection(doc: Document, backend: Backend, settings: LogSettings, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "diagnostics");
  section.setAttribute("aria-label", "Diagnostics");
  const level = el(doc, "select");
  level.name = "log_level";
  level.setAttribute("aria-label", "Log level");
  for (const [value, label] of LEVELS) level.append(Object.assign(el(doc, "option", label), { value }));
  level.value = settings.level;
  level.addEventListener("change", () => {
    backend.setLogLevel(level.value as LogLevel).then(
      (saved) => notify(saved.overridden_by ? `Log level saved; ${saved.overridden_by} decides while it is set.` : "Log level saved."),
      (error) => notify(describeError(error)),
    );
  });
  const wrap = el(doc, "label", undefined, "field");
  wrap.append(el(doc, "span", "Log level"), level);
  const notes = [el(doc, "p", settings.folder ? `Log files: ${settings.folder}` : "The log goes to standard error only (no data folder).", "notice")];
  if (settings.overridden_by) notes.push(el(doc, "p", `${settings.overridden_by} is set: it decides the level while it is.`, "notice"));
  const copy = el(doc, "button", "Copy diagnostics");
  copy.type = "button";
  copy.setAttribute("aria-label", "Copy diagnostics: versions, settings without secrets, the last log lines");
  copy.addEventListener("click", () => {
    backend
      .diagnostics()
      .then((text) => doc.defaultView?.navigator.clipboard.writeText(text))
      .then(
        () => notify("Diagnostics copied: paste them into your report."),
        (error) => notify(error instanceof Error && error.name !== "BackendError" ? "The clipboard is not available." : describeError(error)),
      );
  });
  section.append(el(doc, "h3", "Diagnostics"), ...notes, wrap, copy);
  return section;
}
