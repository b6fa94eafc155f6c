//! Pacing shaped like each provider's limit: a large Airtable account (hundreds of bases) loads
//! completely under the documented limits without a single 429, and a lockout holds its whole
//! scope instead of every request finding it by itself.

mod common;

use std::sync::atomic::Ordering;

use common::{assert_complete, connect_to, inlet, load, sandbox_with};
use inlet_core::Integration;
use inlet_sandbox::{DatasetSize, Knobs, SandboxConfig};

#[tokio::test(flavor = "multi_thread")]
async fn three_hundred_airtable_bases_load_completely_without_a_429() {
    let size = DatasetSize {
        airtable_bases: 300,
        airtable_records: 1,
        ..DatasetSize::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        size,
        knobs: Knobs {
            latency_ms: 5,
            // Airtable lists up to 1000 bases a page; the sandbox's default of 3 tests paging.
            airtable_bases_page_size: 100,
            ..Knobs::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let result = load(&inlet, Integration::Airtable).await.unwrap();
    assert_complete(&sandbox, Integration::Airtable, &result);
    assert_eq!(
        sandbox.counters().rate_limited.load(Ordering::SeqCst),
        0,
        "5 per second per base and 50 per second per user, never exceeded"
    );
}

/// A per-user limit where Airtable states none for OAuth tokens (30 per second; 50 are stated for
/// personal access tokens): the first 429 holds its base, the next one of another base shows the
/// account is locked out (Airtable: 30 s); Inlet holds every base until it ends, learns the
/// account's pace once from what met the limit — not once per base in flight — and meets no
/// second lockout.
#[tokio::test(flavor = "multi_thread")]
async fn a_stricter_per_user_limit_costs_one_lockout() {
    let size = DatasetSize {
        airtable_bases: 200,
        airtable_records: 1,
        ..DatasetSize::default()
    };
    let sandbox = sandbox_with(SandboxConfig {
        size,
        knobs: Knobs {
            latency_ms: 5,
            airtable_bases_page_size: 100,
            airtable_user_rate_per_sec: 30,
            // Shorter than Airtable's 30 s, as the tests' retry policy waits at most 400 ms.
            airtable_lockout_ms: 300,
            ..Knobs::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let inlet = inlet(&sandbox).await;
    connect_to(&inlet, Integration::Airtable).await.0.unwrap();
    let result = load(&inlet, Integration::Airtable).await.unwrap();
    assert_complete(&sandbox, Integration::Airtable, &result);
    assert_eq!(
        sandbox.lockouts(),
        1,
        "one lockout of the account, then a pace it keeps"
    );
    // Only requests already on their way when the lockout began meet it: every base waits.
    let in_flight = inlet_core::spec::spec(Integration::Airtable).streams_in_flight as u64;
    let limited = sandbox.counters().rate_limited.load(Ordering::SeqCst);
    assert!(limited <= in_flight, "{limited} answers were 429s");
}
