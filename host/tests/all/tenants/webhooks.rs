//! A 2xx to a webhook means its run is committed, even when the service is killed.
