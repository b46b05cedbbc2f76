#pragma once

#include "core/config/config.hpp"
#include "core/run/metrics.hpp"
#include "topologies/topology.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace murmur::dashboard {

/// Above this many agents the page draws aggregates (state and step
/// histograms, the slowest agents) instead of the graph, and no edges are
/// sent.
constexpr std::size_t drawn_graph_limit = 400;

/// The graph the page draws: every edge of the union of `t`'s phases once
/// (`t` null: agents without edges, as for Plexus, whose peers change every
/// round), with the topology's positions when it has them.
nlohmann::json graph_json(const topology* t, std::size_t agents);

/// A run as the page lists it before any row: its name, algorithm, agents,
/// clock, whether it is an event-driven protocol, and metrics.csv's header.
nlohmann::json run_json(const std::string& name, const run_config& cfg);

/// Whether the config's algorithm is an event-driven protocol (Plexus).
bool is_protocol(const run_config& cfg);

/// A row as its metrics.csv line, without the newline.
std::string csv_line(const metrics_row& row);

/// An events.csv entry as the page reads it: [time, source, command, result].
nlohmann::json event_entry(double time_seconds, const std::string& source,
                           const std::string& text, const std::string& result);

/// A run folder's agents.csv as {"columns": [...], "rows": [[...], ...]}, or
/// null when the run has none (yet).
nlohmann::json agents_table(const std::filesystem::path& folder);

/// The graph of a finished run as the page draws it: the configured
/// topology, rebuilt from the config (algorithms that talk over a graph
/// derived from it, such as RelaySGD's trees, show the topology itself).
nlohmann::json configured_graph(const run_config& cfg);

/// A finished run's folder as the page shows it: run_json with every row
/// and event and the agents table. Throws input_error naming a missing or
/// malformed file.
nlohmann::json folder_json(const std::filesystem::path& folder,
                           const run_config& cfg);

} // namespace murmur::dashboard
