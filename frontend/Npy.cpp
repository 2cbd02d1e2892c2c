#include "fusor/Npy.h"

#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>

#include "HostConvert.h"
#include "fusor/Functions.h"

namespace fusor {
namespace {

struct NpyType {
  const char *descr;
  DType dtype;
};
constexpr NpyType kTypes[] = {{"<f2", kFloat16}, {"<f4", kFloat32}, {"<f8", kFloat64}, {"|i1", kInt8},
                              {"<i4", kInt32},  {"<i8", kInt64},   {"|b1", kBool}};

[[noreturn]] void fail(const std::string &path, const std::string &why) {
  throw Error("fusor: " + path + ": " + why);
}

}  // namespace

Tensor load_npy(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(path, "cannot open");
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string bytes = buffer.str();
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) fail(path, "not a .npy file");
  int major = static_cast<unsigned char>(bytes[6]);
  size_t headerLength, start;
  if (major == 1) {
    headerLength = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9]) << 8;
    start = 10;
  } else {
    if (bytes.size() < 12) fail(path, "truncated header");
    uint32_t length;
    std::memcpy(&length, &bytes[8], 4);
    headerLength = length;
    start = 12;
  }
  if (start + headerLength > bytes.size()) fail(path, "truncated header");
  std::string header = bytes.substr(start, headerLength);
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'"))) fail(path, "no dtype in the header");
  std::string descr = m[1];
  if (std::regex_search(header, std::regex("'fortran_order':\\s*True"))) fail(path, "Fortran order is not supported");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)"))) fail(path, "no shape in the header");
  std::vector<int64_t> shape;
  std::string dims = m[1];
  const std::regex number("\\d+");
  for (std::sregex_iterator it(dims.begin(), dims.end(), number), end; it != end; ++it) {
    if (it->str().size() > 12) fail(path, "a dim is too large");
    shape.push_back(std::stoll(it->str()));
  }
  const NpyType *type = nullptr;
  for (const NpyType &t : kTypes)
    if (descr == t.descr || (descr.size() == 3 && descr[0] == '=' && descr.substr(1) == std::string(t.descr).substr(1)))
      type = &t;
  if (!type) fail(path, "dtype '" + descr + "' is not supported");
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  size_t data = start + headerLength, need = count * elementSize(type->dtype);
  if (bytes.size() - data != need)
    fail(path, "holds " + std::to_string(bytes.size() - data) + " bytes of data, the header says " + std::to_string(need));
  const char *p = bytes.data() + data;
  switch (type->dtype) {
    case DType::Float32: return from_blob(reinterpret_cast<const float *>(p), shape);
    case DType::Float64: return from_blob(reinterpret_cast<const double *>(p), shape);
    case DType::Int8: return from_blob(reinterpret_cast<const int8_t *>(p), shape);
    case DType::Int32: return from_blob(reinterpret_cast<const int32_t *>(p), shape);
    case DType::Int64: return from_blob(reinterpret_cast<const int64_t *>(p), shape);
    case DType::Bool: {
      std::vector<bool> v(p, p + count);
      return from_vector(v, shape);
    }
    default: {  // f16: every value is exactly a float
      std::vector<float> v(count);
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        v[i] = host::halfToFloat(h);
      }
      Tensor half = from_vector(v, shape).to(kFloat16);
      realize({half});
      return half;
    }
  }
}

void save_npy(const Tensor &t, const std::string &path) {
  Tensor host = t.to(kCPU);
  Tensor out = host.dtype() == kBFloat16 || host.dtype() == kFloat16 ? host.to(kFloat32) : host;  // f16 too, for now
  const char *descr = nullptr;
  for (const NpyType &type : kTypes)
    if (type.dtype == out.dtype()) descr = type.descr;
  std::string shape;
  for (int64_t d : out.sizes()) shape += std::to_string(d) + ", ";
  if (out.dim() > 1) shape.resize(shape.size() - 2);
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) fail(path, "cannot write");
  file.write("\x93NUMPY\x01\x00", 8);
  uint16_t length = static_cast<uint16_t>(header.size());
  file.write(reinterpret_cast<const char *>(&length), 2);
  file << header;
  size_t bytes = out.numel() * elementSize(out.dtype());
  if (out.dtype() == kBool) {
    std::vector<bool> v = out.to_vector<bool>();
    for (bool b : v) file.put(b ? 1 : 0);
  } else {
    realize({out});
    std::vector<char> raw(bytes);
    if (bytes) {
      switch (out.dtype()) {
        case DType::Float32: std::memcpy(raw.data(), out.data_ptr<float>(), bytes); break;
        case DType::Float64: std::memcpy(raw.data(), out.data_ptr<double>(), bytes); break;
        case DType::Int8: std::memcpy(raw.data(), out.data_ptr<int8_t>(), bytes); break;
        case DType::Int32: std::memcpy(raw.data(), out.data_ptr<int32_t>(), bytes); break;
        case DType::Int64: std::memcpy(raw.data(), out.data_ptr<int64_t>(), bytes); break;
        default: break;
      }
    }
    file.write(raw.data(), static_cast<std::streamsize>(bytes));
  }
  if (!file) fail(path, "write failed");
}

}  // namespace fusor
