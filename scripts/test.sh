#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test of every crate (whole-frame tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
