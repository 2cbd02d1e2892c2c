// A training loop written from the API's names alone, as a libtorch user would, built
// against the installed package.
#include <fusor/fusor.h>

#include <cstdio>
#include <iostream>
#include <string>

struct Net : fusor::nn::Module {
  Net() : fc1(register_module("fc1", fusor::nn::Linear(4, 32))), fc2(register_module("fc2", fusor::nn::Linear(32, 3))) {}
  fusor::Tensor forward(fusor::Tensor x) { return fc2(fusor::nn::functional::relu(fc1(x))); }
  fusor::nn::Linear fc1, fc2;
};

int main(int argc, char **argv) {
  fusor::manual_seed(0);
  auto net = std::make_shared<Net>();
  fusor::Tensor x = fusor::randn({64, 4});
  fusor::Tensor y = x.argmax(1).clamp_(0, 2);  // a learnable labelling
  fusor::optim::SGD opt(net->parameters(), fusor::optim::SGDOptions(0.1).momentum(0.9));
  float first = 0, last = 0;
  for (int step = 0; step < 100; ++step) {
    opt.zero_grad();
    fusor::Tensor loss = fusor::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    last = loss.item<float>();
    if (step == 0) first = last;
  }
  std::cout << "train: loss " << first << " -> " << last << "\n";
  if (!(last < 0.5f * first)) return 1;

  // The same step compiled once with fusor::jit, then a save/load round trip.
  auto step = fusor::jit([&](const fusor::Tensor &in, const fusor::Tensor &target) {
    opt.zero_grad();
    fusor::Tensor loss = fusor::nn::functional::cross_entropy(net->forward(in), target);
    loss.backward();
    opt.step();
    return loss;
  });
  float jitted = 0;
  for (int i = 0; i < 50; ++i) jitted = step(x, y).item<float>();
  std::cout << "jit: loss " << last << " -> " << jitted << "\n";
  std::string path = std::string(argc > 1 ? argv[1] : ".") + "/net.safetensors";  // the test's scratch folder
  fusor::save(*net, path);
  auto copy = std::make_shared<Net>();
  fusor::load(*copy, path);
  bool same = fusor::nn::functional::cross_entropy(copy->forward(x), y).item<float>() ==
              fusor::nn::functional::cross_entropy(net->forward(x), y).item<float>();
  std::remove(path.c_str());
  return jitted < last && same ? 0 : 1;
}
