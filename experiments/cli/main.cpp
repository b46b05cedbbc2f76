// The murmur command line: run experiments, inspect topologies, benchmark.
#include "actors/control_channels.hpp"
#include "core/algorithms/kinds.hpp"
#include "core/base/error.hpp"
#include "core/config/config.hpp"
#include "core/time/injections.hpp"
#include "experiments/cli/bench_command.hpp"
#include "experiments/cli/bench_wire.hpp"
#include "experiments/cli/dashboard/dashboard_bench.hpp"
#include "experiments/cli/dashboard/view_command.hpp"
#include "experiments/cli/keys_command.hpp"
#include "experiments/cli/node_command.hpp"
#include "experiments/cli/plot_command.hpp"
#include "experiments/cli/report_command.hpp"
#include "experiments/cli/run_command.hpp"
#include "experiments/cli/sweep_command.hpp"
#include "experiments/cli/topology_command.hpp"

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <regex>

namespace {

using namespace murmur;

/// A run that ended abnormally (diverged, a lost host) keeps its complete
/// results but exits with this code.
constexpr int stopped_early = 3;

int run_main(const std::string& path, const std::vector<std::string>& sets) {
  auto cfg = load_config(path, sets);
  if (cfg.run.name.empty())
    cfg.run.name = std::filesystem::path{path}.stem().string();
  auto result = run_experiment(cfg, true);
  std::cout << "results: " << result.folder.string() << "\n";
  if (!result.rows.empty())
    std::printf("final: round %llu, test accuracy %.2f%% (average model), "
                "min agent %.2f%%, %.1f s on the %s clock\n",
                static_cast<unsigned long long>(result.rows.back().round),
                100 * result.rows.back().test_accuracy,
                100 * result.rows.back().min_agent_accuracy,
                result.rows.back().time_seconds,
                to_string(cfg.clock.kind).c_str());
  if (result.outcome.expected())
    return 0;
  std::cerr << "murmur: error: run stopped early ("
            << to_string(result.outcome.why) << "): " << result.outcome.detail
            << "\n";
  return stopped_early;
}

/// Parses the command line; an exit code when the program should stop now:
/// 0 after --help, 2 with one line for a bad command line (an unknown
/// command, a missing or malformed argument), as for every input error.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (auto* sub : app.get_subcommands({})) {
      found = found || sub->get_name() == argv[1];
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::cerr << "murmur: error: unknown command '" << argv[1]
                << "'; use one of: " << known << "\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "murmur: error: " << e.what() << "; see murmur "
              << (argc > 1 && argv[1][0] != '-' ? std::string{argv[1]} + " "
                                                : std::string{})
              << "--help\n";
    return 2;
  }
  return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"murmur: decentralized learning on CAF actors"};
  app.require_subcommand(1);

  std::string config_path;
  std::vector<std::string> sets;
  auto run = app.add_subcommand("run", "run an experiment from a TOML config");
  run->add_option("config", config_path, "experiment config (TOML)")
    ->required();
  run->add_option("--set", sets, "override a key, e.g. --set optimizer.lr=0.1")
    ->take_all();
  std::string run_hosts;
  run->add_option("--hosts", run_hosts,
                  "run the agents on these `murmur node`s: h1:p1,h2:p2,... "
                  "(sets hosts.list)");
  std::string run_dashboard;
  run->add_option("--dashboard", run_dashboard,
                  "serve a live web view of the run on [HOST:]PORT (sets "
                  "dashboard.listen)");

  node_options node_opts;
  auto node = app.add_subcommand(
    "node", "host agents of runs launched elsewhere (murmur run --hosts)");
  node->add_option("--listen", node_opts.listen, "HOST:PORT, port 0 = any")
    ->capture_default_str();
  node->add_option("--certificate", node_opts.net.certificate,
                   "PEM certificate of this node, signed by --cafile");
  node->add_option("--key", node_opts.net.key, "PEM private key");
  node->add_option("--cafile", node_opts.net.cafile,
                   "PEM CA: launchers must present a certificate it signed");
  node->add_flag("--insecure", node_opts.net.insecure,
                 "plain TCP without authentication (loopback only)");
  node
    ->add_option("--heartbeat", node_opts.net.heartbeat,
                 "seconds between heartbeats")
    ->capture_default_str();
  node
    ->add_option("--timeout", node_opts.net.timeout,
                 "seconds of silence before a peer counts as lost")
    ->capture_default_str();
  node->add_option("--threads,-t", node_opts.threads,
                   "threads (0 = all hardware threads)");
  node->add_option("--data-path", node_opts.data_path,
                   "this host's copy of the dataset (overrides the "
                   "launcher's data.path)");

  std::string topo_name;
  std::uint64_t topo_agents = 16;
  std::uint64_t topo_seed = 1;
  std::vector<std::string> topo_sets;
  auto topo = app.add_subcommand("topology", "describe a topology");
  topo->add_option("name", topo_name, "topology kind")->required();
  topo->add_option("--agents,-n", topo_agents, "number of agents")
    ->check(CLI::PositiveNumber);
  topo->add_option("--seed", topo_seed, "seed for random graphs")
    ->check(CLI::NonNegativeNumber);
  topo->add_option("--set", topo_sets, "topology.* parameters")->take_all();

  std::string bench_what;
  bench_options bench;
  std::string bench_config;
  std::vector<std::string> bench_sets;
  auto bench_cmd = app.add_subcommand("bench", "benchmark the runtime");
  bench_cmd
    ->add_option("what", bench_what, "dpsgd | clock | wire | step | dashboard")
    ->required()
    ->check(CLI::IsMember({"dpsgd", "clock", "wire", "step", "dashboard"}));
  bench_cmd->add_option("--agents,-n", bench.agents, "number of agents")
    ->check(CLI::PositiveNumber);
  bench_cmd->add_option("--threads,-t", bench.threads, "threads")
    ->check(CLI::PositiveNumber);
  bench_cmd->add_option("--rounds", bench.rounds, "rounds (default: auto)")
    ->check(CLI::NonNegativeNumber);
  bench_cmd
    ->add_option("--repeat", bench.repeat,
                 "dpsgd, clock: alternating runs per side; step: timed "
                 "rounds; the fastest counts")
    ->capture_default_str()
    ->check(CLI::PositiveNumber);
  bench_cmd->add_option("--config", bench_config, "base config (TOML)");
  bench_cmd->add_option("--set", bench_sets, "override a key")->take_all();
  hosts_section wire_net;
  double wire_seconds = 1;
  bench_cmd->add_option("--certificate", wire_net.certificate,
                        "wire: PEM certificate (both processes)");
  bench_cmd->add_option("--key", wire_net.key, "wire: PEM private key");
  bench_cmd->add_option("--cafile", wire_net.cafile, "wire: PEM CA");
  bench_cmd->add_flag("--insecure", wire_net.insecure,
                      "wire: plain TCP on loopback instead of TLS");
  bench_cmd
    ->add_option("--seconds", wire_seconds, "wire: seconds per size and path")
    ->capture_default_str();

  std::vector<std::string> plot_runs;
  plot_options plot_opts;
  auto plot = app.add_subcommand(
    "plot", "plot runs' metrics against rounds and time (gnuplot)");
  plot->add_option("runs", plot_runs, "run folders (one line each)")
    ->required();
  plot->add_option("-o,--output", plot_opts.output, "FILE.png or FILE.svg")
    ->required();
  plot->add_option(
    "--x", plot_opts.x,
    "round | time | a metrics.csv column such as bytes_sent (default: "
    "round and time side by side)");
  plot->add_option("--y", plot_opts.y, "metrics.csv column")
    ->capture_default_str();
  plot->add_option("--title", plot_opts.title, "title above the plot");
  plot->add_flag("--allow-incomplete", plot_opts.allow_incomplete,
                 "accept <name>.incomplete run folders (marked)");

  std::vector<std::string> report_runs;
  report_options report_opts;
  auto report = app.add_subcommand(
    "report", "markdown table over runs, grouped by config minus seed");
  report->add_option("runs", report_runs, "run folders")->required();
  report
    ->add_option("--last", report_opts.last,
                 "evaluations averaged for the min-agent accuracy")
    ->capture_default_str();
  report->add_option("--target", report_opts.target,
                     "accuracy of the average model, e.g. 0.8: first "
                     "round and time reaching it");
  report->add_option("--also", report_opts.also,
                     "more metrics.csv columns by their final value, e.g. "
                     "--also test_loss --also messages_delivered");
  report->add_flag("--allow-incomplete", report_opts.allow_incomplete,
                   "accept <name>.incomplete run folders (marked)");

  std::vector<std::string> view_runs;
  dashboard::view_options view_opts;
  auto view = app.add_subcommand(
    "view", "serve the dashboard read-only over finished runs (curves side "
            "by side, events, agents)");
  view->add_option("runs", view_runs, "run folders")->required();
  view
    ->add_option("--listen", view_opts.listen,
                 "[HOST:]PORT; a bare port listens on 127.0.0.1, 0 = any free "
                 "port; other than loopback requires the printed token")
    ->capture_default_str();
  view->add_flag("--allow-incomplete", view_opts.allow_incomplete,
                 "accept <name>.incomplete run folders (marked)");

  sweep_options sweep_opts;
  auto sweep = add_sweep_command(app, sweep_opts);

  bool keys_markdown = false;
  auto keys = app.add_subcommand(
    "keys", "list every config key with its default and help");
  keys->add_flag("--markdown", keys_markdown,
                 "as the config reference (experiments/config-reference.md)");

  int ctl_port = 0;
  std::vector<std::string> ctl_words;
  auto ctl = app.add_subcommand(
    "ctl", "send a live command to a running real-clock run");
  ctl->add_option("--port,-p", ctl_port, "the run's control.port")
    ->required()
    ->check(CLI::Range(1, 65535));
  ctl->add_option("command", ctl_words, command_help())->required();

  if (auto exit = parse_command_line(app, argc, argv))
    return *exit;
  try {
    if (*run) {
      if (!run_hosts.empty())
        sets.push_back("hosts.list=[\"" +
                       std::regex_replace(run_hosts, std::regex{","}, "\",\"") +
                       "\"]");
      if (!run_dashboard.empty())
        sets.push_back("dashboard.listen=\"" + run_dashboard + "\"");
      return run_main(config_path, sets);
    }
    if (*node) {
      node_command(node_opts, std::cout);
      return 0;
    }
    if (*topo) {
      auto cfg = load_config("", topo_sets);
      cfg.topology.kind = topo_name;
      describe_topology(topo_agents, topo_seed, cfg.topology, std::cout);
      return 0;
    }
    if (*plot) {
      plot_command(plot_runs, plot_opts, std::cout);
      return 0;
    }
    if (*view) {
      // Blocked before the server starts its threads, which inherit the
      // mask, so SIGINT/SIGTERM reach sigwait and the server stops cleanly.
      sigset_t stop;
      sigemptyset(&stop);
      sigaddset(&stop, SIGINT);
      sigaddset(&stop, SIGTERM);
      pthread_sigmask(SIG_BLOCK, &stop, nullptr);
      dashboard::view_command(view_runs, view_opts, std::cout, [&stop] {
        int received = 0;
        sigwait(&stop, &received);
      });
      return 0;
    }
    if (*report) {
      report_command(report_runs, report_opts, std::cout);
      return 0;
    }
    if (*sweep)
      return sweep_command(sweep_opts, std::cout, std::cerr);
    if (*ctl) {
      std::string line;
      for (auto& w : ctl_words)
        line += (line.empty() ? "" : " ") + w;
      auto reply = send_control_command(ctl_port, line);
      std::cout << reply << "\n";
      return reply.rfind("error", 0) == 0 ? 1 : 0;
    }
    if (*bench_cmd) {
      if (bench_what == "wire") {
        bench_wire(wire_net, wire_seconds, std::cout);
        return 0;
      }
      auto cfg = load_config(bench_config, bench_sets);
      if (bench_what == "clock")
        bench_clock(cfg, bench, std::cout);
      else if (bench_what == "step")
        bench_step(cfg, bench, std::cout);
      else if (bench_what == "dashboard")
        dashboard::bench_dashboard(cfg, bench, std::cout);
      else
        bench_dpsgd(cfg, bench, std::cout);
      return 0;
    }
    keys_command(std::cout, keys_markdown);
    return 0;
  } catch (const input_error& e) {
    std::cerr << "murmur: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "murmur: error: " << e.what() << "\n";
    return 1;
  }
}
