//! Vensim names and the IR names they become.
//!
//! Vensim compares names ignoring case and treating runs of spaces and underscores as one
//! (`Teacup Temperature` = `teacup_temperature`); quoted names (`"a-b"`) may hold any
//! character. The IR needs `[A-Za-z_][A-Za-z0-9_]*`, so a name keeps its first spelling with
//! spaces as underscores and any other character outside that set as `_` (made unique).

use std::collections::{HashMap, HashSet};

/// The key under which Vensim considers two names equal.
pub fn key(name: &str) -> String {
    let name = name.trim();
    let name = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars() {
        if c.is_whitespace() || c == '_' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The IR spelling of a name (not yet made unique).
pub fn identifier(name: &str) -> String {
    let name = name.trim();
    let name = name
        .strip_prefix('"')
        .and_then(|n| n.strip_suffix('"'))
        .unwrap_or(name);
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars() {
        if c.is_whitespace() || c == '_' {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    if out.is_empty() || out.as_bytes()[0].is_ascii_digit() {
        out.insert(0, '_');
    }
    out
}

/// Words the equation language reserves (keywords and clock registers).
fn reserved(id: &str) -> bool {
    let upper = id.to_ascii_uppercase();
    ["IF", "THEN", "ELSE", "AND", "OR", "NOT"].contains(&upper.as_str())
        || matches!(
            pressure_model::Builtin::lookup(id).map(|b| b.role()),
            Some(pressure_model::builtins::Role::Register)
        )
}

/// The IR names given so far, by Vensim key.
#[derive(Debug, Default)]
pub struct Names {
    by_key: HashMap<String, String>,
    used: HashSet<String>,
}

impl Names {
    /// The IR name of `name`, assigning a fresh one on first sight.
    pub fn intern(&mut self, name: &str) -> String {
        let k = key(name);
        if let Some(id) = self.by_key.get(&k) {
            return id.clone();
        }
        let id = self.fresh(&identifier(name));
        self.by_key.insert(k, id.clone());
        id
    }

    /// Like [`Names::intern`], but a name that is already a valid IR name keeps its exact
    /// spelling (runs of underscores included), so that a model written out by Pressure reads
    /// back with the same names.
    pub fn intern_verbatim(&mut self, name: &str) -> String {
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return self.intern(name);
        }
        let k = key(name);
        if let Some(id) = self.by_key.get(&k) {
            return id.clone();
        }
        let id = self.fresh(name);
        self.by_key.insert(k, id.clone());
        id
    }

    /// A name no Vensim name maps to, starting from `base`.
    pub fn fresh(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        if reserved(&id) {
            id.push('_');
        }
        let mut n = 2;
        while self.used.contains(&id.to_ascii_lowercase()) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(id.to_ascii_lowercase());
        id
    }

    /// Makes an IR name (from [`Names::fresh`]) findable under its own spelling.
    pub fn alias(&mut self, id: &str) {
        self.by_key.insert(key(id), id.to_string());
    }

    /// The IR name of a name already interned.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.by_key.get(&key(name)).map(|s| s.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vensim_equal_names_share_a_key() {
        assert_eq!(key("Teacup  Temperature"), key("teacup_temperature"));
        assert_eq!(key("\"a-b\""), "a-b");
        assert_ne!(key("ab"), key("a b"));
    }

    #[test]
    fn identifiers_are_valid_and_unique() {
        let mut n = Names::default();
        assert_eq!(n.intern("Teacup Temperature"), "Teacup_Temperature");
        assert_eq!(n.intern("teacup temperature"), "Teacup_Temperature");
        assert_eq!(n.intern("\"a-b\""), "a_b");
        assert_eq!(n.intern("a b"), "a_b_2");
        assert_eq!(n.intern("1st"), "_1st");
        assert_eq!(n.intern("Time"), "Time_");
    }
}
