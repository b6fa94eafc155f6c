import { App } from "./app";
import { tauriBackend } from "./tauri-backend";

const app = new App(tauriBackend, document);
void app.start();
