//! What the audit trail keeps of each operation's request. The trail is
//! kept for good and read by auditors, so a field that can carry a secret
//! or a command's output must never reach it verbatim.
//!
//! The test walks sysman's one list of operations, fills every string of
//! each request with a marker naming its place (a probing deserializer
//! visits every member of every shape, options and lists included), and
//! reads back which markers the audit view leaves out. The table below is
//! the reviewed answer: a new operation, or a new member of an old one,
//! changes it, and whoever adds one decides here what the trail keeps.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::de::value::{Error, StrDeserializer};
use serde::de::{
    self, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess,
    Visitor,
};
use sysman_api::{Operation, for_each_operation};

/// How deep the probe goes before it stops filling (no shape is this deep).
const MAX_DEPTH: usize = 12;

/// A deserializer that yields a value of any shape, each string a marker
/// of its own path, and notes every string path it filled.
struct Probe<'a> {
    path: String,
    depth: usize,
    filled: &'a RefCell<Vec<String>>,
}

fn marker(path: &str) -> String {
    format!("<<{path}>>")
}

impl<'a> Probe<'a> {
    fn child(&self, segment: &str) -> Probe<'a> {
        let path = if self.path.is_empty() {
            segment.to_owned()
        } else if segment.starts_with('[') {
            format!("{}{segment}", self.path)
        } else {
            format!("{}.{segment}", self.path)
        };
        Probe {
            path,
            depth: self.depth + 1,
            filled: self.filled,
        }
    }

    fn string(self) -> String {
        self.filled.borrow_mut().push(self.path.clone());
        marker(&self.path)
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_bool(true)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i8(1)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i16(1)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i32(1)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(1)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u8(1)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u16(1)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u32(1)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(1)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f32(1.0)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f64(1.0)
    }
    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_char('x')
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_byte_buf(self.string().into_bytes())
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_byte_buf(self.string().into_bytes())
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        // A recursive shape (NodeAggregator) ends where its option does.
        if self.depth >= MAX_DEPTH - 2 {
            return v.visit_none();
        }
        v.visit_some(self)
    }
    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let item = (self.depth < MAX_DEPTH).then(|| self.child("[]"));
        v.visit_seq(One { item })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(v)
    }
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        // One entry whose key and value are both probed.
        let entry = (self.depth < MAX_DEPTH).then(|| (self.child("{key}"), self.child("{}")));
        v.visit_map(Entry { entry })
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_map(Members {
            probe: self,
            fields,
            next: 0,
        })
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_enum(Variant {
            probe: self,
            name: variants.first().copied().unwrap_or(""),
        })
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string())
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct One<'a> {
    item: Option<Probe<'a>>,
}

impl<'de> SeqAccess<'de> for One<'_> {
    type Error = Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.item.take().map(|p| seed.deserialize(p)).transpose()
    }
}

struct Entry<'a> {
    entry: Option<(Probe<'a>, Probe<'a>)>,
}

impl<'de, 'a> MapAccess<'de> for Entry<'a> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match &mut self.entry {
            Some((key, value)) => {
                let key = std::mem::replace(
                    key,
                    Probe {
                        path: String::new(),
                        depth: value.depth,
                        filled: value.filled,
                    },
                );
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let (_, value) = self.entry.take().expect("a key came first");
        seed.deserialize(value)
    }
}

struct Members<'a> {
    probe: Probe<'a>,
    fields: &'static [&'static str],
    next: usize,
}

impl<'de> MapAccess<'de> for Members<'_> {
    type Error = Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.probe.depth >= MAX_DEPTH {
            return Ok(None);
        }
        match self.fields.get(self.next) {
            Some(field) => {
                let key: StrDeserializer<'_, Error> = field.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let field = self.fields[self.next];
        self.next += 1;
        seed.deserialize(self.probe.child(field))
    }
}

struct Variant<'a> {
    probe: Probe<'a>,
    name: &'static str,
}

impl<'de, 'a> EnumAccess<'de> for Variant<'a> {
    type Error = Error;
    type Variant = Probe<'a>;
    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Probe<'a>), Error> {
        let key: StrDeserializer<'_, Error> = self.name.into_deserializer();
        let child = self.probe.child(self.name);
        Ok((seed.deserialize(key)?, child))
    }
}

impl<'de> VariantAccess<'de> for Probe<'_> {
    type Error = Error;
    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self, v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self, "", fields, v)
    }
}

/// The string members of `O`'s request that its audit view records
/// verbatim, and those it leaves out.
struct Probed {
    kept: Vec<String>,
    dropped: Vec<String>,
}

fn probe<O: Operation>() -> Result<Probed, String> {
    let filled = RefCell::new(Vec::new());
    let probe = Probe {
        path: String::new(),
        depth: 0,
        filled: &filled,
    };
    let op = O::deserialize(probe).map_err(|e| format!("cannot probe {}: {e}", O::NAME))?;
    let view = op.audit_view();
    let mut filled = filled.into_inner();
    filled.retain(|path| !path.is_empty());
    filled.sort();
    filled.dedup();
    let (kept, dropped) = filled
        .into_iter()
        .partition(|path| view.contains(&marker(path)));
    Ok(Probed { kept, dropped })
}

macro_rules! probe_all {
    ($($op:path),* $(,)?) => {{
        let mut all = BTreeMap::new();
        $(all.insert(
            <$op as Operation>::NAME,
            probe::<$op>().unwrap_or_else(|e| panic!("{e}")),
        );)*
        all
    }};
}

/// Member names that can carry a secret or a command's output.
fn sensitive(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    [
        "value", "secret", "password", "code", "token", "stdout", "stderr", "output",
    ]
    .iter()
    .any(|word| last.contains(word))
}

/// Members whose names sound sensitive but whose content is not, by what
/// they are: filter values, tag values (AWS keeps them in plain sight),
/// paging and idempotency tokens, where output is to be sent, and a
/// service setting's value (a tier, a flag, a role's name).
fn safe_by_what_it_is(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.ends_with("Values[]")
        || last == "valueSet[]"
        || (last == "value" && path.contains("Filter"))
        || path.ends_with("Tags[].Value")
        || path.ends_with("RegistrationMetadata[].Value")
        || last == "NextToken"
        || last == "ClientToken"
        || last.starts_with("OutputS3")
        || last == "CloudWatchOutputConfig"
        || last == "SettingValue"
}

#[test]
fn every_operation_keeps_secrets_and_output_out_of_the_audit_trail() {
    let all = for_each_operation!(probe_all);
    let dropping: BTreeMap<&str, String> = all
        .iter()
        .filter(|(_, p)| !p.dropped.is_empty())
        .map(|(name, p)| (*name, p.dropped.join(", ")))
        .collect();
    // Each line is a decision: what the trail leaves out.
    let expected: BTreeMap<&str, &str> = [
        ("PutParameter", "Value"),
        ("RegisterNode", "ActivationCode"),
        ("SendReply", "Steps[].Stderr, Steps[].Stdout"),
    ]
    .into_iter()
    .collect();
    // Reports of hundreds of items keep their count, not each item.
    let summarised = ["EvaluatePatches", "PutComplianceItems", "PutPatchReport"];
    for (name, dropped) in &dropping {
        if summarised.contains(name) {
            continue;
        }
        match expected.get(name) {
            Some(want) => assert_eq!(dropped, want, "{name} leaves out other members"),
            None => panic!("{name} newly leaves out {dropped}: add it to the table"),
        }
    }
    for name in expected.keys().chain(&summarised) {
        assert!(
            dropping.contains_key(name),
            "{name} no longer leaves anything out"
        );
    }
    // What is recorded verbatim must not look like a secret or output.
    let leaks: Vec<String> = all
        .iter()
        .flat_map(|(name, probed)| {
            probed
                .kept
                .iter()
                .filter(|path| sensitive(path) && !safe_by_what_it_is(path))
                .map(move |path| format!("{name}.{path}"))
        })
        .collect();
    assert!(leaks.is_empty(), "recorded verbatim: {leaks:#?}");
}
