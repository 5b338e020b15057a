import Foundation

/// The machine's raw RSA-2048 and ECDSA P-256 rates, as `openssl speed` measures them.
struct OpenSSLSpeed: Encodable {
    var rsaSign: Double?
    var rsaVerify: Double?
    var ecdsaSign: Double?
    var ecdsaVerify: Double?

    /// Runs `openssl speed` with the given number of processes (1 = one core).
    static func run(seconds: Int, processes: Int = 1) -> OpenSSLSpeed {
        var arguments = ["speed", "-seconds", "\(seconds)"]
        if processes > 1 { arguments += ["-multi", "\(processes)"] }
        arguments += ["rsa2048", "ecdsap256"]
        guard let output = runOpenSSL(arguments) else { return OpenSSLSpeed() }
        return parse(output)
    }

    /// Reads the summary lines: `rsa 2048 bits 0.000712s 0.000021s 1404.5 47619.0` and `256 bits ecdsa (nistp256) ... sign/s verify/s`.
    static func parse(_ output: String) -> OpenSSLSpeed {
        var result = OpenSSLSpeed()
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            let numbers = fields.compactMap(Double.init)
            guard numbers.count >= 2 else { continue }
            let rates = Array(numbers.suffix(2))
            if line.hasPrefix("rsa 2048 bits") || line.hasPrefix("rsa  2048 bits") {
                result.rsaSign = rates[0]
                result.rsaVerify = rates[1]
            } else if line.contains("ecdsa (nistp256)") {
                result.ecdsaSign = rates[0]
                result.ecdsaVerify = rates[1]
            }
        }
        return result
    }

    private static func runOpenSSL(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
