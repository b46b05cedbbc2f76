// The dashboard in a real browser: headless Chromium (tests/browser.hpp)
// opens the page of a running `murmur run --dashboard`, checks that the
// curves and the graph render, and steers the run with mouse clicks; the run's
// own files then show the commands and their effect. Skipped visibly where no
// Chromium is installed (experiments/setup.sh --tests installs it).

#include "tests/browser.hpp"
#include "tests/dashboard_process.hpp"
#include "tests/scratch.hpp"
#include "tests/skip.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace murmur::testing;
namespace fs = std::filesystem;

namespace {

const std::string quickstart = MURMUR_SOURCE_DIR "/experiments/quickstart.toml";

const std::string no_chromium =
  "no chromium on the PATH (experiments/setup.sh --tests installs it; "
  "MURMUR_CHROMIUM names another)";

/// The page's reply line to the last command starts with `prefix`.
std::string reply_starts(const std::string& prefix) {
  return "document.querySelector('#command-reply').textContent.startsWith('" +
         prefix + "')";
}

/// Where the tests leave their screenshots: under the build folder.
fs::path screenshot_path(const std::string& name) {
  fs::path dir = MURMUR_BUILD_DIR "/screenshots";
  fs::create_directories(dir);
  return dir / name;
}

std::string state_of(int agent) {
  return "document.querySelector('#graph circle[data-agent=\"" +
         std::to_string(agent) + "\"]').getAttribute('data-state')";
}

} // namespace

TEST_CASE("the dashboard in a browser slows agent 3 of a real-clock run") {
  auto chromium = find_chromium();
  if (chromium.empty())
    return skip(no_chromium);
  scratch_dir s{"dash-browser"};
  // Every agent starts paused, so the slowdown is in place before the first
  // step however long the browser takes to start; synchronous rounds keep
  // the step counts equal, so busy time compares per-step compute.
  dashboard_process run{s.path(),
                        quickstart,
                        "127.0.0.1:0",
                        {"data.name=\"synthetic\"", "run.agents=8",
                         "run.threads=2", "run.rounds=60", "run.eval_every=10",
                         "cost.step_seconds=0.01",
                         "stragglers.events=[\"at 0s pause 0-7\"]"}};
  auto url = run.url();
  headless_browser browser{chromium, s.path()};
  browser.open(url);

  // The page follows the run: its graph, a live sample of the agents (all
  // paused) and the curves of the first evaluation.
  REQUIRE(browser.wait_for("document.querySelectorAll('#graph circle')"
                           ".length === 8",
                           30));
  CHECK(browser.wait_for(state_of(3) + " === 'paused'", 30));
  CHECK(browser.wait_for(
    "document.querySelectorAll('#chart-accuracy path.series').length >= 2",
    30));
  CHECK(browser.eval("document.querySelector('#run-title').textContent") ==
        "live: dpsgd, 8 agents, real clock");
  CHECK(browser.wait_for("document.querySelector('#events').textContent"
                         ".includes('pause 0-7')",
                         30));
  CHECK(browser.screenshot(screenshot_path("dashboard-real-clock.png")) >
        20000);

  // Click agent 3, then 10x.
  browser.click("#graph circle[data-agent=\"3\"]");
  CHECK(browser.eval("document.querySelector('#selection').value") == "3");
  browser.click("button.slow[data-factor=\"10\"]");
  REQUIRE(browser.wait_for(reply_starts("ok: slow 3 10x"), 30));
  // Then every agent, and resume: agent 3 shows as slowed.
  browser.type_into("#selection", "0-7");
  CHECK(browser.eval("document.querySelector('#selection-info').textContent") ==
        "8 selected");
  browser.click("#resume-agents");
  CHECK(browser.wait_for(reply_starts("ok: resume 0-7"), 30));
  CHECK(browser.wait_for(state_of(3) + " === 'slowed'", 30));
  CHECK(browser.wait_for("document.querySelector('#status').textContent"
                         ".includes('finished')",
                         120));
  REQUIRE(run.wait(60) == 0);

  auto events = slurp(run.folder() / "events.csv");
  CHECK(contains(events, ",dashboard,\"slow 3 10x\",\"ok"));
  CHECK(contains(events, ",dashboard,\"resume 0-7\",\"ok"));
  auto busy = agents_column(run.folder(), 2);
  REQUIRE(busy.size() == 8);
  CHECK(busy[3] > 3 * busy[2]);
  CHECK(busy[3] > 3 * busy[4]);
}

TEST_CASE("the dashboard in a browser steps, pauses and resumes a virtual-"
          "clock run") {
  auto chromium = find_chromium();
  if (chromium.empty())
    return skip(no_chromium);
  scratch_dir s{"dash-virtual"};
  dashboard_process run{s.path(),
                        quickstart,
                        "127.0.0.1:0",
                        {"data.name=\"synthetic\"", "run.agents=8",
                         "run.threads=2", "run.rounds=40", "run.eval_every=10",
                         "cost.step_seconds=0.01", "clock.kind=\"virtual\"",
                         "dashboard.start_paused=true"}};
  headless_browser browser{chromium, s.path()};
  browser.open(run.url());
  REQUIRE(
    browser.wait_for("!document.querySelector('#clock-panel').hidden", 30));
  CHECK(browser.wait_for("document.querySelector('#clock-state').textContent"
                         ".startsWith('paused at t = 0.000')",
                         30));
  auto rows = [&] { return browser.eval("page.runs[0].rows.length"); };
  auto before = rows().get<int>();

  // Step: to the next evaluation row, then paused again.
  browser.click("#clock-step");
  REQUIRE(browser.wait_for(
    "page.runs[0].rows.length === " + std::to_string(before + 1), 30));
  CHECK(browser.wait_for("document.querySelector('#clock-state').textContent"
                         ".startsWith('paused at t = 0.1')",
                         30));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(rows() == before + 1);

  // Pause agent 3 and let the clock run: every agent ends up waiting for it,
  // and the page says so.
  browser.click("#graph circle[data-agent=\"3\"]");
  browser.click("#pause-agents");
  REQUIRE(browser.wait_for(reply_starts("ok: pause 3"), 30));
  browser.click("#clock-run");
  CHECK(browser.wait_for("document.querySelector('#clock-state').textContent"
                         ".startsWith('every agent waits')",
                         30));
  CHECK(browser.wait_for(state_of(3) + " === 'paused'", 30));
  CHECK(browser.screenshot(screenshot_path("dashboard-virtual-clock.png")) >
        20000);
  browser.click("#resume-agents");
  CHECK(browser.wait_for(reply_starts("ok: resume 3"), 30));
  REQUIRE(run.wait(120) == 0);

  auto events = slurp(run.folder() / "events.csv");
  CHECK(contains(events, ",dashboard,\"pause 3\",\"ok"));
  CHECK(contains(events, ",dashboard,\"resume 3\",\"ok"));
  auto metrics = slurp(run.folder() / "metrics.csv");
  CHECK(contains(metrics, "\n40,"));
}

TEST_CASE("the dashboard in a browser draws 1000 agents as aggregates") {
  auto chromium = find_chromium();
  if (chromium.empty())
    return skip(no_chromium);
  scratch_dir s{"dash-many"};
  dashboard_process run{s.path(),
                        quickstart,
                        "127.0.0.1:0",
                        {"data.name=\"synthetic\"", "run.agents=1000",
                         "run.threads=2", "run.rounds=10", "run.eval_every=10",
                         "eval.max_agents=4", "clock.kind=\"virtual\"",
                         "dashboard.start_paused=true"}};
  headless_browser browser{chromium, s.path()};
  browser.open(run.url());
  // No graph of 1000 nodes: a histogram of states and one of step counts.
  REQUIRE(browser.wait_for(
    "!document.querySelector('#aggregates').hidden && "
    "document.querySelectorAll('#state-histogram .row').length === 6",
    30));
  CHECK(browser.eval("getComputedStyle(document.querySelector('#graph'))"
                     ".display") == "none");
  CHECK(browser.eval("document.querySelectorAll('#graph circle').length") == 0);
  CHECK(browser.eval("[...document.querySelectorAll('#state-histogram .row')]"
                     ".reduce((n, r) => n + Number(r.lastChild.textContent), "
                     "0)") == 1000);
  CHECK(browser.wait_for(
    "document.querySelectorAll('#steps-histogram rect').length === 20", 30));
  CHECK(browser.screenshot(screenshot_path("dashboard-1000-agents.png")) >
        20000);
}
