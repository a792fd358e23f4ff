// swift-tools-version:6.0
import PackageDescription

/// The kernel levels: the x86-64 microarchitecture levels of the psABI that simba's kernels are
/// compiled for (`-march`), with the compilation conditions their sources test. SIMBA_FMA: fused
/// multiply-adds are instructions, not library calls.
let kernelLevels: [(name: String, march: String, defines: [String])] = [
    ("Baseline", "x86-64", ["SIMBA_KERNELS_BASELINE"]),
    ("AVX2", "x86-64-v3", ["SIMBA_KERNELS_AVX2", "SIMBA_FMA"]),
    ("AVX512", "x86-64-v4", ["SIMBA_KERNELS_AVX512", "SIMBA_FMA"])
]

let package = Package(
    name: "simba",
    products: [
        .executable(name: "simba", targets: ["simba"]),
        // The readers of outside input, for the fuzz package in Fuzz/ (which builds them instrumented).
        .library(name: "SimbaSafetensors", targets: ["SimbaSafetensors"]),
        .library(name: "SimbaData", targets: ["SimbaData"]),
        .library(name: "SimbaTraining", targets: ["SimbaTraining"])
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1")
    ],
    targets: [
        // MARK: C libraries (one system-library target each, found through pkg-config)
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // Open MPI; its shim turns the macros Swift cannot import (MPI_COMM_WORLD, MPI_FLOAT, …) into functions.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // Header only: clang vector builtins Swift's SIMD types lack (a vector square root).
        .systemLibrary(name: "CVectorBuiltins"),
        // Signal handlers that only set a flag: Swift code cannot run inside a signal handler safely.
        .target(name: "CInterrupt"),

        // MARK: What simba runs on: the CPU's instruction-set level, the thread pool, OpenBLAS and
        // FFTW, and the contracts of the kernels (one protocol per kernel family).
        .target(name: "SimbaRuntime", dependencies: ["COpenBLAS", "CFFTW", "CVectorBuiltins"])

        // MARK: Kernels as forward/backward pairs, compiled once per CPU level from the same sources
        // (Sources/SimbaKernels; each level's folder links to it). SimbaCore picks one at start-up.
    ]
        + kernelLevels.map { level in
            .target(
                name: "SimbaKernels\(level.name)",
                dependencies: ["SimbaRuntime", "CVectorBuiltins"],
                // Their sizes are already checked by configs, models and readers; without the checks in
                // their inner loops a release build trains and infers 11–21% faster (docs/robustness.md).
                swiftSettings: [
                    .unsafeFlags(["-Xcc", "-march=\(level.march)"]),
                    .unsafeFlags(["-Ounchecked"], .when(configuration: .release))
                ] + level.defines.map { .define($0) }
            )
        } + [
            // MARK: Numerics: buffers, parameters, the kernels in use, optimizer
            .target(
                name: "SimbaCore",
                dependencies: ["SimbaRuntime"] + kernelLevels.map { .target(name: "SimbaKernels\($0.name)") }),

            // MARK: Weights files: the strict safetensors reader and writer, state_dict I/O. Apart from
            // SimbaCore so that these readers of outside bytes keep their checks in release builds too.
            .target(name: "SimbaSafetensors", dependencies: ["SimbaCore"]),

            // MARK: The processes of an `mpirun` job: rank, size, sums and broadcasts over them
            .target(name: "SimbaDistributed", dependencies: ["CMPI", "SimbaRuntime"]),

            // MARK: Models: Mamba, EinFFT, blocks, SiMBA vision and SiMBA-TS
            .target(name: "SimbaModel", dependencies: ["SimbaCore"]),

            // MARK: Data: CSV series, images, PNG/JPEG codecs
            .target(
                name: "SimbaData", dependencies: ["SimbaCore", "CPNG", "CJPEG"],
                resources: [.embedInCode("Resources/imagenet_synsets.txt")]),

            // MARK: Training: configs, run folders, checkpoints, schedules, metrics, training loops
            .target(
                name: "SimbaTraining",
                dependencies: [
                    "SimbaCore", "SimbaSafetensors", "SimbaModel", "SimbaData",
                    "SimbaDistributed", "CInterrupt", "Yams"
                ]),

            // MARK: Benchmarks of the kernels, the model cases of `make bench` and the host's cores
            .target(name: "SimbaBench", dependencies: ["SimbaCore", "SimbaModel", "SimbaData", "SimbaTraining"]),

            // MARK: Command line
            .target(
                name: "SimbaCLI",
                dependencies: [
                    "SimbaCore", "SimbaModel", "SimbaData", "SimbaTraining",
                    "SimbaBench", "SimbaDistributed"
                ]),
            .executableTarget(
                name: "simba", dependencies: ["SimbaCLI", "SimbaCore", "SimbaTraining", "SimbaDistributed"]),

            // MARK: Tests
            .target(
                name: "SimbaTestSupport", dependencies: ["SimbaCore", "SimbaSafetensors", "SimbaData"],
                path: "Tests/SimbaTestSupport"),
            .testTarget(name: "SimbaCoreTests", dependencies: ["SimbaCore", "SimbaRuntime", "SimbaTestSupport"])
        ]
        + kernelLevels.map { level in
            // The kernel tests (Tests/SimbaKernelsTests, linked from each level's folder) once per level,
            // each against the level's module; a level this CPU lacks is skipped. Compiled for any
            // x86-64 CPU: only the kernels they call use the level's instructions.
            .testTarget(
                name: "SimbaKernels\(level.name)Tests",
                dependencies: [.target(name: "SimbaKernels\(level.name)"), "SimbaCore", "SimbaTestSupport"],
                swiftSettings: level.defines.map { .define($0) }
            )
        } + [
            .testTarget(
                name: "SimbaSafetensorsTests", dependencies: ["SimbaSafetensors", "SimbaCore", "SimbaTestSupport"]),
            // Fixtures (Tests/Fixtures) are read from the source tree, not bundled.
            .testTarget(
                name: "SimbaModelTests",
                dependencies: ["SimbaModel", "SimbaCore", "SimbaSafetensors", "SimbaTestSupport"]),
            .testTarget(name: "SimbaDataTests", dependencies: ["SimbaData", "SimbaCore", "SimbaTestSupport"]),
            .testTarget(
                name: "SimbaTrainingTests",
                dependencies: [
                    "SimbaTraining", "SimbaData", "SimbaModel", "SimbaCore", "SimbaSafetensors",
                    "SimbaTestSupport"
                ]),
            .testTarget(
                name: "SimbaCLITests",
                dependencies: [
                    "SimbaCLI", "SimbaTraining", "SimbaCore", "SimbaSafetensors",
                    "SimbaTestSupport"
                ])
        ],
    // Kernels hand raw pointers to parallel loops; Swift 6's strict Sendable checking would make
    // every one of them an unchecked wrapper without adding safety.
    swiftLanguageModes: [.v5]
)
