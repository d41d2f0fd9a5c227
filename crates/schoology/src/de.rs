//! Serde helpers for Schoology's loose typing: ids, flags, numbers and totals
//! arrive as JSON numbers or strings, `null` stands for empty, and a list of
//! one may arrive as a bare object.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A scalar as Schoology sends it: a number, a string, a boolean or `null`.
#[derive(Debug, Clone, PartialEq)]
enum Loose {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Text(String),
}

struct LooseVisitor;

impl Visitor<'_> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, a string, a boolean or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Loose, E> {
        Ok(Loose::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Text(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Text(v))
    }
}

fn loose<'de, D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
    d.deserialize_any(LooseVisitor)
}

/// Text of a scalar; `None` for `null` and empty strings.
fn text(value: Loose) -> Option<String> {
    match value {
        Loose::Null => None,
        Loose::Bool(b) => Some(if b { "1" } else { "0" }.to_owned()),
        Loose::Int(i) => Some(i.to_string()),
        Loose::UInt(u) => Some(u.to_string()),
        Loose::Float(f) => Some(f.to_string()),
        Loose::Text(t) if t.is_empty() => None,
        Loose::Text(t) => Some(t),
    }
}

/// A required id: a number or a non-empty string, kept as decimal text.
pub(crate) fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(loose(d)?).ok_or_else(|| de::Error::custom("expected an id, found null or \"\""))
}

/// An optional id or text: `null` and `""` become `None`.
pub(crate) fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(text(loose(d)?))
}

/// A flag: `0`/`1` as number or string, or a boolean; `null` and `""` are false.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(false),
        Loose::Bool(b) => Ok(b),
        Loose::Int(i) => Ok(i != 0),
        Loose::UInt(u) => Ok(u != 0),
        Loose::Float(f) => Ok(f != 0.0),
        Loose::Text(t) => match t.trim() {
            "" | "0" | "false" | "FALSE" => Ok(false),
            "1" | "true" | "TRUE" => Ok(true),
            other => other
                .parse::<i64>()
                .map(|n| n != 0)
                .map_err(|_| de::Error::custom(format!("expected a 0/1 flag, found {other:?}"))),
        },
    }
}

/// An optional integer (a total, a year, a code) from a number or a string.
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::Bool(b) => Ok(Some(i64::from(b))),
        Loose::Int(i) => Ok(Some(i)),
        Loose::UInt(u) => i64::try_from(u)
            .map(Some)
            .map_err(|_| de::Error::custom("integer out of range")),
        Loose::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
        Loose::Float(f) => Err(de::Error::custom(format!("expected an integer, found {f}"))),
        Loose::Text(t) if t.trim().is_empty() => Ok(None),
        Loose::Text(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected an integer, found {t:?}"))),
    }
}

/// An optional number (points, weights, grades) from a number or a string.
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    match loose(d)? {
        Loose::Null => Ok(None),
        Loose::Bool(b) => Ok(Some(if b { 1.0 } else { 0.0 })),
        Loose::Int(i) => Ok(Some(i as f64)),
        Loose::UInt(u) => Ok(Some(u as f64)),
        Loose::Float(f) => Ok(Some(f)),
        Loose::Text(t) if t.trim().is_empty() => Ok(None),
        Loose::Text(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("expected a number, found {t:?}"))),
    }
}

/// A list that may arrive as an array, a single object, or `null`.
pub(crate) fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::Many(items)) => items,
        Some(OneOrMany::One(item)) => vec![item],
    })
}

/// A list of ids that may arrive as an array of numbers or strings, one id,
/// a comma-separated string, or `null`.
pub(crate) fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of ids")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(vec![v.to_string()])
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<LooseId>()? {
                out.extend(item.0);
            }
            Ok(out)
        }
    }
    d.deserialize_any(ListVisitor)
}

/// An element of an id list; `null` and `""` are dropped.
struct LooseId(Option<String>);

impl<'de> Deserialize<'de> for LooseId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(LooseId(text(loose(d)?)))
    }
}

/// Serializes a flag the way Schoology's own examples write it: `1` or `0`.
pub(crate) fn ser_flag<S: Serializer>(value: &bool, s: S) -> Result<S::Ok, S::Error> {
    u8::from(*value).serialize(s)
}

/// Serializes an optional flag as `1`/`0`; use with `skip_serializing_if = "Option::is_none"`.
pub(crate) fn ser_opt_flag<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => ser_flag(v, s),
        None => s.serialize_none(),
    }
}

/// Serializes ids as JSON numbers when they are numeric (Schoology's arrays
/// of grading period ids are integers), else as strings.
pub(crate) fn ser_ids<S: Serializer>(ids: &[String], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq as _;
    let mut seq = s.serialize_seq(Some(ids.len()))?;
    for id in ids {
        match id.parse::<u64>() {
            Ok(n) => seq.serialize_element(&n)?,
            Err(_) => seq.serialize_element(id)?,
        }
    }
    seq.end()
}

/// An optional number that tolerates text that is not a number (a letter
/// grade) by reading it as `None`.
pub(crate) fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match loose(d)? {
        Loose::Int(i) => Some(i as f64),
        Loose::UInt(u) => Some(u as f64),
        Loose::Float(f) => Some(f),
        Loose::Text(t) => t.trim().parse().ok(),
        Loose::Null | Loose::Bool(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "super::id")]
        id: String,
        #[serde(default, deserialize_with = "super::opt_id")]
        other: Option<String>,
        #[serde(default, deserialize_with = "super::flag")]
        on: bool,
        #[serde(default, deserialize_with = "super::opt_i64")]
        total: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_f64")]
        weight: Option<f64>,
        #[serde(default, deserialize_with = "super::id_list")]
        list: Vec<String>,
        #[serde(default, deserialize_with = "super::one_or_many")]
        items: Vec<u8>,
    }

    fn parse(json: &str) -> Sample {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn numbers_and_strings_decode_alike() {
        let a = parse(
            r#"{"id":48289,"other":null,"on":"1","total":"3","weight":"100.00","list":[13011,"7"],"items":4}"#,
        );
        let b = parse(
            r#"{"id":"48289","other":"","on":1,"total":3,"weight":100,"list":"13011,7","items":[4]}"#,
        );
        for s in [&a, &b] {
            assert_eq!(s.id, "48289");
            assert_eq!(s.other, None);
            assert!(s.on);
            assert_eq!(s.total, Some(3));
            assert_eq!(s.weight, Some(100.0));
            assert_eq!(s.list, ["13011", "7"]);
            assert_eq!(s.items, [4]);
        }
    }

    #[test]
    fn empty_values_and_bad_values() {
        let s = parse(r#"{"id":1,"on":null,"total":"","list":null,"items":null}"#);
        assert!(!s.on);
        assert_eq!(s.total, None);
        assert!(s.list.is_empty() && s.items.is_empty());
        assert!(serde_json::from_str::<Sample>(r#"{"id":null}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"id":1,"on":"yes"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"id":1,"total":"x"}"#).is_err());
    }
}
