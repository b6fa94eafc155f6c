"""Drives the real Inlet window through WebKitWebDriver (W3C WebDriver over HTTP, stdlib only)."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

APP = os.environ["INLET_APP"]
ARTIFACTS = os.environ["INLET_ARTIFACTS"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry",
                "webkitgtk:browserOptions": {"binary": APP, "args": []}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["value"] if method != "POST" or path != "/session" else json.loads(r.read())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def find(self, css):
        found = self.s("POST", "/elements", {"using": "css selector", "value": css})
        return [next(iter(e.values())) for e in found]

    def execute(self, script):
        return self.s("POST", "/execute/sync", {"script": script, "args": []})

    def text(self, css):
        return " ".join(self.s("GET", f"/element/{e}/text") for e in self.find(css))

    def click(self, css):
        elements = self.find(css)
        assert elements, f"no element {css}"
        self.s("POST", f"/element/{elements[0]}/click", {})

    def wait_for(self, what, predicate, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = predicate()
                if last:
                    return last
            except Exception as e:  # the page may be mid-render
                last = e
            time.sleep(0.2)
        self.screenshot("failure.png")
        raise AssertionError(f"timed out waiting for {what}; last: {last!r}")

    def screenshot(self, name):
        import base64
        try:
            png = self.s("GET", "/screenshot")
            with open(os.path.join(ARTIFACTS, name), "wb") as f:
                f.write(base64.b64decode(png))
        except Exception as e:
            print(f"screenshot failed: {e}", file=sys.stderr)

    def quit(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        except Exception:
            pass


# (card id, display name, items a full sandbox load gives)
PROVIDERS = [("hubspot", "HubSpot", 435), ("notion", "Notion", 150), ("airtable", "Airtable", 23)]


def scenario(transport):
    """One app run: connect every provider through `transport`, load, check, disconnect.
    Airtable stays on loopback in the deep-link run: it refuses custom-scheme redirects."""
    os.environ["INLET_REDIRECT_URI"] = (
        "inlet://oauth/callback" if transport == "deep-link" else "http://127.0.0.1:0/oauth/callback")
    run_app(transport, os.path.join(ARTIFACTS, "callback-delivered.txt"))


def main():
    for transport in ("deep-link", "loopback"):
        scenario(transport)
    print("e2e: 2 passed, 0 failed")


def connect_and_load(d, transport, delivered, card_id, name, expected):
    card = f'[data-integration="{card_id}"]'
    d.wait_for(f"the {name} card", lambda: "Sandbox" in d.text(card))
    assert "Not connected" in d.text(card), d.text(card)
    if os.path.exists(delivered):
        os.remove(delivered)
    d.click(f'{card} button[aria-label="Connect {name}"]')
    d.wait_for("the browser to deliver the callback", lambda: os.path.exists(delivered))
    print(f"{transport}/{card_id}: callback delivered through", open(delivered).read().strip())
    d.wait_for("the callback to complete the connection", lambda: "Connected as" in d.text(card))
    print(f"{transport}/{card_id}: {d.text(f'{card} .account')}")
    d.click(f'{card} button[aria-label="Load {name} items"]')
    want = f"{expected} items"
    count = d.wait_for(f"{want}", lambda: (lambda t: t if t.startswith(want) else None)(d.text("#item-count")))
    print(f"{transport}/{card_id}: loaded {count}")
    return card


def run_app(transport, delivered):
    port = free_port()
    env = dict(os.environ, TAURI_WEBVIEW_AUTOMATION="true")
    driver_proc = subprocess.Popen(["WebKitWebDriver", f"--port={port}"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        d = Driver(port)
        try:
            cards = []
            for card_id, name, expected in PROVIDERS:
                cards.append((connect_and_load(d, transport, delivered, card_id, name, expected), name))
                if card_id == "hubspot":
                    shown_as_text = d.execute(
                        "return document.querySelector('#items tbody').textContent.includes('<img src=x onerror=alert(1)>')"
                        " && document.querySelectorAll('#items img').length === 0")
                    assert shown_as_text, "markup in provider names is shown as text, never rendered"
                    d.screenshot(f"hubspot-loaded-{transport}.png")
            # Airtable: open a table's records from the list.
            d.click('#items button[aria-label^="Load the records of"]')
            records = d.wait_for("records", lambda: (lambda t: t if "records in" in t else None)(d.text("#item-count")))
            print(f"{transport}/airtable: {records}")
            assert records.startswith("30 records in"), records
            d.screenshot(f"airtable-records-{transport}.png")
            for card, name in cards:
                d.click(f'{card} button[aria-label="Disconnect {name}"]')
                d.wait_for("the disconnect", lambda: "Not connected" in d.text(card))
        finally:
            d.quit()
    finally:
        driver_proc.terminate()
        driver_proc.wait(timeout=10)


if __name__ == "__main__":
    main()
