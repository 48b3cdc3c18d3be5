//! Strict JSON and YAML: document content into a JSON value and back.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use sysman_api::ApiError;

use super::messages::{content_err, describe, quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// Parses document content in the given format into JSON. Errors:
/// `InvalidDocumentContent` naming the format and the line/column of the
/// syntax fault; the top level must be an object.
pub(crate) fn parse(content: &str, format: Format) -> Result<Value, ApiError> {
    if content.trim().is_empty() {
        return Err(content_err(
            "The document content is empty; give a Command document (schemaVersion 2.2) \
             in JSON or YAML with schemaVersion and mainSteps at its top level.",
        ));
    }
    let value = match format {
        Format::Json => parse_json(content)?,
        Format::Yaml => parse_yaml(content)?,
    };
    if value.is_object() {
        Ok(value)
    } else {
        Err(content_err(format!(
            "The document content ({}) must be an object (a mapping in YAML) with \
             schemaVersion and mainSteps at its top level, but it is {}.",
            format.name(),
            describe(&value)
        )))
    }
}

fn parse_json(content: &str) -> Result<Value, ApiError> {
    match serde_json::from_str::<StrictJson>(content) {
        Ok(StrictJson(value)) => Ok(value),
        Err(e) => {
            let text = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let what = text.strip_suffix(&suffix).unwrap_or(&text);
            Err(content_err(format!(
                "The document content is not valid JSON: {what} at line {}, column {}. Fix \
                 the content there; if the document is written in YAML, give it with \
                 DocumentFormat YAML.",
                e.line(),
                e.column()
            )))
        }
    }
}

fn parse_yaml(content: &str) -> Result<Value, ApiError> {
    // Budgets far above any real Command document (AWS caps content at
    // 64 KB), low enough that an alias bomb or a deep nest fails in
    // milliseconds instead of eating memory and time.
    let options = serde_saphyr::options! {
        with_snippet: false,
        // YAML 1.2 scalars: `yes`, `no`, `on`, `y` stay text (no "Norway
        // problem" in allowedValues), and `0755` or `1_000` stay as written.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 100_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_recorded_anchor_events: 10_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
        },
    };
    match serde_saphyr::from_str_with_options::<Value>(content, options) {
        Ok(value) => Ok(value),
        Err(e) => {
            use serde_saphyr::MessageFormatter as _;
            let plain = e.without_snippet();
            let what: String = serde_saphyr::UserMessageFormatter
                .format_message(plain)
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let at = match e.location() {
                Some(l) => format!(" at line {}, column {}", l.line(), l.column()),
                None => String::new(),
            };
            Err(content_err(format!(
                "The document content is not valid YAML: {what}{at}. Fix the content there."
            )))
        }
    }
}

/// A JSON value read like `serde_json::Value`, except that a key given
/// twice in one object is an error instead of the last one silently winning.
struct StrictJson(Value);

impl<'de> Deserialize<'de> for StrictJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictJson)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a number that is not finite"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        StrictJson::deserialize(deserializer).map(|v| v.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "the key {} appears twice in one object; keep only one of them",
                    quote(&key)
                )));
            }
            let StrictJson(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Renders parsed content in a format: JSON pretty-printed with 2-space
/// indent; YAML via serde-saphyr. Rendering then parsing gives the same value.
pub(crate) fn render(value: &Value, format: Format) -> String {
    let json = || serde_json::to_string_pretty(value).unwrap_or_else(|_| String::from("null"));
    match format {
        Format::Json => json(),
        // A `Value` always serializes; should the emitter refuse anyway,
        // JSON is valid YAML and parses back to the same value.
        Format::Yaml => serde_saphyr::to_string(value).unwrap_or_else(|_| json()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use serde_json::json;

    use super::*;
    use crate::documents::schema::fixtures::*;

    // -- parse --------------------------------------------------------------

    #[test]
    fn parses_json_and_yaml_objects() {
        assert_eq!(json_doc(r#"{"a": [1, "b"]}"#), json!({"a": [1, "b"]}));
        assert_eq!(yaml_doc("a:\n  - 1\n  - b\n"), json!({"a": [1, "b"]}));
        // JSON is YAML too.
        assert_eq!(yaml_doc(r#"{"a": [1, "b"]}"#), json!({"a": [1, "b"]}));
    }

    #[test]
    fn json_syntax_error_names_format_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\" 2\n}", Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid JSON", "line 3, column 7"],
        );
        assert!(!err.message.contains("line 3 column 7"), "{err}");
    }

    #[test]
    fn yaml_syntax_error_names_format_line_and_column() {
        let err = parse("a: b\n  c: d: e\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid YAML", "line 2, column 4"],
        );
        let err = parse("a: [1, 2\nb: 3\n", Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["not valid YAML", "line 2"]);
    }

    #[test]
    fn duplicate_keys_are_errors_in_both_formats() {
        let err = parse("{\n  \"a\": 1,\n  \"a\": 2\n}", Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid JSON", "'a' appears twice", "line 3"],
        );
        let err = parse("a: 1\na: 2\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["not valid YAML", "duplicate", "line 2"],
        );
    }

    #[test]
    fn top_level_must_be_an_object() {
        for format in [Format::Json, Format::Yaml] {
            for (content, needle) in [
                ("", "empty"),
                ("  \n ", "empty"),
                ("null", "empty (null)"),
                ("[1, 2]", "a list"),
                ("\"text\"", "a string"),
                ("42", "a number"),
                ("true", "a Boolean"),
            ] {
                let err = parse(content, format).unwrap_err();
                assert_err(&err, INVALID_CONTENT, &[needle]);
            }
        }
        let err = parse("- a\n- b\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["YAML", "must be an object", "a list"],
        );
        let err = command_doc(&json!([1])).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["must be an object", "a list"]);
    }

    // -- hostile input ------------------------------------------------------

    #[test]
    fn deep_nesting_fails_quickly_without_panicking() {
        let started = Instant::now();
        let flow = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_err(
            &parse(&flow, Format::Json).unwrap_err(),
            INVALID_CONTENT,
            &["JSON"],
        );
        assert_err(
            &parse(&flow, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        let objects = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert_err(
            &parse(&objects, Format::Json).unwrap_err(),
            INVALID_CONTENT,
            &["JSON"],
        );
        let mut block = String::new();
        for depth in 0..10_000 {
            block.push_str(&" ".repeat(depth));
            block.push_str("a:\n");
        }
        assert_err(
            &parse(&block, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        let mut seqs = String::new();
        for depth in 0..10_000 {
            seqs.push_str(&" ".repeat(depth));
            seqs.push_str("-\n");
        }
        assert_err(
            &parse(&seqs, Format::Yaml).unwrap_err(),
            INVALID_CONTENT,
            &["YAML"],
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn alias_bomb_fails_quickly() {
        let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        for pair in names.windows(2) {
            let (prev, next) = (pair[0], pair[1]);
            let refs = vec![format!("*{prev}"); 9].join(", ");
            bomb.push_str(&format!("{next}: &{next} [{refs}]\n"));
        }
        let started = Instant::now();
        let err = parse(&bomb, Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["YAML", "too large or too complex"]);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        // Light use of anchors and merge keys still works.
        let merged = yaml_doc("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\nd: *b\n");
        assert_eq!(
            merged,
            json!({"base": {"x": 1}, "c": {"x": 1, "y": 2}, "d": {"x": 1}})
        );
    }

    #[test]
    fn odd_yaml_keys_and_scalars_do_not_panic() {
        // Scalar keys become their text.
        assert_eq!(yaml_doc("1: a\ntrue: b\n"), json!({"1": "a", "true": "b"}));
        // Keys that have no text are errors.
        for content in ["? [a, b]\n: c\n", "? {a: 1}\n: c\n", "null: x\n", "~: x\n"] {
            let err = parse(content, Format::Yaml).unwrap_err();
            assert_err(&err, INVALID_CONTENT, &["not valid YAML", "line 1"]);
        }
        // Several documents in one stream.
        let err = parse("a: 1\n---\nb: 2\n", Format::Yaml).unwrap_err();
        assert_err(&err, INVALID_CONTENT, &["YAML", "line 3"]);
        // Numbers beyond every integer type, non-finite floats, tags.
        let big = yaml_doc("a: 123456789012345678901234567890\nb: !!binary aGk=\nc: !x y\n");
        assert_eq!(big["b"], "hi");
        assert_eq!(big["c"], "y");
        // YAML 1.2 scalars: only true/false are Booleans; numbers stay as
        // written when YAML 1.2 has no number of that spelling.
        let scalars = yaml_doc("a: [yes, no, on, off, y, n, True, FALSE, 0755, 1_000, 0x1F, 2.2]");
        assert_eq!(
            scalars["a"],
            json!([
                "yes", "no", "on", "off", "y", "n", true, false, "0755", "1_000", 31, 2.2
            ])
        );
        assert!(parse("a: .inf\n", Format::Yaml).is_err());
        let err = parse("a: 1e400\n", Format::Yaml).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["YAML", "not a finite number", "line 1, column 4"],
        );
        let err = parse(r#"{"a": 1e400}"#, Format::Json).unwrap_err();
        assert_err(
            &err,
            INVALID_CONTENT,
            &["JSON", "number out of range", "line 1"],
        );
        // A huge minItems is an error, not an overflow.
        let content = yaml_doc(
            "schemaVersion: '2.2'\nparameters:\n  p:\n    type: StringList\n    minItems: \
             99999999999999999999999999\nmainSteps:\n  - action: aws:runShellScript\n    \
             name: s\n    inputs: {runCommand: x}\n",
        );
        content_fails(&content, &["parameters.p.minItems"]);
        // Control characters in names are escaped in messages.
        let err = command_doc(&with("/mainSteps/0/bad\nkey\u{1b}", json!(1))).unwrap_err();
        assert!(err.message.contains("'bad\\nkey\\u{1b}'"), "{err}");
        // Long names are cut.
        let long = "x".repeat(10_000);
        let err = command_doc(&with(&format!("/{long}"), json!(1))).unwrap_err();
        assert!(err.message.len() < 400, "{err}");
    }

    // -- render -------------------------------------------------------------

    #[test]
    fn json_renders_pretty_with_two_spaces() {
        let rendered = render(&json!({"a": {"b": [1]}}), Format::Json);
        assert_eq!(
            rendered,
            "{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}"
        );
    }

    #[test]
    fn render_then_parse_gives_the_same_value() {
        let strings = [
            "2.2",
            "true",
            "null",
            "0755",
            "",
            "~",
            "line1\nline2\n",
            "multi\nline\n\n",
            "no trailing\nnewline",
            " lead",
            "trail ",
            "1_000",
            "0x1F",
            "yes",
            "- x",
            "a: b",
            "#c",
            "tab\there",
            "\u{1}ctl",
            "2001-12-14",
            ".inf",
            "NaN",
            "*alias",
            "&anc",
            "!tag",
            "\"dq\"",
            "'q'",
            "\r\n",
            " ",
            "\u{feff}bom",
            "\u{85}nel",
            "\u{2028}",
            "trailing\n  ",
            "  leading spaces\nx",
            "<<",
            "{{ commands }}",
            "1e3",
            ".5",
            "NO",
            "12:30:00",
            "---",
            "...",
            "% dir",
            "@at",
            "`bt",
            "? q",
            "a #b",
        ];
        let mut tricky = Map::new();
        for (i, s) in strings.iter().enumerate() {
            tricky.insert(format!("s{i}"), json!(s));
            // The same texts as keys.
            tricky.insert((*s).to_owned(), json!(i));
        }
        let others = json!({
            "list": [], "object": {}, "float": 1.0, "huge": 1e300, "neg": -5,
            "max": 18446744073709551615u64, "nothing": null, "t": true,
            "nested": [{"a": ["b", {"c": "d"}]}, [[]], [null, 1.5, "x"]]
        });
        tricky.extend(others.as_object().unwrap().clone());
        let tricky = Value::Object(tricky);
        for format in [Format::Json, Format::Yaml] {
            let rendered = render(&tricky, format);
            assert_eq!(parse(&rendered, format).unwrap(), tricky, "{rendered}");
            let builtin = json_doc(BUILTIN_SHAPE);
            assert_eq!(parse(&render(&builtin, format), format).unwrap(), builtin);
            let every = yaml_doc(EVERY_KIND_YAML);
            let back = parse(&render(&every, format), format).unwrap();
            assert_eq!(back, every);
            assert_eq!(command_doc(&back).unwrap(), command_doc(&every).unwrap());
        }
    }
}
