//! Typed deserialization straight from the YAML span tree, reading each node as
//! `serde_json::from_value` reads the node's JSON form (`Node::to_json`), without building it.
//!
//! Scalar strings are moved out of the tree into the typed document, as `Node::take_json`
//! did: afterwards the tree keeps its structure, keys and spans, all that diagnostics need.
//! Only documents the schema accepted, with [`plain_numbers`], come here, so serde cannot
//! refuse them (`tests/schema_differential.rs` checks the result against reading the JSON).

use crate::yaml::{Node, Value};
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use std::fmt;

/// Why the tree could not be read as the type.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// Reads `T` from `node`, moving its scalar strings out.
pub fn take<T: serde::de::DeserializeOwned>(node: &mut Node) -> Result<T, Error> {
    T::deserialize(NodeDe(node))
}

/// True when every number in the tree is a whole number from 0 to `u32::MAX` written
/// without a decimal point: the only numbers the `doc` types read. JSON Schema also calls
/// `10.0` an integer and sets no upper bound on `uint32`; documents with such numbers go the
/// JSON way, which reports them.
pub fn plain_numbers(node: &Node) -> bool {
    match &node.value {
        Value::Int(i) => (0..=i64::from(u32::MAX)).contains(i),
        Value::Float(_) => false,
        Value::Seq(items) => items.iter().all(plain_numbers),
        Value::Map(entries) => entries.iter().all(|(_, v)| plain_numbers(v)),
        Value::Null | Value::Bool(_) | Value::Str(_) => true,
    }
}

struct NodeDe<'a>(&'a mut Node);

impl NodeDe<'_> {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match &self.0.value {
            Value::Null => de::Unexpected::Unit,
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Int(i) if *i < 0 => de::Unexpected::Signed(*i),
            Value::Int(i) => de::Unexpected::Unsigned(*i as u64),
            Value::Float(f) if f.is_finite() => de::Unexpected::Float(*f),
            Value::Float(_) => de::Unexpected::Other("non-finite float as string"),
            Value::Str(s) => de::Unexpected::Str(s),
            Value::Seq(_) => de::Unexpected::Seq,
            Value::Map(_) => de::Unexpected::Map,
        }
    }

    fn invalid<'de, V: Visitor<'de>>(&self, visitor: &V) -> Error {
        de::Error::invalid_type(self.unexpected(), visitor)
    }
}

fn visit_seq<'de, V: Visitor<'de>>(items: &mut [Node], visitor: V) -> Result<V::Value, Error> {
    let mut access = Items {
        items: items.iter_mut(),
    };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    entries: &mut [(Node, Node)],
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Entries {
        entries: entries.iter_mut(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    if access.entries.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            entries.len(),
            &"fewer elements in map",
        ))
    }
}

impl<'de> Deserializer<'de> for NodeDe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            // serde_json keeps non-negative integers as unsigned.
            Value::Int(i) if *i >= 0 => visitor.visit_u64(*i as u64),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::Float(f) if f.is_finite() => visitor.visit_f64(*f),
            Value::Float(f) => visitor.visit_string(f.to_string()),
            Value::Str(s) => visitor.visit_string(std::mem::take(s)),
            Value::Seq(items) => visit_seq(items, visitor),
            Value::Map(entries) => visit_map(entries, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Null => visitor.visit_unit(),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.value {
            Value::Bool(b) => visitor.visit_bool(b),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Str(s) => visitor.visit_string(std::mem::take(s)),
            Value::Float(f) if !f.is_finite() => visitor.visit_string(f.to_string()),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Str(s) => visitor.visit_string(std::mem::take(s)),
            Value::Seq(items) => visit_seq(items, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Seq(items) => visit_seq(items, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Map(entries) => visit_map(entries, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Seq(items) => visit_seq(items, visitor),
            Value::Map(entries) => visit_map(entries, visitor),
            _ => Err(self.invalid(&visitor)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &mut self.0.value {
            Value::Str(s) => visitor.visit_enum(Variant {
                name: s,
                value: None,
            }),
            Value::Map(entries) => match entries.as_mut_slice() {
                [(key, value)] => visitor.visit_enum(Variant {
                    name: key.as_str().unwrap_or_default(),
                    value: Some(value),
                }),
                _ => Err(de::Error::invalid_value(
                    de::Unexpected::Map,
                    &"map with a single key",
                )),
            },
            _ => Err(de::Error::invalid_type(self.unexpected(), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
    }
}

struct Items<'a> {
    items: std::slice::IterMut<'a, Node>,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.items
            .next()
            .map(|item| seed.deserialize(NodeDe(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'a> {
    entries: std::slice::IterMut<'a, (Node, Node)>,
    value: Option<&'a mut Node>,
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                // Keys stay in the tree: spans are found by them.
                let key: &str = key.as_str().unwrap_or_default();
                seed.deserialize(de::value::StrDeserializer::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(NodeDe(value)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Variant<'a> {
    name: &'a str,
    value: Option<&'a mut Node>,
}

impl<'de, 'a> EnumAccess<'de> for Variant<'a> {
    type Error = Error;
    type Variant = VariantValue<'a>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), Error> {
        let name = de::value::StrDeserializer::<Error>::new(self.name);
        let variant = seed.deserialize(name)?;
        Ok((variant, VariantValue(self.value)))
    }
}

struct VariantValue<'a>(Option<&'a mut Node>);

impl<'de> VariantAccess<'de> for VariantValue<'_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            None => Ok(()),
            Some(node) => de::Deserialize::deserialize(NodeDe(node)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.0 {
            Some(node) => seed.deserialize(NodeDe(node)),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Some(node) => NodeDe(node).deserialize_seq(visitor),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Some(node) => NodeDe(node).deserialize_map(visitor),
            None => Err(de::Error::invalid_type(
                de::Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}
