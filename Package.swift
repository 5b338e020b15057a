// swift-tools-version:6.1
import PackageDescription

/// Ketenpoort: the message gateway between the Dutch police and its chain partners.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Ketenpoort",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ketenpoort", targets: ["ketenpoort"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        // libxml2 + xmlsec1 (OpenSSL engine), found through pkg-config.
        .systemLibrary(
            name: "CXMLSec",
            path: "Sources/CXMLSec",
            pkgConfig: "xmlsec1-openssl",
            providers: [.apt(["libxml2-dev", "libxmlsec1-dev", "libssl-dev"])]
        ),
        // A small C shim for what Swift cannot call directly (xmlsec macros, SAX hooks).
        .target(
            name: "CXMLSecShim",
            dependencies: ["CXMLSec"],
            path: "Sources/CXMLSecShim"
        ),
        // Safe parsing, XSD validation, XMLDSig sign and verify; the only Swift code touching C.
        .target(
            name: "KetenpoortXML",
            dependencies: ["CXMLSec", "CXMLSecShim"],
            swiftSettings: strict
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
            swiftSettings: strict
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
        // The executable: argument parsing and printing only.
        .executableTarget(
            name: "ketenpoort",
            dependencies: [
                "KetenpoortXML", "KetenpoortCore", "KetenpoortPKI", "KetenpoortStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KetenpoortXMLTests",
            dependencies: ["KetenpoortXML", "KetenpoortPKI"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KetenpoortCoreTests",
            dependencies: ["KetenpoortCore", "KetenpoortXML"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KetenpoortStoreTests",
            dependencies: ["KetenpoortStore"],
            swiftSettings: strict
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
            name: "KetenpoortCLITests",
            dependencies: ["KetenpoortPKI"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
