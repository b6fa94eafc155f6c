//! Fills a data dir for the app benchmark (`make bench`, `scripts/bench-app.sh`): six live
//! connections (two accounts of each integration) in the keychain under
//! `INLET_KEYCHAIN_SERVICE`, and `COUNT` synthetic items spread over them in the item store of
//! `DATA_DIR` — what a person with a million items sees, without a million requests.
//!
//! Usage: `seed_store DATA_DIR COUNT` (COUNT 0 stores the connections only).

use std::path::PathBuf;

use inlet_core::item_store::{AccountKey, ItemStore, FILE_NAME};
use inlet_core::keychain::{KeychainStore, TokenStore};
use inlet_core::{fixtures, Mode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: seed_store DATA_DIR COUNT")?);
    let count: usize = args
        .next()
        .ok_or("usage: seed_store DATA_DIR COUNT")?
        .parse()?;
    let service =
        std::env::var("INLET_KEYCHAIN_SERVICE").map_err(|_| "set INLET_KEYCHAIN_SERVICE")?;
    let keychain = KeychainStore::new(service);
    let store = ItemStore::open(&dir.join(FILE_NAME))?;
    let keys: Vec<AccountKey> = fixtures::two_accounts_each()
        .into_iter()
        .map(|(integration, account_id)| AccountKey {
            integration,
            mode: Mode::Live,
            account_id,
        })
        .collect();
    for (n, key) in keys.iter().enumerate() {
        let mut connection = fixtures::connection(key.integration, &key.account_id);
        connection.mode = Mode::Live;
        keychain.put(&connection)?;
        let share = count / keys.len() + usize::from(n < count % keys.len());
        if share == 0 {
            continue;
        }
        let items = fixtures::items_of(key.integration, &key.account_id, share);
        let mut writer = store.begin(key, &fixtures::account(&key.account_id))?;
        for page in items.chunks(100) {
            writer.append(page)?;
        }
        writer.finish(false)?;
    }
    println!(
        "seeded {count} items over {} accounts in {}",
        keys.len(),
        dir.display()
    );
    Ok(())
}
