#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
  // Tests talk to servers that refuse and close early (the dashboard drops
  // an oversized body unread) and to browsers that may die: a write to a
  // closed socket or pipe must fail with EPIPE, not end the test binary.
  std::signal(SIGPIPE, SIG_IGN);
  return doctest::Context(argc, argv).run();
}
