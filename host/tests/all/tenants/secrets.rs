//! A secret's value never reaches a plugin, a record or an answer, nor a host it is not bound to.
