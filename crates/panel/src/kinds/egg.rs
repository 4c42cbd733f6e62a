//! Eggs with their variables, and Pterodactyl's nests (through which PT lists its eggs). roost
//! reads them (servers name an egg; variables are validated against it) but never manages them.

use crate::client::{PanelClient, q};
use crate::endpoint::required_list;
use crate::error::PanelError;
use crate::lenient::*;
use crate::pagination::HasId;
use crate::wire::Relation;
use roost_model::{Dialect, LiveEgg, LiveEggVariable, LiveNest, egg_routes, nest_routes};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NestRelationships {
    #[serde(default)]
    pub eggs: Option<Relation<EggAttributes>>,
}

/// PT only.
#[derive(Debug, Clone, Deserialize)]
pub struct NestAttributes {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    #[serde(default)]
    pub author: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub relationships: NestRelationships,
}

impl NestAttributes {
    pub fn to_live(&self) -> LiveNest {
        LiveNest {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EggRelationships {
    #[serde(default)]
    pub variables: Option<Relation<EggVariableAttributes>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EggAttributes {
    pub id: u64,
    #[serde(default)]
    pub uuid: String,
    pub name: String,
    /// PT only.
    #[serde(default)]
    pub nest: Option<u64>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// PL@b34+ (`image` in b28–b33).
    #[serde(default)]
    pub icon: Option<String>,
    /// PL@b20+; kept as JSON because nothing reads it and its shape is loose.
    #[serde(default)]
    pub features: Option<Value>,
    #[serde(default)]
    pub tags: Option<Value>,
    /// Deprecated first image.
    #[serde(default)]
    pub docker_image: Option<String>,
    /// `{label: image}` in panel order (an array of images is accepted too).
    #[serde(default, deserialize_with = "de_labelled")]
    pub docker_images: Vec<(String, String)>,
    #[serde(default)]
    pub startup: Option<String>,
    /// PL@b26+: `{label: command}` or an array.
    #[serde(default, deserialize_with = "de_labelled_opt")]
    pub startup_commands: Option<Vec<(String, String)>>,
    #[serde(default)]
    pub config: Option<Value>,
    #[serde(default)]
    pub script: Option<Value>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub relationships: EggRelationships,
}

impl EggAttributes {
    pub fn to_live(&self) -> LiveEgg {
        let mut docker_images = self.docker_images.clone();
        let fallback = self.docker_image.as_ref().filter(|s| !s.is_empty());
        if let (true, Some(img)) = (docker_images.is_empty(), fallback) {
            docker_images.push((img.clone(), img.clone()));
        }
        let startup = self
            .startup
            .clone()
            .filter(|s| !s.is_empty())
            .or_else(|| {
                self.startup_commands
                    .as_ref()
                    .and_then(|c| c.first())
                    .map(|(_, cmd)| cmd.clone())
            })
            .unwrap_or_default();
        let mut variables: Vec<&EggVariableAttributes> = self
            .relationships
            .variables
            .as_ref()
            .and_then(|r| r.list())
            .map(|l| l.collect())
            .unwrap_or_default();
        // PL orders variables by `sort`; PT by id. Keep a stable, panel-like order.
        variables.sort_by_key(|v| (v.sort.unwrap_or(i64::MAX), v.id));
        LiveEgg {
            id: self.id,
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            nest: self.nest,
            docker_images,
            startup,
            variables: variables.into_iter().map(|v| v.to_live()).collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct EggVariableAttributes {
    #[serde(default)]
    pub id: u64,
    #[serde(default)]
    pub egg_id: Option<u64>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub env_variable: String,
    #[serde(default)]
    pub default_value: Option<String>,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub user_viewable: bool,
    #[serde(default, deserialize_with = "de_bool_lenient")]
    pub user_editable: bool,
    /// PT `"required|string"`, PL `["required","string"]`.
    #[serde(default, deserialize_with = "de_rules")]
    pub rules: Vec<String>,
    /// PL only.
    #[serde(default, deserialize_with = "de_i64_opt_lenient")]
    pub sort: Option<i64>,
    /// Only on `server_variable` (server `include=variables`).
    #[serde(default)]
    pub server_value: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

impl EggVariableAttributes {
    pub fn to_live(&self) -> LiveEggVariable {
        LiveEggVariable {
            name: self.name.clone(),
            env_variable: self.env_variable.clone(),
            default_value: self.default_value.clone().unwrap_or_default(),
            rules: self.rules.clone(),
            user_editable: self.user_editable,
        }
    }
}

/// Egg variable rules: a pipe-separated string (PT) or an array (PL).
fn de_rules<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => Vec::new(),
        Value::String(s) => split_rules(&s),
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        other => return Err(de::Error::custom(format!("unexpected rules value {other}"))),
    })
}

/// Splits a Laravel rule string on `|`, except inside a `regex:`/`not_regex:` pattern, whose
/// delimiters may enclose `|` (`regex:/^(a|b)$/`).
pub fn split_rules(s: &str) -> Vec<String> {
    let mut rules = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let end = if let Some(pat) = rest
            .strip_prefix("regex:")
            .or_else(|| rest.strip_prefix("not_regex:"))
        {
            let prefix_len = rest.len() - pat.len();
            regex_rule_end(pat).map(|e| prefix_len + e)
        } else {
            None
        };
        let end = end.or_else(|| rest.find('|')).unwrap_or(rest.len());
        let rule = rest[..end].trim();
        if !rule.is_empty() {
            rules.push(rule.to_string());
        }
        rest = rest.get(end + 1..).unwrap_or("");
    }
    rules
}

/// Byte offset just past a delimited regex and its flags, when it is followed by `|` or the end.
fn regex_rule_end(pat: &str) -> Option<usize> {
    let delim = pat.chars().next()?;
    if delim.is_alphanumeric() || delim == '\\' {
        return None;
    }
    let mut escaped = false;
    for (i, c) in pat.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == delim {
            let after = &pat[i + c.len_utf8()..];
            let flags = after.find('|').map(|p| &after[..p]).unwrap_or(after);
            if flags.chars().all(|f| f.is_ascii_alphabetic()) {
                return Some(i + c.len_utf8() + flags.len());
            }
        }
    }
    None
}

struct LabelledVisitor;

impl<'de> Visitor<'de> for LabelledVisitor {
    type Value = Option<Vec<(String, String)>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object {label: value}, an array of values, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    // A map visitor keeps the panel's key order (serde_json's `Value` would sort it).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.push((k, value_to_env_string(&v)));
        }
        Ok(Some(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            let s = value_to_env_string(&v);
            out.push((s.clone(), s));
        }
        Ok(Some(out))
    }
}

fn de_labelled_opt<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<(String, String)>>, D::Error> {
    d.deserialize_any(LabelledVisitor)
}

fn de_labelled<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
    Ok(de_labelled_opt(d)?.unwrap_or_default())
}

impl HasId for NestAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

impl HasId for EggAttributes {
    fn id(&self) -> Option<u64> {
        Some(self.id)
    }
}

/// The eggs of PT's nests, each knowing its nest (`include=eggs.variables` brings them along).
pub(crate) fn eggs_of_nests(nests: &[NestAttributes]) -> Result<Vec<LiveEgg>, PanelError> {
    let mut out = Vec::new();
    for nest in nests {
        for egg in required_list(nest.relationships.eggs.as_ref(), "eggs", "/nests")? {
            let mut e = egg.to_live();
            e.nest = e.nest.or(Some(nest.id));
            out.push(e);
        }
    }
    Ok(out)
}

impl PanelClient {
    /// PL `/eggs` with variables (not paginated: the per_page/page parameters are ignored).
    pub(crate) async fn list_eggs_raw(&self) -> Result<Vec<EggAttributes>, PanelError> {
        self.list_all(egg_routes::list(), vec![q("include", "variables")])
            .await
    }

    /// PT `/nests` with their eggs and the eggs' variables.
    pub(crate) async fn list_nests_with_eggs(&self) -> Result<Vec<NestAttributes>, PanelError> {
        self.list_all(nest_routes::list(), vec![q("include", "eggs.variables")])
            .await
    }

    /// Every egg with its variables (PT through nests, PL at the top level).
    pub async fn list_eggs(&self) -> Result<Vec<LiveEgg>, PanelError> {
        match self.ensure_dialect().await? {
            Dialect::Pelican => Ok(self
                .list_eggs_raw()
                .await?
                .iter()
                .map(EggAttributes::to_live)
                .collect()),
            Dialect::Pterodactyl => eggs_of_nests(&self.list_nests_with_eggs().await?),
        }
    }

    /// Pterodactyl only.
    pub async fn list_nests(&self) -> Result<Vec<LiveNest>, PanelError> {
        self.require_dialect(Dialect::Pterodactyl, "nests").await?;
        let nests: Vec<NestAttributes> = self.list_all(nest_routes::list(), Vec::new()).await?;
        Ok(nests.iter().map(NestAttributes::to_live).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_split_on_pipes_but_not_inside_regexes() {
        assert_eq!(
            split_rules("required|string|max:20"),
            vec!["required", "string", "max:20"]
        );
        assert_eq!(
            split_rules("required|regex:/^(a|b)$/i|max:3"),
            vec!["required", "regex:/^(a|b)$/i", "max:3"]
        );
        assert_eq!(
            split_rules(r"nullable|regex:/^([\w\d._-]+)(\.jar)$/"),
            vec!["nullable", r"regex:/^([\w\d._-]+)(\.jar)$/"]
        );
        assert_eq!(split_rules(""), Vec::<String>::new());
        // An unterminated pattern falls back to plain splitting.
        assert_eq!(split_rules("regex:/a|b"), vec!["regex:/a", "b"]);
    }

    #[test]
    fn docker_images_keep_panel_order() {
        // Parsed from text: a `json!` value would already have sorted the keys.
        let egg: EggAttributes = serde_json::from_str(
            r#"{"id": 1, "name": "e", "docker_images": {"Zed": "z:1", "Alpha": "a:1"},
                "startup_commands": ["run"]}"#,
        )
        .unwrap();
        let live = egg.to_live();
        assert_eq!(
            live.docker_images,
            vec![("Zed".into(), "z:1".into()), ("Alpha".into(), "a:1".into())]
        );
        assert_eq!(live.startup, "run");
    }
}
