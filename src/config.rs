//! One TOML file, a section per crate: `[model]` and `[numerics]` (golden); `[arch]`, `[board]`, `[axi]`
//! and `[memory]` (hw).
//! Each crate validates its own section; this module parses, assembles, and points every error at its
//! file, line and column.

use std::fmt;
use std::path::Path;

use golden::model::config::{ConfigIssue, ModelConfig, Numerics, NumericsConfig};
use hw::arch::ArchConfig;
use hw::board::BoardConfig;
use hw::memory::{AxiConfig, MemoryConfig};
use serde::{Deserialize, Serialize};

/// The embedded default: Edge-MoE on the ZCU102.
pub const DEFAULT_TOML: &str = include_str!("../configs/edge-moe-zcu102.toml");
/// How the embedded default is named in messages.
pub const DEFAULT_NAME: &str = "<embedded default: Edge-MoE on the ZCU102>";

/// The file as written.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    /// Shapes.
    pub model: ModelConfig,
    /// Formats.
    pub numerics: NumericsConfig,
    /// Architecture.
    pub arch: ArchConfig,
    /// Board.
    pub board: BoardConfig,
    /// The AXI masters.
    pub axi: AxiConfig,
    /// The DRAM channel model.
    pub memory: MemoryConfig,
}

/// A validated design point.
#[derive(Clone, Debug)]
pub struct Config {
    /// The sections as written (defaults filled in).
    pub raw: RawConfig,
    /// The validated formats.
    pub numerics: Numerics,
    /// Where it came from, for messages.
    pub source: String,
    /// The text it was parsed from, to locate problems found later (e.g. by codegen).
    pub text: String,
}

/// One problem in a config file, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// File name (or the embedded default's name).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path, when known.
    pub key: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, ":{l}:{c}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// All problems found in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl Config {
    /// The resource model's bill for this point's accelerator, every part and buffer: what the
    /// board check and the power model both price.
    pub fn accelerator(&self) -> hw::resources::accelerator::AcceleratorEstimate {
        let raw = &self.raw;
        hw::resources::accelerator::accelerator(&raw.model, &self.numerics, &raw.arch, &raw.axi)
    }

    /// Reads `path`, or the embedded default when `None`.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigErrors> {
        match path {
            None => Self::parse(DEFAULT_TOML, DEFAULT_NAME),
            Some(p) => {
                let (text, file) = read(p)?;
                Self::parse(&text, &file)
            }
        }
    }

    /// Parses and validates `text`, naming it `file` in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigErrors> {
        let locate = |span: Option<std::ops::Range<usize>>, key: String, reason: String| {
            located(text, file, span, &key, reason)
        };
        let raw: RawConfig = deserialize(text, file)?;
        let mut issues: Vec<ConfigIssue> = raw.model.validate();
        let numerics = match raw.numerics.validate() {
            Ok(n) => Some(n),
            Err(mut more) => {
                issues.append(&mut more);
                None
            }
        };
        issues.extend(raw.arch.validate(&raw.model));
        issues.extend(raw.board.validate());
        issues.extend(raw.axi.validate());
        issues.extend(raw.memory.validate());
        match (issues.is_empty(), numerics) {
            (true, Some(numerics)) => Ok(Config {
                raw,
                numerics,
                source: file.to_string(),
                text: text.to_string(),
            }),
            _ => {
                let doc = toml_edit::Document::parse(text).ok();
                Err(ConfigErrors(
                    issues
                        .into_iter()
                        .map(|i| {
                            let span = doc.as_ref().and_then(|d| key_span(d, &i.key));
                            locate(span, i.key, i.reason)
                        })
                        .collect(),
                ))
            }
        }
    }

    /// A problem with `key` found after loading, located in the file like a validation error (at the
    /// key's value, or the nearest table written; unlocated when the key was left to its default).
    pub fn error_at(&self, key: &str, reason: &str) -> ConfigError {
        let span = toml_edit::Document::parse(self.text.as_str())
            .ok()
            .and_then(|d| key_span(&d, key));
        located(&self.text, &self.source, span, key, reason.to_string())
    }

    /// The effective config as TOML (defaults filled in).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(&self.raw).unwrap_or_else(|e| format!("# cannot render: {e}\n"))
    }
}

/// The text of a file the user named, and its name for messages.
pub(crate) fn read(path: &Path) -> Result<(String, String), ConfigErrors> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, file)),
        Err(e) => Err(ConfigErrors(vec![located(
            "",
            &file,
            None,
            "",
            format!("cannot read: {e}"),
        )])),
    }
}

/// `text` as TOML into `T`; a syntax error, an unknown field or a wrong type is located in `file`.
pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, ConfigErrors> {
    let de = toml::Deserializer::parse(text).map_err(|e| {
        ConfigErrors(vec![located(
            text,
            file,
            e.span(),
            "",
            e.message().to_string(),
        )])
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let key = if key == "." { String::new() } else { key };
        ConfigErrors(vec![located(
            text,
            file,
            inner.span(),
            &key,
            inner.message().to_string(),
        )])
    })
}

/// An error at byte range `span` of `text` (unlocated without one).
pub(crate) fn located(
    text: &str,
    file: &str,
    span: Option<std::ops::Range<usize>>,
    key: &str,
    reason: String,
) -> ConfigError {
    let (line, column) = match span {
        Some(s) => {
            let (l, c) = line_col(text, s.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    ConfigError {
        file: file.to_string(),
        line,
        column,
        key: key.to_string(),
        reason,
    }
}

/// The span of the value at a dotted key path, or of the nearest table that exists.
fn key_span(doc: &toml_edit::Document<&str>, key: &str) -> Option<std::ops::Range<usize>> {
    let mut item = doc.as_item();
    let mut best = None;
    for part in key.split('.') {
        match item.get(part) {
            Some(next) => {
                item = next;
                best = next.span().or(best);
            }
            None => break,
        }
    }
    best
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_default_equals_the_built_in_defaults() {
        let c = Config::load(None).expect("the default is valid");
        assert_eq!(c.raw, RawConfig::default());
    }

    #[test]
    fn a_partial_file_inherits_the_defaults() {
        let c = Config::parse("[numerics]\nfm = \"ap_fixed<24,8>\"\n", "t.toml").unwrap();
        assert_eq!(c.numerics.fm.to_string(), "ap_fixed<24,8>");
        assert_eq!(c.raw.model.embed_dim, 192);
    }

    #[test]
    fn an_unknown_field_is_located() {
        let e = Config::parse("[arch]\nattn_lanes = 4\nlanez = 3\n", "t.toml").unwrap_err();
        let e = &e.0[0];
        assert_eq!((e.line, e.column), (Some(3), Some(1)));
        assert!(e.reason.contains("lanez"), "{e}");
    }

    #[test]
    fn a_semantic_error_points_at_its_value() {
        let e = Config::parse("[arch]\nattn_lanes = 0\n", "t.toml").unwrap_err();
        assert_eq!(e.0[0].key, "arch.attn_lanes");
        assert_eq!((e.0[0].line, e.0[0].column), (Some(2), Some(14)));
        let e =
            Config::parse("[numerics]\nfm = \"ap_fixed<32,10,AP_FOO>\"\n", "t.toml").unwrap_err();
        assert_eq!(e.0[0].key, "numerics.fm");
        assert_eq!(e.0[0].line, Some(2));
    }

    #[test]
    fn malformed_toml_is_located() {
        let e = Config::parse("[model\nx = 1\n", "bad.toml").unwrap_err();
        assert_eq!(e.0[0].file, "bad.toml");
        assert_eq!(e.0[0].line, Some(1));
    }
}
