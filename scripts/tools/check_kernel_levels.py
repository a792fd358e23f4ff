#!/usr/bin/env python3
"""Checks that a simba binary keeps each CPU level's instructions inside that level's kernels.

    python3 scripts/tools/check_kernel_levels.py .build/release/simba

The binary must run on any x86-64 CPU: only the functions of SimbaKernelsAVX2 and SimbaKernelsAVX512
may use AVX (VEX- or EVEX-encoded instructions), only SimbaKernelsAVX512 AVX-512 (zmm or mask
registers), and no function may call libm's fmaf (a fused multiply-add compiled without FMA). A
function is attributed to a module by its Swift symbol (`$s<length><module>...`); anything else
(the other modules, specialisations of the standard library, C code) counts as baseline. Each
level's module must also show its instructions, so a build that lost its flags fails too.
Exit status 0 when all holds, 1 with one line per offending function otherwise. Needs objdump.
"""
import re
import subprocess
import sys

LEVEL_MODULES = ("SimbaKernelsBaseline", "SimbaKernelsAVX2", "SimbaKernelsAVX512")


def module_of(symbol):
    match = re.match(r"\$s(\d+)", symbol)
    if match:
        length = int(match.group(1))
        name = symbol[match.end():match.end() + length]
        if name in LEVEL_MODULES:
            return name
    return "other"


def functions(binary):
    """(symbol, [instruction text]) for every function in the text section."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary], check=True,
                         capture_output=True, text=True).stdout
    current, body = None, []
    for line in out.splitlines():
        header = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if header:
            if current:
                yield current, body
            current, body = header.group(1), []
        elif current and "\t" in line:
            body.append(line.split("\t", 1)[1].strip())
    if current:
        yield current, body


def is_vex(instruction):
    mnemonic = instruction.split()[0] if instruction else ""
    # AVX and AVX-512 instructions all start with v; vmcall/vmread/... and verr/verw are not vector code.
    return mnemonic.startswith("v") and not mnemonic.startswith(("vm", "ver"))


def is_avx512(instruction):
    return "%zmm" in instruction or re.search(r"%k[0-7]", instruction) is not None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    problems, seen = [], {m: {"vex": 0, "avx512": 0, "functions": 0} for m in LEVEL_MODULES}
    for symbol, body in functions(sys.argv[1]):
        module = module_of(symbol)
        vex = sum(map(is_vex, body))
        avx512 = sum(map(is_avx512, body))
        if any(re.search(r"call.*<fmaf?(@plt)?>", i) for i in body):
            problems.append(f"{symbol}: calls libm's fma (a fused multiply-add compiled without FMA)")
        if module in seen:
            seen[module]["vex"] += vex
            seen[module]["avx512"] += avx512
            seen[module]["functions"] += 1
        if module in ("other", "SimbaKernelsBaseline") and vex:
            problems.append(f"{symbol} ({module}): {vex} AVX instructions outside the avx2/avx512 kernels")
        if module == "SimbaKernelsAVX2" and avx512:
            problems.append(f"{symbol} (SimbaKernelsAVX2): {avx512} AVX-512 instructions")
    if not seen["SimbaKernelsAVX2"]["vex"]:
        problems.append("SimbaKernelsAVX2 has no AVX instructions: built without its -march?")
    if not seen["SimbaKernelsAVX512"]["avx512"]:
        problems.append("SimbaKernelsAVX512 has no AVX-512 instructions: built without its -march?")
    for module in LEVEL_MODULES:
        if not seen[module]["functions"]:
            problems.append(f"{module}: no functions found (stripped binary, or the module is missing)")
    for line in problems:
        print(line)
    summary = ", ".join(f"{m}: {s['functions']} functions, {s['vex']} AVX, {s['avx512']} AVX-512"
                        for m, s in seen.items())
    print(("FAIL" if problems else "ok") + f": {summary}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
