// An NVRTC for the CUDA emulator (tests only): "compiles" by building the source with the
// host C++ compiler over EmulatedKernel.h into a shared object, which the emulated driver
// loads. The image is "FUSOREMU", its size (8 bytes), then the shared object.
#include <nvrtc.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace {

struct Program {
  std::string source, log, image;
};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The kernel source plus an entry per kernel that runs one of its threads.
std::string translationUnit(const std::string &source) {
  bool synchronizes = source.find("__syncthreads") != std::string::npos ||
                      source.find("__shfl_") != std::string::npos;
  std::string unit = "#include \"EmulatedKernel.h\"\n" + source + "\n";
  unit += std::string("extern \"C\" int fusor_emu_synchronizes = ") + (synchronizes ? "1" : "0") + ";\n";
  std::regex kernel(R"(extern "C" __global__ void (\w+)\()");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), kernel); it != std::sregex_iterator(); ++it) {
    std::string name = (*it)[1];
    unit += "extern \"C\" void fusor_emu_thread_" + name + "(fusor_emu_launch *l) { fusor_emu_run_thread(&" + name +
            ", l); }\n";
  }
  return unit;
}

}  // namespace

extern "C" {

nvrtcResult nvrtcVersion(int *major, int *minor) {
  *major = 99;  // never mistaken for a real NVRTC's output in a disk cache
  *minor = 0;
  return NVRTC_SUCCESS;
}

const char *nvrtcGetErrorString(nvrtcResult result) {
  return result == NVRTC_SUCCESS ? "NVRTC_SUCCESS" : "NVRTC_ERROR_COMPILATION (emulated)";
}

nvrtcResult nvrtcCreateProgram(nvrtcProgram *program, const char *source, const char *, int, const char *const *,
                               const char *const *) {
  auto *p = new Program;
  p->source = source;
  *program = reinterpret_cast<nvrtcProgram>(p);
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcCompileProgram(nvrtcProgram program, int, const char *const *) {
  auto *p = reinterpret_cast<Program *>(program);
  char dir[] = "/tmp/fusor-emu-XXXXXX";
  if (!mkdtemp(dir)) return NVRTC_ERROR_INTERNAL_ERROR;
  std::string base = dir;
  std::ofstream(base + "/kernel.cpp") << translationUnit(p->source);
  std::string command = std::string(FUSOR_EMU_CXX) + " -std=c++17 -O0 -fPIC -shared -w -I" FUSOR_EMU_INCLUDE " -o " +
                        base + "/kernel.so " + base + "/kernel.cpp > " + base + "/log.txt 2>&1";
  int status = std::system(command.c_str());
  p->log = readFile(base + "/log.txt");
  std::string library = readFile(base + "/kernel.so");
  std::system(("rm -rf " + base).c_str());
  if (status != 0 || library.empty()) return NVRTC_ERROR_COMPILATION;
  uint64_t size = library.size();
  p->image = "FUSOREMU" + std::string(reinterpret_cast<const char *>(&size), 8) + library;
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram program, size_t *size) {
  *size = reinterpret_cast<Program *>(program)->log.size() + 1;
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetProgramLog(nvrtcProgram program, char *log) {
  const std::string &text = reinterpret_cast<Program *>(program)->log;
  std::memcpy(log, text.c_str(), text.size() + 1);
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBINSize(nvrtcProgram program, size_t *size) {
  *size = reinterpret_cast<Program *>(program)->image.size();
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetCUBIN(nvrtcProgram program, char *image) {
  const std::string &bytes = reinterpret_cast<Program *>(program)->image;
  std::memcpy(image, bytes.data(), bytes.size());
  return NVRTC_SUCCESS;
}

nvrtcResult nvrtcGetPTXSize(nvrtcProgram program, size_t *size) { return nvrtcGetCUBINSize(program, size); }
nvrtcResult nvrtcGetPTX(nvrtcProgram program, char *image) { return nvrtcGetCUBIN(program, image); }

nvrtcResult nvrtcDestroyProgram(nvrtcProgram *program) {
  delete reinterpret_cast<Program *>(*program);
  *program = nullptr;
  return NVRTC_SUCCESS;
}

}  // extern "C"
