#include "experiments/cli/results.hpp"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace murmur {

namespace fs = std::filesystem;

namespace {

fs::path unused_name(const fs::path& output, const std::string& name) {
  auto candidate = output / name;
  for (int k = 2; fs::exists(candidate) ||
                  fs::exists(fs::path{candidate.string() + ".incomplete"});
       ++k)
    candidate = output / (name + "-" + std::to_string(k));
  return candidate;
}

nlohmann::json to_json(const metrics_row& row) {
  return {{"round", row.round},
          {"time_seconds", row.time_seconds},
          {"train_loss", row.train_loss},
          {"test_accuracy", row.test_accuracy},
          {"test_loss", row.test_loss},
          {"mean_agent_accuracy", row.mean_agent_accuracy},
          {"min_agent_accuracy", row.min_agent_accuracy},
          {"consensus_distance", row.consensus_distance},
          {"bytes_sent", row.bytes_sent},
          {"messages_sent", row.messages_sent},
          {"messages_delivered", row.messages_delivered},
          {"local_steps", row.local_steps},
          {"compute_seconds", row.compute_seconds},
          {"online_agents", row.online_agents}};
}

} // namespace

run_folder::run_folder(const std::string& output, const std::string& name) {
  std::error_code ec;
  fs::create_directories(output, ec);
  if (ec || !fs::is_directory(output))
    throw input_error(
      "run.output: cannot create the folder '" + shown_path(output) +
      "': " + (ec ? ec.message() : "a file of that name exists") +
      "; pick another run.output");
  final_ = unused_name(output, name);
  working_ = final_.string() + ".incomplete";
  fs::create_directory(working_, ec);
  if (ec)
    throw input_error("run.name: cannot create '" + shown_path(working_) +
                      "' in run.output: " + ec.message() +
                      "; pick another run.name");
}

void run_folder::commit() {
  sync_directory(working_);
  std::error_code ec;
  fs::rename(working_, final_, ec);
  if (ec)
    throw std::runtime_error("cannot rename " + shown_path(working_) + ": " +
                             ec.message());
  sync_directory(final_.parent_path());
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

results_writer::results_writer(const run_config& cfg, const fs::path& dir,
                               bool show_progress)
  : cfg_(cfg), dir_(dir), csv_(dir / "metrics.csv"),
    events_(dir / "events.csv"), progress_(show_progress),
    interactive_(isatty(STDERR_FILENO) != 0) {
  std::ostringstream header;
  write_csv_header(header);
  csv_.write(header.str());
  events_.write("time_seconds,source,command,result\n");
}

void results_writer::on_event(double time_seconds, const std::string& source,
                              const std::string& text,
                              const std::string& result) {
  char t[32];
  std::snprintf(t, sizeof t, "%.6f", time_seconds);
  auto quoted = [](std::string v) {
    for (auto& c : v)
      if (c == '"' || c == '\n')
        c = '\'';
    return "\"" + v + "\"";
  };
  std::lock_guard<std::mutex> guard{mtx_};
  events_.write(std::string{t} + "," + source + "," + quoted(text) + "," +
                quoted(result) + "\n");
  if (progress_)
    std::cerr << (interactive_ ? "\r\033[K" : "") << "[" << t << " s] "
              << source << ": " << text << " -> " << result << "\n";
}

void results_writer::on_agents(const std::vector<agent_report>& reports) {
  std::lock_guard<std::mutex> guard{mtx_};
  agents_ = reports;
  std::ostringstream out;
  out << "agent,steps,busy_seconds,idle_seconds,bytes_sent,messages_sent,"
         "messages_delivered,bytes_received,network_seconds\n";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    auto& r = reports[i];
    char line[200];
    std::snprintf(
      line, sizeof line, "%zu,%llu,%.6f,%.6f,%llu,%llu,%llu,%llu,%.6f\n", i,
      static_cast<unsigned long long>(r.steps), r.busy_seconds, r.idle_seconds,
      static_cast<unsigned long long>(r.bytes_sent),
      static_cast<unsigned long long>(r.messages_sent),
      static_cast<unsigned long long>(r.messages_delivered),
      static_cast<unsigned long long>(r.bytes_received), r.network_seconds);
    out << line;
  }
  write_file_atomically(dir_ / "agents.csv", out.str());
}

void results_writer::write_agent_accuracy(const metrics_row& row) {
  if (row.agent_accuracy.empty())
    return;
  std::ostringstream text;
  if (!agent_csv_) {
    agent_csv_.emplace(dir_ / "agent_accuracy.csv");
    write_agent_accuracy_header(
      text, evaluated_agents(cfg_.run.agents, cfg_.eval.max_agents));
  }
  write_agent_accuracy_row(text, row);
  agent_csv_->write(text.str());
}

void results_writer::on_row(const metrics_row& row) {
  std::lock_guard<std::mutex> guard{mtx_};
  rows_.push_back(row);
  std::ostringstream line;
  write_csv_row(line, row);
  csv_.write(line.str());
  write_agent_accuracy(row);
  if (!reached_target_ && cfg_.run.target_accuracy > 0 &&
      row.test_accuracy >= cfg_.run.target_accuracy)
    reached_target_ = row;
  if (progress_)
    show(row);
}

void results_writer::show(const metrics_row& row) {
  // ETA from wall time: under the virtual clock simulated seconds say
  // nothing about how long the user waits.
  auto total = cfg_.run.rounds;
  double wall =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
      .count();
  double eta = row.round > 0 && row.round < total
                 ? wall * static_cast<double>(total - row.round) /
                     static_cast<double>(row.round)
                 : 0.0;
  // Runs that end by time (asynchronous, protocols) count on the clock.
  double budget = cfg_.run.time_budget;
  if (budget > 0 && row.time_seconds > 0) {
    double by_time =
      wall * std::max(0.0, budget - row.time_seconds) / row.time_seconds;
    eta = row.round < total && eta > 0 ? std::min(eta, by_time) : by_time;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "round %llu/%llu  acc %.2f%%  min-agent %.2f%%  loss %.4f  "
                "t %.1f s%s  ETA %.0f s",
                static_cast<unsigned long long>(row.round),
                static_cast<unsigned long long>(total), 100 * row.test_accuracy,
                100 * row.min_agent_accuracy, row.train_loss, row.time_seconds,
                cfg_.clock.kind == clock_kind::simulated ? " (simulated)" : "",
                eta);
  if (interactive_) {
    std::cerr << "\r\033[K" << line << std::flush;
    if (row.round >= total)
      std::cerr << '\n';
  } else {
    std::cerr << line << '\n';
  }
}

void results_writer::finish(const run_outcome& outcome, double wall_seconds) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (progress_ && interactive_ && !rows_.empty() &&
      rows_.back().round < cfg_.run.rounds)
    std::cerr << '\n';
  nlohmann::json summary;
  summary["algorithm"] = cfg_.algorithm.name;
  summary["agents"] = cfg_.run.agents;
  summary["seed"] = cfg_.seed;
  summary["engine"] = to_string(cfg_.run.engine);
  summary["clock"] = to_string(cfg_.clock.kind);
  summary["wall_seconds"] = wall_seconds;
  if (!agents_.empty()) {
    double busy = 0;
    double idle = 0;
    for (auto& a : agents_) {
      busy += a.busy_seconds;
      idle += a.idle_seconds;
    }
    auto n = static_cast<double>(agents_.size());
    summary["mean_busy_seconds"] = busy / n;
    summary["mean_idle_seconds"] = idle / n;
  }
  if (rows_.size() > 1 && rows_.back().round > rows_.front().round)
    summary["mean_round_seconds"] =
      (rows_.back().time_seconds - rows_.front().time_seconds) /
      static_cast<double>(rows_.back().round - rows_.front().round);
  summary["stopped_by"] = to_string(outcome.why);
  if (!outcome.detail.empty())
    summary["stop_detail"] = outcome.detail;
  if (!rows_.empty()) {
    summary["final"] = to_json(rows_.back());
    double best = 0;
    for (auto& r : rows_)
      best = std::max(best, r.test_accuracy);
    summary["best_test_accuracy"] = best;
  }
  if (cfg_.run.target_accuracy > 0) {
    summary["time_to_accuracy"] =
      reached_target_
        ? nlohmann::json{{"target", cfg_.run.target_accuracy},
                         {"round", reached_target_->round},
                         {"seconds", reached_target_->time_seconds},
                         {"bytes_sent", reached_target_->bytes_sent},
                         {"compute_seconds", reached_target_->compute_seconds}}
        : nlohmann::json{{"target", cfg_.run.target_accuracy},
                         {"round", nullptr},
                         {"seconds", nullptr}};
  }
  summary["peak_rss_mib"] = peak_rss_mib();
  write_file_atomically(dir_ / "summary.json", summary.dump(2) + "\n");
  csv_.close();
  if (agent_csv_)
    agent_csv_->close();
  events_.close();
}

} // namespace murmur
