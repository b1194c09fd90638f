//! The parts of the service one process runs: the API (requests, webhooks, the web UI),
//! the worker (driving runs), the scheduler (cron occurrences and history pruning, by one
//! elected process at a time), or all three.

use std::fmt;
use std::str::FromStr;

/// Which parts of the service this process runs; `all` by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles {
    /// Accepts API requests, webhooks and the web UI.
    pub api: bool,
    /// Drives runs with due work.
    pub worker: bool,
    /// Stands for election as the one process that fires schedules and prunes history.
    pub scheduler: bool,
}

impl Roles {
    pub const ALL: Roles = Roles { api: true, worker: true, scheduler: true };
    pub const WORKER: Roles = Roles { api: false, worker: true, scheduler: false };
}

impl Default for Roles {
    fn default() -> Self {
        Self::ALL
    }
}

impl FromStr for Roles {
    type Err = String;

    /// `all`, or a comma-separated list of `api`, `worker` and `scheduler`.
    fn from_str(text: &str) -> Result<Self, String> {
        let mut roles = Roles { api: false, worker: false, scheduler: false };
        for name in text.split(',').map(str::trim) {
            match name {
                "all" => roles = Roles::ALL,
                "api" => roles.api = true,
                "worker" => roles.worker = true,
                "scheduler" => roles.scheduler = true,
                other => {
                    return Err(format!(
                        "unknown role `{other}`: use all, or a comma-separated list of api, worker and scheduler"
                    ));
                }
            }
        }
        Ok(roles)
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Roles::ALL {
            return f.write_str("all");
        }
        let names = [(self.api, "api"), (self.worker, "worker"), (self.scheduler, "scheduler")];
        let names: Vec<&str> = names.iter().filter(|(on, _)| *on).map(|(_, name)| *name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_alone_in_lists_and_as_all() {
        assert_eq!("all".parse::<Roles>(), Ok(Roles::ALL));
        assert_eq!("worker".parse::<Roles>(), Ok(Roles::WORKER));
        let both: Roles = "worker, scheduler".parse().unwrap();
        assert_eq!(both, Roles { api: false, worker: true, scheduler: true });
        assert_eq!(both.to_string(), "worker,scheduler");
        assert_eq!("api,worker,scheduler".parse::<Roles>().unwrap().to_string(), "all");
        let err = "api,workers".parse::<Roles>().unwrap_err();
        assert!(err.contains("unknown role `workers`"), "{err}");
        assert!("".parse::<Roles>().is_err(), "an empty role names nothing");
    }
}
