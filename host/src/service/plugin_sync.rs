//! Keeps the registry's installs those of the database, so an install made through another
//! process on the same database is used here within [`EVERY`], without a restart.

use std::time::Duration;

use tokio::sync::watch;

use super::AppState;

/// How often the database's installs are compared with the registry's.
pub const EVERY: Duration = Duration::from_secs(15);

pub async fn run(s: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        match crate::install::sync(&s.registry, &s.runtime, &s.store).await {
            Ok(true) => tracing::info!("installed plugins changed; loaded them"),
            Ok(false) => {}
            Err(e) => tracing::error!("reading the installed plugins failed: {e}"),
        }
    }
}
