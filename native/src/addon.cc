// N-API glue: every function takes Float32Arrays owned by JS (the cpu backend's own storage) plus
// integer geometry, checks the buffer sizes, and runs the kernel in place. No copies.
#include <node_api.h>
#include <cstdint>
#include <string>
#include "kernels.h"

namespace {

struct Args {
  napi_env env;
  napi_value argv[8];
  size_t argc = 8;
  bool failed = false;

  Args(napi_env e, napi_callback_info info) : env(e) { napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr); }

  void fail(const std::string& msg) {
    if (!failed) napi_throw_error(env, "NOISELAB_NATIVE", msg.c_str());
    failed = true;
  }

  // A Float32Array argument with at least `need` elements (need < 0: any size).
  float* f32(size_t i, int64_t need, const char* name) {
    if (failed) return nullptr;
    bool is = false;
    if (i >= argc || napi_is_typedarray(env, argv[i], &is) != napi_ok || !is) { fail(std::string(name) + ": expected a Float32Array"); return nullptr; }
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr);
    if (type != napi_float32_array) { fail(std::string(name) + ": expected a Float32Array"); return nullptr; }
    if (need >= 0 && static_cast<int64_t>(length) < need) {
      fail(std::string(name) + ": has " + std::to_string(length) + " elements, needs " + std::to_string(need));
      return nullptr;
    }
    return static_cast<float*>(data);
  }

  bool is_null(size_t i) {
    napi_valuetype t;
    return i >= argc || (napi_typeof(env, argv[i], &t) == napi_ok && (t == napi_null || t == napi_undefined));
  }

  int64_t integer(size_t i, const char* name) {
    if (failed) return 0;
    int64_t v = 0;
    if (i >= argc || napi_get_value_int64(env, argv[i], &v) != napi_ok) fail(std::string(name) + ": expected a number");
    return v;
  }

  double number(size_t i, const char* name) {
    if (failed) return 0;
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail(std::string(name) + ": expected a number");
    return v;
  }

  // An Int32Array of exactly n integers.
  const int32_t* ints(size_t i, size_t n, const char* name) {
    if (failed) return nullptr;
    bool is = false;
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (i >= argc || napi_is_typedarray(env, argv[i], &is) != napi_ok || !is ||
        napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_int32_array || length != n) {
      fail(std::string(name) + ": expected an Int32Array of " + std::to_string(n));
      return nullptr;
    }
    return static_cast<const int32_t*>(data);
  }

  // element count of a typed-array argument (0 when it is not one: the typed getters then say why)
  size_t length(size_t i) {
    size_t n = 0;
    if (i < argc) napi_get_typedarray_info(env, argv[i], nullptr, &n, nullptr, nullptr, nullptr);
    return n;
  }

  // rank of a shape argument, 1..8
  size_t rank(size_t i, const char* name) {
    const size_t r = length(i);
    if (r < 1 || r > 8) fail(std::string(name) + ": rank must be 1..8");
    return r;
  }

  napi_value undefined() {
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  }
};

bool geom(Args& a, size_t i, nl::ConvGeom* g) {
  const int32_t* v = a.ints(i, 15, "geometry");
  if (!v) return false;
  *g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  const int32_t* p = v;
  for (int k = 0; k < 15; k++) if (p[k] < 0) { a.fail("geometry: negative entry"); return false; }
  if (g->strideH < 1 || g->strideW < 1 || g->dilH < 1 || g->dilW < 1) { a.fail("geometry: strides and dilations must be >= 1"); return false; }
  return true;
}

int64_t in_size(const nl::ConvGeom& g) { return static_cast<int64_t>(g.batch) * g.inH * g.inW * g.inC; }
int64_t out_size(const nl::ConvGeom& g) { return static_cast<int64_t>(g.batch) * g.outH * g.outW * g.outC; }
int64_t filter_size(const nl::ConvGeom& g) { return static_cast<int64_t>(g.fh) * g.fw * g.inC * g.outC; }

// batchMatMul(a, b, c, Int32Array[batchA, batchB, batch, m, n, k, transA, transB])
napi_value BatchMatMul(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t* d = a.ints(3, 8, "dims");
  if (!d) return nullptr;
  const int batchA = d[0], batchB = d[1], batch = d[2], m = d[3], n = d[4], k = d[5];
  if (batchA < 1 || batchB < 1 || batch < 0 || m < 0 || n < 0 || k < 0) { a.fail("dims: invalid"); return nullptr; }
  float* A = a.f32(0, static_cast<int64_t>(batchA) * m * k, "a");
  float* B = a.f32(1, static_cast<int64_t>(batchB) * k * n, "b");
  float* C = a.f32(2, static_cast<int64_t>(batch) * m * n, "c");
  if (a.failed) return nullptr;
  nl::batch_matmul(A, B, C, batchA, batchB, batch, m, n, k, d[6] != 0, d[7] != 0);
  return a.undefined();
}

template <void (*K)(const float*, const float*, float*, const nl::ConvGeom&), int64_t (*S0)(const nl::ConvGeom&),
          int64_t (*S1)(const nl::ConvGeom&), int64_t (*S2)(const nl::ConvGeom&)>
napi_value Three(napi_env env, napi_callback_info info) {
  Args a(env, info);
  nl::ConvGeom g;
  if (!geom(a, 3, &g)) return nullptr;
  float* p0 = a.f32(0, S0(g), "input 0");
  float* p1 = a.f32(1, S1(g), "input 1");
  float* p2 = a.f32(2, S2(g), "output");
  if (a.failed) return nullptr;
  K(p0, p1, p2, g);
  return a.undefined();
}

template <void (*K)(const float*, float*, const nl::ConvGeom&), int64_t (*S0)(const nl::ConvGeom&), int64_t (*S1)(const nl::ConvGeom&)>
napi_value Two(napi_env env, napi_callback_info info) {
  Args a(env, info);
  nl::ConvGeom g;
  if (!geom(a, 2, &g)) return nullptr;
  float* p0 = a.f32(0, S0(g), "input");
  float* p1 = a.f32(1, S1(g), "output");
  if (a.failed) return nullptr;
  K(p0, p1, g);
  return a.undefined();
}

// biasActivation(y, rows, cols, bias | null, activation, alpha)
napi_value BiasActivation(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int64_t rows = a.integer(1, "rows"), cols = a.integer(2, "cols");
  const int act = static_cast<int>(a.integer(4, "activation"));
  const double alpha = a.number(5, "alpha");
  if (a.failed) return nullptr;
  if (rows < 0 || cols < 1) { a.fail("rows/cols: invalid"); return nullptr; }
  float* y = a.f32(0, rows * cols, "y");
  float* bias = nullptr;
  int biasSize = 1;
  if (!a.is_null(3)) {
    bias = a.f32(3, 1, "bias");
    if (a.failed) return nullptr;
    biasSize = static_cast<int>(a.length(3));
    if (cols % biasSize != 0) { a.fail("bias: its size must divide the number of columns"); return nullptr; }
  }
  if (a.failed) return nullptr;
  nl::bias_activation(y, rows, static_cast<int>(cols), bias, biasSize, act, static_cast<float>(alpha));
  return a.undefined();
}

// denseForward(x, w, bias | null, y, Int32Array[m, k, n, activation])
napi_value DenseForward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int32_t* d = a.ints(4, 4, "dims");
  if (!d) return nullptr;
  const int m = d[0], k = d[1], n = d[2], act = d[3];
  if (m < 0 || k < 0 || n < 0 || (act != nl::kLinear && act != nl::kRelu)) { a.fail("dims: invalid"); return nullptr; }
  float* X = a.f32(0, static_cast<int64_t>(m) * k, "x");
  float* W = a.f32(1, static_cast<int64_t>(k) * n, "w");
  float* B = a.is_null(2) ? nullptr : a.f32(2, n, "bias");
  float* Y = a.f32(3, static_cast<int64_t>(m) * n, "y");
  if (a.failed) return nullptr;
  nl::dense_forward(X, W, B, Y, m, k, n, act);
  return a.undefined();
}

// denseBackward(wrt, dy, other | null, y, out, Int32Array[m, k, n, activation]): wrt 0 = x (other = w),
// 1 = w (other = x), 2 = bias
napi_value DenseBackward(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int wrt = static_cast<int>(a.integer(0, "wrt"));
  const int32_t* d = a.ints(5, 4, "dims");
  if (!d) return nullptr;
  const int m = d[0], k = d[1], n = d[2], act = d[3];
  if (m < 0 || k < 0 || n < 0 || wrt < 0 || wrt > 2 || (act != nl::kLinear && act != nl::kRelu)) { a.fail("dims: invalid"); return nullptr; }
  const int64_t mn = static_cast<int64_t>(m) * n;
  float* DY = a.f32(1, mn, "dy");
  float* O = wrt == nl::kDenseB ? nullptr : a.f32(2, wrt == nl::kDenseX ? static_cast<int64_t>(k) * n : static_cast<int64_t>(m) * k, "other");
  float* Y = a.f32(3, act == nl::kLinear ? 0 : mn, "y");
  float* OUT = a.f32(4, wrt == nl::kDenseX ? static_cast<int64_t>(m) * k : wrt == nl::kDenseW ? static_cast<int64_t>(k) * n : n, "out");
  if (a.failed) return nullptr;
  nl::dense_backward(wrt, DY, O, Y, OUT, m, k, n, act);
  return a.undefined();
}

// adamUpdate(g, m, v, mOut, vOut, u, Float32Array[b1, b2, 1 - b1, 1 - b2, c1, c2, eps])
napi_value AdamUpdate(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int64_t n = static_cast<int64_t>(a.length(0));
  float* G = a.f32(0, -1, "g");
  float* M = a.f32(1, n, "m");
  float* V = a.f32(2, n, "v");
  float* MO = a.f32(3, n, "mOut");
  float* VO = a.f32(4, n, "vOut");
  float* U = a.f32(5, n, "u");
  float* c = a.f32(6, 7, "coefficients");
  if (a.failed) return nullptr;
  nl::adam_update(G, M, V, MO, VO, U, n, c[0], c[1], c[2], c[3], c[4], c[5], c[6]);
  return a.undefined();
}

// axpy(x, y | null, out, alpha)
napi_value Axpy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int64_t n = static_cast<int64_t>(a.length(0));
  float* X = a.f32(0, -1, "x");
  float* Y = a.is_null(1) ? nullptr : a.f32(1, n, "y");
  float* O = a.f32(2, n, "out");
  const double alpha = a.number(3, "alpha");
  if (a.failed) return nullptr;
  nl::axpy(X, Y, O, n, static_cast<float>(alpha));
  return a.undefined();
}

// normalFill(state Int32Array(4), spare Float64Array(2), out, mean, std)
napi_value NormalFill(napi_env env, napi_callback_info info) {
  Args a(env, info);
  auto* state = const_cast<int32_t*>(a.ints(0, 4, "state"));
  bool is = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (a.failed) return nullptr;
  if (napi_is_typedarray(env, a.argv[1], &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, a.argv[1], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_float64_array || length != 2) {
    a.fail("spare: expected a Float64Array of 2");
    return nullptr;
  }
  float* O = a.f32(2, -1, "out");
  const double mean = a.number(3, "mean"), std = a.number(4, "std");
  if (a.failed) return nullptr;
  nl::normal_fill(reinterpret_cast<uint32_t*>(state), static_cast<double*>(data), O, static_cast<int64_t>(a.length(2)), mean, std);
  return a.undefined();
}

// log(x) as V8's Math.log computes it (for testing the port)
napi_value FdlibmLog(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const double x = a.number(0, "x");
  if (a.failed) return nullptr;
  napi_value v;
  napi_create_double(env, nl::fdlibm_log(x), &v);
  return v;
}

// binary(op, a, aStrides, b, bStrides, out, outShape): strides/shape are Int32Arrays of the output rank
napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = static_cast<int>(a.integer(0, "op"));
  if (a.failed) return nullptr;
  const size_t rank = a.rank(6, "outShape");
  if (a.failed) return nullptr;
  const int32_t* shape = a.ints(6, rank, "outShape");
  const int32_t* as = a.ints(2, rank, "aStrides");
  const int32_t* bs = a.ints(4, rank, "bStrides");
  if (a.failed) return nullptr;
  int64_t n = 1, needA = 1, needB = 1;
  for (size_t i = 0; i < rank; i++) {
    if (shape[i] < 0 || as[i] < 0 || bs[i] < 0) { a.fail("negative shape or stride"); return nullptr; }
    n *= shape[i];
    if (shape[i] > 0) { needA += static_cast<int64_t>(as[i]) * (shape[i] - 1); needB += static_cast<int64_t>(bs[i]) * (shape[i] - 1); }
  }
  float* A = a.f32(1, n == 0 ? 0 : needA, "a");
  float* B = a.f32(3, n == 0 ? 0 : needB, "b");
  float* O = a.f32(5, n, "out");
  if (a.failed) return nullptr;
  nl::binary(op, A, as, B, bs, O, shape, static_cast<int>(rank));
  return a.undefined();
}

// unary(op, x, out, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = static_cast<int>(a.integer(0, "op"));
  const double alpha = a.number(3, "alpha");
  if (a.failed) return nullptr;
  const size_t n = a.length(1);
  float* X = a.f32(1, -1, "x");
  float* O = a.f32(2, static_cast<int64_t>(n), "out");
  if (a.failed) return nullptr;
  nl::unary(op, X, O, static_cast<int64_t>(n), static_cast<float>(alpha));
  return a.undefined();
}

// reduce(op, x, shape, reducedMask(Uint8 as Int32Array), out)
napi_value Reduce(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int op = static_cast<int>(a.integer(0, "op"));
  if (a.failed) return nullptr;
  const size_t rank = a.rank(2, "shape");
  if (a.failed) return nullptr;
  const int32_t* shape = a.ints(2, rank, "shape");
  const int32_t* mask = a.ints(3, rank, "reduced");
  if (a.failed) return nullptr;
  int64_t n = 1, outN = 1;
  uint8_t red[8];
  for (size_t i = 0; i < rank; i++) {
    if (shape[i] < 0) { a.fail("negative shape"); return nullptr; }
    n *= shape[i];
    red[i] = mask[i] != 0;
    if (!red[i]) outN *= shape[i];
  }
  float* X = a.f32(1, n, "x");
  float* O = a.f32(4, outN, "out");
  if (a.failed) return nullptr;
  nl::reduce(op, X, shape, red, static_cast<int>(rank), O);
  return a.undefined();
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info);
  const int64_t n = a.integer(0, "threads");
  if (a.failed) return nullptr;
  if (n < 1) { a.fail("threads: must be >= 1"); return nullptr; }
  nl::set_threads(static_cast<int>(n));
  return a.undefined();
}

napi_value GetThreads(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_int32(env, nl::get_threads(), &v);
  return v;
}

int64_t out_pool(const nl::ConvGeom& g) { return static_cast<int64_t>(g.batch) * g.outH * g.outW * g.inC; }

napi_value Init(napi_env env, napi_value exports) {
  nl::tune_allocator();
  napi_property_descriptor props[] = {
      {"batchMatMul", nullptr, BatchMatMul, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2d", nullptr, Three<nl::conv2d, in_size, filter_size, out_size>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropInput", nullptr, Three<nl::conv2d_backprop_input, out_size, filter_size, in_size>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"conv2dBackpropFilter", nullptr, Three<nl::conv2d_backprop_filter, in_size, out_size, filter_size>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPool", nullptr, Two<nl::max_pool, in_size, out_pool>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"maxPoolGrad", nullptr, Three<nl::max_pool_grad, in_size, out_pool, in_size>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"avgPool", nullptr, Two<nl::avg_pool, in_size, out_pool>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"avgPoolGrad", nullptr, Two<nl::avg_pool_grad, out_pool, in_size>, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"biasActivation", nullptr, BiasActivation, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseForward", nullptr, DenseForward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"denseBackward", nullptr, DenseBackward, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"adamUpdate", nullptr, AdamUpdate, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"axpy", nullptr, Axpy, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"normalFill", nullptr, NormalFill, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"fdlibmLog", nullptr, FdlibmLog, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"getThreads", nullptr, GetThreads, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
