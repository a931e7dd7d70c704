//! JSON values read into Rust types the way JSON Schema (and so the OpenAPI document) reads
//! them, which serde_json alone does not: a number with a zero fraction is an integer (`1.0` is
//! an integer to JSON Schema), and an object is never read from an array (serde's derived
//! structs also take their fields in order from a list, so `[null, null]` passed for
//! `{"unit": null, "ticket": null}`).
//!
//! Written here rather than taken from a crate: no published deserializer does either, and a
//! wrapper must reach every nested value, which only a deserializer of the whole value can.

use serde::de::value::{MapAccessDeserializer, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Unexpected, Visitor};
use serde_json::{Number, Value};

/// What reading a value can fail with: serde's own messages, which `input` puts into words.
pub(crate) type Error = de::value::Error;

/// A JSON value to read strictly.
pub(crate) struct Strict(pub Value);

impl<'de> IntoDeserializer<'de, Error> for Strict {
    type Deserializer = Strict;

    fn into_deserializer(self) -> Strict {
        self
    }
}

/// Hands a number to `visitor` as an integer whenever it is one, whatever its notation.
fn visit_number<'de, V: Visitor<'de>>(number: Number, visitor: V) -> Result<V::Value, Error> {
    if let Some(i) = number.as_i64() {
        return visitor.visit_i64(i);
    }
    if let Some(u) = number.as_u64() {
        return visitor.visit_u64(u);
    }
    match number.as_f64() {
        // The bounds are powers of two, exact in f64, and left out: a literal just past i64's
        // range (-9223372036854775809) reaches here rounded to -2^63 and must not pass for it.
        Some(f) if f.fract() == 0.0 && f > -9_223_372_036_854_775_808.0 && f < 9_223_372_036_854_775_808.0 => {
            visitor.visit_i64(f as i64)
        }
        Some(f) if f.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&f) => visitor.visit_u64(f as u64),
        Some(f) => visitor.visit_f64(f),
        None => Err(de::Error::invalid_type(Unexpected::Other("number"), &visitor)),
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => n.as_f64().map(Unexpected::Float).unwrap_or(Unexpected::Other("number")),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

fn entries(map: serde_json::Map<String, Value>) -> impl Iterator<Item = (String, Strict)> {
    map.into_iter().map(|(key, value)| (key, Strict(value)))
}

impl<'de> de::Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => {
                let mut seq = SeqDeserializer::new(items.into_iter().map(Strict));
                let value = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(value)
            }
            Value::Object(map) => {
                let mut map = MapDeserializer::new(entries(map));
                let value = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(value)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Strict(other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(_) => Err(de::Error::invalid_type(Unexpected::Seq, &visitor)),
            other => Strict(other).deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(s)),
            Value::Object(map) if map.len() == 1 => {
                visitor.visit_enum(MapAccessDeserializer::new(MapDeserializer::new(entries(map))))
            }
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        level: i16,
        share: f64,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Tagged(i64),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        id: Option<i64>,
        inner: Option<Inner>,
        #[serde(default)]
        kinds: Vec<Kind>,
        #[serde(default)]
        any: Option<Value>,
    }

    fn read(value: Value) -> Result<Outer, String> {
        Outer::deserialize(Strict(value)).map_err(|e| e.to_string())
    }

    #[test]
    fn values_are_read_as_json_schema_reads_them() {
        let inner = |level, share| Some(Inner { level, share });
        let outer = |id, inner, kinds| Outer { id, inner, kinds, any: None };
        let table: Vec<(Value, Result<Outer, &str>)> = vec![
            (json!({"id": 7}), Ok(outer(Some(7), None, vec![]))),
            (json!({"id": 7.0}), Ok(outer(Some(7), None, vec![]))),
            (json!({"id": -0.0}), Ok(outer(Some(0), None, vec![]))),
            (json!({"id": null}), Ok(outer(None, None, vec![]))),
            (json!({"inner": {"level": 3.0, "share": 2}}), Ok(outer(None, inner(3, 2.0), vec![]))),
            (json!({"inner": {"level": 1, "share": 0.5}}), Ok(outer(None, inner(1, 0.5), vec![]))),
            (json!({"kinds": ["plain", {"tagged": 4.0}]}), Ok(outer(None, None, vec![Kind::Plain, Kind::Tagged(4)]))),
            (json!({"id": 7.5}), Err("invalid type: floating point `7.5`, expected i64")),
            (json!({"id": 1e20}), Err("invalid type: floating point `100000000000000000000.0`, expected i64")),
            (
                serde_json::from_str(r#"{"id": -9223372036854775809}"#).expect("json"),
                Err("invalid type: floating point `-9223372036854776000.0`, expected i64"),
            ),
            (json!({"id": i64::MIN}), Ok(outer(Some(i64::MIN), None, vec![]))),
            (json!({"inner": {"level": 70000, "share": 1}}), Err("invalid value: integer `70000`, expected i16")),
            (json!([null, null, []]), Err("invalid type: sequence, expected struct Outer")),
            (json!({"inner": [1, 2.0]}), Err("invalid type: sequence, expected struct Inner")),
            (json!({"kinds": ["loud"]}), Err("unknown variant `loud`, expected `plain` or `tagged`")),
            (json!({"colour": "red"}), Err("unknown field `colour`, expected one of `id`, `inner`, `kinds`, `any`")),
        ];
        for (value, expected) in table {
            let shown = value.to_string();
            assert_eq!(read(value), expected.map_err(str::to_owned), "{shown}");
        }
        let any = read(json!({"any": {"ram_gb": 4.0, "share": 0.5}})).expect("read").any;
        assert_eq!(any, Some(json!({"ram_gb": 4, "share": 0.5})), "free values take integers as integers too");
    }
}
