#include "TensorProto.h"

#include <cstring>

#include "../HostConvert.h"
#include "fusor/Functions.h"
#include "fusor/onnx/Model.h"

namespace fusor::onnx {

DType dtypeOf(int t, const std::string &context) {
  using P = ::onnx::TensorProto;
  switch (t) {
    case P::FLOAT: return kFloat32;
    case P::DOUBLE: return kFloat64;
    case P::FLOAT16: return kFloat16;
    case P::BFLOAT16: return kBFloat16;
    case P::INT8: return kInt8;
    case P::INT32: return kInt32;
    case P::INT64: return kInt64;
    case P::BOOL: return kBool;
    default:
      throw Error("fusor::onnx: " + context + ": element type " +
                  (P::DataType_IsValid(t) ? P::DataType_Name(static_cast<P::DataType>(t)) : std::to_string(t)) +
                  " is not supported");
  }
}

Tensor fromProto(const ::onnx::TensorProto &p) {
  DType dtype = dtypeOf(p.data_type(), "tensor '" + p.name() + "'");
  std::vector<int64_t> shape(p.dims().begin(), p.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > (int64_t{1} << 40) / d))
      throw Error("fusor::onnx: tensor '" + p.name() + "' has an impossible shape");
    count *= d;
  }
  if (p.data_location() == ::onnx::TensorProto::EXTERNAL)
    throw Error("fusor::onnx: tensor '" + p.name() + "' keeps its data in an external file");
  size_t bytes = count * elementSize(dtype);
  // Checked before allocating: a damaged or mistyped file must not ask for terabytes.
  size_t stored = p.raw_data().size() + 8 * (p.float_data_size() + p.double_data_size() +
                                             p.int64_data_size() + p.int32_data_size());
  if (count > 0 && stored < bytes / 4)
    throw Error("fusor::onnx: tensor '" + p.name() + "' holds too little data for " +
                std::to_string(count) + " elements");
  std::vector<char> data(bytes);
  auto fill = [&](const auto &field, auto toElement) {
    if (static_cast<int64_t>(field.size()) != count)
      throw Error("fusor::onnx: tensor '" + p.name() + "' has " + std::to_string(field.size()) +
                  " values for " + std::to_string(count) + " elements");
    for (int64_t i = 0; i < count; ++i) toElement(i, field.Get(static_cast<int>(i)));
  };
  if (!p.raw_data().empty()) {
    if (p.raw_data().size() != bytes)
      throw Error("fusor::onnx: tensor '" + p.name() + "' has " + std::to_string(p.raw_data().size()) +
                  " bytes of data for " + std::to_string(bytes));
    std::memcpy(data.data(), p.raw_data().data(), bytes);
  } else if (count > 0) {
    switch (dtype) {
      case DType::Float32: fill(p.float_data(), [&](int64_t i, float v) { std::memcpy(&data[i * 4], &v, 4); }); break;
      case DType::Float64: fill(p.double_data(), [&](int64_t i, double v) { std::memcpy(&data[i * 8], &v, 8); }); break;
      case DType::Int64: fill(p.int64_data(), [&](int64_t i, int64_t v) { std::memcpy(&data[i * 8], &v, 8); }); break;
      case DType::Int32: fill(p.int32_data(), [&](int64_t i, int32_t v) { std::memcpy(&data[i * 4], &v, 4); }); break;
      case DType::Int8: fill(p.int32_data(), [&](int64_t i, int32_t v) { data[i] = static_cast<char>(v); }); break;
      case DType::Bool: fill(p.int32_data(), [&](int64_t i, int32_t v) { data[i] = v != 0; }); break;
      case DType::Float16:
      case DType::BFloat16:  // stored as their bits in int32_data
        fill(p.int32_data(), [&](int64_t i, int32_t v) {
          uint16_t bits = static_cast<uint16_t>(v);
          std::memcpy(&data[i * 2], &bits, 2);
        });
        break;
    }
  }
  // Through float64 for non-native types is lossy; copy bits instead via int views.
  Tensor raw;
  switch (dtype) {
    case DType::Float32: raw = from_blob(reinterpret_cast<const float *>(data.data()), shape); break;
    case DType::Float64: raw = from_blob(reinterpret_cast<const double *>(data.data()), shape); break;
    case DType::Int64: raw = from_blob(reinterpret_cast<const int64_t *>(data.data()), shape); break;
    case DType::Int32: raw = from_blob(reinterpret_cast<const int32_t *>(data.data()), shape); break;
    case DType::Int8: raw = from_blob(reinterpret_cast<const int8_t *>(data.data()), shape); break;
    case DType::Bool: {
      std::vector<bool> values(data.begin(), data.end());
      raw = from_vector(values, shape);
      break;
    }
    case DType::Float16:
    case DType::BFloat16: {
      std::vector<float> values(count);
      for (int64_t i = 0; i < count; ++i) {
        uint16_t bits;
        std::memcpy(&bits, &data[i * 2], 2);
        values[i] = dtype == DType::Float16 ? host::halfToFloat(bits) : host::bfloat16ToFloat(bits);
      }
      raw = from_vector(values, shape).to(dtype);  // exact: every f16/bf16 value is a float
      realize({raw});
      break;
    }
  }
  return raw;
}

Tensor readTensorProto(const std::string &bytes) {
  ::onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) throw Error("fusor::onnx: not a valid TensorProto");
  return fromProto(proto);
}

}  // namespace fusor::onnx
