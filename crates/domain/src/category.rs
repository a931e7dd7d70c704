//! Categories ("types of problem") and their own fields, with the validation of both the field
//! definitions an admin writes and the values a submitter gives.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::validation::{Errors, FieldError, check_line};
use crate::{CategoryId, UnitId, named_enum};

/// Longest category name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Most fields a category may define.
pub const MAX_FIELDS: usize = 50;
/// Longest text value of a category field, in characters.
pub const MAX_TEXT_VALUE_CHARS: usize = 1000;

/// The kind of value a category field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text, one line.
    Text,
    /// A number.
    Number,
    /// One of a list of choices.
    Choice,
    /// Yes or no; a required one must be confirmed (true).
    Bool,
}

named_enum!(FieldType { Text => "text", Number => "number", Choice => "choice", Bool => "bool" });

/// One field a category asks for (e.g. "product version", "64-bit confirmed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key under which the value is stored: lower-case letters, digits and `_`.
    pub key: String,
    /// What the form shows.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1F\x7F-\x9F]*[^\x00-\x20\x7F-\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\x00-\x1F\x7F-\x9F]*$"
    )]
    pub label: String,
    /// The kind of value.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// The allowed values of a choice field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// Whether a ticket in this category must give it.
    #[serde(default)]
    pub required: bool,
}

/// A category as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Category {
    /// The category's id.
    pub id: CategoryId,
    /// Its name, unique.
    pub name: String,
    /// What belongs in it.
    pub description: String,
    /// The unit a new ticket in this category goes to.
    pub default_unit: UnitId,
    /// The category's own fields.
    pub fields: Vec<FieldDef>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it last changed.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Checks a category's name, description and field definitions.
pub fn check_category(name: &str, description: &str, fields: &[FieldDef]) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    check_line(&mut errors, "name", name, MAX_NAME_CHARS);
    errors.check(description.len() > 10_000, "description", "must be at most 10000 bytes");
    errors.extend(check_field_defs(fields).err().unwrap_or_default());
    errors.finish(())
}

fn check_field_defs(fields: &[FieldDef]) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::new();
    errors.check(fields.len() > MAX_FIELDS, "fields", format!("at most {MAX_FIELDS} fields"));
    let mut seen = std::collections::HashSet::new();
    for (i, def) in fields.iter().enumerate() {
        let at = format!("fields[{i}]");
        let key_ok = !def.key.is_empty()
            && def.key.len() <= 64
            && def.key.starts_with(|c: char| c.is_ascii_lowercase())
            && def.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        errors.check(
            !key_ok,
            &format!("{at}.key"),
            format!("'{}' must start with a-z and hold only a-z, 0-9 and _ (at most 64)", def.key),
        );
        errors.check(!seen.insert(def.key.as_str()), &format!("{at}.key"), format!("'{}' is used twice", def.key));
        check_line(&mut errors, &format!("{at}.label"), &def.label, MAX_NAME_CHARS);
        match (def.field_type, &def.choices) {
            (FieldType::Choice, None) => errors.add(format!("{at}.choices"), "a choice field needs its choices"),
            (FieldType::Choice, Some(choices)) => {
                errors.check(choices.is_empty(), &format!("{at}.choices"), "a choice field needs its choices");
                let mut distinct = std::collections::HashSet::new();
                for choice in choices {
                    check_line(&mut errors, &format!("{at}.choices"), choice, MAX_NAME_CHARS);
                    errors.check(
                        !distinct.insert(choice),
                        &format!("{at}.choices"),
                        format!("'{choice}' is listed twice"),
                    );
                }
            }
            (_, Some(_)) => errors.add(format!("{at}.choices"), "only a choice field has choices"),
            (_, None) => {}
        }
    }
    errors.finish(())
}

/// Checks the values a ticket gives for its category's fields and returns them cleaned
/// (optional fields given as null are dropped, text is trimmed). Every refusal names its field
/// as `fields.KEY`.
pub fn check_field_values(
    defs: &[FieldDef],
    values: &Map<String, Value>,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Errors::new();
    let mut clean = Map::new();
    for key in values.keys() {
        if !defs.iter().any(|d| &d.key == key) {
            let known: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
            let hint = if known.is_empty() {
                "this category has no fields".to_owned()
            } else {
                format!("this category's fields are: {}", known.join(", "))
            };
            errors.add(format!("fields.{key}"), format!("unknown field; {hint}"));
        }
    }
    for def in defs {
        let at = format!("fields.{}", def.key);
        match values.get(&def.key) {
            None | Some(Value::Null) => {
                errors.check(def.required, &at, format!("'{}' is required", def.label));
            }
            Some(value) => match check_value(def, value) {
                Ok(Some(v)) => {
                    clean.insert(def.key.clone(), v);
                }
                Ok(None) => errors.check(def.required, &at, format!("'{}' is required", def.label)),
                Err(message) => errors.add(at, message),
            },
        }
    }
    errors.finish(clean)
}

/// One value against its definition: `Ok(None)` when it counts as not given.
fn check_value(def: &FieldDef, value: &Value) -> Result<Option<Value>, String> {
    match (def.field_type, value) {
        (FieldType::Text, Value::String(s)) => {
            let s = s.trim();
            if s.chars().count() > MAX_TEXT_VALUE_CHARS {
                Err(format!("must be at most {MAX_TEXT_VALUE_CHARS} characters"))
            } else if s.is_empty() {
                Ok(None)
            } else {
                Ok(Some(Value::String(s.to_owned())))
            }
        }
        (FieldType::Number, Value::Number(n)) => Ok(Some(Value::Number(n.clone()))),
        (FieldType::Choice, Value::String(s)) => {
            let choices = def.choices.as_deref().unwrap_or_default();
            if choices.iter().any(|c| c == s) {
                Ok(Some(value.clone()))
            } else {
                Err(format!("'{s}' is not one of: {}", choices.join(", ")))
            }
        }
        (FieldType::Bool, Value::Bool(b)) => {
            if def.required && !b {
                Err(format!("'{}' must be confirmed", def.label))
            } else {
                Ok(Some(Value::Bool(*b)))
            }
        }
        (expected, got) => Err(format!("must be {} (got {})", type_phrase(expected), json_kind(got))),
    }
}

fn type_phrase(t: FieldType) -> &'static str {
    match t {
        FieldType::Text => "text",
        FieldType::Number => "a number",
        FieldType::Choice => "one of the choices, as text",
        FieldType::Bool => "true or false",
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn def(key: &str, field_type: FieldType, required: bool) -> FieldDef {
        let choices = (field_type == FieldType::Choice).then(|| vec!["Ubuntu".to_owned(), "RHEL".to_owned()]);
        FieldDef { key: key.into(), label: key.replace('_', " "), field_type, choices, required }
    }

    fn gluu_fields() -> Vec<FieldDef> {
        vec![
            def("version", FieldType::Text, true),
            def("os", FieldType::Choice, true),
            def("ram_gb", FieldType::Number, false),
            def("bits_64", FieldType::Bool, true),
        ]
    }

    #[test]
    fn values_against_definitions() {
        let ok = json!({"version": "4.5", "os": "Ubuntu", "bits_64": true});
        // (values, refused fields)
        let table: Vec<(Value, Vec<&str>)> = vec![
            (ok.clone(), vec![]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": true, "ram_gb": 8}), vec![]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": true, "ram_gb": null}), vec![]),
            (json!({"os": "Ubuntu", "bits_64": true}), vec!["fields.version"]),
            (json!({"version": "  ", "os": "Ubuntu", "bits_64": true}), vec!["fields.version"]),
            (json!({"version": 4.5, "os": "Ubuntu", "bits_64": true}), vec!["fields.version"]),
            (json!({"version": "4.5", "os": "Windows", "bits_64": true}), vec!["fields.os"]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": "yes"}), vec!["fields.bits_64"]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": false}), vec!["fields.bits_64"]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": true, "ram_gb": "8"}), vec!["fields.ram_gb"]),
            (json!({"version": "4.5", "os": "Ubuntu", "bits_64": true, "colour": "red"}), vec!["fields.colour"]),
            (json!({}), vec!["fields.version", "fields.os", "fields.bits_64"]),
        ];
        for (values, refused) in table {
            let got = check_field_values(&gluu_fields(), values.as_object().unwrap());
            let got_fields: Vec<String> = got.err().unwrap_or_default().into_iter().map(|e| e.field).collect();
            assert_eq!(got_fields, refused, "{values}");
        }
    }

    #[test]
    fn cleaned_values_drop_nulls_and_trim_text() {
        let values = json!({"version": " 4.5 ", "os": "RHEL", "bits_64": true, "ram_gb": null});
        let clean = check_field_values(&gluu_fields(), values.as_object().unwrap()).unwrap();
        assert_eq!(Value::Object(clean), json!({"version": "4.5", "os": "RHEL", "bits_64": true}));
    }

    #[test]
    fn definitions() {
        let bad_key = FieldDef { key: "OS name".into(), ..def("x", FieldType::Text, false) };
        let no_choices = FieldDef { choices: None, ..def("os", FieldType::Choice, false) };
        let empty_choices = FieldDef { choices: Some(vec![]), ..def("os", FieldType::Choice, false) };
        let choices_on_text = FieldDef { choices: Some(vec!["a".into()]), ..def("v", FieldType::Text, false) };
        let repeated_choice =
            FieldDef { choices: Some(vec!["a".into(), "a".into()]), ..def("os", FieldType::Choice, false) };
        let table: Vec<(Vec<FieldDef>, Vec<&str>)> = vec![
            (gluu_fields(), vec![]),
            (vec![], vec![]),
            (vec![bad_key], vec!["fields[0].key"]),
            (vec![def("os", FieldType::Text, false), def("os", FieldType::Bool, false)], vec!["fields[1].key"]),
            (vec![no_choices], vec!["fields[0].choices"]),
            (vec![empty_choices], vec!["fields[0].choices"]),
            (vec![choices_on_text], vec!["fields[0].choices"]),
            (vec![repeated_choice], vec!["fields[0].choices"]),
        ];
        for (defs, refused) in table {
            let got = check_category("Installation", "", &defs);
            let got_fields: Vec<String> = got.err().unwrap_or_default().into_iter().map(|e| e.field).collect();
            assert_eq!(got_fields, refused, "{defs:?}");
        }
        assert!(check_category("", "", &[]).is_err());
    }
}
