import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Runs openssl with a clean signal mask: threads of this process block SIGALRM, which `openssl speed` times its runs with,
    /// and Foundation's `Process` passes the blocked mask on, so the benchmark would never end.
    private static func runOpenSSL(_ arguments: [String]) -> String? {
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], STDOUT_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addclose(&actions, pipe[0])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = (["openssl"] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/openssl", &actions, &attributes, argv, environ)
        close(pipe[1])
        defer { close(pipe[0]) }
        guard spawned == 0 else { return nil }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(pipe[0], &buffer, buffer.count)
            if count > 0 {
                output.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }
}
