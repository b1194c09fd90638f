//! Roost: a self-hosted automation platform for social-media work.
//!
//! Workflows written in YAML ([`workflow`]) run steps that are WebAssembly components
//! ([`runtime`]) in a sandbox whose only doors are the capabilities their manifests
//! declare ([`capabilities`]); the [`engine`] executes them and records every step in the
//! [`store`].

pub mod capabilities;
pub mod config;
pub mod engine;
pub mod install;
pub mod oci;
pub mod runtime;
pub mod service;
pub mod store;
pub mod telemetry;
pub mod workflow;
