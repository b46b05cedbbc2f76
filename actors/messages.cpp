#include "actors/messages.hpp"

namespace murmur {

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<payload>("murmur::payload");
  cfg.add_message_type<exchange>("murmur::exchange");
  cfg.add_message_type<report>("murmur::report");
  cfg.add_message_type<transfer>("murmur::transfer");
  cfg.add_message_type<outbox>("murmur::outbox");
  cfg.add_message_type<transfer_request>("murmur::transfer_request");
  cfg.add_message_type<received>("murmur::received");
  cfg.add_message_type<inbox>("murmur::inbox");
  cfg.add_message_type<comm_stats>("murmur::comm_stats");
  cfg.add_message_type<command>("murmur::command");
  cfg.add_message_type<agent_status>("murmur::agent_status");
  cfg.add_message_type<std::vector<agent_status>>(
    "std::vector<murmur::agent_status>");
  cfg.add_message_type<host_request>("murmur::host_request");
  cfg.add_message_type<hosted_agents>("murmur::hosted_agents");
  cfg.add_message_type<wiring>("murmur::wiring");
  cfg.add_message_type<peer_traffic>("murmur::peer_traffic");
  cfg.add_message_type<std::vector<peer_traffic>>(
    "std::vector<murmur::peer_traffic>");
  cfg.add_message_type<sum_exponents>("murmur::sum_exponents");
  cfg.add_message_type<held_summary>("murmur::held_summary");
  cfg.add_message_type<std::vector<std::int64_t>>("murmur::fixed_sum_words");
  cfg.add_message_type<held_distances>("murmur::held_distances");
  cfg.add_message_type<std::vector<agent_id>>("murmur::agent_ids");
  cfg.add_message_type<protocol::message>("murmur::protocol::message");
  cfg.add_message_type<protocol::timer>("murmur::protocol::timer");
}

} // namespace murmur
