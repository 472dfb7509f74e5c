//! Exit codes, in one place so scripts can rely on them.

/// Success.
pub const OK: i32 = 0;
/// A check failed: `verify` past its thresholds.
pub const CHECK_FAILED: i32 = 1;
/// Bad input: a config, a weight file, a vector on stdin, an argument.
pub const BAD_INPUT: i32 = 2;
/// Writing results failed.
pub const IO: i32 = 3;
