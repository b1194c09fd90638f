//! Audit actors, names, approvers, plain-HTTP exemptions and the one JSON error envelope.
