//! History is pruned and deletable, and idle cost stays flat as it grows.
