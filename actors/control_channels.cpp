#include "actors/control_channels.hpp"

#include "actors/messages.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace murmur {

namespace {

constexpr int poll_ms = 100;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

int listen_on(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(port);
  if (fd < 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 8) != 0) {
    auto why = std::string{std::strerror(errno)};
    if (fd >= 0)
      ::close(fd);
    throw input_error(
      "control.port: cannot listen on 127.0.0.1:" + std::to_string(port) +
      " (" + why + "); pick another port");
  }
  return fd;
}

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

/// Reads up to a newline (at most 1 KiB, at most 2 s): a silent or garbage
/// client cannot hold the channel.
std::string read_line(int fd) {
  std::string line;
  char c = 0;
  while (line.size() < 1024 && readable(fd, 2000) && ::read(fd, &c, 1) == 1) {
    if (c == '\n')
      break;
    if (c != '\r')
      line += c;
  }
  return line;
}

void write_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    auto n = ::write(fd, text.data() + sent, text.size() - sent);
    if (n <= 0)
      return;
    sent += static_cast<std::size_t>(n);
  }
}

} // namespace

control_channels::control_channels(const control_section& cfg)
  : console_(cfg.console) {
  if (cfg.port > 0) {
    listener_ = listen_on(cfg.port);
    std::cerr << "control: murmur ctl --port " << cfg.port << " COMMAND\n";
  }
}

control_channels::~control_channels() {
  close();
}

void control_channels::serve(const live_run& run) {
  sys_ = &run.sys;
  controller_ = run.controller;
  if (listener_ >= 0)
    threads_.emplace_back([this] { serve_socket(); });
  if (console_) {
    std::cerr << "console: " << command_help() << "\n";
    threads_.emplace_back([this] { serve_console(); });
  }
}

void control_channels::close() {
  stopping_ = true;
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  if (listener_ >= 0)
    ::close(listener_);
  listener_ = -1;
}

std::string ask_controller(caf::actor_system& sys, const caf::actor& controller,
                           const std::string& line, const std::string& source) {
  std::string reply;
  {
    caf::scoped_actor self{sys};
    self
      ->request(controller, std::chrono::seconds(10), command_atom::value, line,
                source)
      .receive([&](std::string& r) { reply = std::move(r); },
               [&](caf::error& e) { reply = "error: " + sys.render(e); });
  }
  // The scoped actor made this thread hold the system's logger, and the
  // system's destructor waits until every holder lets go: a thread that
  // outlives the run (an HTTP server's pool) would block it forever.
  caf::logger::set_current_actor_system(nullptr);
  return reply;
}

std::string control_channels::ask(const std::string& line,
                                  const std::string& source) {
  return ask_controller(*sys_, controller_, line, source);
}

void control_channels::serve_console() {
  std::string line;
  while (!stopping_) {
    if (!readable(STDIN_FILENO, poll_ms))
      continue;
    if (!std::getline(std::cin, line))
      return;
    if (!line.empty())
      std::cerr << ask(line, "console") << "\n";
  }
}

void control_channels::serve_socket() {
  while (!stopping_) {
    if (!readable(listener_, poll_ms))
      continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0)
      continue;
    auto line = read_line(client);
    write_all(client,
              (line.empty() ? "error: empty command" : ask(line, "ctl")) +
                "\n");
    ::close(client);
  }
}

std::unique_ptr<control_channels>
open_control_channels(const control_section& cfg) {
  if (cfg.port == 0 && !cfg.console)
    return nullptr;
  return std::make_unique<control_channels>(cfg);
}

std::string send_control_command(int port, const std::string& line) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto addr = loopback(port);
  if (fd < 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0)
      ::close(fd);
    throw std::runtime_error(
      "no murmur run listens on 127.0.0.1:" + std::to_string(port) +
      " (start one with control.port set)");
  }
  write_all(fd, line + "\n");
  auto reply = read_line(fd);
  ::close(fd);
  return reply;
}

} // namespace murmur
