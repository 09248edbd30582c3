{
  "targets": [{
    "target_name": "noiselab_native",
    "sources": ["src/addon.cc", "src/gemm.cc", "src/fused.cc", "src/random.cc", "src/conv.cc", "src/pool.cc", "src/elementwise.cc", "src/parallel.cc"],
    "cflags_cc": ["-O3", "-march=native", "-std=c++17", "-fno-exceptions", "-pthread", "-ffp-contract=off"],
    "cflags_cc!": ["-fno-rtti"],
    "libraries": ["-lopenblas", "-pthread"]
  }]
}
