//! A deliberately small template language: `{{key}}` is replaced by the value bound to `key`.
//!
//! Templates are the emitted files as an HLS engineer would write them, kept under `templates/` so they
//! can be read, diffed and syntax-highlighted as C++/TCL. Anything that needs a loop (ROM contents, per
//! layer tables) is rendered in Rust into one value, so the templates need no control flow. A placeholder
//! without a value is an error, never an empty string: a renamed key cannot silently drop code.

use std::collections::BTreeMap;

/// Values for a template's placeholders.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    values: BTreeMap<String, String>,
}

impl Vars {
    /// No bindings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `key` to `value` (replacing any earlier binding).
    pub fn set(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.values.insert(key.to_string(), value.to_string());
        self
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }
}

/// A template that cannot be rendered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{key}}` with no binding.
    #[error("template {template}:{line}: no value for `{{{{{key}}}}}`")]
    Unbound {
        /// The template's path under `templates/`.
        template: String,
        /// 1-based line of the placeholder.
        line: usize,
        /// The placeholder's key.
        key: String,
    },
    /// `{{` without a matching `}}` on the same line.
    #[error("template {template}:{line}: `{{{{` is not closed on its line")]
    Unclosed {
        /// The template's path.
        template: String,
        /// 1-based line.
        line: usize,
    },
}

/// Renders `text` (named `template` in errors) with `vars`.
pub fn render(template: &str, text: &str, vars: &Vars) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let mut rest = line;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                return Err(TemplateError::Unclosed {
                    template: template.to_string(),
                    line: i + 1,
                });
            };
            let key = after[..close].trim();
            match vars.get(key) {
                Some(v) => out.push_str(v),
                None => {
                    return Err(TemplateError::Unbound {
                        template: template.to_string(),
                        line: i + 1,
                        key: key.to_string(),
                    })
                }
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_and_unbound_ones_are_errors() {
        let mut v = Vars::new();
        v.set("lanes", 4).set("name", "qk");
        assert_eq!(
            render("t", "P = {{lanes}}; // {{ name }}\n", &v).unwrap(),
            "P = 4; // qk\n"
        );
        let err = render("t.h", "a\nb {{missing}}\n", &v).unwrap_err();
        assert_eq!(
            err,
            TemplateError::Unbound {
                template: "t.h".into(),
                line: 2,
                key: "missing".into()
            }
        );
        assert!(matches!(
            render("t", "x {{ y", &v),
            Err(TemplateError::Unclosed { line: 1, .. })
        ));
    }
}
