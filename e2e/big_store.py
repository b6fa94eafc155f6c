"""The real window over a big item store (`make bench`): idle memory of every process of the app
(PSS, WebKit's included) with no items and with the seeded ones, a keystroke in the search box →
rows repainted, and memory after the searches. Prints a table; figures also in
artifacts/app-bench.json. Timings are reported, never asserted."""
import json
import os
import statistics
import time

from deep_link import ARTIFACTS, APP, with_app
from memory import report, tree_pss_kb

COUNT = int(os.environ["INLET_BIG_ITEMS"])
EMPTY, FULL = os.environ["INLET_EMPTY_DIR"], os.environ["INLET_FULL_DIR"]
IDLE_SECONDS = 10


def app_pss_mb(figures=None, label=""):
    """PSS of the app and every process under it (WebKit's web and network processes); with
    `figures`, also the app's own process and WebKit's web process under `label`."""
    name = os.path.basename(APP)[:15]
    roots = [int(p) for p in os.listdir("/proc") if p.isdigit() and _name(p) == name]
    tree = tree_pss_kb(roots)
    if figures is not None:
        own = sum(kb for pid, (_, kb) in tree.items() if pid in roots)
        web = sum(kb for comm, kb in tree.values() if comm.startswith("WebKitWebProces"))
        figures[f"{label}: of which the app's own process (MB)"] = round(own / 1024, 1)
        figures[f"{label}: of which WebKit's web process (MB)"] = round(web / 1024, 1)
    return round(sum(kb for _, kb in tree.values()) / 1024, 1)


def _name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


KEYSTROKE = """
const [typed] = arguments;
const search = document.getElementById('search');
window.__repainted = null;
const start = performance.now();
search.value = typed;
search.dispatchEvent(new Event('input'));
const want = typed.split(' ').pop();
const check = () => {
  const rows = [...document.querySelectorAll('.grid-row[data-key]')];
  const count = document.getElementById('item-count').textContent;
  if (rows.length && rows.every(r => r.textContent.includes(want)) && count.includes(' of ')) {
    requestAnimationFrame(() => { window.__repainted = performance.now() - start; });
  } else {
    requestAnimationFrame(check);
  }
};
requestAnimationFrame(check);
"""


def keystroke(d, typed):
    d.execute(KEYSTROKE.replace("const [typed] = arguments;", f"const typed = {json.dumps(typed)};"))
    return d.wait_for(f"rows for {typed!r}", lambda: d.execute("return window.__repainted"), timeout=60)


def run(name, data_dir, count, figures):
    def steps(d):
        want = f"{count:,} items"
        d.wait_for(want, lambda: d.text("#item-count").startswith(want), timeout=120)
        time.sleep(IDLE_SECONDS)
        figures[f"{name}: idle PSS, all processes (MB)"] = app_pss_mb(figures, f"{name}, idle")
        if count == 0:
            return
        times = []
        for n in range(5):
            keystroke(d, f"hubspot-b contact 42{n}")  # the keystroke before
            times.append(keystroke(d, f"hubspot-b contact 42{n}2"))
        figures[f"{name}: search keystroke → rows repainted, median of 5 (ms)"] = round(statistics.median(times), 1)
        figures[f"{name}: slowest keystroke (ms)"] = round(max(times), 1)
        time.sleep(IDLE_SECONDS)
        figures[f"{name}: PSS after the searches (MB)"] = app_pss_mb(figures, f"{name}, after the searches")
        d.screenshot(f"big-store-{name}.png")

    with_app(f"bench-{name}", steps, data_dir)


def main():
    figures = {}
    run("no items", EMPTY, 0, figures)
    run(f"{COUNT:,} items", FULL, COUNT, figures)
    empty = figures["no items: idle PSS, all processes (MB)"]
    full = figures[f"{COUNT:,} items: idle PSS, all processes (MB)"]
    figures["idle memory ratio (items / none)"] = round(full / empty, 2)
    report(figures, ARTIFACTS, "app-bench.json")


if __name__ == "__main__":
    main()
