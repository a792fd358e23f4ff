// This module's kernel table: the families of Sources/SimbaKernels as compiled for the CPU level
// the build gives this module (SIMBA_KERNELS_BASELINE, _AVX2 or _AVX512). No selection here.

/// The kernels of this module, for `compiledLevel`. Run them only on a CPU that has that level
import SimbaRuntime

#if SIMBA_KERNELS_AVX512
    let compiledLevel = CPULevel.avx512
#elseif SIMBA_KERNELS_AVX2
    let compiledLevel = CPULevel.avx2
#else
    let compiledLevel = CPULevel.baseline
#endif

/// (`CPULevel.supported`): the code uses its instructions throughout.
public let levelKernels = Kernels(
    level: compiledLevel, adamW: AdamWUpdate.self, batchNorm2d: BatchNorm2d.self, causalConv1d: CausalConv1d.self,
    conv2d: Conv2d.self, crossEntropy: CrossEntropy.self, depthwiseConv2d: DepthwiseConv2d.self,
    dropPath: DropPath.self, dropout: Dropout.self, einFFT: EinFFT.self, gelu: GELU.self,
    instanceNorm: InstanceNorm.self, layerNorm: LayerNorm.self, linear: Linear.self, mambaGates: MambaGates.self,
    maxPool: MaxPool.self, meanAbsoluteError: MeanAbsoluteError.self, meanPool: MeanPool.self,
    meanSquaredError: MeanSquaredError.self, relu: ReLU.self, selectiveScan: SelectiveScan.self, silu: SiLU.self,
    softplus: Softplus.self, softshrink: Softshrink.self, throughputProbe: ThroughputProbe.self)

extension AdamWUpdate: AdamWUpdateKernel {}
extension BatchNorm2d: BatchNorm2dKernel {}
extension CausalConv1d: CausalConv1dKernel {}
extension Conv2d: Conv2dKernel {}
extension CrossEntropy: CrossEntropyKernel {}
extension DepthwiseConv2d: DepthwiseConv2dKernel {}
extension DropPath: DropPathKernel {}
extension Dropout: DropoutKernel {}
extension EinFFT: EinFFTKernel {}
extension GELU: PointwiseActivationKernel {}
extension InstanceNorm: InstanceNormKernel {}
extension LayerNorm: LayerNormKernel {}
extension Linear: LinearKernel {}
extension MambaGates: MambaGatesKernel {}
extension MaxPool: MaxPoolKernel {}
extension MeanAbsoluteError: MeanAbsoluteErrorKernel {}
extension MeanPool: MeanPoolKernel {}
extension MeanSquaredError: MeanSquaredErrorKernel {}
extension ReLU: ReLUKernel {}
extension SelectiveScan: SelectiveScanKernel {}
extension SiLU: PointwiseActivationKernel {}
extension Softplus: PointwiseActivationKernel {}
extension Softshrink: SoftshrinkKernel {}
extension ThroughputProbe: ThroughputProbeKernel {}
