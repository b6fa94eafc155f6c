// The UI in a plain browser with the fake backend and a large dataset: for the Playwright tests
// and for trying the UI without Tauri. Not part of the app's bundle (vite.demo.config.ts).
import indexHtml from "../index.html?raw";
import { App } from "./app";
import { FakeBackend } from "./fake-backend";

const size = Number(new URLSearchParams(window.location.search).get("items") ?? "100000");
const body = new DOMParser().parseFromString(indexHtml, "text/html").body;
body.querySelectorAll("script").forEach((s) => s.remove());
document.body.replaceChildren(...Array.from(body.childNodes).map((n) => document.importNode(n, true)));

const backend = new FakeBackend();
backend.sizes = { airtable: 40, notion: 150, hubspot: size };
(window as unknown as { inletDemo: FakeBackend }).inletDemo = backend;
void new App(backend, document).start();
