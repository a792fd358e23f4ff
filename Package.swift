// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "simba",
    products: [
        .executable(name: "simba", targets: ["simba"]),
        // The readers of outside input, for the fuzz package in Fuzz/ (which builds them instrumented).
        .library(name: "SimbaSafetensors", targets: ["SimbaSafetensors"]),
        .library(name: "SimbaData", targets: ["SimbaData"]),
        .library(name: "SimbaTraining", targets: ["SimbaTraining"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // MARK: C libraries (one system-library target each, found through pkg-config)
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // Header only: clang vector builtins Swift's SIMD types lack (a vector square root).
        .systemLibrary(name: "CVectorBuiltins"),
        // Signal handlers that only set a flag: Swift code cannot run inside a signal handler safely.
        .target(name: "CInterrupt"),

        // MARK: Numerics: buffers, parameters, BLAS/FFT, kernels as forward/backward pairs, optimizer
        .target(
            name: "SimbaCore",
            dependencies: ["COpenBLAS", "CFFTW", "CVectorBuiltins"],
            // Its kernels get sizes already checked by configs, models and readers; without the checks in
            // their inner loops a release build trains and infers 11–21% faster (docs/robustness.md).
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),

        // MARK: Weights files: the strict safetensors reader and writer, state_dict I/O. Apart from
        // SimbaCore so that these readers of outside bytes keep their checks in release builds too.
        .target(name: "SimbaSafetensors", dependencies: ["SimbaCore"]),

        // MARK: Models: Mamba, EinFFT, blocks, SiMBA vision and SiMBA-TS
        .target(name: "SimbaModel", dependencies: ["SimbaCore"]),

        // MARK: Data: CSV series, images, PNG/JPEG codecs
        .target(name: "SimbaData", dependencies: ["SimbaCore", "CPNG", "CJPEG"]),

        // MARK: Training: configs, run folders, checkpoints, schedules, metrics, training loops
        .target(name: "SimbaTraining", dependencies: ["SimbaCore", "SimbaSafetensors", "SimbaModel", "SimbaData", "CInterrupt", "Yams"]),

        // MARK: Command line
        .target(name: "SimbaCLI", dependencies: ["SimbaCore", "SimbaModel", "SimbaData", "SimbaTraining"]),
        .executableTarget(name: "simba", dependencies: ["SimbaCLI", "SimbaTraining"]),

        // MARK: Tests
        .target(name: "SimbaTestSupport", dependencies: ["SimbaCore", "SimbaSafetensors"], path: "Tests/SimbaTestSupport"),
        .testTarget(name: "SimbaCoreTests", dependencies: ["SimbaCore", "SimbaTestSupport"]),
        .testTarget(name: "SimbaSafetensorsTests", dependencies: ["SimbaSafetensors", "SimbaCore", "SimbaTestSupport"]),
        // Fixtures (Tests/Fixtures) are read from the source tree, not bundled.
        .testTarget(name: "SimbaModelTests", dependencies: ["SimbaModel", "SimbaCore", "SimbaSafetensors", "SimbaTestSupport"]),
        .testTarget(name: "SimbaDataTests", dependencies: ["SimbaData", "SimbaCore", "SimbaTestSupport"]),
        .testTarget(name: "SimbaTrainingTests", dependencies: ["SimbaTraining", "SimbaData", "SimbaModel", "SimbaCore", "SimbaSafetensors",
                                                          "SimbaTestSupport"]),
        .testTarget(name: "SimbaCLITests", dependencies: ["SimbaCLI", "SimbaTraining", "SimbaCore", "SimbaSafetensors",
                                                     "SimbaTestSupport"]),
    ],
    // Kernels hand raw pointers to parallel loops; Swift 6's strict Sendable checking would make
    // every one of them an unchecked wrapper without adding safety.
    swiftLanguageModes: [.v5]
)
