#include "actors/messages.hpp"
#include "core/run/experiment.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <doctest/doctest.h>

using namespace murmur;

namespace {

struct system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  system_fixture() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

} // namespace

TEST_CASE("an exchange serializes to exactly wire_bytes and back") {
  system_fixture f;
  auto v = std::make_shared<vec>(1000);
  for (int i = 0; i < 1000; ++i)
    (*v)[i] = 0.5f * static_cast<float>(i) - 3.25f;
  exchange out{7, 123456789, payload{v, 42}, 12.5};
  std::vector<char> buf;
  caf::binary_serializer sink{*f.sys, buf};
  REQUIRE(!sink(out));
  CHECK(buf.size() == wire_bytes(out.msg));
  exchange in;
  caf::binary_deserializer source{*f.sys, buf};
  REQUIRE(!source(in));
  CHECK(in.from == 7);
  CHECK(in.round == 123456789);
  CHECK(in.msg.count == 42);
  CHECK(in.sent_at == 12.5);
  REQUIRE(in.msg.data);
  CHECK(*in.msg.data == *v);
  CHECK(in.msg.data != out.msg.data); // a new buffer, not a dangling alias
}

TEST_CASE("an announced length beyond the bound is refused") {
  system_fixture f;
  exchange out{1, 2, payload{std::make_shared<vec>(4), 1}};
  std::vector<char> buf;
  caf::binary_serializer sink{*f.sys, buf};
  REQUIRE(!sink(out));
  // The length sits right before the floats: overwrite it with 2^40.
  auto at = buf.size() - 4 * sizeof(float) - sizeof(std::uint64_t);
  std::uint64_t huge = std::uint64_t{1} << 40;
  std::memcpy(buf.data() + at, &huge, sizeof huge);
  exchange in;
  caf::binary_deserializer source{*f.sys, buf};
  CHECK(source(in));
  CHECK(!in.msg.data);
}

TEST_CASE("a report round-trips with its model") {
  system_fixture f;
  auto v = std::make_shared<vec>(vec::LinSpaced(50, -1, 1));
  report out{3, 10, agent_report{v, 0.75, 1234}};
  out.data.messages_sent = 77;
  out.data.messages_delivered = 55;
  std::vector<char> buf;
  caf::binary_serializer sink{*f.sys, buf};
  REQUIRE(!sink(out));
  report in;
  caf::binary_deserializer source{*f.sys, buf};
  REQUIRE(!source(in));
  CHECK(in.from == 3);
  CHECK(in.round == 10);
  CHECK(in.data.train_loss == 0.75);
  CHECK(in.data.bytes_sent == 1234);
  CHECK(in.data.messages_sent == 77);
  CHECK(in.data.messages_delivered == 55);
  CHECK(*in.data.model == *v);
}
