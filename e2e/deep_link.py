"""Drives the real Inlet window through WebKitWebDriver (W3C WebDriver over HTTP, stdlib only)."""
import csv
import datetime
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

APP = os.environ["INLET_APP"]
SANDBOX = os.environ.get("INLET_SANDBOX_BIN", "")
ARTIFACTS = os.environ["INLET_ARTIFACTS"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": APP}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        # tauri-driver forwards over pooled connections that WebKitWebDriver may already have
        # closed; it then answers nothing (the command never reached the native driver), so the
        # request is sent again.
        for attempt in range(4):
            try:
                r = urllib.request.urlopen(req, timeout=60)
                break
            except (ConnectionError, http.client.HTTPException) as e:
                if attempt == 3:
                    raise RuntimeError(f"WebDriver {method} {path} failed: {e!r}") from e
                time.sleep(0.3)
        with r:
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
        # The UI re-renders cards and rows when state changes; a found element can go stale
        # before the click lands, so find it again and retry a few times.
        for attempt in range(5):
            elements = self.find(css)
            assert elements, f"no element {css}"
            try:
                self.s("POST", f"/element/{elements[0]}/click", {})
                return
            except urllib.error.HTTPError:
                if attempt == 4:
                    raise
                time.sleep(0.2)

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
PROVIDERS = [("hubspot", "HubSpot", 485), ("notion", "Notion", 158), ("airtable", "Airtable", 23)]


def scenario(transport):
    """One app run: connect every provider through `transport`, load, check, disconnect.
    Airtable stays on loopback in the deep-link run: it refuses custom-scheme redirects."""
    os.environ["INLET_REDIRECT_URI"] = (
        "inlet://oauth/callback" if transport == "deep-link" else "http://127.0.0.1:0/oauth/callback")
    run_app(transport, os.path.join(ARTIFACTS, "callback-delivered.txt"))


def main():
    # INLET_E2E_ONLY=changes (or deep-link, loopback, bases, closing) runs one scenario while working on it.
    only = os.environ.get("INLET_E2E_ONLY")
    if only == "installed":
        installed()
        print("e2e: 1 passed, 0 failed")
        return
    runs = [r for r in ("deep-link", "loopback", "changes", "offline", "bases", "closing") if only in (None, r)]
    for run in runs:
        if run == "closing":
            import closing  # needs python3-xlib: imported here, so the benchmarks that reuse this file do not
            wait_for_app_exit()
            closing.closes_cleanly(APP)
        elif run == "changes":
            changes_between_loads()
        elif run == "offline":
            offline_pages()
        elif run == "bases":
            three_hundred_bases()
        else:
            scenario(run)
    print(f"e2e: {len(runs)} passed, 0 failed")


def changes_between_loads():
    """Loads HubSpot twice from a sandbox whose data changes in between (three contacts renamed,
    two deleted, four added) and checks what the window says of it."""
    sandbox = subprocess.Popen([SANDBOX, "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    try:
        line = sandbox.stdout.readline()
        assert "listening on" in line, line
        base = line.strip().rsplit(" ", 1)[1]
        os.environ["INLET_SANDBOX_URL"] = base
        os.environ["INLET_REDIRECT_URI"] = "http://127.0.0.1:0/oauth/callback"
        delivered = os.path.join(ARTIFACTS, "callback-delivered.txt")

        # Access tokens that need a refresh 1.8 s after they are issued (Inlet refreshes a tenth of
        # a token's lifetime before it expires), so the reload below, three seconds on, refreshes:
        # the leak check covers a refresh too.
        knobs = json.loads(urllib.request.urlopen(f"{base}/_sandbox/knobs", timeout=10).read())
        knobs["access_token_ttl_secs"] = 2
        urllib.request.urlopen(urllib.request.Request(
            f"{base}/_sandbox/knobs", method="PUT", headers={"Content-Type": "application/json"},
            data=json.dumps(knobs).encode()), timeout=10).close()
        data_dir = tempfile.mkdtemp(prefix="inlet-e2e-changes-")

        def edit_then_reload(d):
            record_ipc(d)
            card = connect_and_load(d, "changes", delivered, "hubspot", "HubSpot", 485)
            time.sleep(3)
            request = urllib.request.Request(f"{base}/_sandbox/edit", method="POST", headers={"Content-Type": "application/json"},
                                             data=json.dumps({"renamed": 3, "removed": 2, "added": 4}).encode())
            urllib.request.urlopen(request, timeout=10).close()
            # The desktop notification the app sends when a load ends with its window not in
            # front, seen on the session bus.
            monitor = subprocess.Popen(["dbus-monitor", "--session",
                                        "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            d.click(f'{card} button[aria-label="Reload HubSpot items"]')
            # The person switches to another window while it syncs: nothing has the focus now.
            from Xlib import X, display  # python3-xlib, as closing.py
            screen = display.Display()
            screen.set_input_focus(X.NONE, X.RevertToNone, X.CurrentTime)
            screen.sync()
            want = "HubSpot: +4 new · 3 changed · 2 gone"
            count = d.wait_for(want, lambda: (lambda t: t if want in t else None)(d.text("#item-count")))
            print(f"changes: {count}")
            in_front = d.execute("return document.hasFocus()")
            time.sleep(1)
            monitor.terminate()
            seen = monitor.communicate(timeout=10)[0]
            notified = "HubSpot: 4 new · 3 changed · 2 gone" in seen
            print(f"changes: window in front: {in_front}, notification sent: {notified}")
            assert not in_front and notified, seen[-2000:]
            screen.close()
            # 485 − 2 deleted + 4 added, and the 2 gone ones stay, struck through, until the next load.
            assert count.startswith("489 items"), count
            set_field(d, "#changes-filter", "changes", "change")
            d.wait_for("the changes view", lambda: d.text("#item-count").startswith("9 of 489 items"))
            marks = d.wait_for("the marked rows", lambda: (lambda m: m if len(m) == 9 else None)(
                d.execute("return [...document.querySelectorAll('.grid-row[data-delta]')].map(r => r.dataset.delta)")))
            assert sorted(marks) == ["changed"] * 3 + ["gone"] * 2 + ["new"] * 4, marks
            struck = d.execute("return [...document.querySelectorAll('.grid-row[data-delta=\"gone\"]')]"
                               ".every(r => getComputedStyle(r).textDecorationLine.includes('line-through'))")
            assert struck, "gone rows are struck through"
            d.screenshot("changes.png")
            # The store as of the end of yesterday (UTC), rebuilt from the history: nothing of
            # this account was loaded then, and the count line says so; back to now after.
            yesterday = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).date().isoformat()
            set_field(d, "#changes-filter", "", "change")
            set_field(d, "#as-of", yesterday, "change")
            then = d.wait_for("the store as of yesterday", lambda: (lambda t: t if t.startswith("0 items") else None)(d.text("#item-count")))
            print(f"changes: as of {yesterday}: {then}")
            assert f"end of {yesterday}" in then and "nothing was loaded before" in then, then
            set_field(d, "#as-of", "", "change")
            d.wait_for("the store as it is now", lambda: d.text("#item-count").startswith("489 items"))
            # The change feed since yesterday, across accounts: the sync's nine changes.
            set_field(d, "#changes-since", yesterday, "change")
            feed = d.wait_for("the change feed", lambda: (lambda t: t if "changes since" in t else None)(d.text("#change-feed h3")))
            print(f"changes: feed: {feed}")
            assert feed.startswith("9 changes since"), feed
            set_field(d, "#changes-since", "", "change")
            # Every command that answers with connection or item data, asked directly.
            edit_then_reload.ipc = d.execute(IPC_SWEEP)
            d.click(f'{card} button[aria-label="Disconnect HubSpot"]')
            d.wait_for("the disconnect", lambda: "Not connected" in d.text(card))
            edit_then_reload.ipc += d.execute("return window.__inletIpc")

        os.environ["RUST_LOG"] = "trace"
        try:
            with_app("changes", edit_then_reload, data_dir)
        finally:
            os.environ.pop("RUST_LOG", None)
        secrets = json.loads(urllib.request.urlopen(f"{base}/_sandbox/secrets", timeout=10).read())
        no_secret_leaked(secrets, edit_then_reload.ipc, data_dir, os.path.join(ARTIFACTS, "app-changes.log"))
    finally:
        os.environ.pop("INLET_SANDBOX_URL", None)
        sandbox.terminate()
        sandbox.wait(timeout=10)


def offline_pages():
    """Notion loads with content from a stand-alone sandbox, which then stops: with the network
    to it gone, a page's content and its image still show (from the store and the file store),
    and a database's rows show as a table with a column per property."""
    sandbox = subprocess.Popen([SANDBOX, "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    stopped = False
    try:
        line = sandbox.stdout.readline()
        assert "listening on" in line, line
        os.environ["INLET_SANDBOX_URL"] = line.strip().rsplit(" ", 1)[1]
        os.environ["INLET_REDIRECT_URI"] = "http://127.0.0.1:0/oauth/callback"
        delivered = os.path.join(ARTIFACTS, "callback-delivered.txt")

        def load_then_go_offline(d):
            nonlocal stopped
            connect_and_load(d, "offline", delivered, "notion", "Notion", 158, timeout=180)
            sandbox.terminate()
            sandbox.wait(timeout=10)
            stopped = True
            print("offline: the sandbox is gone")
            a_page_with_its_image(d, "offline", then_type="data_source")
            rows_of_a_data_source(d)

        with_app("offline", load_then_go_offline)
    finally:
        os.environ.pop("INLET_SANDBOX_URL", None)
        if not stopped:
            sandbox.terminate()
            sandbox.wait(timeout=10)


def rows_of_a_data_source(d):
    """A Notion data source's details show its rows as a table, a column per property."""
    set_field(d, "#integration-filter", "notion", "change")
    set_field(d, "#type-filter", "data_source", "change")
    wait_for_rows(d, "the data sources", "notion/data_source/")
    d.execute("document.querySelector('.grid-row').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
    d.click('#details button[aria-label^="Show the rows of"]')
    headers = d.wait_for("the rows' columns", lambda: (lambda h: h if "Priority" in h else None)(
        d.execute("return [...document.querySelectorAll('[role=\"columnheader\"]')].map(h => h.textContent)")))
    for column in ("Name", "Status", "Tags", "Done", "Owner"):
        assert any(h.startswith(column) for h in headers), (column, headers)
    print(f"offline/notion: a data source's rows show as columns {headers}")
    d.screenshot("notion-rows-offline.png")


def installed():
    """The installed package (`scripts/test-package.sh`): HubSpot connects through an inlet://
    link handed to the OS (gio open → the package's desktop entry → the installed binary, which
    forwards it to the running app), and loads."""
    os.environ["INLET_REDIRECT_URI"] = "inlet://oauth/callback"
    # The fake browser reads its settings from this file (the opener's environment is cleaned).
    with open(os.path.join(ARTIFACTS, "fake-browser.env"), "a") as settings:
        settings.write("INLET_REQUIRE_GIO=1\n")
    delivered = os.path.join(ARTIFACTS, "callback-delivered.txt")

    data_dir = tempfile.mkdtemp(prefix="inlet-e2e-installed-")

    def connect(d):
        card = connect_and_load(d, "installed", delivered, "hubspot", "HubSpot", 485)
        said = open(delivered).read()
        assert "gio open" in said, said
        d.screenshot("installed.png")
        open_to_assistants(d, "HubSpot")
        the_window_serves_the_local_api(d, data_dir)
        d.click(f'{card} button[aria-label="Disconnect HubSpot"]')
        d.wait_for("the disconnect", lambda: "Not connected" in d.text(card))

    with_app("installed", connect, data_dir)
    the_installed_cli_reads_the_apps_store(data_dir)


def close_settings(d):
    d.execute("[...document.querySelectorAll('#settings > button')].find(b => b.textContent === 'Close settings')?.click()")


def open_to_assistants(d, name):
    """Settings → Assistants: the stored account is listed closed; its checkbox opens it."""
    d.execute("document.getElementById('open-settings').click()")
    box = f'.assistants input[aria-label^="Assistants may read {name}"]'
    d.wait_for(f"{name} in Settings' assistants", lambda: d.execute(f"return !!document.querySelector('{box}')"))
    assert not d.execute(f"return document.querySelector('{box}').checked")
    config = d.text(".assistants .client-config")
    assert '"mcp"' in config and "/usr/bin/inlet" in config, config
    d.execute(f"document.querySelector('{box}').click()")
    d.wait_for("the switch to hold", lambda: d.execute(
        f"const b = document.querySelector('{box}'); return b.checked && !b.disabled"))
    print(f"installed: Settings opened {name} to assistants; the client config runs /usr/bin/inlet mcp")
    d.screenshot("assistants.png")
    close_settings(d)


def mcp_client(plan, env):
    """Runs `plan` through the official TypeScript SDK's client (ui/scripts/mcp-client.mjs)."""
    client = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ui", "scripts", "mcp-client.mjs")
    return json.loads(subprocess.run(["node", client], input=json.dumps(plan), env=env, check=True,
                                     capture_output=True, text=True).stdout)


def the_window_serves_the_local_api(d, data_dir):
    """Settings → Local API turned on in the installed app: a client added with the package's
    `inlet serve --add-client … --bearer` reads the opened account over HTTP with an MCP client;
    turned off again, nothing listens."""
    env = dict(os.environ, INLET_DATA_DIR=data_dir)
    added = subprocess.run(["/usr/bin/inlet", "--json", "serve", "--add-client", "e2e", "--bearer"],
                           env=env, check=True, capture_output=True, text=True).stdout
    key = json.loads(added)["key"]
    d.execute("document.getElementById('open-settings').click()")
    switch = '.local-api input[aria-label="Serve the local API"]'
    d.wait_for("the local API's switch", lambda: d.execute(f"return !!document.querySelector('{switch}')"))
    d.execute(f"document.querySelector('{switch}').click()")
    d.wait_for("the local API to listen", lambda: "Listening at" in d.text(".local-api"))
    assert "e2e" in d.text(".local-api"), d.text(".local-api")
    url = d.text(".local-api").split("Listening at ")[1].split(" ")[0]
    said = mcp_client({"url": url, "bearer": key, "calls": [
        {"name": "query", "arguments": {"sql": "SELECT count(*) AS n FROM hubspot_contacts"}}]}, env)
    assert said["results"][0]["structured"]["rows"] == [[240]], said["results"][0]
    assert key not in d.execute("return document.documentElement.outerHTML"), "the key never reaches the window"
    d.execute(f"document.querySelector('{switch}').click()")
    d.wait_for("the local API to stop", lambda: "Off." in d.text(".local-api"))
    try:
        urllib.request.urlopen(url, timeout=2)
        raise AssertionError("the local API still answers after it was turned off")
    except urllib.error.HTTPError as answered:
        raise AssertionError(f"the local API still answers ({answered.code}) after it was turned off")
    except (urllib.error.URLError, ConnectionError):
        pass
    close_settings(d)
    print(f"installed: the window served the local API at {url}; an MCP client read 240 contacts with a bearer key")


def the_installed_cli_reads_the_apps_store(data_dir):
    """The package's `inlet` on the store the installed app wrote: `inlet sql` answers from the
    documented views, and an MCP client (the official TypeScript SDK) reads the account the
    window opened to assistants through `inlet mcp`."""
    env = dict(os.environ, INLET_DATA_DIR=data_dir)
    count = subprocess.run(["/usr/bin/inlet", "sql", "SELECT count(*) AS n FROM items", "--format", "csv"],
                           env=env, check=True, capture_output=True, text=True).stdout
    assert count == "n\n485\n", count
    plan = {"command": "/usr/bin/inlet", "args": ["mcp"], "env": env, "calls": [
        {"name": "query", "arguments": {"sql": "SELECT count(*) AS n FROM hubspot_contacts"}},
        {"name": "search", "arguments": {"query": "Lovelace", "limit": 5}},
    ]}
    said = mcp_client(plan, env)
    assert said["server"]["name"] == "inlet", said["server"]
    contacts = said["results"][0]["structured"]["rows"][0][0]
    assert contacts == 240, said["results"][0]
    found = said["results"][1]["structured"]["results"]
    assert found and all(f["integration"] == "hubspot" for f in found), found
    print(f"installed: inlet sql counts 485 items; an MCP client reads {contacts} contacts through /usr/bin/inlet mcp")


def three_hundred_bases():
    """An Airtable account of 300 bases (750 tables, 2 records each) from a stand-alone sandbox:
    it loads completely, one base's records load in full into the store and become a workbook
    through the native save dialog, then every base's records load."""
    sandbox = subprocess.Popen([SANDBOX, "--addr", "127.0.0.1:0", "--airtable-bases", "300", "--airtable-records", "2",
                                "--airtable-bases-page-size", "100", "--latency-ms", "5"], stdout=subprocess.PIPE, text=True)
    try:
        line = sandbox.stdout.readline()
        assert "listening on" in line, line
        os.environ["INLET_SANDBOX_URL"] = line.strip().rsplit(" ", 1)[1]
        os.environ["INLET_REDIRECT_URI"] = "http://127.0.0.1:0/oauth/callback"
        delivered = os.path.join(ARTIFACTS, "callback-delivered.txt")

        def bases(d):
            card = connect_and_load(d, "bases", delivered, "airtable", "Airtable", 1050, timeout=120)
            set_field(d, "#type-filter", "base", "change")
            d.wait_for("the bases", lambda: d.text("#item-count").startswith("300 of 1,050 items"))
            d.execute("document.querySelector('.grid-row').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
            d.wait_for("the details", lambda: d.execute("return !document.getElementById('details').hidden"))
            name = d.text("#details-title")
            tables = int(d.execute("const dt = [...document.querySelectorAll('#details dt')].find(e => e.textContent === 'Children');"
                                   " return dt.nextElementSibling.textContent"))
            d.click('#details button[aria-label^="Load every record of"]')
            d.wait_for("the base's records", lambda: f"Loaded every record of {name}." in d.text("#status"))
            set_field(d, "#type-filter", "", "change")
            want = f"{1050 + 2 * tables:,} items"
            print(f"bases: {name}: {d.wait_for(want, lambda: (lambda t: t if t.startswith(want) else None)(d.text('#item-count')))}")
            d.screenshot("airtable-base-records.png")
            target = os.path.join(ARTIFACTS, "base.xlsx")
            if os.path.exists(target):
                os.remove(target)
            set_field(d, "#type-filter", "base", "change")
            d.wait_for("the bases", lambda: d.text("#item-count").startswith("300 of"))
            d.execute("document.querySelector('.grid-row').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
            d.wait_for("the same base", lambda: d.text("#details-title") == name)
            d.click('#details button[aria-label^="Export "][aria-label$="workbook, a sheet per table"]')
            answer_save_dialog(target, "workbook")
            d.wait_for("the workbook", lambda: f"Exported {2 * tables} records of {name}" in d.text("#status"))
            with zipfile.ZipFile(target) as book:
                sheets = book.read("xl/workbook.xml").decode().count("<sheet ")
            assert sheets == tables, (sheets, tables)
            print(f"bases: {target}: {sheets} sheets")
            # The card counts the month's API calls; once the plan's cap is said, "Load all records"
            # says what it costs before it starts and waits for "Load anyway".
            calls = int(d.execute(f"return document.querySelector('{card} .usage').dataset.calls"))
            assert calls > 300, d.text(f"{card} .usage")
            set_field(d, f'{card} select[aria-label="Airtable plan"]', "free", "change")
            d.wait_for("the plan on the card", lambda: "the plan allows 1,000 a month" in d.text(f"{card} .usage"))
            d.click(f'{card} button[aria-label="Load every record of every Airtable base"]')
            cost = d.wait_for("the cost", lambda: (lambda t: t if "Loading these records takes about" in t else None)(d.text("#status")))
            assert d.text("#status-action") == "Load anyway", d.text("#status-action")
            print(f"bases: {d.text(f'{card} .usage')} — {cost}")
            d.screenshot("airtable-records-cost.png")
            d.click("#status-action")
            d.wait_for("every record", lambda: "Loaded every record of every Airtable base." in d.text("#status"), timeout=180)
            after = int(d.execute(f"return document.querySelector('{card} .usage').dataset.calls"))
            assert after > calls + 750, (calls, after)
            print(f"bases: {after - calls} calls for every record")
            set_field(d, "#type-filter", "", "change")
            want = f"{1050 + 2 * 750:,} items"
            print(f"bases: {d.wait_for(want, lambda: (lambda t: t if t.startswith(want) else None)(d.text('#item-count')))}")

        with_app("bases", bases)
    finally:
        os.environ.pop("INLET_SANDBOX_URL", None)
        sandbox.terminate()
        sandbox.wait(timeout=10)


def record_ipc(d):
    """Keeps every IPC answer the webview receives: Tauri's invoke cannot be wrapped (it is a
    read-only property), but on WebKitGTK its calls travel as fetches of the ipc: scheme."""
    d.execute("""
      window.__inletIpc = [];
      const fetch = window.fetch.bind(window);
      window.fetch = async (input, init) => {
        const response = await fetch(input, init);
        const url = String(input && input.url || input);
        if (url.startsWith('ipc:') || url.includes('ipc.localhost')) {
          response.clone().text().then((body) => window.__inletIpc.push(url + ' ' + body));
        }
        return response;
      };
    """)


IPC_SWEEP = """
  const invoke = window.__TAURI_INTERNALS__.invoke;
  const view = {search: '', types: [], integrations: [], accounts: [], changes_only: false,
                sort: {column: 'name', descending: false}, expanded: null};
  const calls = [['list_integrations', {}], ['credentials', {integration: 'hubspot'}],
                 ['provider_setups', {}], ['stored_loads', {}], ['item_facets', {view}],
                 ['item_window', {view, offset: 0, limit: 500}]];
  return Promise.all(calls.map(([cmd, args]) => invoke(cmd, args).then(
    (answer) => cmd + ' ' + JSON.stringify(answer), (error) => cmd + ' ' + JSON.stringify(error))));
"""


def no_secret_leaked(secrets, ipc, data_dir, log_path):
    """No code, verifier, token or client secret the sandbox issued or saw is in the webview's
    IPC traffic, the app's trace log or any file of its data dir."""
    assert len(secrets) >= 5, secrets
    assert len(ipc) >= 6, f"only {len(ipc)} IPC answers were recorded"
    assert any(m.startswith("credentials {") for m in ipc), ipc[:3]
    log = open(log_path, "rb").read()
    assert b"refreshing the access token" in log, "the reload refreshed"
    places = [("IPC", "\n".join(ipc).encode()), ("the app log", log)]
    for root, _, files in os.walk(data_dir):
        places += [(os.path.join(root, f), open(os.path.join(root, f), "rb").read()) for f in files]
    for secret in secrets:
        for where, data in places:
            assert secret.encode() not in data, f"a secret ({secret[:8]}…) appears in {where}"
    print(f"changes: no secret in {len(ipc)} IPC messages, {len(log):,} bytes of trace log, {len(places) - 2} store files")


def connect_and_load(d, transport, delivered, card_id, name, total, timeout=30):
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
    # Done when the card offers Reload again (stored items of the account may show before).
    d.wait_for("the load to finish", lambda: d.execute(
        f"return !!document.querySelector('{card} button[aria-label=\"Reload {name} items\"]')"), timeout)
    want = f"{total:,} items"
    count = d.wait_for(want, lambda: (lambda t: t if t.startswith(want) else None)(d.text("#item-count")))
    print(f"{transport}/{card_id}: {count}")
    return card


def set_field(d, selector, value, event):
    d.execute(f"const e = document.querySelector({json.dumps(selector)}); e.value = {json.dumps(value)};"
              f" e.dispatchEvent(new Event({json.dumps(event)}));")


def export_view_through_the_dialog(d, transport):
    """Exports the current view as CSV, answering GTK's native save dialog with xdotool."""
    target = os.path.join(ARTIFACTS, f"export-{transport}.csv")
    if os.path.exists(target):
        os.remove(target)
    set_field(d, "#export-format", "csv", "change")
    d.click("#export-view")
    answer_save_dialog(target, transport)
    d.wait_for("the export", lambda: "Exported" in d.text("#status"))
    return target


def answer_save_dialog(target, shot):
    """Answers GTK's native save dialog ("Export items") with the full path `target`."""
    window = subprocess.run(["xdotool", "search", "--sync", "--onlyvisible", "--name", "Export items"], check=True,
                            timeout=30, capture_output=True, text=True).stdout.split()[0]
    time.sleep(0.5)
    # Xvfb has no window manager to hand the dialog the keyboard: give it the focus, then replace
    # the suggested name in the focused file-name field with a full path.
    subprocess.run(["xdotool", "windowfocus", "--sync", window], check=True)
    subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+a"], check=True)
    subprocess.run(["xdotool", "type", "--delay", "15", target], check=True)
    subprocess.run(["import", "-window", "root", os.path.join(ARTIFACTS, f"save-dialog-{shot}.png")], check=False)
    subprocess.run(["xdotool", "key", "Return"], check=True)


def with_app(name, steps, data_dir=None):
    """Starts the app through tauri-driver with a data dir (item store) of its own, or
    `data_dir`, runs `steps(driver)`, and closes it."""
    port = free_port()
    data_dir = data_dir or tempfile.mkdtemp(prefix=f"inlet-e2e-{name}-")
    env = dict(os.environ, TAURI_WEBVIEW_AUTOMATION="true", INLET_DATA_DIR=data_dir)
    # The app's own log (tracing, never a token or a callback URL) is kept as an artifact.
    log = open(os.path.join(ARTIFACTS, f"app-{name}.log"), "w")
    # tauri-driver fronts WebKitWebDriver (the native driver) and launches the app.
    native_port = free_port()
    driver_proc = subprocess.Popen(["tauri-driver", "--port", str(port), "--native-port", str(native_port)],
                                   env=env, stdout=log, stderr=log)
    try:
        for listening in (port, native_port):  # tauri-driver, then the WebKitWebDriver it starts
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", listening), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
        d = Driver(port)
        try:
            use_sandbox(d)
            steps(d)
        finally:
            d.quit()
    finally:
        driver_proc.terminate()
        driver_proc.wait(timeout=10)
        wait_for_app_exit()


def use_sandbox(d):
    """The built-in sandbox starts only when the person asks: the first run's "Try it with the
    sandbox" (or a card's "Try … with the sandbox"), as a person would — unless this keychain
    already remembers the choice or a stand-alone sandbox is named (INLET_SANDBOX_URL)."""
    d.wait_for("the cards", lambda: d.execute("return document.querySelectorAll('.card').length === 3"))
    not_set_up = "return [...document.querySelectorAll('.card')].some(c => c.textContent.includes('Not set up'))"
    if not d.execute(not_set_up):
        return
    d.execute("""
      const first = document.getElementById('first-run-start');
      if (!document.getElementById('first-run').hidden) first.click();
      else document.querySelector('.card button[aria-label$="with the sandbox"]').click();
    """)
    d.wait_for("the sandbox", lambda: not d.execute(not_set_up))


def run_app(transport, delivered):
    with_app(transport, lambda d: every_provider(d, transport, delivered))


def no_event_may_be_listened_to(d):
    """The window may listen to no Tauri event — not the deep-link plugin's, which carries a
    sign-in's code and state: what Inlet tells it comes through the channel it subscribed."""
    answer = d.execute("""
      const internals = window.__TAURI_INTERNALS__;
      const handler = internals.transformCallback(() => {});
      return internals.invoke('plugin:event|listen', {event: 'deep-link://new-url', target: {kind: 'Any'}, handler})
        .then(() => 'allowed', (error) => 'refused: ' + String(error));
    """)
    assert answer.startswith("refused"), answer
    print(f"events: listening to deep-link://new-url is {answer}")


def open_a_notion_page(d, transport):
    """"Open in Notion" of a page opens its app.notion.com link (the host Notion's API gives
    since 2026) in the browser."""
    opened = os.path.join(ARTIFACTS, "opened-links.txt")
    if os.path.exists(opened):
        os.remove(opened)
    set_field(d, "#integration-filter", "notion", "change")
    wait_for_option(d, "#type-filter", "page")
    set_field(d, "#type-filter", "page", "change")
    wait_for_rows(d, "the Notion pages", "notion/page/")
    d.execute("document.querySelector('.grid-row').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
    d.wait_for("the details", lambda: d.execute("return !document.getElementById('details').hidden"))
    # The page's content, loaded with it, rendered from its Markdown in the details.
    content = d.wait_for("the page's content", lambda: (lambda t: t if "Some text." in t else None)(
        d.text('#details [aria-label="Page content"]')))
    print(f"{transport}/notion: the page's content reads {content[:40]!r}")
    d.screenshot(f"notion-page-content-{transport}.png")
    d.execute("[...document.querySelectorAll('#details button')].find(b => b.textContent === 'Open in Notion').click()")
    link = d.wait_for("the browser to open the page", lambda: os.path.exists(opened) and open(opened).read().strip())
    assert link.startswith("https://app.notion.com/"), link
    assert d.execute("return document.getElementById('error').hidden"), d.text("#error")
    print(f"{transport}/notion: Open in Notion opened {link}")
    d.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
    set_field(d, "#integration-filter", "", "change")
    set_field(d, "#type-filter", "", "change")
    # The type filter offers the types of the whole store again (its options follow the facets).
    wait_for_option(d, "#type-filter", "table")


def wait_for_option(d, select, value):
    d.wait_for(f"{value} in {select}", lambda: d.execute(
        f"return [...document.querySelector({json.dumps(select)}).options].some(o => o.value === {json.dumps(value)})"))



def wait_for_rows(d, what, prefix):
    """Waits until the grid shows rows, every one of them keyed `prefix…` (`notion/page/`)."""
    d.wait_for(what, lambda: d.execute(
        "const rows = [...document.querySelectorAll('.grid-row[data-key]')];"
        f" return rows.length > 0 && rows.every(r => r.dataset.key.startsWith({json.dumps(prefix)}))"))

def a_page_with_its_image(d, transport, then_type="table"):
    """A Notion page's content and its image in the real window: the page whose body alone says
    "Mind" is found by search, and its Notion-hosted image (downloaded during the load) shows from
    the local file store through the inlet-file protocol — never from the network."""
    set_field(d, "#integration-filter", "notion", "change")
    set_field(d, "#search", "Mind", "input")
    wait_for_rows(d, "the page with that word in its body", "notion/page/")
    d.execute("document.querySelector('.grid-row[data-key]').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
    src = d.wait_for("the page's image, from the file store", lambda: d.execute(
        "const img = document.querySelector('#details .page-content img');"
        " if (img) img.scrollIntoView({block: 'center'});"
        " return img && img.complete && img.naturalWidth > 0 ? img.getAttribute('src') : null"))
    assert src.startswith("inlet-file://"), src
    assert d.execute("return [...document.querySelectorAll('#details .page-content img')]"
                     ".every(i => i.getAttribute('src').startsWith('inlet-file://'))"), "no image from the network"
    files = d.text('#details [aria-label="Files kept on this computer"]')
    assert "diagram.png" in files, files
    print(f"{transport}/notion: the page's image shows from {src[:30]}…; files: {files[:60]!r}")
    d.screenshot(f"notion-page-image-{transport}.png")
    d.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
    set_field(d, "#search", "", "input")
    set_field(d, "#integration-filter", "", "change")
    # The filters offer the whole store's types again once its counts are read.
    wait_for_option(d, "#type-filter", then_type)


def every_provider(d, transport, delivered):
    no_event_may_be_listened_to(d)
    cards = []
    total = 0
    for card_id, name, expected in PROVIDERS:
        total += expected
        # A first Notion load reads every page's blocks for the pages search missed (~50 s here).
        cards.append((connect_and_load(d, transport, delivered, card_id, name, total, timeout=180), name))
    # Find one item by typing: markup in a provider's name shows as text.
    d.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: '/', bubbles: true}))")
    assert d.execute("return document.activeElement.id") == "search"
    set_field(d, "#search", "onerror", "input")
    d.wait_for("the search", lambda: "of" in d.text("#item-count"))
    assert d.execute("return [...document.querySelectorAll('.grid-row')].some(r => r.textContent.includes('<img src=x onerror=alert(1)>'))"
                     " && !document.querySelector('.grid img')"), "markup in provider names is text"
    d.screenshot(f"search-{transport}.png")
    # Export exactly that view through the native dialog, and check the file.
    shown = d.execute("return [...document.querySelectorAll('.grid-row')].map(r => r.dataset.key.split('/')[2])")
    path = export_view_through_the_dialog(d, transport)
    with open(path, newline="") as f:
        exported = [row["id"] for row in csv.DictReader(f)]
    assert exported == shown, (exported, shown)
    print(f"{transport}: exported the {len(exported)} items of the search view to {path}")
    set_field(d, "#search", "", "input")
    # The grid reads the rows of the cleared search from the store: wait for them.
    d.wait_for("every item again", lambda: " of " not in d.text("#item-count")
               and d.execute("return document.querySelectorAll('.grid-row[data-key]').length > 2"))
    # Details of an HubSpot contact with Enter; Esc closes them.
    d.execute("document.querySelector('.grid-scroll').focus()")
    d.execute("document.querySelector('.grid-scroll').dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowDown', bubbles: true}))")
    d.execute("document.querySelector('.grid-scroll').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))")
    d.wait_for("the details", lambda: d.execute("return !document.getElementById('details').hidden"))
    d.screenshot(f"details-{transport}.png")
    d.execute("document.body.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))")
    open_a_notion_page(d, transport)
    a_page_with_its_image(d, transport)
    # Airtable: a table's records from its details.
    set_field(d, "#integration-filter", "airtable", "change")
    set_field(d, "#type-filter", "table", "change")
    wait_for_rows(d, "the Airtable tables", "airtable/table/")
    d.execute("document.querySelector('.grid-row').dispatchEvent(new MouseEvent('dblclick', {bubbles: true}))")
    d.click('#details button[aria-label^="Load the records of"]')
    records = d.wait_for("records", lambda: (lambda t: t if "records in" in t else None)(d.text("#item-count")))
    print(f"{transport}/airtable: {records}")
    assert records.startswith("30 records in"), records
    d.screenshot(f"airtable-records-{transport}.png")
    d.click("#item-count button")
    set_field(d, "#integration-filter", "", "change")
    set_field(d, "#type-filter", "", "change")
    d.click("#view-tree")
    d.wait_for("the tree", lambda: d.execute("return !!document.querySelector('.grid-row[data-key] .toggle')"))
    d.screenshot(f"tree-{transport}.png")
    d.click("#open-settings")
    d.wait_for("the settings", lambda: "Client id" in d.text("#settings"))
    d.screenshot(f"settings-{transport}.png")
    d.click("#open-settings")
    for card, name in cards:
        d.click(f'{card} button[aria-label="Disconnect {name}"]')
        d.wait_for("the disconnect", lambda: "Not connected" in d.text(card))
        # The grant is revoked at the provider where it can be; Airtable's is the person's to revoke.
        said = "remove Inlet in Airtable" if name == "Airtable" else f"access revoked at {name}"
        d.wait_for(f"the {name} revocation note", lambda: said in d.text("#status"))


def wait_for_app_exit():
    """The next run starts the app again: with single-instance, a launch while the previous app still
    holds its D-Bus name would only forward its arguments and exit. Wait for it to be gone."""
    name = os.path.basename(APP)[:15]  # the kernel's process name is cut at 15 characters
    for _ in range(100):
        if subprocess.run(["pgrep", "-x", name], stdout=subprocess.DEVNULL).returncode != 0:
            return
        time.sleep(0.1)
    # Still there after ten seconds (a big load's last writes): asked to stop, then made to,
    # so the next run's window is the only one named Inlet.
    subprocess.run(["pkill", "-x", name])
    for _ in range(100):
        if subprocess.run(["pgrep", "-x", name], stdout=subprocess.DEVNULL).returncode != 0:
            return
        time.sleep(0.1)
    subprocess.run(["pkill", "-KILL", "-x", name])
    time.sleep(0.5)


if __name__ == "__main__":
    main()
