//! M3ViT as Edge-MoE runs it: shapes and formats ([`config`]), parameters ([`weights`]), the frame in
//! fixed point ([`forward`]) and in f64 ([`reference`]), and the taps between steps ([`taps`]).

pub mod config;
pub mod forward;
pub mod reference;
pub mod taps;
pub mod weights;
