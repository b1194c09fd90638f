//! German fixtures.
