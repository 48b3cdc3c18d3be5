#!/usr/bin/env python3
"""Writes crates/server/src/model/rules.rs from the AWS SSM service model.

The server checks every AmazonSSM request against the constraints of its
operation's input shape before decoding it (crates/server/src/model.rs).
Those constraints are botocore's: this script reads
botocore/data/ssm/2014-11-06/service-2.json.gz, keeps the operations sysman
routes under the `AmazonSSM.` prefix (read from `for_each_operation!` in
crates/api/src/lib.rs) and every shape their inputs reach, and writes them
as static Rust tables.

Run it from the workspace root after botocore or the operation list
changes:

    python3 scripts/gen-model-rules.py

The server's tests fail when the generated file and the operation list
disagree.
"""

import glob
import gzip
import json
import os
import re
import subprocess
import sys

import botocore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/server/src/model/rules.rs")
MODEL = os.path.join(
    os.path.dirname(botocore.__file__), "data/ssm/2014-11-06/service-2.json.gz"
)

# Java's regex dialect, as the model's patterns are written in, differs from
# the regex crate's in a few places. Patterns the crate cannot read are
# translated here by hand, each to a pattern that accepts the same strings
# (under Java's `matches()`, which must consume the whole input).
TRANSLATED = {
    # "Not blank": a negative lookahead, which the regex crate lacks. Java's
    # `.` stops at line terminators; its `\s` is ASCII whitespace.
    r"^(?!\s*$).+": r"[^\n\r\x{85}\x{2028}\x{2029}]*[^\s\x{85}\x{2028}\x{2029}][^\n\r\x{85}\x{2028}\x{2029}]*",
    # "Any text of 1 to 100,000 characters": a repetition too large for the
    # regex crate; the shape's own length limits bound it.
    r"^.{1,100000}$": r"^[^\n\r\x{85}\x{2028}\x{2029}]+$",
}

JAVA_DOT = r"[^\n\r\x{85}\x{2028}\x{2029}]"

# Constraints of the model that AWS does not check at the front door: the
# operation answers them in its own way, and sysman's handlers do the same.
# Each is dropped from the generated rules. (shape, constraint): why.
LEFT_TO_THE_OPERATION = {
    # TagResource and friends answer a type outside the enum with
    # InvalidResourceType 'Invalid Resource Type', not a ValidationException.
    ("ResourceTypeForTagging", "enum"): "InvalidResourceType",
    # Modify/DescribeDocumentPermission answer a type other than Share with
    # InvalidPermissionType, the constraint worded without the count.
    ("DocumentPermissionType", "enum"): "InvalidPermissionType",
    # PutParameter takes an empty Policies string as no policies.
    ("ParameterPolicies", "min"): "empty is accepted",
}

# Java's shorthand classes are ASCII unless asked otherwise; the regex
# crate's are Unicode. Spell them out.
ASCII_CLASSES = {
    "w": ("[0-9A-Za-z_]", "0-9A-Za-z_"),
    "d": ("[0-9]", "0-9"),
    "s": ("[ \\t\\n\\x0B\\f\\r]", " \\t\\n\\x0B\\f\\r"),
}


def routed_aws_operations():
    """The operations in `for_each_operation!` that travel as AmazonSSM.*."""
    lib = open(os.path.join(ROOT, "crates/api/src/lib.rs")).read()
    listed = re.findall(r"\$crate::\w+::(\w+),", lib)
    sysman = set()
    # A type whose wire name differs from its own (AWS's ListNodes beside
    # sysman's) says so in its NAME.
    wire_name = {}
    for path in glob.glob(os.path.join(ROOT, "crates/api/src/**/*.rs"), recursive=True):
        text = open(path).read()
        for name, body in re.findall(
            r"impl Operation for (\w+) \{(.*?)\n\}", text, flags=re.S
        ):
            if "Prefix::Sysman" in body:
                sysman.add(name)
            named = re.search(r'const NAME: &\'static str = "(\w+)";', body)
            if named:
                wire_name[name] = named.group(1)
        # Operations declared through a macro whose impl names the prefix.
        for macro, body in re.findall(
            r"macro_rules! (\w+) \{(.*?)\n\}", text, flags=re.S
        ):
            if "impl Operation for" in body and "Prefix::Sysman" in body:
                sysman.update(re.findall(macro + r"!\((\w+)", text))
    return [wire_name.get(n, n) for n in listed if n not in sysman]


def translate(pattern):
    """The model's `pattern` as a regex-crate pattern matching the whole input."""
    if pattern in TRANSLATED:
        body = TRANSLATED[pattern]
    else:
        out, i, in_class = [], 0, False
        while i < len(pattern):
            c = pattern[i]
            if c == "\\" and i + 1 < len(pattern):
                nxt = pattern[i + 1]
                if nxt in ASCII_CLASSES:
                    out.append(ASCII_CLASSES[nxt][1 if in_class else 0])
                else:
                    out.append(c + nxt)
                i += 2
                continue
            if c == "." and not in_class:
                # Java's `.` stops at every line terminator, not only `\n`.
                out.append(JAVA_DOT)
                i += 1
                continue
            if c == "[" and not in_class:
                in_class = True
            elif c == "]" and in_class:
                in_class = False
            if pattern[i : i + 3] in ("(?!", "(?=", "(?<"):
                return None
            out.append(c)
            i += 1
        body = "".join(out)
    return r"\A(?:" + body + r")\z"


def rust_str(s):
    return json.dumps(s, ensure_ascii=False).replace("\\/", "/")


def rust_raw(s):
    hashes = "#"
    while '"' + hashes in s:
        hashes += "#"
    return "r" + hashes + '"' + s + '"' + hashes


def opt(v):
    return "None" if v is None else f"Some({int(v)})"


def main():
    model = json.load(gzip.open(MODEL))
    shapes = model["shapes"]
    operations = routed_aws_operations()
    in_model = [o for o in operations if o in model["operations"]]
    not_in_model = [o for o in operations if o not in model["operations"]]

    index, order = {}, []

    def reach(name):
        if name in index:
            return
        index[name] = len(order)
        order.append(name)
        shape = shapes[name]
        for member in shape.get("members", {}).values():
            reach(member["shape"])
        if shape["type"] == "list":
            reach(shape["member"]["shape"])
        if shape["type"] == "map":
            reach(shape["key"]["shape"])
            reach(shape["value"]["shape"])

    inputs = {}
    for op in in_model:
        shape = model["operations"][op].get("input", {}).get("shape")
        if shape:
            reach(shape)
            inputs[op] = shape

    patterns, pattern_index, skipped = [], {}, []

    def pattern_of(shape):
        p = shape.get("pattern")
        if p is None:
            return "None"
        if p not in pattern_index:
            regex = translate(p)
            if regex is None:
                skipped.append(p)
                return "None"
            pattern_index[p] = len(patterns)
            patterns.append((p, regex))
        return f"Some({pattern_index[p]})"

    lines = []
    for name in order:
        shape = shapes[name]
        kind = shape["type"]
        sensitive = "true" if shape.get("sensitive") else "false"
        if kind == "structure":
            required = set(shape.get("required", []))
            members = ", ".join(
                f"Member {{ name: {rust_str(m)}, shape: {index[s['shape']]}, "
                f"required: {'true' if m in required else 'false'} }}"
                for m, s in shape.get("members", {}).items()
            )
            body = f"Kind::Structure(&[{members}])"
        elif kind == "list":
            body = (
                f"Kind::List {{ member: {index[shape['member']['shape']]}, "
                f"min: {opt(shape.get('min'))}, max: {opt(shape.get('max'))} }}"
            )
        elif kind == "map":
            body = (
                f"Kind::Map {{ key: {index[shape['key']['shape']]}, "
                f"value: {index[shape['value']['shape']]}, "
                f"min: {opt(shape.get('min'))}, max: {opt(shape.get('max'))} }}"
            )
        elif kind == "string":
            shape = dict(shape)
            for (left_shape, constraint) in LEFT_TO_THE_OPERATION:
                if left_shape == name:
                    shape.pop(constraint, None)
            values = ", ".join(rust_str(v) for v in shape.get("enum", []))
            body = (
                f"Kind::String {{ min: {opt(shape.get('min'))}, "
                f"max: {opt(shape.get('max'))}, pattern: {pattern_of(shape)}, "
                f"values: &[{values}] }}"
            )
        elif kind in ("integer", "long"):
            body = (
                f"Kind::Number {{ min: {opt(shape.get('min'))}, "
                f"max: {opt(shape.get('max'))} }}"
            )
        elif kind in ("boolean", "timestamp", "blob", "double", "float"):
            body = "Kind::Unconstrained"
        else:
            sys.exit(f"shape {name}: type {kind} is not handled")
        lines.append(
            f"    Shape {{ name: {rust_str(name)}, sensitive: {sensitive}, kind: {body} }},"
        )

    out = []
    out.append("// @generated by scripts/gen-model-rules.py from botocore "
               f"{botocore.__version__}'s")
    out.append("// data/ssm/2014-11-06/service-2.json.gz. Do not edit; regenerate with")
    out.append("//")
    out.append("//     python3 scripts/gen-model-rules.py")
    out.append("//")
    if skipped:
        out.append("// Patterns the regex crate cannot read, not checked:")
        for p in sorted(set(skipped)):
            out.append(f"//     {p}")
    else:
        out.append("// Every pattern of the reached shapes is checked.")
    out.append("")
    out.append("use super::{Kind, Member, Pattern, Shape};")
    out.append("")
    out.append("/// The routed AmazonSSM operations, by name, with their input shape.")
    out.append("pub static OPERATIONS: &[(&str, usize)] = &[")
    for op in sorted(inputs):
        out.append(f"    ({rust_str(op)}, {index[inputs[op]]}),")
    out.append("];")
    out.append("")
    out.append("/// Routed AmazonSSM operations that botocore's public model lacks: the")
    out.append("/// SSM agent's own calls. Their requests are not checked against a model;")
    out.append("/// the tests check that this list and the routed operations agree.")
    out.append("#[cfg(test)]")
    out.append("pub static NOT_IN_MODEL: &[&str] = &[")
    for op in sorted(not_in_model):
        out.append(f"    {rust_str(op)},")
    out.append("];")
    out.append("")
    out.append("/// Every shape the inputs reach; a shape refers to others by index.")
    out.append("pub static SHAPES: &[Shape] = &[")
    out.extend(lines)
    out.append("];")
    out.append("")
    out.append("/// The model's patterns: as AWS quotes them, and as the regex crate reads them.")
    out.append("pub static PATTERNS: &[Pattern] = &[")
    for aws, regex in patterns:
        out.append(f"    Pattern {{ aws: {rust_raw(aws)}, regex: {rust_raw(regex)} }},")
    out.append("];")
    out.append("")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(out))
    # Formatted as `cargo fmt` would, so it stays as generated.
    subprocess.run(["rustfmt", "--edition", "2024", OUT], check=True)
    print(
        f"{os.path.relpath(OUT, ROOT)}: {len(inputs)} operations, {len(order)} shapes, "
        f"{len(patterns)} patterns, {len(set(skipped))} skipped; "
        f"not in the model: {', '.join(not_in_model) or 'none'}"
    )


if __name__ == "__main__":
    main()
