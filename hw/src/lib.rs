//! `hw`: what a design point is made of: the accelerator's architecture ([`arch`]), the board it
//! must fit ([`board`]) and the units' RTL ([`rtl`]). The numerics and shapes belong to `golden`; this
//! crate owns everything that changes cycles and resources but not the model.
#![warn(missing_docs)]

pub mod arch;
pub mod board;
pub mod memory;
pub mod power;
pub mod resources;
pub mod rtl;
pub mod timing;
