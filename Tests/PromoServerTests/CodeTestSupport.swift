import PromoClient
import PromoWire
import Testing

// Helpers for the bulk-code tests (generate, import_codes, export_codes): typed wrappers over the calls, an
// independent model of the pattern rules and of code normalisation, and whole-export paging.

/// The alphabet the README promises: no O, I, L among the letters, no 0, 1 among the digits.
enum Alphabet {
    static let letters = Set("ABCDEFGHJKMNPQRSTUVWXYZ")
    static let digits = Set("23456789")
    static let ambiguous = Set("0O1IL")
}

/// The canonical form a lookup uses, computed here independently of the server: upper-cased, `-` and
/// spaces dropped.
func codeKey(_ text: String) -> String {
    String(text.uppercased().filter { $0 != "-" && $0 != " " })
}

/// Whether `code` has the shape of `prefix + pattern + suffix`: '#' a digit of the alphabet, '?' a letter of
/// the alphabet, '*' either, anything else the same character upper-cased. The display form is compared
/// position by position, so the '-' of the pattern must be where the pattern put it. (Byte tables rather than
/// Character sets: this runs over 100,000 codes in a debug build.)
func hasShape(_ code: String, pattern: String, prefix: String = "", suffix: String = "") -> Bool {
    let template = Array((prefix + pattern + suffix).uppercased().utf8)
    var matches = true
    var index = 0
    for byte in code.utf8 {
        guard index < template.count else { return false }
        switch template[index] {
        case UInt8(ascii: "#"): matches = ShapeTables.digit[Int(byte)]
        case UInt8(ascii: "?"): matches = ShapeTables.letter[Int(byte)]
        case UInt8(ascii: "*"): matches = ShapeTables.digit[Int(byte)] || ShapeTables.letter[Int(byte)]
        case let literal: matches = byte == literal
        }
        if !matches { return false }
        index += 1
    }
    return index == template.count
}

private enum ShapeTables {
    static let digit = table(Alphabet.digits)
    static let letter = table(Alphabet.letters)
    static func table(_ characters: Set<Character>) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for character in characters { table[Int(character.asciiValue!)] = true }
        return table
    }
}

/// An entry of an import request.
func importing(_ code: String, maxUses: UInt64 = 0, owner: String = "") -> ImportCode {
    ImportCode.with {
        $0.code = code
        $0.maxUses = maxUses
        $0.ownerId = owner
    }
}

/// All codes of an export, page by page, with what the paging looked like.
struct ExportRun {
    var codes: [CodeInfo] = []
    var pageSizes: [Int] = []
    /// The next_page_token of every page, the last one included.
    var tokens: [String] = []
}

extension PromoClient {
    func generate(_ configure: (inout GenerateRequest) -> Void) async throws -> GenerateResponse {
        var request = GenerateRequest()
        configure(&request)
        let result = try await call(.generate(request))
        guard case .generate(let answer) = result else { throw UnexpectedAnswer("generate answered \(result)") }
        return answer
    }

    /// The whole answer of a generate, whatever its status.
    func sendGenerate(_ configure: (inout GenerateRequest) -> Void) async throws -> Response {
        var request = GenerateRequest()
        configure(&request)
        return try await send(.generate(request))
    }

    func importCodes(_ campaignId: String, _ codes: [ImportCode]) async throws -> ImportCodesResponse {
        let result = try await call(.importCodes(.with {
            $0.campaignId = campaignId
            $0.codes = codes
        }))
        guard case .importCodes(let answer) = result else { throw UnexpectedAnswer("import_codes answered \(result)") }
        return answer
    }

    func exportCodes(_ configure: (inout ExportCodesRequest) -> Void) async throws -> ExportCodesResponse {
        var request = ExportCodesRequest()
        configure(&request)
        let result = try await call(.exportCodes(request))
        guard case .exportCodes(let answer) = result else { throw UnexpectedAnswer("export_codes answered \(result)") }
        return answer
    }

    /// Follows next_page_token to the end (at most `pagesMax` pages, so a token that never empties cannot
    /// hang the test).
    func exportAll(
        campaignId: String, batchId: String = "", ownerId: String = "", usage: CodeUsage = .any,
        pageSize: UInt32 = 0, pagesMax: Int = 10_000
    ) async throws -> ExportRun {
        var run = ExportRun()
        var token = ""
        repeat {
            let page = try await exportCodes {
                $0.campaignId = campaignId
                $0.batchId = batchId
                $0.ownerId = ownerId
                $0.usage = usage
                $0.pageSize = pageSize
                $0.pageToken = token
            }
            run.codes += page.codes
            run.pageSizes.append(page.codes.count)
            run.tokens.append(page.nextPageToken)
            token = page.nextPageToken
        } while !token.isEmpty && run.pageSizes.count < pagesMax
        return run
    }

    /// Creates an API key with `role` bound to `campaignIds` and returns its secret.
    func createKey(role: String, campaignIds: [String]) async throws -> String {
        let result = try await call(.createApiKey(.with {
            $0.name = Unique.key("key")
            $0.role = role
            $0.campaignIds = campaignIds
        }))
        guard case .createApiKey(let key) = result else { throw UnexpectedAnswer("create_api_key answered \(result)") }
        return key.apiKey
    }
}

/// Elapsed wall time of `body`, in milliseconds.
func measureMs<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    let elapsed = clock.now - start
    let ms = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    return (value, ms)
}
