//! `inlet serve`: the local HTTP API (`crate::serve`) until Ctrl-C, and its clients — `--add-client
//! NAME [--bearer]` (the key is printed once; it lives in the keychain), `--remove-client NAME`,
//! `--clients`.

use std::process::ExitCode;

use inlet_core::services::Proof;
use inlet_core::{CoreError, Inlet};

/// What `inlet serve` was asked.
pub struct Asked {
    pub port: u16,
    pub rate: u32,
    pub add_client: Option<String>,
    pub bearer: bool,
    pub remove_client: Option<String>,
    pub clients: bool,
    pub json: bool,
}

pub async fn run(inlet: &Inlet, asked: Asked) -> Result<ExitCode, CoreError> {
    if let Some(name) = &asked.add_client {
        let proof = if asked.bearer {
            Proof::Bearer
        } else {
            Proof::Signed
        };
        let (client, key) = inlet.connections.add_local_client(name, proof).await?;
        if asked.json {
            let said = serde_json::json!({ "client": client, "key": key.expose() });
            println!("{said}");
        } else {
            println!(
                "Added {} ({}). Its key, shown this once — keep it in the client's settings:\n{}",
                client.name,
                proof_said(proof),
                key.expose()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(name) = &asked.remove_client {
        let removed = inlet.connections.remove_local_client(name).await?;
        if !removed {
            return Err(CoreError::invalid_argument(format!(
                "There is no client called {name}."
            )));
        }
        println!("Removed {name}: its key no longer opens the local API.");
        return Ok(ExitCode::SUCCESS);
    }
    if asked.clients {
        let clients = inlet.connections.local_clients().await?;
        if asked.json {
            println!("{}", serde_json::json!(clients));
        } else if clients.is_empty() {
            println!("No client yet: add one with `inlet serve --add-client NAME`.");
        }
        for client in clients.iter().filter(|_| !asked.json) {
            println!(
                "{} — {}, added {}",
                client.name,
                proof_said(client.proof),
                client.created
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    if inlet.connections.local_clients().await?.is_empty() {
        return Err(CoreError::invalid_argument(
            "No client may call the local API yet: add one with `inlet serve --add-client NAME`.",
        ));
    }
    let serving = crate::serve::start(inlet, asked.port, asked.rate).await?;
    // The first line says where: a script (or a test) reads it.
    println!("http://{}/mcp", serving.address);
    eprintln!("Inlet's local API listens on loopback only; Ctrl-C stops it.");
    let _ = tokio::signal::ctrl_c().await;
    serving.stop.cancel();
    let _ = serving.done.await;
    Ok(ExitCode::SUCCESS)
}

fn proof_said(proof: Proof) -> &'static str {
    match proof {
        Proof::Signed => "signs each request",
        Proof::Bearer => "sends its key as a bearer token",
    }
}
