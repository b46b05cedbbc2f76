#include "experiments/cli/dashboard/view_command.hpp"

#include "core/config/config.hpp"
#include "experiments/cli/dashboard/run_json.hpp"
#include "experiments/cli/dashboard/web_server.hpp"
#include "experiments/cli/run_record.hpp"

#include <filesystem>

namespace murmur::dashboard {

namespace fs = std::filesystem;

namespace {

/// Every folder as the page shows it; the first run's config decides the
/// graph and the clock.
nlohmann::json finished_page(const std::vector<std::string>& folders) {
  nlohmann::json page{{"mode", "view"}, {"runs", nlohmann::json::array()}};
  for (auto& f : folders) {
    fs::path folder{f};
    auto config = folder / "config.toml";
    if (!fs::exists(config))
      throw input_error(f + ": no config.toml; give a run folder written by "
                            "murmur run");
    auto cfg = load_config(config.string(), {});
    if (page["runs"].empty()) {
      page["clock"] = to_string(cfg.clock.kind);
      page["graph"] = configured_graph(cfg);
    }
    page["runs"].push_back(folder_json(folder, cfg));
  }
  page["end"] = {{"failed", false}};
  return page;
}

} // namespace

void view_command(const std::vector<std::string>& folders,
                  const view_options& opts, std::ostream& out,
                  const std::function<void()>& wait) {
  refuse_incomplete(folders, opts.allow_incomplete, "view");
  hub page{finished_page(folders)};
  web_server server{opts.listen, "--listen", page, nullptr};
  server.start();
  out << "murmur view: " << server.url() << std::endl;
  wait();
  server.stop();
}

} // namespace murmur::dashboard
