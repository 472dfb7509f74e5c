//! Taps: the named intermediate tensors of a frame, in execution order.
//!
//! Names follow Edge-MoE's `debug_id` stopping points (§3): `patch_embed`, then per block L `l<L>.ln1`,
//! `.q`, `.k`, `.v`, `.attn_v`, `.proj`, `.x_attn`, `.ln2`, `.mlp_hidden` and `.mlp_out` (dense) or
//! `.moe_out` (MoE), and `.x` after the block. Every tap is `[token][feature]`.

use ndarray::Array2;

/// One named tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Tap<T> {
    /// The tap's name.
    pub name: String,
    /// Its values, `[token][feature]`.
    pub values: Array2<T>,
}

/// Every tap of a frame, in order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Taps<T> {
    /// In execution order.
    pub entries: Vec<Tap<T>>,
}

impl<T: Clone> Taps<T> {
    /// Records a tap.
    pub fn push(&mut self, name: impl Into<String>, values: &Array2<T>) {
        self.entries.push(Tap {
            name: name.into(),
            values: values.clone(),
        });
    }

    /// The tap called `name`.
    pub fn get(&self, name: &str) -> Option<&Tap<T>> {
        self.entries.iter().find(|t| t.name == name)
    }

    /// The last tap (the block output of the last layer).
    pub fn last(&self) -> Option<&Tap<T>> {
        self.entries.last()
    }
}

/// The tap names of a block, in order.
pub fn layer_tap_names(layer: usize, moe: bool) -> Vec<String> {
    let ffn: &[&str] = if moe {
        &["moe_out"]
    } else {
        &["mlp_hidden", "mlp_out"]
    };
    ["ln1", "q", "k", "v", "attn_v", "proj", "x_attn", "ln2"]
        .iter()
        .chain(ffn)
        .chain(&["x"])
        .map(|s| format!("l{layer}.{s}"))
        .collect()
}
