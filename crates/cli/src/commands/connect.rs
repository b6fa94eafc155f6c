//! `inlet connect <integration>`: the sign-in through the browser (a one-time start page on this
//! computer, opened with a cleaned environment), the tokens kept in the keychain.

use std::io::Write;
use std::process::ExitCode;

use inlet_core::{CoreError, Inlet, Integration};

use super::say;

pub async fn run(
    inlet: &Inlet,
    integration: &str,
    no_browser: bool,
) -> Result<ExitCode, CoreError> {
    let integration: Integration = integration.parse()?;
    // Asks the keychain first (sign_in.begin does): nobody consents for a connection that
    // could not be kept.
    let (start, finished) = inlet.sign_in.begin_loopback(integration).await?;
    say(format!(
        "Open this URL to connect {}:\n{}",
        integration.display_name(),
        start.authorization_url
    ));
    let _ = std::io::stdout().flush();
    if !no_browser {
        if let Err(e) = inlet_core::browser::open_in_browser(&start.open_url) {
            eprintln!("warning: could not open a browser ({e}); open the URL above yourself.");
        }
    }
    // Ctrl-C ends the wait cleanly: the listener closes, nothing is saved.
    let info = tokio::select! {
        info = finished => info?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("cancelled: {} was not connected", integration.display_name());
            return Ok(ExitCode::from(130));
        }
    };
    say(format!(
        "connected {} as {}",
        integration, info.account.label
    ));
    Ok(ExitCode::SUCCESS)
}
