#include "core/config/hosts.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <filesystem>

namespace murmur {

endpoint parse_endpoint(const std::string& text, const std::string& field,
                        bool any_port) {
  auto colon = text.rfind(':');
  auto fail = [&](const std::string& why) {
    throw input_error(field + ": '" + text + "' " + why +
                      "; write host:port, e.g. 127.0.0.1:4000");
  };
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    fail("is not host:port");
  auto digits = text.substr(colon + 1);
  if (digits.size() > 5 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    fail("has no numeric port");
  auto port = std::stoul(digits);
  if (port > 65535 || (port == 0 && !any_port))
    fail("has a port outside 1..65535");
  return {text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

bool is_loopback(const std::string& host) {
  // A literal address only (or localhost): a name such as
  // "127.example.org" may resolve anywhere.
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return host == "localhost";
}

void validate_security(const hosts_section& h,
                       const std::vector<std::string>& hosts,
                       const std::string& prefix) {
  if (h.insecure) {
    for (auto& text : hosts)
      if (!is_loopback(parse_endpoint(text, prefix + "list", true).host))
        throw input_error(prefix +
                          "insecure: plain TCP is allowed on "
                          "loopback only, not " +
                          text + "; give " + prefix + "certificate, " + prefix +
                          "key and " + prefix + "cafile instead");
    return;
  }
  for (auto [name, file] :
       {std::pair{"certificate", &h.certificate}, std::pair{"key", &h.key},
        std::pair{"cafile", &h.cafile}}) {
    if (file->empty())
      throw input_error(prefix + name +
                        ": peers must authenticate with TLS; give " + prefix +
                        "certificate, " + prefix + "key and " + prefix +
                        "cafile (PEM, signed by the run's CA), or " + prefix +
                        "insecure on loopback");
    if (!std::filesystem::exists(*file))
      throw input_error(prefix + name + ": " + *file + ": not found");
  }
}

const schema<hosts_section>& hosts_schema() {
  static const auto s = [] {
    using C = hosts_section;
    using str = std::string;
    schema<C> s;
    s.add<std::vector<str>>(
      "hosts.list", [](C& c) -> std::vector<str>& { return c.list; },
      "host:port of each `murmur node` that holds agents; empty = one "
      "process");
    s.add<placement_kind>(
      "hosts.placement", [](C& c) -> placement_kind& { return c.placement; },
      "agents to hosts: contiguous blocks, round-robin, hosts.assignment, or "
      "graph (neighbours share hosts: fewest cut edges)");
    s.add<routing_kind>(
      "hosts.routing", [](C& c) -> routing_kind& { return c.routing; },
      "node-to-node messages: direct (nodes holding neighbours connect to "
      "each other) or launcher (all relayed through the launcher)");
    s.add<std::vector<int>>(
      "hosts.assignment",
      [](C& c) -> std::vector<int>& { return c.assignment; },
      "explicit placement: host index (into hosts.list) of each agent");
    s.add<loss_policy>(
      "hosts.on_loss", [](C& c) -> loss_policy& { return c.on_loss; },
      "a host lost mid-run: stop (write the results so far, exit non-zero) "
      "or continue (survivors mix over who is left)");
    s.add<double>(
      "hosts.heartbeat", [](C& c) -> double& { return c.heartbeat; },
      "seconds between heartbeats on every connection (they keep an idle "
      "connection delivering bytes)",
      in_range(0.01, 3600));
    s.add<double>(
      "hosts.timeout", [](C& c) -> double& { return c.timeout; },
      "seconds without a byte from a peer after which its connection is "
      "closed and the host counts as lost (a busy link still delivers bytes)",
      in_range(0.05, 3600));
    s.add<double>(
      "hosts.wait", [](C& c) -> double& { return c.wait; },
      "seconds to wait for a node to connect, spawn its agents and wire them",
      in_range(0.1, 3600));
    s.add<str>(
      "hosts.certificate", [](C& c) -> str& { return c.certificate; },
      "PEM certificate of the launcher, signed by hosts.cafile");
    s.add<str>(
      "hosts.key", [](C& c) -> str& { return c.key; },
      "PEM private key of hosts.certificate");
    s.add<str>(
      "hosts.cafile", [](C& c) -> str& { return c.cafile; },
      "PEM CA certificate every node's certificate must be signed by");
    s.add<bool>(
      "hosts.insecure", [](C& c) -> bool& { return c.insecure; },
      "plain TCP without authentication, loopback hosts only");
    return s;
  }();
  return s;
}

void validate(const hosts_section& h, std::size_t agents) {
  if (!(h.timeout > h.heartbeat))
    throw input_error("hosts.timeout: must exceed hosts.heartbeat (" +
                      show_number(h.heartbeat) + " s)");
  if (h.list.empty())
    return;
  for (auto& text : h.list)
    parse_endpoint(text, "hosts.list");
  if (h.placement == placement_kind::explicit_list) {
    if (h.assignment.size() != agents)
      throw input_error("hosts.assignment: explicit placement needs one host "
                        "index per agent (" +
                        std::to_string(agents) + "), got " +
                        std::to_string(h.assignment.size()));
    for (int i : h.assignment)
      if (i < 0 || static_cast<std::size_t>(i) >= h.list.size())
        throw input_error("hosts.assignment: host index " + std::to_string(i) +
                          " outside 0.." + std::to_string(h.list.size() - 1));
  }
  validate_security(h, h.list, "hosts.");
}

} // namespace murmur
