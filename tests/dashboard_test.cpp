// The dashboard's server as a client sees it: a stream's last events
// outlasting the server, who may ask what (token, host names, origins, body
// size), the read-only view of finished runs, and the launcher serving a run
// across hosts. The page itself is driven in a browser by
// dashboard_browser_test.cpp.

#include "experiments/cli/dashboard/hub.hpp"
#include "experiments/cli/dashboard/web_server.hpp"
#include "tests/dashboard_process.hpp"
#include "tests/hosts_support.hpp"
#include "tests/processes.hpp"
#include "tests/scratch.hpp"
#include "tests/sockets.hpp"

#include <doctest/doctest.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

using namespace murmur::testing;
namespace fs = std::filesystem;

namespace {

const std::string quickstart = MURMUR_SOURCE_DIR "/experiments/quickstart.toml";

/// The port and token of a page's address ("http://HOST:PORT/?token=T").
struct address {
  int port = 0;
  std::string token;
};

address parse_url(const std::string& url) {
  auto host_end = url.find(':', url.find("//"));
  auto port_end = url.find('/', host_end);
  address a;
  a.port = std::stoi(url.substr(host_end + 1, port_end - host_end - 1));
  auto t = url.find("token=");
  if (t != std::string::npos)
    a.token = url.substr(t + 6);
  return a;
}

httplib::Headers with_token(const std::string& token) {
  return {{"X-Murmur-Token", token}};
}

nlohmann::json command_body(const std::string& line) {
  return {{"command", line}};
}

/// A run of 4 synthetic agents on the real clock whose agents wait, paused,
/// until the test resumes them.
std::vector<std::string> paused_run() {
  return {"data.name=\"synthetic\"",
          "run.agents=4",
          "run.threads=1",
          "run.rounds=20",
          "run.eval_every=10",
          "cost.step_seconds=0.005",
          "stragglers.events=[\"at 0s pause 0-3\"]"};
}

/// Whether the snapshot `page` holds a sample of `n` agents, all in `state`.
bool all_agents(const nlohmann::json& page, std::size_t n,
                const std::string& state) {
  if (!page.contains("agents") || !page["agents"].is_object() ||
      page["agents"]["state"].size() != n)
    return false;
  auto& names = page["states"];
  for (auto& code : page["agents"]["state"])
    if (names[code.get<std::size_t>()] != state)
      return false;
  return true;
}

} // namespace

TEST_CASE("a page gets the run's end even when the server stops while its "
          "stream is behind") {
  using namespace murmur::dashboard;
  hub page{
    {{"mode", "live"},
     {"runs", {{{"header", "round"}, {"rows", nlohmann::json::array()}}}}}};
  web_server server{"127.0.0.1:0", "dashboard.listen", page, nullptr};
  server.start();
  // A page that asks for the stream and does not read yet.
  int fd =
    poke(server.port(),
         "GET /api/stream?since=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 4096);
  timeval wait{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  for (int i = 0; i < 1000 && page.watchers() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(page.watchers() == 1);

  // 6 MB of rows, more than the sockets buffer while the page does not
  // read: the server's write blocks. Then the run ends and the server stops.
  for (int i = 0; i < 6000; ++i)
    page.add_row(0, std::to_string(i) + "," + std::string(1000, '7'));
  page.end({{"failed", false}});
  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // The page reads on: the end arrives after every row.
  std::string got;
  char buffer[1 << 16];
  bool ended = false;
  while (!ended) {
    auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    // Only the new bytes, and a marker's length before them, can hold it.
    auto from = got.size() > 16 ? got.size() - 16 : 0;
    got.append(buffer, static_cast<std::size_t>(n));
    ended = got.find("event: end", from) != std::string::npos;
  }
  ::close(fd);
  REQUIRE(stopped.wait_for(std::chrono::seconds(10)) ==
          std::future_status::ready);
  CHECK(contains(got, "\"5999,7777"));
  CHECK(contains(got, "event: end"));
}

TEST_CASE("a dashboard bound beyond loopback refuses requests without its "
          "token, and oversized bodies") {
  scratch_dir s{"dash-token"};
  dashboard_process run{s.path(), quickstart, "0.0.0.0:0", paused_run()};
  auto at = parse_url(run.url());
  REQUIRE(at.token.size() == 32);
  httplib::Client client{"127.0.0.1", at.port};
  client.set_read_timeout(20, 0);
  auto json = "application/json";

  // Without the token, or with a wrong one: 401, and nothing happens.
  auto no_token =
    client.Post("/api/command", command_body("resume 0-3").dump(), json);
  REQUIRE(no_token);
  CHECK(no_token->status == 401);
  auto wrong = client.Post("/api/command", with_token(std::string(32, '0')),
                           command_body("slow 1 10x").dump(), json);
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  auto init = client.Get("/api/init");
  REQUIRE(init);
  CHECK(init->status == 401);

  // A 10 MB body is refused before it is read, declared or chunked, and so
  // are bodies where none belongs; the server answers on.
  std::string huge(10 << 20, 'x');
  auto big = client.Post("/api/command", with_token(at.token), huge, json);
  CHECK((!big || big->status == 413));
  httplib::Client again{"127.0.0.1", at.port};
  again.set_read_timeout(20, 0);
  auto chunked = again.Post(
    "/api/command", with_token(at.token),
    [&huge](std::size_t offset, httplib::DataSink& sink) {
      if (offset >= huge.size()) {
        sink.done();
        return true;
      }
      return sink.write(huge.data() + offset, 1 << 20);
    },
    json);
  CHECK((!chunked || chunked->status == 411));
  httplib::Client third{"127.0.0.1", at.port};
  auto put = third.Put("/index.html", huge, json);
  CHECK((!put || put->status == 405));
  auto posted_page = third.Post("/index.html", "{}", json);
  REQUIRE(posted_page);
  CHECK(posted_page->status == 405);
  auto after = again.Get("/api/init", with_token(at.token));
  REQUIRE(after);
  CHECK(after->status == 200);
  CHECK(after->get_header_value("X-Frame-Options") == "DENY");
  CHECK(contains(after->get_header_value("Content-Security-Policy"),
                 "frame-ancestors 'none'"));
  // The agents are still all paused: the refused resume changed nothing.
  bool paused = false;
  for (int i = 0; i < 100 && !paused; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = again.Get("/api/init", with_token(at.token));
    REQUIRE(now);
    paused = all_agents(nlohmann::json::parse(now->body), 4, "paused");
  }
  CHECK(paused);

  // A post from another origin is refused even with the token.
  auto headers = with_token(at.token);
  headers.emplace("Origin", "http://attacker.example");
  auto foreign = again.Post("/api/command", headers,
                            command_body("resume 0-3").dump(), json);
  REQUIRE(foreign);
  CHECK(foreign->status == 403);

  // With the token, the command goes through.
  auto ok = again.Post("/api/command", with_token(at.token),
                       command_body("resume 0-3").dump(), json);
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(nlohmann::json::parse(ok->body)["reply"] == "ok: resume 0-3");
  REQUIRE(run.wait(60) == 0);
  auto events = slurp(run.folder() / "events.csv");
  CHECK(contains(events, ",dashboard,\"resume 0-3\",\"ok\""));
  CHECK(!contains(events, "slow 1"));
  // Only the token's resume ran: one dashboard line.
  CHECK(events.find(",dashboard,") == events.rfind(",dashboard,"));
}

TEST_CASE("a loopback dashboard answers loopback host names only and paces "
          "a virtual-clock run") {
  scratch_dir s{"dash-loopback"};
  auto sets = paused_run();
  sets.back() = "clock.kind=\"virtual\"";
  sets.push_back("dashboard.start_paused=true");
  dashboard_process run{s.path(), quickstart, "127.0.0.1:0", sets};
  auto at = parse_url(run.url());
  CHECK(at.token.empty());
  httplib::Client client{"127.0.0.1", at.port};
  client.set_read_timeout(20, 0);
  auto page = client.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(contains(page->body, "<title>murmur dashboard</title>"));
  // A DNS-rebinding page reaches the port under another host name, which
  // may look like a loopback address.
  for (auto host : {"attacker.example", "127.attacker.example:80"}) {
    auto rebound = client.Get("/api/init", {{"Host", host}});
    REQUIRE(rebound);
    CHECK(rebound->status == 403);
  }
  // Without a token, a loopback dashboard's only guard against other sites'
  // pages is the origin of their posts.
  auto json = "application/json";
  auto foreign =
    client.Post("/api/clock", {{"Origin", "http://attacker.example"}},
                R"({"action":"run"})", json);
  REQUIRE(foreign);
  CHECK(foreign->status == 403);
  auto form = client.Post("/api/clock", "action=run",
                          "application/x-www-form-urlencoded");
  REQUIRE(form);
  CHECK(form->status == 415);
  auto status = client.Post("/api/command", R"({"command":"status"})", json);
  REQUIRE(status);
  CHECK(status->status == 400);

  // Started paused: the clock stays at 0 until the page says run.
  auto init = nlohmann::json::parse(client.Get("/api/init")->body);
  CHECK(init["clock"] == "virtual");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto held = nlohmann::json::parse(client.Get("/api/init")->body);
  CHECK(held["pacer"]["paused"] == true);
  CHECK(held["pacer"]["now"] == 0.0);
  auto bad = client.Post("/api/clock", R"({"action":"fly"})", json);
  REQUIRE(bad);
  CHECK(bad->status == 400);
  auto go = client.Post("/api/clock", R"({"action":"run"})", json);
  REQUIRE(go);
  CHECK(go->status == 200);
  REQUIRE(run.wait(60) == 0);
  CHECK(contains(slurp(run.folder() / "metrics.csv"), "\n20,"));
}

TEST_CASE("murmur view serves finished runs side by side, read-only") {
  scratch_dir s{"dash-view"};
  auto out = s.path() / "out";
  for (auto name : {"a", "b"}) {
    auto r = std::system(
      (std::string{MURMUR_BINARY} + " run " + quickstart +
       " --set data.name=\\\"synthetic\\\" run.agents=4 run.rounds=20 "
       "run.eval_every=5 clock.kind=\\\"virtual\\\" run.output=\\\"" +
       out.string() + "\\\" run.name=" + name + " > /dev/null 2>&1")
        .c_str());
    REQUIRE(r == 0);
  }
  dashboard_process view{{"view", (out / "a").string(), (out / "b").string(),
                          "--listen", "127.0.0.1:0"},
                         s.path() / "view.log"};
  auto at = parse_url(view.url("murmur view: "));
  httplib::Client client{"127.0.0.1", at.port};
  client.set_read_timeout(20, 0);
  auto init = client.Get("/api/init");
  REQUIRE(init);
  REQUIRE(init->status == 200);
  auto page = nlohmann::json::parse(init->body);
  CHECK(page["mode"] == "view");
  CHECK(page["readonly"] == true);
  REQUIRE(page["runs"].size() == 2);
  CHECK(page["runs"][0]["name"] == "a");
  CHECK(page["runs"][1]["name"] == "b");
  for (auto& r : page["runs"]) {
    CHECK(r["rows"].size() == 5); // rounds 0, 5, 10, 15, 20
    CHECK(r["agents_table"]["rows"].size() == 4);
  }
  auto metrics = slurp(out / "a" / "metrics.csv");
  CHECK(contains(metrics, page["runs"][0]["rows"][4].get<std::string>()));
  auto refused =
    client.Post("/api/command", R"({"command":"pause 0"})", "application/json");
  REQUIRE(refused);
  CHECK(refused->status == 403);
  view.signal(SIGTERM);
  CHECK(view.wait(20) == 0);
}

TEST_CASE("the launcher serves the dashboard of a run across hosts") {
  scratch_dir s{"dash-hosts"};
  std::vector<std::string> plain{"--insecure", "--heartbeat", "0.2",
                                 "--timeout", "2"};
  node_process a{plain, s.path() / "a.log"};
  node_process b{plain, s.path() / "b.log"};
  auto sets = paused_run();
  sets.push_back(hosts_of({&a, &b}));
  sets.push_back("hosts.insecure=true");
  sets.push_back("hosts.placement=round-robin");
  dashboard_process run{s.path(), quickstart, "127.0.0.1:0", sets};
  auto at = parse_url(run.url());
  httplib::Client client{"127.0.0.1", at.port};
  client.set_read_timeout(20, 0);
  // A live sample of every agent, each on its node, all paused.
  bool sampled = false;
  for (int i = 0; i < 200 && !sampled; ++i) {
    auto init = client.Get("/api/init");
    REQUIRE(init);
    sampled = all_agents(nlohmann::json::parse(init->body), 4, "paused");
    if (!sampled)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(sampled);
  auto ok = client.Post("/api/command", command_body("resume 0-3").dump(),
                        "application/json");
  REQUIRE(ok);
  CHECK(nlohmann::json::parse(ok->body)["reply"] == "ok: resume 0-3");
  REQUIRE(run.wait(60) == 0);
  CHECK(contains(slurp(run.folder() / "events.csv"),
                 ",dashboard,\"resume 0-3\",\"ok\""));
  CHECK(contains(slurp(run.folder() / "metrics.csv"), "\n20,"));
}
