//! `inlet plan <integration> [PLAN]`: says which plan an account is on, where the provider caps
//! its API calls a month (Airtable: Free 1,000, Team 100,000 per workspace) — its API does not
//! say. Without PLAN, prints the account's calls this month and its plan.

use inlet_core::services::ApiUsage;
use inlet_core::{CoreError, Inlet, Integration};

use super::say;

pub async fn run(inlet: &Inlet, integration: &str, plan: Option<String>) -> Result<(), CoreError> {
    let integration: Integration = integration.parse()?;
    let usage = match plan {
        Some(plan) => {
            let plan = (plan != "none").then_some(plan);
            inlet.connections.set_plan(integration, plan).await?
        }
        None => inlet
            .connections
            .integrations()
            .await?
            .into_iter()
            .find(|s| s.integration == integration)
            .and_then(|s| s.usage),
    };
    match usage {
        Some(usage) => say(describe(&usage)),
        None => say(format!(
            "{} does not cap its API calls a month: there is no plan to say.",
            integration.display_name()
        )),
    }
    Ok(())
}

/// The account's calls this month and its plan, in a line (`inlet status` prints it too).
pub fn describe(usage: &ApiUsage) -> String {
    let plan = usage
        .plan
        .as_deref()
        .and_then(|id| usage.plans.iter().find(|p| p.id == id));
    let mut line = format!("{} API calls by Inlet in {}", usage.calls, usage.month);
    match plan {
        Some(p) => match p.monthly_calls {
            Some(cap) => line.push_str(&format!(
                "; plan {} allows {cap} a month per workspace",
                p.label
            )),
            None => line.push_str(&format!("; plan {} (no monthly cap)", p.label)),
        },
        None => {
            let ids: Vec<&str> = usage.plans.iter().map(|p| p.id.as_str()).collect();
            line.push_str(&format!("; plan not set ({})", ids.join(", ")));
        }
    }
    if let Some(at) = usage.quota_met_at {
        line.push_str(&format!(
            "; the month's quota was met on {}",
            at.format("%Y-%m-%d")
        ));
    }
    line
}
