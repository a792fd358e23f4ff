// The table of kernels one CPU level provides: one entry per kernel family, each a type that
// implements the family's contract (KernelContracts/). Which level runs is SimbaCore's choice.

/// The kernels compiled for one `CPULevel`, as the types that implement each family's contract.
///
/// Each level's module (SimbaKernelsBaseline, SimbaKernelsAVX2, SimbaKernelsAVX512) compiles the
/// same sources (Sources/SimbaKernels) for its instruction set and exports one `Kernels` value;
/// `Kernels.current` (SimbaCore) is the one in use. Calls go through the family's protocol, one
/// indirect call per kernel call (per layer and pass, never per element). Sizes and constants
/// (`selectiveScan.savedStateCount`, `einFFT.blocks`, ...) are the same at every level.
public struct Kernels {
    public let level: CPULevel
    public let adamW: any AdamWUpdateKernel.Type
    public let batchNorm2d: any BatchNorm2dKernel.Type
    public let causalConv1d: any CausalConv1dKernel.Type
    public let conv2d: any Conv2dKernel.Type
    public let crossEntropy: any CrossEntropyKernel.Type
    public let depthwiseConv2d: any DepthwiseConv2dKernel.Type
    public let dropPath: any DropPathKernel.Type
    public let dropout: any DropoutKernel.Type
    public let einFFT: any EinFFTKernel.Type
    public let gelu: any PointwiseActivationKernel.Type
    public let instanceNorm: any InstanceNormKernel.Type
    public let layerNorm: any LayerNormKernel.Type
    public let linear: any LinearKernel.Type
    public let mambaGates: any MambaGatesKernel.Type
    public let maxPool: any MaxPoolKernel.Type
    public let meanAbsoluteError: any MeanAbsoluteErrorKernel.Type
    public let meanPool: any MeanPoolKernel.Type
    public let meanSquaredError: any MeanSquaredErrorKernel.Type
    public let relu: any ReLUKernel.Type
    public let selectiveScan: any SelectiveScanKernel.Type
    public let silu: any PointwiseActivationKernel.Type
    public let softplus: any PointwiseActivationKernel.Type
    public let softshrink: any SoftshrinkKernel.Type
    public let throughputProbe: any ThroughputProbeKernel.Type

    public init(
        level: CPULevel, adamW: any AdamWUpdateKernel.Type, batchNorm2d: any BatchNorm2dKernel.Type,
        causalConv1d: any CausalConv1dKernel.Type, conv2d: any Conv2dKernel.Type,
        crossEntropy: any CrossEntropyKernel.Type, depthwiseConv2d: any DepthwiseConv2dKernel.Type,
        dropPath: any DropPathKernel.Type, dropout: any DropoutKernel.Type, einFFT: any EinFFTKernel.Type,
        gelu: any PointwiseActivationKernel.Type, instanceNorm: any InstanceNormKernel.Type,
        layerNorm: any LayerNormKernel.Type, linear: any LinearKernel.Type, mambaGates: any MambaGatesKernel.Type,
        maxPool: any MaxPoolKernel.Type, meanAbsoluteError: any MeanAbsoluteErrorKernel.Type,
        meanPool: any MeanPoolKernel.Type, meanSquaredError: any MeanSquaredErrorKernel.Type,
        relu: any ReLUKernel.Type, selectiveScan: any SelectiveScanKernel.Type,
        silu: any PointwiseActivationKernel.Type, softplus: any PointwiseActivationKernel.Type,
        softshrink: any SoftshrinkKernel.Type, throughputProbe: any ThroughputProbeKernel.Type
    ) {
        self.level = level
        self.adamW = adamW
        self.batchNorm2d = batchNorm2d
        self.causalConv1d = causalConv1d
        self.conv2d = conv2d
        self.crossEntropy = crossEntropy
        self.depthwiseConv2d = depthwiseConv2d
        self.dropPath = dropPath
        self.dropout = dropout
        self.einFFT = einFFT
        self.gelu = gelu
        self.instanceNorm = instanceNorm
        self.layerNorm = layerNorm
        self.linear = linear
        self.mambaGates = mambaGates
        self.maxPool = maxPool
        self.meanAbsoluteError = meanAbsoluteError
        self.meanPool = meanPool
        self.meanSquaredError = meanSquaredError
        self.relu = relu
        self.selectiveScan = selectiveScan
        self.silu = silu
        self.softplus = softplus
        self.softshrink = softshrink
        self.throughputProbe = throughputProbe
    }
}
