//! One workspace's slow or waiting steps cannot starve another's; memory per run is capped.
