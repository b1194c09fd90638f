//! Inputs of every size and depth end in a clear error, never a crash or a frozen service.
