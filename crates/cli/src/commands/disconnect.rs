//! `inlet disconnect <integration> [--forget-items]`: revoke where the provider can, forget the
//! tokens, and the stored items too when asked.

use std::process::ExitCode;

use inlet_core::oauth::revoke::RevokeOutcome;
use inlet_core::{CoreError, Inlet, Integration};

use super::{say, Voice};

pub async fn run(
    inlet: &Inlet,
    voice: Voice,
    integration: &str,
    forget_items: bool,
) -> Result<ExitCode, CoreError> {
    let integration: Integration = integration.parse()?;
    let Some(gone) = inlet.connections.disconnect(integration).await? else {
        say(format!("{integration} was not connected"));
        return Ok(ExitCode::SUCCESS);
    };
    match gone.revocation {
        RevokeOutcome::Revoked => say(format!(
            "revoked Inlet's access at {}",
            integration.display_name()
        )),
        RevokeOutcome::Failed { reason } => eprintln!(
            "warning: could not revoke Inlet's access at {}: {reason}. Revoke it there by hand.",
            integration.display_name()
        ),
        RevokeOutcome::ByThePerson { instructions } => voice.note(format!("note: {instructions}")),
    }
    if forget_items {
        inlet.library.forget(&gone.account).await?;
        say(format!(
            "disconnected {integration} and removed its stored items"
        ));
    } else {
        say(format!("disconnected {integration}"));
        voice.note("its stored items stay on this computer (disconnect with --forget-items to remove them)");
    }
    Ok(ExitCode::SUCCESS)
}
