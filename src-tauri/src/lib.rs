//! The Tauri shell: wiring only. Commands call `inlet-core`; the deep link and the single-instance
//! forwarder deliver OAuth callbacks; one channel (`events`) tells the UI what changed.

mod assistants;
mod commands;
mod deep_link;
#[cfg(feature = "demo")]
mod demo;
mod diagnostics;
mod error;
mod events;
mod files;
mod items;
mod local_api;
mod logging;
mod notify;
mod schedule;
mod setup;
mod state;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_specta::{collect_commands, Builder};

/// The typed command and event set; also used to export the TypeScript bindings.
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::list_integrations,
            commands::connect,
            commands::disconnect,
            commands::credentials,
            commands::load,
            commands::cancel_load,
            commands::load_estimate,
            items::item_content,
            items::item_history,
            items::changes_since,
            files::item_files,
            items::export_vault,
            files::open_file,
            files::file_usage,
            files::set_file_cap,
            items::stored_loads,
            items::item_window,
            items::item_facets,
            items::export_items,
            items::export_base_workbook,
            items::forget_items,
            items::open_in_provider,
            setup::provider_setups,
            setup::save_provider_setup,
            setup::clear_provider_setup,
            setup::use_sandbox,
            setup::switch_account,
            setup::set_plan,
            schedule::schedule_status,
            schedule::set_schedule,
            schedule::set_schedule_notifications,
            schedule::history_space,
            schedule::set_retention_days,
            assistants::assistant_access,
            assistants::set_assistant_access,
            assistants::open_data_folder,
            local_api::local_api_status,
            local_api::set_local_api,
            local_api::add_local_client,
            local_api::remove_local_client,
            diagnostics::log_settings,
            diagnostics::set_log_level,
            diagnostics::diagnostics,
            events::subscribe,
        ])
        // What the window is told comes through `subscribe`'s channel, not Tauri's events.
        .typ::<events::InletEvent>()
        .disable_serde_phases()
}

/// Starts the app.
pub fn run() {
    // Before any thread starts: the configuration (the app's `.env` read into a map, never into
    // the process environment), then logging.
    let environment = state::read_environment();
    let data_dir = logging::private_data_dir(inlet_core::services::data_dir(&environment));
    let logging = logging::init(data_dir.as_deref());
    logging::catch_panics();
    let specta = specta_builder();
    let result = tauri::Builder::default()
        // Registered first: a second launch (the OS opening inlet://…) forwards its URL here and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .invoke_handler(specta.invoke_handler())
        .register_uri_scheme_protocol(files::SCHEME, files::serve)
        .manage(logging)
        .manage(events::EventChannel::default())
        .manage(local_api::LocalApi::default())
        .setup(move |app| {
            logging::attach(app.handle());
            let data_dir = app.path().app_data_dir().ok();
            // The core starts beside the window (commands wait for it), so the window paints
            // while it reads the keychain and opens the item store.
            app.manage(state::AppState::starting(environment, data_dir));
            tauri::async_runtime::spawn(local_api::resume(app.handle().clone()));
            // Installed builds are registered by their bundle; dev builds register at runtime.
            #[cfg(all(debug_assertions, any(target_os = "linux", windows)))]
            if let Err(e) = app.deep_link().register_all() {
                tracing::warn!(error = %e, "could not register the inlet:// scheme");
            }
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    deep_link::handle(&handle, url.to_string());
                }
            });
            if let Ok(Some(urls)) = app.deep_link().get_current() {
                for url in urls {
                    deep_link::handle(app.handle(), url.to_string());
                }
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match result {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: Inlet could not start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            tracing::info!("Inlet is closing");
            app.state::<logging::Logging>().flush();
        }
    });
}

#[cfg(test)]
mod tests {
    /// Exports the TypeScript bindings and fails if the checked-in file is stale.
    /// `INLET_UPDATE_BINDINGS=1 cargo test -p inlet-desktop bindings` rewrites it.
    #[test]
    fn typescript_bindings_are_up_to_date() {
        let checked_in = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/bindings.ts");
        let fresh = std::env::temp_dir().join(format!("inlet-bindings-{}.ts", std::process::id()));
        super::specta_builder()
            .export(specta_typescript::Typescript::default().header("// @ts-nocheck\n// Generated by tauri-specta from the Rust commands: do not edit.\n"), &fresh)
            .expect("bindings export");
        let fresh_text = std::fs::read_to_string(&fresh).expect("exported file");
        let _ = std::fs::remove_file(&fresh);
        if std::env::var("INLET_UPDATE_BINDINGS").is_ok() {
            std::fs::write(checked_in, &fresh_text).expect("write bindings");
        }
        let current = std::fs::read_to_string(checked_in).unwrap_or_default();
        assert!(
            current == fresh_text,
            "ui/src/bindings.ts is stale: run `make bindings` and commit it"
        );
    }
}
