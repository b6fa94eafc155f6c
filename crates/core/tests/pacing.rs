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
