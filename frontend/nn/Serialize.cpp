#include "fusor/Serialize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "llvm/Support/JSON.h"

#include "fusor/Autograd.h"
#include "fusor/Functions.h"

namespace fusor {
namespace {

struct Named {
  std::string name;
  Tensor tensor;
};

std::vector<Named> stateOf(const nn::Module &module) {
  std::vector<Named> out;
  for (auto &[name, t] : module.named_parameters()) out.push_back({name, t});
  for (auto &[name, t] : module.named_buffers()) out.push_back({name, t});
  return out;
}

constexpr std::pair<DType, const char *> kDTypes[] = {
    {kFloat64, "F64"}, {kFloat32, "F32"}, {kFloat16, "F16"}, {kBFloat16, "BF16"},
    {kInt64, "I64"},   {kInt32, "I32"},   {kInt8, "I8"},     {kBool, "BOOL"}};

const char *nameOf(DType dtype) {
  for (auto [d, name] : kDTypes)
    if (d == dtype) return name;
  return nullptr;
}

[[noreturn]] void fail(const std::string &path, const std::string &why) {
  throw Error("fusor: " + path + ": " + why);
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

void save(const nn::Module &module, const std::string &path) {
  std::vector<Named> state = stateOf(module);
  std::vector<Tensor> host;
  for (const Named &n : state) host.push_back(n.tensor.to(kCPU));
  realize(std::span<const Tensor>(host));
  llvm::json::Object header;
  uint64_t offset = 0;
  for (size_t i = 0; i < state.size(); ++i) {
    const char *dtype = nameOf(host[i].dtype());
    if (!dtype) fail(path, state[i].name + " has dtype " + std::string(toString(host[i].dtype())) + ", which safetensors lacks");
    uint64_t bytes = host[i].numel() * elementSize(host[i].dtype());
    llvm::json::Array shape;
    for (int64_t d : host[i].sizes()) shape.push_back(d);
    header[state[i].name] = llvm::json::Object{{"dtype", dtype},
                                               {"shape", std::move(shape)},
                                               {"data_offsets", llvm::json::Array{offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = llvm::json::Object{{"format", "pt"}};
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(header));
  while (text.size() % 8) text += ' ';  // the data starts 8-byte aligned

  // Beside the destination (the same file system, so the rename is atomic), private to us.
  std::string temp = path + ".tmp-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0) fail(path, std::string("cannot create a file beside it: ") + std::strerror(errno));
  mode_t mask = ::umask(0);  // mkstemp's file is private; the saved file gets the usual mode
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  auto writeAll = [&](const void *data, size_t size) {
    const char *p = static_cast<const char *>(data);
    while (size) {
      ssize_t n = ::write(fd, p, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  };
  uint64_t length = text.size();  // little-endian, as every machine we run on
  bool ok = writeAll(&length, 8) && writeAll(text.data(), text.size());
  for (size_t i = 0; ok && i < host.size(); ++i)
    if (host[i].numel()) ok = writeAll(host[i].node()->buffer->data(), host[i].numel() * elementSize(host[i].dtype()));
  int saved = errno;
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (ok && std::rename(temp.c_str(), path.c_str()) == 0) return;
  saved = errno ? errno : saved;
  ::unlink(temp.c_str());
  fail(path, std::string("cannot write: ") + std::strerror(saved));
}

void load(nn::Module &module, const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string bytes = buffer.str();
  uint64_t length = 0;
  if (bytes.size() < 8) fail(path, "not a safetensors file (too short)");
  std::memcpy(&length, bytes.data(), 8);
  if (length > bytes.size() - 8) fail(path, "not a safetensors file (its header length is " + std::to_string(length) + ")");
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(llvm::StringRef(bytes.data() + 8, length));
  if (!parsed) fail(path, "the header is not JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Object *header = parsed->getAsObject();
  if (!header) fail(path, "the header is not a JSON object");
  const char *data = bytes.data() + 8 + length;
  uint64_t dataBytes = bytes.size() - 8 - length;

  // Everything is checked before anything changes.
  std::vector<Named> state = stateOf(module);
  std::vector<Tensor> values;
  for (const Named &n : state) {
    const llvm::json::Object *entry = header->getObject(n.name);
    if (!entry) fail(path, "has no tensor named " + n.name);
    std::optional<llvm::StringRef> dtype = entry->getString("dtype");
    const llvm::json::Array *shapeArray = entry->getArray("shape");
    const llvm::json::Array *offsets = entry->getArray("data_offsets");
    if (!dtype || !shapeArray || !offsets || offsets->size() != 2)
      fail(path, n.name + ": the entry lacks dtype, shape or data_offsets");
    std::vector<int64_t> shape;
    for (const llvm::json::Value &d : *shapeArray) {
      std::optional<int64_t> v = d.getAsInteger();
      if (!v || *v < 0) fail(path, n.name + ": a dim of its shape is not a size");
      shape.push_back(*v);
    }
    std::vector<int64_t> want(n.tensor.sizes().begin(), n.tensor.sizes().end());
    if (shape != want)
      fail(path, n.name + " has shape " + shapeString(shape) + " in the file, " + shapeString(want) + " in the module");
    const char *wantType = nameOf(n.tensor.dtype());
    if (!wantType || *dtype != wantType)
      fail(path, n.name + " has dtype " + dtype->str() + " in the file, " + std::string(toString(n.tensor.dtype())) + " in the module");
    std::optional<int64_t> begin = (*offsets)[0].getAsInteger(), end = (*offsets)[1].getAsInteger();
    uint64_t need = n.tensor.numel() * elementSize(n.tensor.dtype());
    if (!begin || !end || *begin < 0 || *end < *begin || static_cast<uint64_t>(*end) > dataBytes ||
        static_cast<uint64_t>(*end - *begin) != need)
      fail(path, n.name + ": its data_offsets do not fit the file or its shape");
    auto node = std::make_shared<ir::Node>();
    node->op = ir::OpKind::Buffer;
    node->dtype = n.tensor.dtype();
    node->shape = shape;
    node->buffer = runtime::Buffer::allocate(need);
    if (need) std::memcpy(node->buffer->data(), data + *begin, need);
    values.push_back(Tensor(std::move(node)));
  }
  for (const auto &[key, value] : *header) {
    if (key == "__metadata__") continue;
    bool known = false;
    for (const Named &n : state) known = known || n.name == key.str();
    if (!known) fail(path, "holds " + key.str() + ", which the module lacks");
  }
  NoGradGuard noGrad;
  for (size_t i = 0; i < state.size(); ++i) state[i].tensor.copy_(values[i].to(state[i].tensor.device()));
}

}  // namespace fusor
