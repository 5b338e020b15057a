// swift-tools-version:6.1
import PackageDescription

/// Ketenpoort: the message gateway between the Dutch police and its chain partners.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// xmlsec1's headers live outside the default search path (Debian: libxmlsec1-dev). pkg-config's
/// xmlsec1 flags carry -D options that SwiftPM refuses, so the include path is named here and the
/// defines are in Sources/CXMLSec/shim.h.
let xmlsecIncludes = ["-I/usr/include/xmlsec1"]
/// Every Swift target that imports KetenpoortXML (directly or not) must find the same headers.
let withXMLSec: [SwiftSetting] = strict + [.unsafeFlags(xmlsecIncludes.flatMap { ["-Xcc", $0] })]

let package = Package(
    name: "Ketenpoort",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ketenpoort", targets: ["ketenpoort"]),
        .executable(name: "ketenpoort-bench", targets: ["ketenpoort-bench"]),
        .library(name: "KetenpoortTesting", targets: ["KetenpoortTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // libxml2 + xmlsec1 (OpenSSL engine), found through pkg-config.
        .systemLibrary(
            name: "CXMLSec",
            path: "Sources/CXMLSec",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev", "libxmlsec1-dev", "libssl-dev"])]
        ),
        // A small C shim for what Swift cannot call directly (xmlsec macros, SAX hooks).
        .target(
            name: "CXMLSecShim",
            dependencies: ["CXMLSec"],
            path: "Sources/CXMLSecShim",
            cSettings: [.unsafeFlags(xmlsecIncludes)]
        ),
        // Safe parsing, XSD validation, XMLDSig sign and verify; the only Swift code touching C.
        .target(
            name: "KetenpoortXML",
            dependencies: ["CXMLSec", "CXMLSecShim"],
            swiftSettings: withXMLSec
        ),
        // Certificates: development PKI, reading subjects and OINs, expiry.
        .target(
            name: "KetenpoortPKI",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Message kinds, header, domain rules, routing and the admission pipeline.
        .target(
            name: "KetenpoortCore",
            dependencies: ["KetenpoortXML"],
            resources: [],
            swiftSettings: withXMLSec
        ),
        // The durable store: messages, deliveries, audit chain.
        .target(
            name: "KetenpoortStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // The PostgreSQL store: several gateway nodes share one queue and one audit chain.
        .target(
            name: "KetenpoortPostgres",
            dependencies: [
                "KetenpoortStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Configuration, intake server, dispatcher, courier, reference partner endpoint, metrics, lifecycle.
        .target(
            name: "KetenpoortServer",
            dependencies: [
                "KetenpoortXML", "KetenpoortCore", "KetenpoortPKI", "KetenpoortStore", "KetenpoortPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: withXMLSec
        ),
        // Test support: scripted delivery transport, manual clock, real SQLite stores in temporary directories.
        .target(
            name: "KetenpoortTesting",
            dependencies: [
                "KetenpoortServer", "KetenpoortStore", "KetenpoortPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: withXMLSec
        ),
        // What the operator's commands do, without a terminal: queue actions, trails and their verification, attempt
        // history, the delivery report, opening the configured store, comparing witnessed heads, the configured
        // certificates, worded file checks, and the assembly of `serve --dev`.
        .target(
            name: "KetenpoortOperations",
            dependencies: [
                "KetenpoortCore", "KetenpoortPKI", "KetenpoortStore", "KetenpoortServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: withXMLSec
        ),
        // What the two executables share on the command line: option groups, output formats, exit codes.
        .target(
            name: "KetenpoortCommandLine",
            dependencies: [
                "KetenpoortCore", "KetenpoortXML", "KetenpoortStore", "KetenpoortServer", "KetenpoortOperations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: withXMLSec
        ),
        // The executable: argument parsing and printing only.
        .executableTarget(
            name: "ketenpoort",
            dependencies: [
                "KetenpoortXML", "KetenpoortCore", "KetenpoortPKI", "KetenpoortStore", "KetenpoortServer", "KetenpoortPostgres",
                "KetenpoortOperations", "KetenpoortCommandLine", "KetenpoortTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: withXMLSec
        ),
        // The gateway benchmarks and the fault harness (`ketenpoort-bench xml|intake|latency|e2e|chaos|queue`); they run
        // the `ketenpoort` executable next to them as gateway and partner processes.
        .executableTarget(
            name: "ketenpoort-bench",
            dependencies: [
                "KetenpoortXML", "KetenpoortCore", "KetenpoortPKI", "KetenpoortStore", "KetenpoortServer", "KetenpoortPostgres",
                "KetenpoortOperations", "KetenpoortCommandLine", "KetenpoortTesting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/GatewayBench",
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortXMLTests",
            dependencies: ["KetenpoortXML", "KetenpoortPKI"],
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortCoreTests",
            dependencies: ["KetenpoortCore", "KetenpoortXML"],
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortStoreTests",
            dependencies: ["KetenpoortStore", "KetenpoortPostgres", "KetenpoortTesting"],
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortPKITests",
            dependencies: ["KetenpoortPKI"],
            swiftSettings: strict
        ),
        // A separate process that accepts messages until it is killed (used by the crash test).
        .executableTarget(
            name: "kp-store-writer",
            dependencies: ["KetenpoortStore"],
            path: "Tests/StoreCrashWriter",
            swiftSettings: strict
        ),
        // Store throughput and queue-scale benchmark.
        .executableTarget(
            name: "store-bench",
            dependencies: ["KetenpoortStore"],
            path: "Benchmarks/StoreBench",
            swiftSettings: strict
        ),
        .testTarget(
            name: "KetenpoortServerTests",
            dependencies: [
                "KetenpoortServer", "KetenpoortCore", "KetenpoortXML", "KetenpoortPKI", "KetenpoortStore", "KetenpoortTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortOperationsTests",
            dependencies: ["KetenpoortOperations", "KetenpoortStore", "KetenpoortPostgres", "KetenpoortServer", "KetenpoortTesting"],
            swiftSettings: withXMLSec
        ),
        .testTarget(
            name: "KetenpoortCLITests",
            dependencies: [
                "KetenpoortPKI", "KetenpoortStore", "KetenpoortCore", "KetenpoortXML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: withXMLSec
        ),
    ],
    swiftLanguageModes: [.v6]
)
