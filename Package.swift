// swift-tools-version: 6.1
import PackageDescription

// Release builds of the simulation's hot-path targets skip Swift's dynamic exclusivity
// checks (swift_beginAccess per class-property access; ~2.5 CPU-s of a baseline hour's
// profile). Static checks still apply; debug builds keep the dynamic ones.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Atlas",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "AtlasCore", targets: ["AtlasCore"]),
        .library(name: "AtlasStorage", targets: ["AtlasStorage"]),
        .library(name: "AtlasStats", targets: ["AtlasStats"]),
        .library(name: "AtlasSim", targets: ["AtlasSim"]),
        .executable(name: "atlas", targets: ["atlas"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // C system libraries: module map + shim header each.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // __builtin_prefetch for the read path (header only, nothing to link).
        .systemLibrary(name: "CPrefetch"),
        .systemLibrary(name: "CThreadTuning"),

        .target(name: "AtlasStats", dependencies: ["CGSL", "CPrefetch"], swiftSettings: hotPath),
        .target(name: "AtlasCore", dependencies: ["CPrefetch"], swiftSettings: hotPath),
        .target(
            name: "AtlasStorage",
            dependencies: ["AtlasCore", "CSQLite3", "CLibPQ", "CPrefetch", "CThreadTuning"],
            resources: [.copy("SQL")],
            swiftSettings: hotPath
        ),
        .target(name: "AtlasSim", dependencies: [
            "AtlasCore", "AtlasStorage", "AtlasStats", "CPrefetch",
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: hotPath),
        .target(name: "AtlasReport", dependencies: ["AtlasCore", "AtlasStats", "AtlasSim"]),
        .executableTarget(name: "atlas", dependencies: [
            "AtlasCore", "AtlasStorage", "AtlasStats", "AtlasSim", "AtlasReport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Yams", package: "Yams"),
        ]),

        .testTarget(name: "AtlasCoreTests", dependencies: ["AtlasCore"]),
        .testTarget(name: "AtlasStorageTests", dependencies: ["AtlasCore", "AtlasStorage", "AtlasStats"]),
        .testTarget(name: "AtlasStatsTests", dependencies: ["AtlasStats"]),
        .testTarget(name: "AtlasSimTests", dependencies: ["AtlasSim", "AtlasCore", "AtlasStorage", "AtlasStats"]),
        .testTarget(name: "AtlasReportTests", dependencies: ["AtlasReport", "AtlasSim", "AtlasStats"]),
    ]
)
