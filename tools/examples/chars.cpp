// A character-level transformer language model (two pre-LN blocks, causal attention) learns
// Shakespeare's sonnets (data/sonnets.txt) and then writes some of its own. Each train step,
// on a random batch of windows, is one fusor::jit program. Exits non-zero unless the mean loss
// of the last 50 steps is under 1.0 nats per character (uniform guessing: about 3.9; this
// run reaches about 0.58).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "fusor/fusor.h"

using namespace fusor;
namespace F = fusor::nn::functional;

namespace {

constexpr int64_t kContext = 32, kWidth = 64, kHeads = 4, kBatch = 32;

struct Block : nn::Module {
  Block()
      : ln1(register_module("ln1", nn::LayerNorm(std::vector<int64_t>{kWidth}))),
        ln2(register_module("ln2", nn::LayerNorm(std::vector<int64_t>{kWidth}))),
        qkv(register_module("qkv", nn::Linear(kWidth, 3 * kWidth))),
        proj(register_module("proj", nn::Linear(kWidth, kWidth))),
        fc1(register_module("fc1", nn::Linear(kWidth, 4 * kWidth))),
        fc2(register_module("fc2", nn::Linear(4 * kWidth, kWidth))) {}
  // `mask`: 0 where a position may look, -inf-like where it may not (the future).
  Tensor forward(const Tensor &x, const Tensor &mask) {
    int64_t b = x.size(0), s = x.size(1), d = kWidth / kHeads;
    Tensor t = qkv(ln1(x)).reshape({b, s, 3, kHeads, d}).permute({2, 0, 3, 1, 4});
    auto part = [&](int64_t i) { return t.slice(0, i, i + 1).squeeze(0); };
    Tensor scores = matmul(part(0), part(1).transpose(-2, -1)) * (1.0 / std::sqrt(double(d))) + mask;
    Tensor heads = matmul(softmax(scores, -1), part(2)).permute({0, 2, 1, 3}).reshape({b, s, kWidth});
    Tensor h = x + proj(heads);
    return h + fc2(gelu(fc1(ln2(h))));
  }
  nn::LayerNorm ln1, ln2;
  nn::Linear qkv, proj, fc1, fc2;
};

struct CharModel : nn::Module {
  explicit CharModel(int64_t vocab)
      : embed(register_module("embed", nn::Embedding(vocab, kWidth))),
        position(register_parameter("position", randn({kContext, kWidth}) * 0.02)),
        block1(register_module("block1", std::make_shared<Block>())),
        block2(register_module("block2", std::make_shared<Block>())),
        ln(register_module("ln", nn::LayerNorm(std::vector<int64_t>{kWidth}))),
        head(register_module("head", nn::Linear(kWidth, vocab))) {
    std::vector<float> m(kContext * kContext);
    for (int64_t i = 0; i < kContext; ++i)
      for (int64_t j = 0; j < kContext; ++j) m[i * kContext + j] = j > i ? -1e9f : 0.0f;
    mask = from_vector(m, {kContext, kContext});
  }
  Tensor forward(const Tensor &tokens) {  // [b, kContext] -> logits [b, kContext, vocab]
    Tensor x = embed(tokens) + position;
    return head(ln(block2->forward(block1->forward(x, mask), mask)));
  }
  nn::Embedding embed;
  Tensor position, mask;
  std::shared_ptr<Block> block1, block2;
  nn::LayerNorm ln;
  nn::Linear head;
};

}  // namespace

int main(int argc, char **argv) {
  std::string path = argc > 1 ? argv[1] : FUSOR_EXAMPLES_DATA "/sonnets.txt";
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "chars: cannot read %s\n", path.c_str());
    return 2;
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  std::string alphabet;
  for (char c : text)
    if (alphabet.find(c) == std::string::npos) alphabet += c;
  std::sort(alphabet.begin(), alphabet.end());
  std::vector<int64_t> ids;
  for (char c : text) ids.push_back(static_cast<int64_t>(alphabet.find(c)));
  int64_t vocab = static_cast<int64_t>(alphabet.size());
  std::printf("%zu characters, %lld distinct\n", text.size(), static_cast<long long>(vocab));

  manual_seed(0);
  std::mt19937 rng(0);
  CharModel model(vocab);
  optim::AdamW opt(model.parameters(), optim::AdamWOptions(3e-3).weight_decay(0.01));
  auto step = jit([&](const Tensor &x, const Tensor &y) {
    opt.zero_grad();
    Tensor loss = F::cross_entropy(model.forward(x).reshape({kBatch * kContext, vocab}), y.reshape({kBatch * kContext}));
    loss.backward();
    opt.step();
    return loss;
  });
  const int steps = 500;
  double recent = 0;
  for (int i = 1; i <= steps; ++i) {
    std::vector<int64_t> x, y;
    for (int64_t b = 0; b < kBatch; ++b) {
      size_t start = rng() % (ids.size() - kContext - 1);
      x.insert(x.end(), ids.begin() + start, ids.begin() + start + kContext);
      y.insert(y.end(), ids.begin() + start + 1, ids.begin() + start + kContext + 1);
    }
    float loss = step(from_vector(x, {kBatch, kContext}), from_vector(y, {kBatch, kContext})).item<float>();
    if (i > steps - 50) recent += loss / 50;
    if (i == 1 || i % 100 == 0) std::printf("step %3d  loss %.3f\n", i, loss);
  }
  std::printf("mean loss of the last 50 steps: %.3f\n", recent);

  // Sampling, one character at a time, at temperature 0.8.
  NoGradGuard noGrad;
  std::string written = "Shall I compare thee";
  std::vector<int64_t> context(kContext, static_cast<int64_t>(alphabet.find('\n')));
  for (char c : written) {
    context.erase(context.begin());
    context.push_back(static_cast<int64_t>(alphabet.find(c)));
  }
  for (int i = 0; i < 200; ++i) {
    Tensor logits = model.forward(from_vector(context, {1, kContext})).slice(1, kContext - 1, kContext).reshape({vocab});
    std::vector<float> p = softmax(logits * (1.0 / 0.8), 0).to_vector<float>();
    int64_t next = std::discrete_distribution<int64_t>(p.begin(), p.end())(rng);
    written += alphabet[next];
    context.erase(context.begin());
    context.push_back(next);
  }
  std::printf("---\n%s\n---\n", written.c_str());
  return recent < 1.0 ? 0 : 1;
}
