import FoundationEssentials
import PromoServer

/// Configuration from the environment: every key of `ConfigFile` is also `PROMO_<KEY_IN_UPPER_SNAKE_CASE>`
/// (`frameBytesMax` → `PROMO_FRAME_BYTES_MAX`).
///
/// Nothing here lists the keys. Their names and types are read from ConfigFile's own coding keys (by decoding
/// it once with `ConfigKeyRecorder`), and the values are decoded by ConfigFile itself from a JSON object built
/// from the variables (strings quoted, numbers and booleans as they are), so a key added to ConfigFile is an
/// environment variable too, with the same types, ranges and error messages.
///
/// An unknown `PROMO_` variable whose rest is upper-case letters, digits and `_` is refused: a misspelt limit
/// silently ignored would run the service on a default nobody chose.
enum EnvironmentConfig {
    static let prefix = "PROMO_"

    /// `PROMO_` variables with their own meaning, read elsewhere.
    static let otherVariables: Set<String> = [
        "PROMO_ADMIN_KEY",  // the bootstrap admin key (promo-server)
        "PROMO_API_KEY",  // the key promo-loadtest and promoctl use
        // promoctl's and promo-loadtest's TLS defaults, often set in the same shell as the server
        "PROMO_TLS_CA", "PROMO_TLS_CERT", "PROMO_TLS_KEY", "PROMO_TLS_SERVER_NAME",
        // the test harness's switches (tests/README), often exported in a developer's shell
        "PROMO_TEST_STORE", "PROMO_TEST_POSTGRES_URL",
    ]

    /// Every configuration variable: its name and the ConfigFile key it sets.
    static var variables: [(variable: String, key: ConfigKeyRecorder.ConfigKey)] {
        ConfigKeyRecorder.keys(of: ConfigFile.self).map { (variableName(forKey: $0.name), $0) }
    }

    /// `frameBytesMax` → `PROMO_FRAME_BYTES_MAX`; a run of capitals is one word (`tlsCAFile` → `PROMO_TLS_CA_FILE`).
    static func variableName(forKey key: String) -> String {
        let characters = Array(key)
        var name = prefix
        for (index, character) in characters.enumerated() {
            if index > 0, character.isUppercase {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) {
                    name.append("_")
                }
            }
            name += character.uppercased()
        }
        return name
    }

    /// The configuration the `PROMO_` variables of `environment` set (an empty one when there are none).
    static func load(_ environment: [String: String]) throws(ServerError) -> ConfigFile {
        let known = Dictionary(uniqueKeysWithValues: variables.map { ($0.variable, $0.key) })
        var members: [(variable: String, value: String, json: String)] = []
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix(prefix) {
            guard let key = known[variable] else {
                if otherVariables.contains(variable) || !looksLikeConfigVariable(variable) { continue }
                throw ServerError(
                    .invalidArgument,
                    "unknown environment variable \(variable): configuration variables are PROMO_ and a key of the "
                        + "README's configuration table in UPPER_SNAKE_CASE")
            }
            let json: String
            if key.isString {
                json = quoted(value)
            } else {
                guard isJSONScalar(value) else {
                    throw ServerError(.invalidArgument, "\(variable) must be a number or true/false, not \(quoted(value))")
                }
                json = value
            }
            members.append((variable, value, quoted(key.name) + ":" + json))
        }
        func decode(_ members: [String]) throws -> ConfigFile {
            try JSONDecoder().decode(ConfigFile.self, from: Data(("{" + members.joined(separator: ",") + "}").utf8))
        }
        do {
            return try decode(members.map(\.json))
        } catch {
            // The decoder does not always say which member it refused (a number out of range is "not valid
            // JSON"): try them one by one to name the variable.
            for member in members {
                do {
                    _ = try decode([member.json])
                } catch {
                    throw ServerError(
                        .invalidArgument, "\(member.variable)=\(member.value) is out of range or of the wrong type: \(error)")
                }
            }
            throw ServerError(.invalidArgument, "environment: \(error)")
        }
    }

    private static func looksLikeConfigVariable(_ variable: String) -> Bool {
        let rest = variable.utf8.dropFirst(prefix.utf8.count)
        return !rest.isEmpty && rest.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    private static func quoted(_ string: String) -> String {
        // Encoding a String cannot fail.
        String(decoding: (try? JSONEncoder().encode(string)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// `true`, `false` or a JSON number: then it can stand as a member's value without changing the object.
    static func isJSONScalar(_ text: String) -> Bool {
        if text == "true" || text == "false" { return true }
        var bytes = text.utf8[...]
        func digits() -> Int {
            let count = bytes.prefix { $0 >= 0x30 && $0 <= 0x39 }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == 0x2D { bytes = bytes.dropFirst() }  // -
        let leadingZero = bytes.first == 0x30
        let integer = digits()
        guard integer > 0, !(leadingZero && integer > 1) else { return false }
        if bytes.first == 0x2E {  // .
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        }
        if bytes.first == 0x65 || bytes.first == 0x45 {  // e E
            bytes = bytes.dropFirst()
            if bytes.first == 0x2B || bytes.first == 0x2D { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}

/// A Decoder that decodes nothing: handed to a Decodable made of optionals, it records the keys the type asks
/// for and whether each is a string, so the environment follows ConfigFile's coding keys by construction.
struct ConfigKeyRecorder: Decoder {
    struct ConfigKey: Sendable {
        let name: String
        let isString: Bool
    }

    private final class Recorded {
        var keys: [ConfigKey] = []
    }

    private let recorded = Recorded()
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func keys<T: Decodable>(of type: T.Type) -> [ConfigKey] {
        let recorder = ConfigKeyRecorder()
        _ = try? T(from: recorder)
        return recorder.recorded.keys
    }

    func container<K: CodingKey>(keyedBy type: K.Type) throws -> KeyedDecodingContainer<K> {
        KeyedDecodingContainer(Container<K>(recorded: recorded))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw Self.unsupported }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { throw Self.unsupported }

    static let unsupported = DecodingError.dataCorrupted(
        .init(codingPath: [], debugDescription: "ConfigKeyRecorder only lists the keys of a keyed container of optionals"))

    private struct Container<K: CodingKey>: KeyedDecodingContainerProtocol {
        let recorded: Recorded
        var codingPath: [any CodingKey] { [] }
        var allKeys: [K] { [] }

        // A string key keeps its value quoted; the default `decodeIfPresent` of every other type asks `contains`.
        func decodeIfPresent(_ type: String.Type, forKey key: K) throws -> String? {
            recorded.keys.append(ConfigKey(name: key.stringValue, isString: true))
            return nil
        }

        func contains(_ key: K) -> Bool {
            recorded.keys.append(ConfigKey(name: key.stringValue, isString: false))
            return false
        }

        func decodeNil(forKey key: K) throws -> Bool { true }
        func decode(_ type: Bool.Type, forKey key: K) throws -> Bool { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: String.Type, forKey key: K) throws -> String { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Double.Type, forKey key: K) throws -> Double { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Float.Type, forKey key: K) throws -> Float { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Int.Type, forKey key: K) throws -> Int { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Int8.Type, forKey key: K) throws -> Int8 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Int16.Type, forKey key: K) throws -> Int16 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Int32.Type, forKey key: K) throws -> Int32 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: Int64.Type, forKey key: K) throws -> Int64 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: UInt.Type, forKey key: K) throws -> UInt { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: UInt8.Type, forKey key: K) throws -> UInt8 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: UInt16.Type, forKey key: K) throws -> UInt16 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: UInt32.Type, forKey key: K) throws -> UInt32 { throw ConfigKeyRecorder.unsupported }
        func decode(_ type: UInt64.Type, forKey key: K) throws -> UInt64 { throw ConfigKeyRecorder.unsupported }
        func decode<T: Decodable>(_ type: T.Type, forKey key: K) throws -> T { throw ConfigKeyRecorder.unsupported }
        func nestedContainer<N: CodingKey>(keyedBy type: N.Type, forKey key: K) throws -> KeyedDecodingContainer<N> {
            throw ConfigKeyRecorder.unsupported
        }
        func nestedUnkeyedContainer(forKey key: K) throws -> any UnkeyedDecodingContainer {
            throw ConfigKeyRecorder.unsupported
        }
        func superDecoder() throws -> any Decoder { throw ConfigKeyRecorder.unsupported }
        func superDecoder(forKey key: K) throws -> any Decoder { throw ConfigKeyRecorder.unsupported }
    }
}
