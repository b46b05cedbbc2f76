#include "core/run/held_models.hpp"
#include "core/run/model_sum.hpp"
#include "tests/problems.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace murmur;

namespace {

constexpr Eigen::Index params = 64;

/// Terms spanning 2^-40 to 2^20, both signs, with zeros and subnormals.
std::vector<vec> mixed_terms(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen{seed};
  std::uniform_real_distribution<float> mantissa{-1, 1};
  std::uniform_int_distribution<int> exponent{-40, 20};
  std::vector<vec> terms;
  for (std::size_t i = 0; i < n; ++i) {
    vec x(params);
    for (Eigen::Index j = 0; j < params; ++j)
      x[j] = std::ldexp(mantissa(gen), exponent(gen));
    x[0] = 0;
    x[1] = std::numeric_limits<float>::denorm_min() * static_cast<float>(i);
    terms.push_back(x);
  }
  return terms;
}

sum_exponents exponents_of(const std::vector<vec>& terms) {
  sum_exponents e(params, 0);
  for (auto& x : terms)
    raise_exponents(x, e);
  return e;
}

bool same_bits(const vec& a, const vec& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

} // namespace

TEST_CASE("an order-free model sum has the same bits in any order and split") {
  auto terms = mixed_terms(50, 1);
  auto e = exponents_of(terms);
  fixed_sum in_order{e, terms.size()};
  for (auto& x : terms)
    in_order.add(x);
  std::mt19937_64 gen{2};
  for (int trial = 0; trial < 5; ++trial) {
    auto shuffled = terms;
    std::shuffle(shuffled.begin(), shuffled.end(), gen);
    // Three "nodes" of uneven size, each with its own partial sum.
    fixed_sum total{e, terms.size()};
    std::size_t cut1 = 7 + trial, cut2 = 30 - trial;
    for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, cut1},
                            {cut1, cut2},
                            {cut2, terms.size()}}) {
      fixed_sum part{e, terms.size()};
      for (auto k = from; k < to; ++k)
        part.add(shuffled[k]);
      total.add(part.words());
    }
    CHECK(total.words() == in_order.words());
    CHECK(same_bits(total.mean(terms.size()), in_order.mean(terms.size())));
  }
  // A float sum does depend on the order: the property is not vacuous.
  vec forward = vec::Zero(params), backward = vec::Zero(params);
  for (std::size_t k = 0; k < terms.size(); ++k) {
    forward += terms[k];
    backward += terms[terms.size() - 1 - k];
  }
  CHECK_FALSE(same_bits(forward, backward));
}

TEST_CASE("an order-free model sum is within its stated bound of the exact "
          "mean") {
  auto terms = mixed_terms(50, 3);
  auto e = exponents_of(terms);
  fixed_sum sum{e, terms.size()};
  for (auto& x : terms)
    sum.add(x);
  auto mean = sum.mean(terms.size());
  int h = 6; // ceil(log2(50))
  for (Eigen::Index j = 0; j < params; ++j) {
    // Exact: 60 binades of 24-bit terms fit __float128's 113 bits.
    __float128 exact = 0;
    for (auto& x : terms)
      exact += x[j];
    exact /= terms.size();
    // Each term loses less than one unit of 2^(b - 126 - (62 - h)) to the
    // truncation; the mean's rounding to float adds half an ulp.
    int b = std::max<int>(e[j], 1);
    double truncation = std::ldexp(1.0, b - 126 - (62 - h));
    auto want = static_cast<double>(exact);
    double ulp = std::nextafter(static_cast<float>(std::fabs(want)),
                                std::numeric_limits<float>::infinity()) -
                 static_cast<float>(std::fabs(want));
    CAPTURE(j);
    CHECK(std::fabs(mean[j] - want) <= truncation + ulp);
  }
  CHECK(mean[0] == 0);
}

TEST_CASE("an order-free model sum gives NaN and infinities as a float sum "
          "does") {
  constexpr float inf = std::numeric_limits<float>::infinity();
  vec a = vec::Zero(params), b = vec::Ones(params);
  a[0] = std::numeric_limits<float>::quiet_NaN(); // NaN + 1 = NaN
  a[1] = inf;                                     // inf + 1 = inf
  a[2] = inf, b[2] = -inf;                        // inf - inf = NaN
  b[3] = -inf;                                    // 0 - inf = -inf
  sum_exponents e(params, 0);
  raise_exponents(a, e);
  raise_exponents(b, e);
  fixed_sum left{e, 2}, right{e, 2}, both{e, 2};
  left.add(a);
  right.add(b);
  both.add(left.words());
  both.add(right.words());
  auto mean = both.mean(2);
  vec floats = (a + b) / 2.0f;
  CHECK(std::isnan(mean[0]));
  CHECK(mean[1] == inf);
  CHECK(std::isnan(mean[2]));
  CHECK(mean[3] == -inf);
  for (Eigen::Index j = 0; j < 4; ++j)
    CHECK(std::isnan(mean[j]) == std::isnan(floats[j]));
  CHECK(mean[4] == 0.5f);
}

TEST_CASE("an order-free model sum of the largest floats does not overflow") {
  constexpr float big = std::numeric_limits<float>::max();
  constexpr std::size_t terms = 64; // h = 6: each term below 2^56
  vec x = vec::Constant(params, big);
  x[1] = -big;
  sum_exponents e(params, 0);
  raise_exponents(x, e);
  fixed_sum sum{e, terms};
  for (std::size_t k = 0; k < terms; ++k)
    sum.add(x);
  CHECK(sum.words()[0] > 0);
  CHECK(sum.words()[0] < std::int64_t{1} << 62);
  CHECK(sum.words()[1] < 0);
  auto mean = sum.mean(terms);
  // Truncation costs at most a few units of the last place.
  CHECK(mean[0] <= big);
  CHECK(mean[0] >= std::nextafter(std::nextafter(big, 0.f), 0.f));
  CHECK(mean[1] == -mean[0]);
}

TEST_CASE("a round evaluated in parts where its models are held equals the "
          "round evaluated in one process") {
  constexpr std::size_t agents = 6;
  auto exp = testing::quadratic_experiment(agents, 1, {"eval.max_agents=4"});
  std::vector<agent_report> reports(agents);
  std::mt19937_64 gen{4};
  std::normal_distribution<float> normal{0, 1};
  for (std::size_t i = 0; i < agents; ++i) {
    vec x(static_cast<Eigen::Index>(exp->num_params()));
    for (Eigen::Index j = 0; j < x.size(); ++j)
      x[j] = normal(gen) * static_cast<float>(i + 1);
    reports[i].model = std::make_shared<const vec>(x);
    reports[i].train_loss = 0.1 * static_cast<double>(i);
    reports[i].bytes_sent = 100 * i;
  }
  reports[3].model = nullptr; // gone: left out everywhere
  auto one_process = evaluate_round(*exp, 5, reports);

  // Two nodes: agents 0, 2, 4 and 1, 5 (3 is gone); the launcher has the
  // numbers only.
  std::vector<held_models> nodes(2);
  auto stripped = reports;
  for (std::size_t i = 0; i < agents; ++i) {
    if (!reports[i].model)
      continue;
    nodes[i % 2].add(static_cast<agent_id>(i), reports[i].model);
    stripped[i].model = nullptr;
    stripped[i].model_on_node = true;
  }
  round_parts parts{*exp};
  for (auto& node : nodes)
    REQUIRE(parts.add(summarize(*exp, node)));
  fixed_sum sum{parts.exponents, agents};
  for (auto& node : nodes)
    sum.add(partial_sum(*exp, node, parts.exponents).words());
  parts.average = sum.mean(5);
  for (auto& node : nodes)
    REQUIRE(
      parts.add_distances(node.ids, squared_distances(node, parts.average)));
  auto across = complete_row(*exp, 5, stripped, parts);

  CHECK(across.online_agents == 5);
  CHECK(across.test_loss == one_process.test_loss);
  CHECK(across.test_accuracy == one_process.test_accuracy);
  CHECK(across.consensus_distance == one_process.consensus_distance);
  CHECK(across.train_loss == one_process.train_loss);
  CHECK(across.bytes_sent == one_process.bytes_sent);
  CHECK(across.min_agent_accuracy == one_process.min_agent_accuracy);
  CHECK(across.mean_agent_accuracy == one_process.mean_agent_accuracy);
  REQUIRE(across.agent_accuracy.size() == 4);
  for (std::size_t k = 0; k < 4; ++k)
    CHECK((across.agent_accuracy[k] == one_process.agent_accuracy[k] ||
           (std::isnan(across.agent_accuracy[k]) &&
            std::isnan(one_process.agent_accuracy[k]))));
  // The consensus is a real one: the models differ.
  CHECK(one_process.consensus_distance > 1);
}
