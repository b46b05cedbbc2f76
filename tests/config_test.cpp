#include "core/algorithms/algorithm.hpp"
#include "core/algorithms/kinds.hpp"
#include "core/config/config.hpp"
#include "tests/scratch.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

using namespace murmur;

namespace {

std::string error_of(const std::vector<std::string>& sets) {
  return testing::error_of([&] { load_config("", sets); });
}

} // namespace

TEST_CASE("overrides reach the typed config") {
  auto cfg =
    load_config("", {"optimizer.lr=0.25", "run.agents=7", "model.kind=mlp",
                     "model.hidden=[30, 20]", "algorithm.order=mix-then-step"});
  CHECK(cfg.optimizer.lr == 0.25);
  CHECK(cfg.run.agents == 7);
  CHECK(cfg.model.kind == model_kind::mlp);
  CHECK(cfg.model.hidden == std::vector<int>{30, 20});
  CHECK(cfg.algorithm.options["order"].value<std::string>() == "mix-then-step");
}

TEST_CASE("algorithm options are resolved with their defaults") {
  auto cfg = load_config("", {});
  CHECK(cfg.algorithm.options["order"].value<std::string>() == "step-then-mix");
}

TEST_CASE("bad values name the field") {
  CHECK(error_of({"run.agents=0"}).find("run.agents") != std::string::npos);
  CHECK(error_of({"partition.alpha=0"}).find("partition.alpha") !=
        std::string::npos);
  CHECK(error_of({"partition.alpha=-1"}).find("partition.alpha") !=
        std::string::npos);
  CHECK(error_of({"algorithm.name=nope"}).find("algorithm.name") !=
        std::string::npos);
  CHECK(error_of({"topology.kind=moebius"}).find("topology.kind") !=
        std::string::npos);
  CHECK(error_of({"optimizer.lr=fast"}).find("optimizer.lr: expected") !=
        std::string::npos);
  CHECK(error_of({"model.kind=mlp"}).find("model.hidden") != std::string::npos);
  CHECK(error_of({"algorithm.order=sideways"}).find("algorithm.order") !=
        std::string::npos);
}

TEST_CASE("an unknown key suggests the nearest known one") {
  auto msg = error_of({"optimizer.lrr=0.1"});
  CHECK(msg.find("optimizer.lrr: unknown config key") != std::string::npos);
  CHECK(msg.find("did you mean optimizer.lr?") != std::string::npos);
  CHECK(error_of({"algorithm.rounds=3"}).find("algorithm.rounds") !=
        std::string::npos);
  CHECK(error_of({"algorithm.name=allreduce", "algorithm.order=x"})
          .find("not an option of algorithm 'allreduce'") != std::string::npos);
}

TEST_CASE("the resolved config reads back to the same config") {
  auto cfg =
    load_config("", {"seed=42", "model.kind=mlp", "model.hidden=[100]",
                     "optimizer.lr=0.05", "optimizer.milestones=[0.5, 0.75]"});
  auto text = to_toml(cfg);
  std::ostringstream os;
  os << text;
  auto reread = toml::parse(os.str());
  run_config again;
  for (auto& [key, node] : leaves(reread))
    if (key.rfind("algorithm.", 0) == 0 && key != "algorithm.name")
      again.algorithm.options.insert(key.substr(10), *node);
    else
      config_schema().find(key).read(again, *node);
  validate(again);
  std::ostringstream os2;
  os2 << to_toml(again);
  CHECK(os.str() == os2.str());
  CHECK(again.seed == 42);
  CHECK(again.optimizer.milestones == std::vector<double>{0.5, 0.75});
}

// Found by fuzzing (tests/fuzz/corpus/config/crash-override-not-utf8): a
// bare word with a byte that is not UTF-8 was printed as another character,
// so nodes received a different config than the launcher ran.
TEST_CASE("--set bare words are UTF-8 and read back unchanged") {
  CHECK(testing::contains(error_of({"run.name=\xaatwo words"}),
                          "--set run.name: the value is not valid UTF-8"));
  CHECK(testing::contains(error_of({"run.name=\xed\xa0\x80"}), // surrogate
                          "not valid UTF-8"));
  auto cfg =
    load_config("", {"run.name=r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x99\x82"});
  CHECK(cfg.run.name == "r\xc3\xa9sum\xc3\xa9 \xf0\x9f\x99\x82");
  std::ostringstream os;
  os << to_toml(cfg);
  CHECK(config_from_text(os.str(), "test").run.name == cfg.run.name);
}

// Found by fuzzing (tests/fuzz/corpus/config/crash-agents-beyond-32-bit):
// with more agents than 32-bit ids hold, a scripted event's agent was
// converted to a 32-bit id out of range (undefined behaviour).
TEST_CASE("run.agents fits the 32-bit agent ids") {
  CHECK(testing::contains(
    error_of({"run.agents=4294967296"}),
    "run.agents: must be in [1, 4294967295], got 4294967296"));
  CHECK(load_config("", {"run.agents=4294967295"}).run.agents == 4294967295u);
}

TEST_CASE("every algorithm registers itself") {
  CHECK(algorithm_registry::names() ==
        std::vector<std::string>{
          "allreduce", "detag", "dpsgd", "dpsgd-periodic", "draco", "goco",
          "gossip-learning", "gradient-tracking", "plexus", "relaysgd"});
}
