#include "experiments/cli/dashboard/live_dashboard.hpp"

#include "actors/control_channels.hpp"
#include "actors/live_sampler.hpp"
#include "actors/messages.hpp"
#include "experiments/cli/dashboard/run_json.hpp"

#include <algorithm>
#include <future>
#include <iostream>

namespace murmur::dashboard {

namespace {

/// Agents' samples per wall second at most: a sample costs two messages
/// per agent and a delta of the agents that changed.
constexpr double max_samples_per_second = 20000;

/// How long a page waits for a command's reply.
constexpr auto reply_wait = std::chrono::seconds(10);

nlohmann::json initial_page(const run_config& cfg, const experiment& exp) {
  auto protocol = exp.protocol() != nullptr;
  auto run = run_json(cfg.run.name, cfg);
  run["engine"] = to_string(cfg.run.engine);
  return {{"mode", "live"},
          {"clock", to_string(cfg.clock.kind)},
          {"graph", graph_json(protocol ? nullptr : &exp.comm, exp.agents())},
          {"runs", {run}}};
}

} // namespace

live_dashboard::live_dashboard(const run_config& cfg, const experiment& exp)
  : hub_(initial_page(cfg, exp)),
    server_(cfg.dashboard.listen, "dashboard.listen", hub_, this),
    sample_seconds_(
      std::max(cfg.dashboard.sample_seconds,
               static_cast<double>(exp.agents()) / max_samples_per_second)) {
  if (cfg.clock.kind == clock_kind::simulated) {
    pacer_.emplace(cfg.dashboard.speed, cfg.dashboard.start_paused);
    hub_.set_clock(pacer_->current());
  }
  server_.start();
}

live_dashboard::~live_dashboard() {
  close();
  hub_.end({{"failed", true}}); // no-op after finished()
  server_.stop();
}

metrics_sink& live_dashboard::feed(metrics_sink& inner) {
  feed_.emplace(inner, *this);
  return *feed_;
}

void live_dashboard::feed_sink::on_row(const metrics_row& row) {
  inner_.on_row(row);
  d_.hub_.add_row(0, csv_line(row));
  if (d_.pacer_)
    d_.pacer_->on_row();
}

void live_dashboard::feed_sink::on_agents(
  const std::vector<agent_report>& reports) {
  inner_.on_agents(reports); // the page reads agents.csv once it is final
}

void live_dashboard::feed_sink::on_event(double t, const std::string& source,
                                         const std::string& text,
                                         const std::string& result) {
  inner_.on_event(t, source, text, result);
  d_.hub_.add_event(0, event_entry(t, source, text, result));
}

void live_dashboard::serve(const live_run& run) {
  std::lock_guard<std::mutex> guard{mtx_};
  sys_ = &run.sys;
  controller_ = run.controller;
  auto* page = &hub_;
  sampler_ = run.sys.spawn(live_sampler, &run.env, run.trainers,
                           [page](std::vector<agent_sample> samples, double t) {
                             page->set_agents(samples, t);
                           });
  ticking_ = true;
  ticker_ = std::thread{[this] { tick_loop(sample_seconds_); }};
}

void live_dashboard::close() {
  std::lock_guard<std::mutex> asking{asking_};
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (!sys_)
      return;
    ticking_ = false;
    stop_ticks_.notify_all();
  }
  ticker_.join();
  std::lock_guard<std::mutex> guard{mtx_};
  if (pacer_)
    pacer_->close();
  caf::anon_send_exit(sampler_, caf::exit_reason::user_shutdown);
  sampler_ = nullptr;
  controller_ = nullptr;
  sys_ = nullptr;
}

bool live_dashboard::touch(
  std::function<void(caf::actor_system&, const caf::actor& controller,
                     const caf::actor& sampler)>
    work) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!sys_)
    return false;
  auto run = [sys = sys_, controller = controller_, sampler = sampler_,
              work = std::move(work)] { work(*sys, controller, sampler); };
  if (pacer_)
    pacer_->post(std::move(run));
  else
    run();
  return true;
}

void live_dashboard::tick_loop(double seconds) {
  auto every = std::chrono::duration<double>(seconds);
  std::unique_lock<std::mutex> lock{mtx_};
  while (ticking_) {
    lock.unlock();
    if (pacer_) {
      pacer_->set_watched(hub_.watchers() > 0);
      hub_.set_clock(pacer_->current());
    }
    touch([](caf::actor_system&, const caf::actor&, const caf::actor& s) {
      caf::anon_send(s, caf::tick_atom::value);
    });
    lock.lock();
    stop_ticks_.wait_for(lock, every, [this] { return !ticking_; });
  }
}

std::string live_dashboard::command(const std::string& line) {
  const std::string source = "dashboard";
  if (!pacer_) {
    // Real clock: ask from this thread as `murmur ctl`'s channel does;
    // close() waits for a request under way before the run goes.
    std::lock_guard<std::mutex> asking{asking_};
    caf::actor_system* sys = nullptr;
    caf::actor controller;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      sys = sys_;
      controller = controller_;
    }
    if (!sys)
      return "error: the run is not running";
    return ask_controller(*sys, controller, line, source);
  }
  // Virtual clock: the request is made on the driver loop's thread, and the
  // answer awaited here on the wall clock. The request carries no timeout (a
  // virtual one would be an event of the run); a controller that is gone
  // answers with an error.
  auto reply = std::make_shared<std::promise<std::string>>();
  auto answer = reply->get_future();
  bool serving = touch([line, source, reply](caf::actor_system& sys,
                                             const caf::actor& controller,
                                             const caf::actor&) {
    sys.spawn([=](caf::event_based_actor* self) {
      self
        ->request(controller, caf::infinite, command_atom::value, line, source)
        .then([reply](std::string& r) { reply->set_value(std::move(r)); },
              [reply, self](caf::error& e) {
                reply->set_value("error: " + self->system().render(e));
              });
    });
  });
  if (!serving)
    return "error: the run is not running";
  if (answer.wait_for(reply_wait) != std::future_status::ready)
    return "error: the run did not answer within 10 s";
  try {
    return answer.get();
  } catch (const std::future_error&) {
    return "error: the run is over";
  }
}

bool live_dashboard::clock(clock_action action, double speed) {
  if (!pacer_)
    return false;
  switch (action) {
    case clock_action::pause: pacer_->pause(); break;
    case clock_action::run: pacer_->run(); break;
    case clock_action::step: pacer_->step(); break;
    case clock_action::speed: pacer_->set_speed(speed); break;
  }
  hub_.set_clock(pacer_->current());
  return true;
}

void live_dashboard::finished(const std::filesystem::path& folder,
                              const run_outcome& end) {
  hub_.set_agents_table(0, agents_table(folder));
  hub_.end({{"folder", folder.string()},
            {"stopped_by", to_string(end.why)},
            {"detail", end.detail},
            {"failed", false}});
}

std::unique_ptr<live_dashboard> open_dashboard(const run_config& cfg,
                                               const experiment& exp) {
  if (cfg.dashboard.listen.empty())
    return nullptr;
  auto d = std::make_unique<live_dashboard>(cfg, exp);
  std::cerr << "dashboard: " << d->url() << std::endl;
  return d;
}

} // namespace murmur::dashboard
