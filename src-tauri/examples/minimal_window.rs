//! The yardstick of `make bench`'s footprint figures: a Tauri 2 window built with the same crates
//! and the same release profile as Inlet, showing one static HTML page and nothing else — no
//! plugins, no commands, no state. Inlet's start-up time and memory are reported beside it.

use tauri::http::Response;
use tauri::{WebviewUrl, WebviewWindowBuilder};

const PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Minimal</title></head>\
<body style=\"font-family: sans-serif\"><h1>A minimal Tauri window</h1><p>One static page.</p></body></html>";

fn main() {
    let mut context = tauri::generate_context!();
    // Inlet's own window is not made: this one shows the static page instead.
    context.config_mut().app.windows.clear();
    let result = tauri::Builder::default()
        .register_uri_scheme_protocol("minimal", |_ctx, _request| {
            Response::builder()
                .header("Content-Type", "text/html")
                .body(PAGE.as_bytes().to_vec())
                .unwrap_or_default()
        })
        .setup(|app| {
            let url = "minimal://localhost/"
                .parse()
                .map_err(|e| Box::<dyn std::error::Error>::from(format!("{e}")))?;
            WebviewWindowBuilder::new(app, "main", WebviewUrl::CustomProtocol(url))
                .title("Minimal")
                .inner_size(1100.0, 720.0)
                .build()?;
            Ok(())
        })
        .run(context);
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
