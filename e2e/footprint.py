"""Light and quick (`make bench-footprint`): the release Inlet (as packaged) and a minimal Tauri 2
window built with the same crates, each started cold RUNS times under Xvfb: the time from launch
to the first painted window (the window's pixels are no longer one colour), and the memory of the
app and every process under it (PSS, WebKit's included) IDLE seconds after start. Medians; the
ratio Inlet / minimal beside each. Figures also in artifacts/footprint.json. Reported, never
asserted."""
import os
import statistics
import subprocess
import tempfile
import time

from memory import report, tree_pss_kb

RUNS = int(os.environ.get("INLET_FOOTPRINT_RUNS", "5"))
IDLE = 15
ARTIFACTS = os.environ["INLET_ARTIFACTS"]
APPS = [("Inlet", os.environ["INLET_APP"], "Inlet"), ("minimal Tauri window", os.environ["INLET_MINIMAL"], "Minimal")]


def pss_mb(root):
    """PSS of `root` and every process under it, and of WebKit's web process alone."""
    tree = tree_pss_kb([root]).values()
    total = sum(kb for _, kb in tree)
    web = sum(kb for name, kb in tree if name.startswith("WebKitWebProces"))
    return round(total / 1024, 1), round(web / 1024, 1)


def painted(window):
    """Whether the window shows more than one colour (anything drawn)."""
    out = subprocess.run(["import", "-window", window, "-format", "%k", "info:"], capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip().isdigit() and int(out.stdout.strip()) > 1


def one_run(binary, title):
    data_dir = tempfile.mkdtemp(prefix="inlet-footprint-")
    env = dict(os.environ, INLET_DATA_DIR=data_dir, INLET_KEYCHAIN_SERVICE=f"dev.inlet.footprint.{os.getpid()}")
    started = time.monotonic()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        window = None
        while window is None and time.monotonic() - started < 60:
            ids = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                                 capture_output=True, text=True).stdout.split()
            window = ids[0] if ids else None
            if window is None:
                time.sleep(0.01)
        paint = None
        while window and paint is None and time.monotonic() - started < 60:
            if painted(window):
                paint = time.monotonic() - started
        time.sleep(max(0.0, IDLE - (time.monotonic() - started)))
        memory = pss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        subprocess.run(["rm", "-rf", data_dir])
    return paint, memory


def main():
    figures = {}
    for name, binary, title in APPS:
        runs = [one_run(binary, title) for _ in range(RUNS)]
        paints = [p for p, _ in runs if p is not None]
        figures[f"{name}: first paint, median of {RUNS} (s)"] = round(statistics.median(paints), 2) if paints else None
        figures[f"{name}: idle PSS {IDLE} s after start, all processes (MB)"] = statistics.median(m[0] for _, m in runs)
        figures[f"{name}: of which WebKit's web process (MB)"] = statistics.median(m[1] for _, m in runs)
    for what in ("first paint", "idle PSS"):
        inlet, minimal = [v for k, v in figures.items() if what in k and not k.endswith("process (MB)")]
        if inlet and minimal:
            figures[f"{what}: Inlet / minimal"] = round(inlet / minimal, 2)
    report(figures, ARTIFACTS, "footprint.json")


if __name__ == "__main__":
    main()
