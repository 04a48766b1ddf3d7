#!/usr/bin/env python3
"""Writes PromoWire's Swift bridge over protobuf-c from promo.proto's FileDescriptorSet.

    gen_swift_bridge.py DESCRIPTOR_SET PROTO_PATH OUT_DIR

DESCRIPTOR_SET comes from `protoc-c --descriptor_set_out=... --include_source_info` (scripts/gen-proto runs
both). For every message: a Swift value struct (Messages.swift) and its `CBridged` conformance that copies
out of and into protobuf-c's C struct (CBridge+Messages.swift); for every enum: an `OpenEnum` (Enums.swift).

The rules are mechanical, so a new message or field needs no Swift by hand:
- struct name = message name; property = lowerCamelCase field name; `repeated` = array;
- sub-messages are optional (protobuf has presence for them), except the few in ALWAYS_PRESENT;
- a `oneof x` is `var x: X?` with `enum X` whose cases are the arms' lowerCamelCase names;
- enum constants lose the enum's UPPER_SNAKE prefix: VERDICT_LIMIT_REACHED is `Verdict.limitReached`;
- string, bytes, bool, enum and every integer/float type; `bytes` is [UInt8];
- the .proto's comments become doc comments.
Nested types, maps, groups and proto2 are refused with a message rather than generated wrongly.
Hand-written conveniences (extra initialisers, `Status.ok`) live in Sources/PromoWire/Messages+Conveniences.swift.

Python 3 standard library only: gen-proto runs in CI and a pre-stop hook with a short time budget.
"""

import os
import sys

# ---------------------------------------------------------------------------------------------------------
# Protobuf wire format, just enough to read descriptor.proto
# ---------------------------------------------------------------------------------------------------------


def parse(buf):
    """Field number -> list of values (int for varints and fixed, bytes for length-delimited)."""
    fields, i = {}, 0
    while i < len(buf):
        key, i = varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(buf, i)
        elif wire == 1:
            value, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wire == 2:
            n, i = varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"unsupported wire type {wire} for field {number}")
        fields.setdefault(number, []).append(value)
    return fields


def varint(buf, i):
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, i


def int32(value):
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def one(fields, number, default=None):
    return fields[number][-1] if number in fields else default


def text(fields, number):
    return one(fields, number, b"").decode("utf-8")


def packed_ints(fields, number):
    out = []
    for value in fields.get(number, []):
        if isinstance(value, bytes):
            i = 0
            while i < len(value):
                v, i = varint(value, i)
                out.append(int32(v))
        else:
            out.append(int32(value))
    return out


# ---------------------------------------------------------------------------------------------------------
# The descriptor, as far as the bridge needs it
# ---------------------------------------------------------------------------------------------------------

# FieldDescriptorProto.Type
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, \
    SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)
REPEATED = 3
NUMERIC = {
    DOUBLE: "Double", FLOAT: "Float", INT64: "Int64", UINT64: "UInt64", INT32: "Int32", FIXED64: "UInt64",
    FIXED32: "UInt32", UINT32: "UInt32", SFIXED32: "Int32", SFIXED64: "Int64", SINT32: "Int32", SINT64: "Int64",
}

# Sub-messages that are never nil in Swift: decoded as the default message when absent, always encoded.
ALWAYS_PRESENT = {("Response", "status")}


class Comments:
    """SourceCodeInfo by path: leading, trailing and detached comments."""

    def __init__(self, info):
        self.by_path = {}
        for raw in parse(info).get(1, []) if info else []:
            loc = parse(raw)
            self.by_path[tuple(packed_ints(loc, 1))] = (
                text(loc, 3), text(loc, 4), [v.decode("utf-8") for v in loc.get(6, [])])

    def doc(self, path, indent):
        leading, trailing, _ = self.by_path.get(tuple(path), ("", "", []))
        lines = comment_lines(leading) + comment_lines(trailing)
        return "".join(f"{indent}///{' ' + line if line else ''}\n" for line in lines)

    def section(self, path):
        """A detached banner comment before a top-level declaration, as a MARK line."""
        _, _, detached = self.by_path.get(tuple(path), ("", "", []))
        out = ""
        for block in detached:
            lines = [line for line in comment_lines(block) if line.strip("- ")]
            if lines:
                out += f"// MARK: - {lines[0]}\n" + "".join(f"// {line}\n" for line in lines[1:]) + "\n"
        return out


def comment_lines(comment):
    lines = [line[1:] if line.startswith(" ") else line for line in comment.rstrip().split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    return [line.rstrip() for line in lines]


class Proto:
    def __init__(self, descriptor_set, proto_path):
        files = [parse(raw) for raw in parse(descriptor_set).get(1, [])]
        matches = [f for f in files if text(f, 1) == os.path.basename(proto_path) or text(f, 1) == proto_path]
        if len(matches) != 1:
            fail(f"{proto_path} is not in the descriptor set")
        f = matches[0]
        if text(f, 12) != "proto3":
            fail("only proto3 is supported")
        self.package = text(f, 2)
        self.comments = Comments(one(f, 9))
        self.enums = [self.enum(parse(raw), [5, i]) for i, raw in enumerate(f.get(5, []))]
        self.messages = [self.message(parse(raw), [4, i]) for i, raw in enumerate(f.get(4, []))]

    def enum(self, e, path):
        name = text(e, 1)
        prefix = upper_snake(name) + "_"
        values = []
        for i, raw in enumerate(e.get(2, [])):
            v = parse(raw)
            full = text(v, 1)
            stripped = full[len(prefix):] if full.startswith(prefix) else ""
            short = stripped if stripped and not stripped[0].isdigit() else full
            values.append(dict(full=full, short=short, number=int32(one(v, 2, 0)), swift=lower_camel(short),
                               doc=self.comments.doc(path + [2, i], "    ")))
        return dict(name=name, values=values, path=path, doc=self.comments.doc(path, ""))

    def message(self, m, path):
        name = text(m, 1)
        if 3 in m or 4 in m:
            fail(f"{name}: nested messages and enums are not supported; declare them at the top level")
        oneofs = [dict(name=text(parse(raw), 1), arms=[], doc=self.comments.doc(path + [8, i], "    "))
                  for i, raw in enumerate(m.get(8, []))]
        members = []  # fields and oneofs, in declaration order
        for i, raw in enumerate(m.get(2, [])):
            f = parse(raw)
            fname = text(f, 1)
            kind = one(f, 5)
            if kind == GROUP:
                fail(f"{name}.{fname}: groups are not supported")
            if one(f, 17):
                fail(f"{name}.{fname}: proto3 optional is not supported by protoc-c")
            type_name = text(f, 6)
            if type_name:
                if not type_name.startswith(f".{self.package}.") or "." in type_name[len(self.package) + 2:]:
                    fail(f"{name}.{fname}: {type_name} is not a top-level type of package {self.package}")
                type_name = type_name[len(self.package) + 2:]
            field = dict(name=fname, number=one(f, 3), kind=kind, type_name=type_name,
                         repeated=one(f, 4) == REPEATED, message=name,
                         always=(name, fname) in ALWAYS_PRESENT, doc=self.comments.doc(path + [2, i], "    "))
            index = one(f, 9)
            if index is None:
                members.append(("field", field))
            else:
                oneof = oneofs[index]
                if not oneof["arms"]:
                    members.append(("oneof", oneof))
                field["doc"] = self.comments.doc(path + [2, i], "        ")
                oneof["arms"].append(field)
        return dict(name=name, members=members, doc=self.comments.doc(path, ""),
                    section=self.comments.section(path))

    def c_type(self, name):
        return "__".join(c_camel(p) for p in self.package.split(".") + [name])

    def c_lower(self, name):
        return "__".join(camel_to(p, str.lower) for p in self.package.split(".") + [name])

    def c_upper(self, name):
        return "__".join(camel_to(p, str.upper) for p in self.package.split(".") + [name])


def fail(message):
    sys.exit(f"gen_swift_bridge: {message}")


# ---------------------------------------------------------------------------------------------------------
# Names: protobuf-c's C names (protobuf-c/c_helpers.cc) and the Swift ones
# ---------------------------------------------------------------------------------------------------------

C_KEYWORDS = set("""and and_eq asm auto bitand bitor bool break case catch char class compl const const_cast
continue default delete do double dynamic_cast else enum explicit extern false float for friend goto if inline
int long mutable namespace new not not_eq operator or or_eq private protected public register reinterpret_cast
return short signed sizeof static static_cast struct switch template this throw true try typedef typeid typename
union unsigned using virtual void volatile wchar_t while xor xor_eq""".split())

SWIFT_KEYWORDS = set("""associatedtype class deinit enum extension fileprivate func import init inout internal
let open operator private precedencegroup protocol public rethrows static struct subscript typealias var break
case catch continue default defer do else fallthrough for guard if in repeat return throw switch where while Any
as await false is nil self Self super throws true try""".split())


def c_camel(name):  # ToCamel
    out, upper = "", True
    for ch in name:
        if ch == "_":
            upper = True
        else:
            out += ch.upper() if upper else ch
            upper = False
    return out


def camel_to(name, case):  # CamelToLower / CamelToUpper
    out, was_upper = "", True
    for ch in name:
        is_upper = ch.isupper()
        if is_upper and not was_upper:
            out += "_"
        out += case(ch)
        was_upper = is_upper
    return out


def c_field(name):  # FieldName
    name = name.lower()
    return name + "_" if name in C_KEYWORDS else name


def upper_snake(name):
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i > 0 and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out += "_"
        out += ch.upper()
    return out


def lower_camel(snake):
    parts = [p for p in snake.lower().split("_") if p]
    return parts[0] + "".join(p[0].upper() + p[1:] for p in parts[1:]) if parts else snake


def upper_camel(snake):
    name = lower_camel(snake)
    return name[0].upper() + name[1:]


def ident(name):
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


# ---------------------------------------------------------------------------------------------------------
# Swift
# ---------------------------------------------------------------------------------------------------------


def swift_type(proto, f, element=False):
    kind = f["kind"]
    if kind == STRING:
        base = "String"
    elif kind == BYTES:
        base = "[UInt8]"
    elif kind == BOOL:
        base = "Bool"
    elif kind in (ENUM, MESSAGE):
        base = f["type_name"]
    else:
        base = NUMERIC[kind]
    if f["repeated"] and not element:
        return f"[{base}]"
    return base


def swift_default(proto, f):
    if f["repeated"]:
        return " = []"
    kind = f["kind"]
    if kind == MESSAGE:
        return f" = {f['type_name']}()" if f["always"] else "?"
    if kind == ENUM:
        enum = next(e for e in proto.enums if e["name"] == f["type_name"])
        zero = next(v for v in enum["values"] if v["number"] == 0)
        return f" = .{ident(zero['swift'])}"
    return {STRING: ' = ""', BYTES: " = []", BOOL: " = false"}.get(kind, " = 0")


def decode(proto, f, m):
    """The Swift expression for field `f` of the C struct value `m`."""
    c, path, kind = f"{m}.{c_field(f['name'])}", f'"{f["message"]}.{f["name"]}"', f["kind"]
    if f["repeated"]:
        n = f"{m}.n_{c_field(f['name'])}"
        return {
            STRING: f"try CDecode.strings({n}, {c}, {path})", MESSAGE: f"try CDecode.messages({n}, {c})",
            BYTES: f"CDecode.bytesArray({n}, {c})", BOOL: f"CDecode.bools({n}, {c})",
            ENUM: f"CDecode.enums({n}, {c})",
        }.get(kind, f"CDecode.scalars({n}, {c})")
    if kind == STRING:
        return f"try CDecode.string({c}, {path})"
    if kind == MESSAGE:
        return f"try CDecode.message({c}) ?? {f['type_name']}()" if f["always"] else f"try CDecode.message({c})"
    if kind == BYTES:
        return f"CDecode.bytes({c})"
    if kind == BOOL:
        return f"CDecode.bool({c})"
    if kind == ENUM:
        return f"{f['type_name']}(rawValue: CDecode.enumRaw({c}))"
    return c


def encode(proto, f, value):
    """The C value for Swift `value` of field `f` (a pair `(n, array)` for repeated fields)."""
    kind = f["kind"]
    if f["repeated"]:
        if kind == ENUM:
            return f"arena.cEnums({proto.c_type(f['type_name'])}.self, {value})"
        return {STRING: "arena.cStrings", MESSAGE: "arena.cMessages", BYTES: "arena.cBytesArray",
                BOOL: "arena.cBools"}.get(kind, "arena.cScalars") + f"({value})"
    if kind == STRING:
        return f"arena.cString({value})"
    if kind == MESSAGE:
        return f"{value}.cMessage(in: arena)" if f["always"] else f"arena.cMessage({value})"
    if kind == BYTES:
        return f"arena.cBytes({value})"
    if kind == BOOL:
        return f"arena.cBool({value})"
    if kind == ENUM:
        return f"arena.cEnum({proto.c_type(f['type_name'])}.self, {value}.rawValue)"
    return value


def header(what):
    return (f"// Generated by scripts/gen-proto from proto/promo/v1/promo.proto; do not edit.\n"
            f"// {what}\n\n")


def enums_swift(proto):
    out = header("promo.proto's enums as open enums (see OpenEnum): unknown numbers survive decoding.")
    for e in proto.enums:
        out += proto.comments.section(e["path"]) + e["doc"]
        out += f"public struct {e['name']}: OpenEnum {{\n"
        out += "    public let rawValue: Int32\n    public init(rawValue: Int32) { self.rawValue = rawValue }\n\n"
        for v in e["values"]:
            out += v["doc"] + f"    public static let {ident(v['swift'])} = Self(rawValue: {v['number']})\n"
        out += "\n    public static let names: [Int32: String] = [\n"
        seen = set()
        for v in e["values"]:
            if v["number"] not in seen:  # allow_alias: the first name is the one reported
                seen.add(v["number"])
                out += f"        {v['number']}: \"{v['short']}\",\n"
        out += "    ]\n}\n\n"
    return out.rstrip("\n") + "\n"


def messages_swift(proto):
    out = header("promo.proto's messages as Swift values, field for field, starting at proto3's defaults.")
    for m in proto.messages:
        out += m["section"] + m["doc"] + f"public struct {m['name']}: WireMessage {{\n"
        nested = ""
        for what, member in m["members"]:
            if what == "field":
                out += member["doc"]
                out += f"    public var {ident(lower_camel(member['name']))}: {swift_type(proto, member)}"
                out += swift_default(proto, member) + "\n"
            else:
                enum = upper_camel(member["name"])
                out += member["doc"] + f"    public var {ident(lower_camel(member['name']))}: {enum}?\n"
                nested += f"\n    public enum {enum}: Hashable, Sendable {{\n"
                for arm in member["arms"]:
                    nested += arm["doc"] + f"        case {ident(lower_camel(arm['name']))}({swift_type(proto, arm)})\n"
                nested += "    }\n"
        out += ("\n" if m["members"] else "") + "    public init() {}\n" + nested + "}\n\n"
    return out.rstrip("\n") + "\n"


def bridge_swift(proto):
    out = header("Each message's copy out of and into its protobuf-c struct (see CBridged).")
    out += "import CPromoProto\n"
    for m in proto.messages:
        ctype, clower = proto.c_type(m["name"]), proto.c_lower(m["name"])
        decoded, encoded = [], []
        for what, member in m["members"]:
            prop = ident(lower_camel(member["name"]))
            if what == "field":
                decoded.append(f"{prop} = {decode(proto, member, 'm')}")
                target = f"c.pointee.{c_field(member['name'])}"
                if member["repeated"]:
                    target = f"(c.pointee.n_{c_field(member['name'])}, {target})"
                encoded.append(f"{target} = {encode(proto, member, prop)}")
                continue
            case_field = f"m.{c_field(member['name'])}_case"
            decoded.append(f"switch {case_field} {{")
            encoded += [f"switch {prop} {{", "case nil: break"]
            for arm in member["arms"]:
                const = f"{proto.c_upper(m['name'])}__{member['name'].upper()}_{arm['name'].upper()}"
                case = ident(lower_camel(arm["name"]))
                if arm["kind"] == MESSAGE:
                    value = f"try {arm['type_name']}(c: m.{c_field(arm['name'])})"
                    arm_c = "value.cMessage(in: arena)"
                else:
                    value = decode(proto, arm, "m")
                    arm_c = encode(proto, arm, "value")
                decoded.append(f"case {const}: {prop} = .{case}({value})")
                encoded += [f"case .{case}(let value):",
                            f"    (c.pointee.{c_field(member['name'])}_case, c.pointee.{c_field(arm['name'])}) ="
                            f" ({const}, {arm_c})"]
            decoded += [f"default: {prop} = nil", "}"]
            encoded.append("}")
        out += f"\nextension {m['name']}: CBridged {{\n"
        out += f"    init(c: UnsafePointer<{ctype}>) throws(WireError) {{"
        if decoded:
            out += "\n        let m = c.pointee\n" + "".join(f"        {line}\n" for line in decoded) + "    "
        out += "}\n\n"
        out += f"    func cMessage(in arena: Arena) -> UnsafeMutablePointer<{ctype}> {{\n"
        out += f"        let c = arena.make({ctype}.self) {{ {clower}__init($0) }}\n"
        out += "".join(f"        {line}\n" for line in encoded) + "        return c\n    }\n}\n"
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    descriptor_set, proto_path, out_dir = sys.argv[1:]
    with open(descriptor_set, "rb") as f:
        proto = Proto(f.read(), proto_path)
    files = {"Enums.swift": enums_swift(proto), "Messages.swift": messages_swift(proto),
             "CBridge+Messages.swift": bridge_swift(proto)}
    os.makedirs(out_dir, exist_ok=True)
    for stale in sorted(set(os.listdir(out_dir)) - set(files)):
        if stale.endswith(".swift"):
            os.remove(os.path.join(out_dir, stale))
    for name, content in files.items():
        path = os.path.join(out_dir, name)
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == content:
                    continue  # untouched files keep their timestamps, so SwiftPM rebuilds nothing
        except FileNotFoundError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)


if __name__ == "__main__":
    main()
