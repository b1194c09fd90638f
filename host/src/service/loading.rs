//! Loading workflows for the service off the async threads: a few blocking slots, each load
//! under a time budget, so that large or many validations cannot stall other requests.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::runtime::registry::Registry;
use crate::workflow::{self, Diagnostics, Plan};

/// How long a request waits for a load, a free slot included. Loading is linear and its
/// input bounded, so this is far above what any accepted text needs; it stops a request
/// from holding a connection open when the machine is overloaded.
pub const LOAD_BUDGET: Duration = Duration::from_secs(20);

/// Most diagnostics kept when a stored workflow is marked broken: the reason is shown in
/// lists and stored in the database, so a text with thousands of errors must not be.
const MAX_STORED_DIAGNOSTICS: usize = 10;

/// Why a workflow could not be loaded.
#[derive(Debug)]
pub enum LoadFailure {
    /// The text does not validate.
    Invalid(Diagnostics),
    /// No slot became free, or the load did not end, within [`LOAD_BUDGET`].
    Busy,
}

impl LoadFailure {
    /// What a broken stored workflow shows: the first diagnostics, or why it was not checked.
    pub fn summary(&self) -> String {
        match self {
            LoadFailure::Invalid(d) => {
                let shown = Diagnostics {
                    file: d.file.clone(),
                    items: d.items.iter().take(MAX_STORED_DIAGNOSTICS).cloned().collect(),
                };
                let more = d.items.len().saturating_sub(MAX_STORED_DIAGNOSTICS);
                let tail = if more > 0 { format!("... and {more} more errors\n") } else { String::new() };
                format!("{shown}{tail}").trim_end().to_string()
            }
            LoadFailure::Busy => busy_message(),
        }
    }
}

/// Why a load was given up.
pub fn busy_message() -> String {
    format!("loading the workflow did not finish within {} s; the service is busy", LOAD_BUDGET.as_secs())
}

/// The slots loads run in.
pub struct Loader {
    slots: Arc<Semaphore>,
}

impl Default for Loader {
    /// Half the machine's cores (at least one): the other half keeps serving requests and
    /// driving runs while validations queue.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Loader { slots: Arc::new(Semaphore::new((cores / 2).max(1))) }
    }
}

impl Loader {
    /// Loads `source` against what `workspace` sees of the registry, on a blocking thread
    /// once a slot is free. A load that outlives the budget keeps its slot until it ends,
    /// so abandoned loads still count.
    pub async fn load(
        &self,
        registry: &Arc<Registry>,
        workspace: &str,
        file: &str,
        source: &str,
    ) -> Result<Plan, LoadFailure> {
        let catalog = registry.view(Some(workspace));
        let (file_name, source) = (file.to_string(), source.to_string());
        let file = file_name.clone();
        let work = async {
            let slot = self.slots.clone().acquire_owned().await.map_err(|_| LoadFailure::Busy)?;
            let task = tokio::task::spawn_blocking(move || {
                let _slot = slot;
                workflow::load(&file, &source, &catalog)
            });
            let loaded = task.await.map_err(|e| {
                tracing::error!("loading {file_name} failed: {e}");
                LoadFailure::Busy
            })?;
            loaded.map_err(LoadFailure::Invalid)
        };
        tokio::time::timeout(LOAD_BUDGET, work).await.map_err(|_| LoadFailure::Busy)?
    }
}
