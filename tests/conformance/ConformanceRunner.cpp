// Runs the ONNX backend node tests through fusor's importer and JIT and checks each case's
// outcome against the checked-in expected-failure list.
//
// usage: fusor-conformance DATA_DIR EXPECTED_FAILURES [--update] [--verbose] [--report] [--filter S]
// Exit status: 0 when every case behaves as the list says, 1 otherwise, 77 without data.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "fusor/fusor.h"
#include "fusor/onnx/Model.h"

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// input_0.pb, input_1.pb, ... in numeric order.
std::vector<fs::path> numbered(const fs::path &dir, const std::string &prefix) {
  std::vector<fs::path> files;
  for (int i = 0;; ++i) {
    fs::path p = dir / (prefix + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    files.push_back(p);
  }
  return files;
}

// "" when `actual` matches `expected` (rtol 1e-3, atol 1e-7, as ONNX's runner), else why.
std::string compare(const fusor::Tensor &actual, const fusor::Tensor &expected) {
  if (actual.dtype() != expected.dtype())
    return std::string("dtype ") + std::string(fusor::toString(actual.dtype())) + " vs " +
           std::string(fusor::toString(expected.dtype()));
  if (!std::equal(actual.sizes().begin(), actual.sizes().end(), expected.sizes().begin(), expected.sizes().end()))
    return "shape differs";
  std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    bool ok = std::isnan(e[i]) ? std::isnan(a[i])
              : std::isinf(e[i]) ? a[i] == e[i]
                                 : std::abs(a[i] - e[i]) <= 1e-7 + 1e-3 * std::abs(e[i]);
    if (!ok) return "element " + std::to_string(i) + " is " + std::to_string(a[i]) + ", expected " + std::to_string(e[i]);
  }
  return "";
}

// Whether every op the case's model uses is one fusor imports.
bool opsSupported(const fs::path &dir) {
  try {
    fusor::onnx::Model model = fusor::onnx::Model::load((dir / "model.onnx").string());
    for (const std::string &op : model.opTypes())
      if (!fusor::onnx::isSupportedOp(op)) return false;
    return true;
  } catch (const std::exception &) {
    return false;
  }
}

// "" if the case passes, else a one-line reason.
std::string runCase(const fs::path &dir) {
  try {
    fusor::onnx::Model model = fusor::onnx::Model::load((dir / "model.onnx").string());
    fs::path data = dir / "test_data_set_0";
    std::vector<fusor::Tensor> inputs, expected;
    for (const fs::path &p : numbered(data, "input_")) inputs.push_back(fusor::onnx::readTensorProto(readFile(p)));
    for (const fs::path &p : numbered(data, "output_")) expected.push_back(fusor::onnx::readTensorProto(readFile(p)));
    std::vector<fusor::Tensor> outputs = model.run(inputs);
    if (outputs.size() != expected.size()) return "output count differs";
    fusor::realize(std::span<const fusor::Tensor>(outputs));
    for (size_t i = 0; i < outputs.size(); ++i)
      if (std::string why = compare(outputs[i], expected[i]); !why.empty())
        return "output " + std::to_string(i) + ": " + why;
    return "";
  } catch (const std::exception &e) {
    std::string what = e.what();
    what = what.substr(0, what.find("\n  at "));  // the source location is not part of the reason
    std::replace(what.begin(), what.end(), '\n', ' ');
    return what.substr(0, 200);
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::cerr << "usage: fusor-conformance DATA_DIR EXPECTED_FAILURES [--update] [--filter S]\n";
    return 2;
  }
  fs::path dataDir = argv[1], listPath = argv[2];
  bool update = false, verbose = false, report = false;
  std::string filter;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--update") update = true;
    if (std::string(argv[i]) == "--verbose") verbose = true;
    if (std::string(argv[i]) == "--report") report = true;
    if (std::string(argv[i]) == "--filter" && i + 1 < argc) filter = argv[++i];
  }
  if (!fs::is_directory(dataDir)) {
    std::cerr << "fusor-conformance: no ONNX node-test data at " << dataDir
              << " (set the CMake option FUSOR_ONNX_NODE_TESTS)\n";
    return 77;
  }
  std::set<std::string> listed;
  {
    std::ifstream list(listPath);
    for (std::string line; std::getline(list, line);) {
      std::string name = line.substr(0, line.find_first_of(" #"));
      if (!name.empty()) listed.insert(name);
    }
  }
  std::vector<std::string> cases;
  for (const auto &entry : fs::directory_iterator(dataDir))
    if (entry.is_directory() && entry.path().filename().string().rfind("test_", 0) == 0)
      cases.push_back(entry.path().filename().string());
  std::sort(cases.begin(), cases.end());

  std::map<std::string, std::string> failures;
  int passed = 0, total = 0, newlyFailing = 0, newlyPassing = 0, supported = 0, supportedPassed = 0;
  for (const std::string &name : cases) {
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    ++total;
    if (verbose) std::cout << name << std::endl;
    std::string why = runCase(dataDir / name);
    bool covered = opsSupported(dataDir / name);
    supported += covered;
    if (why.empty()) {
      ++passed;
      supportedPassed += covered;
      if (listed.count(name) && !update) {
        ++newlyPassing;
        std::cout << "NEWLY PASSING (remove it from the list): " << name << "\n";
      }
    } else {
      failures[name] = why;
      if (report && covered) std::cout << "FAILS WITH SUPPORTED OPS: " << name << ": " << why << "\n";
      if (!listed.count(name) && !update) {
        ++newlyFailing;
        std::cout << "NEWLY FAILING: " << name << ": " << why << "\n";
      }
    }
  }
  std::cout << "fusor-conformance: " << passed << " of " << total << " ONNX node cases pass; "
            << supportedPassed << " of the " << supported << " whose ops fusor imports\n";
  if (update) {
    std::ofstream out(listPath);
    out << "# ONNX node cases fusor does not pass yet, with the reason seen.\n"
        << "# Regenerate: build/bin/fusor-conformance DATA_DIR tests/conformance/expected_failures.txt --update\n";
    for (const auto &[name, why] : failures) out << name << "  # " << why << "\n";
    std::cout << "wrote " << failures.size() << " expected failures to " << listPath << "\n";
    return 0;
  }
  return newlyFailing || newlyPassing ? 1 : 0;
}
