#pragma once

// A headless Chromium driven over the DevTools protocol for the dashboard's
// browser tests. The protocol runs over a pipe (--remote-debugging-pipe:
// Chromium reads commands on fd 3 and writes replies and events on fd 4,
// each message a JSON text ended by a NUL byte), so no WebSocket client and
// no npm package is needed. Clicks are real mouse events at an element's
// centre, not JavaScript calls of its handlers. Every wait has a deadline.

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace murmur::testing {

/// The Chromium binary: $MURMUR_CHROMIUM, else `chromium` on the PATH; empty
/// when there is none (the browser tests are then skipped).
inline std::string find_chromium() {
  if (auto given = std::getenv("MURMUR_CHROMIUM"))
    return given;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin";
  for (std::size_t at = 0; at <= dirs.size();) {
    auto end = dirs.find(':', at);
    if (end == std::string::npos)
      end = dirs.size();
    for (auto name : {"chromium", "chromium-browser"}) {
      auto candidate = std::filesystem::path{dirs.substr(at, end - at)} / name;
      if (::access(candidate.c_str(), X_OK) == 0)
        return candidate.string();
    }
    at = end + 1;
  }
  return {};
}

inline std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0)
      continue; // padding
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

/// One headless Chromium with one page, closed with the object.
class headless_browser {
public:
  /// Starts `binary` with its profile and log under `dir`.
  headless_browser(const std::string& binary, const std::filesystem::path& dir)
    : profile_(dir / "profile"), log_(dir / "chromium.log") {
    int to_browser[2], from_browser[2];
    REQUIRE(::pipe(to_browser) == 0);
    REQUIRE(::pipe(from_browser) == 0);
    std::vector<std::string> args{binary,
                                  "--headless=new",
                                  "--no-sandbox", // tests run as root
                                  "--disable-gpu",
                                  "--disable-dev-shm-usage", // small /dev/shm
                                  "--no-first-run",
                                  "--disable-extensions",
                                  "--disable-breakpad",
                                  "--remote-debugging-pipe",
                                  "--user-data-dir=" + profile_.string(),
                                  "about:blank"};
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    auto log = log_.string();
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL); // dies with a crashed test
      // A process group of its own: the browser's helpers (renderer, GPU,
      // crash handler) die with it.
      ::setpgid(0, 0);
      // fds 3 and 4 are the protocol's; move the pipe ends there (through
      // fds above them, which may be the pipe's own).
      int in = ::fcntl(to_browser[0], F_DUPFD, 10);
      int out = ::fcntl(from_browser[1], F_DUPFD, 10);
      ::dup2(in, 3);
      ::dup2(out, 4);
      int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(err, 1);
      ::dup2(err, 2);
      for (int fd = 5; fd < 1024; ++fd)
        ::close(fd);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::setpgid(pid_, pid_); // as the child does: whichever runs first
    ::close(to_browser[0]);
    ::close(from_browser[1]);
    out_ = to_browser[1];
    in_ = from_browser[0];
    try {
      open_page();
    } catch (...) {
      close_browser(); // the destructor does not run for a failed constructor
      throw;
    }
  }

  ~headless_browser() { close_browser(); }

  headless_browser(const headless_browser&) = delete;
  headless_browser& operator=(const headless_browser&) = delete;

  void open(const std::string& url) {
    call("Page.navigate", {{"url", url}}, true);
  }

  /// The value of a JavaScript expression in the page (awaited if a
  /// promise); throws on an exception in the page.
  nlohmann::json eval(const std::string& expression) {
    auto r = call("Runtime.evaluate",
                  {{"expression", expression},
                   {"awaitPromise", true},
                   {"returnByValue", true}},
                  true);
    if (r.contains("exceptionDetails"))
      throw std::runtime_error("in the page: " + r["exceptionDetails"].dump() +
                               " evaluating " + expression);
    return r["result"].value("value", nlohmann::json{});
  }

  /// Waits until `predicate` (an expression) is true in the page; false
  /// after `seconds`.
  bool wait_for(const std::string& predicate, double seconds) {
    auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    auto guarded = "(() => { try { return !!(" + predicate +
                   "); } catch (e) { return false; } })()";
    while (std::chrono::steady_clock::now() < deadline) {
      if (eval(guarded) == true)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  /// A left click with the mouse at the centre of the element `selector`
  /// finds (scrolled into view first).
  void click(const std::string& selector) {
    auto box = eval("(() => { const e = document.querySelector(" +
                    nlohmann::json(selector).dump() +
                    "); if (!e) return null; e.scrollIntoView({block: "
                    "'center'}); const r = e.getBoundingClientRect(); return "
                    "[r.left + r.width / 2, r.top + r.height / 2]; })()");
    REQUIRE_MESSAGE(box.is_array(), "no element " << selector);
    for (auto type : {"mouseMoved", "mousePressed", "mouseReleased"}) {
      nlohmann::json p{{"type", type},
                       {"x", box[0]},
                       {"y", box[1]},
                       {"button", "left"},
                       {"buttons", std::string{type} == "mousePressed" ? 1 : 0},
                       {"clickCount", 1}};
      call("Input.dispatchMouseEvent", p, true);
    }
  }

  /// Types `text` into the input `selector` (replacing its value) and
  /// commits it as a user's Enter would.
  void type_into(const std::string& selector, const std::string& text) {
    click(selector);
    eval("document.querySelector(" + nlohmann::json(selector).dump() +
         ").select()");
    call("Input.insertText", {{"text", text}}, true);
    for (auto type : {"keyDown", "keyUp"})
      call("Input.dispatchKeyEvent",
           {{"type", type},
            {"key", "Enter"},
            {"code", "Enter"},
            {"windowsVirtualKeyCode", 13},
            {"text", std::string{type} == "keyDown" ? "\r" : ""}},
           true);
    // Enter commits a text input's value in a form only: blur commits it
    // here, as leaving the field would.
    eval("document.querySelector(" + nlohmann::json(selector).dump() +
         ").blur()");
  }

  /// The page as a PNG at `path`; its size in bytes.
  std::size_t screenshot(const std::filesystem::path& path) {
    auto shot = call("Page.captureScreenshot", {{"format", "png"}}, true);
    auto png = base64_decode(shot["data"].get<std::string>());
    std::ofstream out{path, std::ios::binary};
    out.write(png.data(), static_cast<std::streamsize>(png.size()));
    out.close();
    REQUIRE_MESSAGE(out, "cannot write " << path);
    return png.size();
  }

  const std::filesystem::path& log() const { return log_; }

private:
  /// A page of its own, attached in flat mode, at a fixed size.
  void open_page() {
    // The first reply waits for the browser's start-up, which takes under a
    // second here but once gave no reply within 30 s on a loaded CI machine
    // (the fuzzers and a saturated-link test beside it).
    auto target = call("Target.createTarget", {{"url", "about:blank"}}, false,
                       std::chrono::seconds(120));
    auto attached = call("Target.attachToTarget",
                         {{"targetId", target["targetId"]}, {"flatten", true}});
    session_ = attached["sessionId"].get<std::string>();
    call("Page.enable", nlohmann::json::object(), true);
    call("Emulation.setDeviceMetricsOverride",
         {{"width", 1400},
          {"height", 1100},
          {"deviceScaleFactor", 1},
          {"mobile", false}},
         true);
  }

  /// Kills the browser and its helpers, reaps it, and removes what it
  /// leaves outside its profile.
  void close_browser() {
    if (out_ >= 0)
      ::close(out_);
    if (in_ >= 0)
      ::close(in_);
    out_ = in_ = -1;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    remove_singleton_folder();
  }

  /// Chromium keeps its singleton socket in a folder of its own in the
  /// system's temporary folder (the profile's SingletonSocket links to it)
  /// and leaves it there when killed, even by SIGTERM: one per test run.
  void remove_singleton_folder() const {
    std::error_code ec;
    auto socket =
      std::filesystem::read_symlink(profile_ / "SingletonSocket", ec);
    if (ec)
      return;
    auto folder = socket.parent_path();
    if (folder.filename().string().rfind("org.chromium.Chromium.", 0) == 0)
      std::filesystem::remove_all(folder, ec);
  }

  /// Sends a command (to the page's session when `page`) and returns its
  /// result, skipping events; throws on an error reply, after `bound` (and
  /// when the browser died: tests/main.cpp ignores SIGPIPE).
  nlohmann::json call(const std::string& method, const nlohmann::json& params,
                      bool page = false,
                      std::chrono::seconds bound = std::chrono::seconds(30)) {
    int id = ++last_id_;
    nlohmann::json msg{{"id", id}, {"method", method}, {"params", params}};
    if (page)
      msg["sessionId"] = session_;
    auto text = msg.dump();
    text.push_back('\0');
    for (std::size_t sent = 0; sent < text.size();) {
      auto n = ::write(out_, text.data() + sent, text.size() - sent);
      if (n <= 0)
        pipe_closed();
      sent += static_cast<std::size_t>(n);
    }
    auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
      auto reply = next_message(deadline);
      if (!reply)
        throw std::runtime_error("the browser did not answer " + method +
                                 " within " + std::to_string(bound.count()) +
                                 " s; its log ends:\n" + log_tail());
      if (reply->value("id", -1) != id)
        continue; // an event, or a late reply
      if (reply->contains("error"))
        throw std::runtime_error(method + ": " + (*reply)["error"].dump());
      return (*reply)["result"];
    }
  }

  [[noreturn]] void pipe_closed() const {
    throw std::runtime_error("the browser closed its pipe; its log ends:\n" +
                             log_tail());
  }

  /// The last lines of the browser's log, for a failure's message: the log
  /// goes with the test's scratch folder.
  std::string log_tail() const {
    std::ifstream in{log_, std::ios::binary};
    std::string text{std::istreambuf_iterator<char>(in), {}};
    constexpr std::size_t keep = 2000;
    return text.size() > keep ? text.substr(text.size() - keep) : text;
  }

  std::optional<nlohmann::json>
  next_message(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto end = buffer_.find('\0');
      if (end != std::string::npos) {
        auto msg = nlohmann::json::parse(buffer_.substr(0, end));
        buffer_.erase(0, end + 1);
        return msg;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
      if (left <= 0)
        return std::nullopt;
      pollfd p{in_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0)
        continue;
      char chunk[1 << 16];
      auto n = ::read(in_, chunk, sizeof chunk);
      if (n <= 0)
        pipe_closed();
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::filesystem::path profile_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  int last_id_ = 0;
  std::string buffer_;
  std::string session_;
};

} // namespace murmur::testing
