// The disk cache of compiled CPU programs across processes: each test runs
// fusor-cache-probe (tests/cache/CacheProbe.cpp) as child processes on a fresh private
// FUSOR_CACHE_DIR and reads the counters it prints.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern char **environ;

namespace {

namespace fs = std::filesystem;

struct Probe {
  int exitCode = -1;
  std::map<std::string, long long> counters;  // correct, misses, compiles, disk_hits, ...
  std::string errors;                         // its stderr
  long long operator[](const std::string &name) const {
    auto it = counters.find(name);
    return it == counters.end() ? -1 : it->second;
  }
};

std::string readText(const fs::path &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class DiskCache : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "fusor-disk-cache-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    store_ = root_ / "store";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Starts a probe with `settings` (NAME=value) over the environment and `args`; returns its pid.
  pid_t start(int index, const std::vector<std::string> &settings, const std::vector<std::string> &args = {}) {
    std::vector<std::string> env;
    for (char **e = environ; *e; ++e)
      if (std::strncmp(*e, "FUSOR_CACHE", 11) != 0) env.push_back(*e);
    env.push_back("FUSOR_CACHE_DIR=" + store_.string());
    env.insert(env.end(), settings.begin(), settings.end());
    std::vector<char *> envp;
    for (std::string &e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string out = (root_ / ("out" + std::to_string(index))).string();
    std::string err = (root_ / ("err" + std::to_string(index))).string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> words = args;
    std::vector<char *> argv = {const_cast<char *>(FUSOR_CACHE_PROBE)};
    for (std::string &w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, FUSOR_CACHE_PROBE, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot start " << FUSOR_CACHE_PROBE;
    return pid;
  }

  Probe finish(int index, pid_t pid) {
    Probe probe;
    int status = 0;
    if (pid > 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) probe.exitCode = WEXITSTATUS(status);
    std::istringstream out(readText(root_ / ("out" + std::to_string(index))));
    std::string field;
    while (out >> field)
      if (size_t eq = field.find('='); eq != std::string::npos)
        probe.counters[field.substr(0, eq)] = std::stoll(field.substr(eq + 1));
    probe.errors = readText(root_ / ("err" + std::to_string(index)));
    return probe;
  }

  Probe run(const std::vector<std::string> &settings = {}, const std::vector<std::string> &args = {}) {
    int index = runs_++;
    return finish(index, start(index, settings, args));
  }

  std::vector<fs::path> entries() const {
    std::vector<fs::path> found;
    std::error_code ec;
    for (auto &e : fs::recursive_directory_iterator(store_, ec))
      if (e.path().extension() == ".bin") found.push_back(e.path());
    std::sort(found.begin(), found.end());
    return found;
  }

  fs::path root_, store_;
  int runs_ = 0;
};

void expectCorrect(const Probe &p, const char *what) {
  EXPECT_EQ(p.exitCode, 0) << what << ": " << p.errors;
  EXPECT_EQ(p["correct"], 1) << what << ": " << p.errors;
}

TEST_F(DiskCache, SecondProcessLoadsEveryProgramAndCompilesNothing) {
  Probe cold = run();
  expectCorrect(cold, "cold");
  EXPECT_GT(cold["compiles"], 0);
  EXPECT_EQ(cold["disk_misses"], cold["compiles"]);
  EXPECT_EQ(cold["disk_hits"], 0);
  EXPECT_GT(cold["mlir_passes"], 0);
  EXPECT_EQ(static_cast<long long>(entries().size()), cold["compiles"]);

  Probe warm = run();
  expectCorrect(warm, "warm");
  EXPECT_EQ(warm["compiles"], 0);
  EXPECT_EQ(warm["mlir_passes"], 0);
  EXPECT_EQ(warm["disk_misses"], 0);
  EXPECT_EQ(warm["disk_hits"], cold["misses"]);
}

TEST_F(DiskCache, ASecondProcessStartsWithTheDimsThatWentDynamic) {
  Probe first = run({}, {"sizes", "3", "5", "8"});
  expectCorrect(first, "first");
  EXPECT_EQ(first["compiles"], 2) << "batch 3, then one program with the batch dim `?`";
  Probe second = run({}, {"sizes", "11", "2"});  // sizes the first never saw
  expectCorrect(second, "second");
  EXPECT_EQ(second["compiles"], 0);
  EXPECT_GE(second["disk_hits"], 1);
}

TEST_F(DiskCache, DamagedEntriesAreReportedAndRebuilt) {
  expectCorrect(run(), "cold");
  std::vector<fs::path> files = entries();
  ASSERT_GE(files.size(), 3u);
  fs::resize_file(files[0], fs::file_size(files[0]) / 2);  // truncated
  {
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);  // one byte flipped
    f.seekg(static_cast<std::streamoff>(fs::file_size(files[1]) - 40));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5a);
    f.seekp(static_cast<std::streamoff>(fs::file_size(files[1]) - 40));
    f.write(&c, 1);
  }
  std::ofstream(files[2], std::ios::trunc) << "not a cache entry";

  Probe repaired = run();
  expectCorrect(repaired, "damaged store");
  EXPECT_EQ(repaired["compiles"], 3);
  EXPECT_NE(repaired.errors.find("truncated"), std::string::npos) << repaired.errors;
  EXPECT_NE(repaired.errors.find("checksum mismatch"), std::string::npos) << repaired.errors;
  EXPECT_NE(repaired.errors.find("not a fusor cache entry"), std::string::npos) << repaired.errors;

  Probe warm = run();
  expectCorrect(warm, "rebuilt store");
  EXPECT_EQ(warm["compiles"], 0);
  EXPECT_EQ(warm.errors, "");
}

TEST_F(DiskCache, EightProcessesOnOneEmptyStore) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 8; ++i) pids.push_back(start(i, {}));
  for (int i = 0; i < 8; ++i) {
    Probe p = finish(i, pids[i]);
    expectCorrect(p, ("process " + std::to_string(i)).c_str());
    EXPECT_EQ(p.errors, "") << "process " << i;
  }
  runs_ = 8;
  Probe after = run();  // the store is consistent: every entry loads
  expectCorrect(after, "after");
  EXPECT_EQ(after["compiles"], 0);
  EXPECT_EQ(after.errors, "");
  for (auto &e : fs::recursive_directory_iterator(store_))
    EXPECT_TRUE(e.is_directory() || e.path().extension() == ".bin") << "left behind: " << e.path();
}

TEST_F(DiskCache, OffWithFusorCacheZero) {
  Probe p = run({"FUSOR_CACHE=0"});
  expectCorrect(p, "off");
  EXPECT_GT(p["compiles"], 0);
  EXPECT_EQ(p["disk_hits"] + p["disk_misses"], 0);
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(DiskCache, BoundedLeastRecentlyUsedFirstAndOthersFilesKept) {
  fs::create_directories(store_ / "cpu");
  std::ofstream(store_ / "notes.bin") << "a user's file";
  std::ofstream(store_ / "cpu" / "0123456789abcdef0123456789abcdef.bin") << std::string(64 * 1024, 'x');
  expectCorrect(run({"FUSOR_CACHE_SIZE=24K"}), "bounded");
  uint64_t total = 0;
  for (const fs::path &f : entries())
    if (f.filename() != "notes.bin" && f.filename() != "0123456789abcdef0123456789abcdef.bin") total += fs::file_size(f);
  EXPECT_LE(total, 24u * 1024u);
  EXPECT_TRUE(fs::exists(store_ / "notes.bin"));
  EXPECT_TRUE(fs::exists(store_ / "cpu" / "0123456789abcdef0123456789abcdef.bin")) << "not fusor's: kept";
}

}  // namespace
