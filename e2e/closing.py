"""Closing the window as a window manager does (WM_DELETE_WINDOW: what the title bar's close
button sends) ends Inlet cleanly: the process exits by itself, with status 0, and the log file
keeps the last line it wrote (the file writer is flushed at exit, not lost with the process)."""
import glob
import os
import subprocess
import tempfile
import time

from Xlib import X, display, protocol

LAST_LINE = "Inlet is closing"


def close_like_a_window_manager(window_id):
    """Sends the window WM_DELETE_WINDOW, as a window manager does for its close button."""
    screen = display.Display()
    window = screen.create_resource_object("window", window_id)
    message = protocol.event.ClientMessage(
        window=window, client_type=screen.intern_atom("WM_PROTOCOLS"),
        data=(32, [screen.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]))
    window.send_event(message, event_mask=X.NoEventMask)
    screen.flush()
    screen.close()


def log_text(data_dir):
    files = sorted(glob.glob(os.path.join(data_dir, "logs", "inlet*")), key=os.path.getmtime)
    if not files:
        return ""
    with open(files[-1]) as f:
        return f.read()


def wait(what, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def closes_cleanly(app):
    data_dir = tempfile.mkdtemp(prefix="inlet-e2e-closing-")
    env = {k: v for k, v in os.environ.items() if k not in ("INLET_SANDBOX_URL", "INLET_REDIRECT_URI")}
    env["INLET_DATA_DIR"] = data_dir
    err = open(os.path.join(data_dir, "stderr"), "w")
    proc = subprocess.Popen([app], env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        # This process's window: an earlier Inlet still closing must not take the message.
        window = wait("the window", lambda: subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--pid", str(proc.pid), "--name", "^Inlet$"],
            capture_output=True, text=True).stdout.split(), 60)[0]
        wait("the core to start", lambda: "core started" in log_text(data_dir), 60)
        close_like_a_window_manager(int(window))
        status = proc.wait(timeout=30)
        assert status == 0, f"Inlet exited with {status} after its window was closed: {log_text(data_dir)[-600:]}"
        lines = log_text(data_dir).splitlines()
        assert lines and LAST_LINE in lines[-1], f"the log file's last line is {lines[-1:]}, not '{LAST_LINE}'"
        print(f"closing: the window closed, Inlet exited with 0, the log ends with '{LAST_LINE}'")
    finally:
        if proc.poll() is None:
            proc.kill()
