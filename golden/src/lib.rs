//! `golden`: the bit-exact reference of Edge-MoE (ICCAD 2023) against which every other implementation
//! in edgemoe — the cycle simulator, the emitted HLS C++ and the emitted Verilog — is checked.
//!
//! * [`fixed`]: `ap_fixed` semantics, as a runtime [`fixed::Format`] and a const-generic [`fixed::Fixed`].
//! * [`units`]: one module per hardware unit, named as the Edge-MoE sources name them.
//! * [`model`]: the M3ViT shapes, numeric formats, weights, and the whole forward pass in fixed point and
//!   in `f64`, with a tap after every step.
//!
//! Spec: `shared/reference/edge-moe.md` (section numbers in doc comments, e.g. "§5", point there).
#![warn(missing_docs)]

pub mod fixed;
pub mod model;
pub mod rng;
pub mod units;
