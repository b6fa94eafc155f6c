// Settings → "Files kept on this computer": what the file store holds, how much space it takes,
// and its cap (downloads stop at the cap; what is kept stays).
import { describeError, type Backend, type FileUsage } from "../backend";
import { el, formatBytes, formatCount } from "../format";

/** The caps offered, in megabytes (null: the default, 10 GB). */
const CAPS: [string, number | null][] = [
  ["1 GB", 1_000],
  ["5 GB", 5_000],
  ["10 GB (default)", null],
  ["50 GB", 50_000],
  ["200 GB", 200_000],
];

/** The section, filled in once the backend says what the store holds. */
export function fileStoreSection(doc: Document, backend: Backend, notify: (message: string) => void): HTMLElement {
  const section = el(doc, "section", undefined, "file-store");
  section.setAttribute("aria-label", "Files kept on this computer");
  const summary = el(doc, "p", "Reading the file store…", "notice");
  const cap = el(doc, "select");
  cap.setAttribute("aria-label", "Most the file store may hold");
  for (const [label, megabytes] of CAPS) cap.append(Object.assign(el(doc, "option", label), { value: megabytes === null ? "" : String(megabytes) }));
  const show = (usage: FileUsage) => {
    // Counts come as JSON numbers (the bindings allow null, as for any float).
    const [count, bytes, most] = [usage.count ?? 0, usage.bytes ?? 0, usage.cap ?? 0];
    summary.textContent = `${formatCount(count)} ${count === 1 ? "file" : "files"}, ${formatBytes(bytes)} of ${formatBytes(most)}, in ${usage.dir}`;
    const chosen = CAPS.find(([, megabytes]) => megabytes !== null && megabytes * 1_000_000 === most);
    cap.value = chosen ? String(chosen[1]) : "";
  };
  cap.addEventListener("change", () => {
    const megabytes = cap.value === "" ? null : Number(cap.value);
    backend.setFileCap(megabytes).then(
      (usage) => {
        show(usage);
        notify(`The file store may hold up to ${formatBytes(usage.cap ?? 0)}.`);
      },
      (error) => notify(describeError(error)),
    );
  });
  backend.fileUsage().then(show, (error) => (summary.textContent = describeError(error)));
  section.append(el(doc, "h3", "Files kept on this computer"), summary, cap);
  return section;
}
