// A sweep's figures: mean ± std over the reported seeds against each budget
// (rounds, local steps, bytes, clock seconds), and the tuning curves.
#include "experiments/cli/sweep_figures.hpp"

#include "experiments/cli/figure.hpp"
#include "experiments/cli/run_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace murmur {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string>& budgets() {
  static const std::vector<std::string> xs{"round", "local_steps", "bytes_sent",
                                           "time_seconds"};
  return xs;
}

std::string seeds_text(const std::vector<int>& seeds) {
  std::string out;
  for (auto s : seeds)
    out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

/// "time_seconds (simulated)": which clock the seconds are on.
std::string axis_label(const std::string& x, const sweep_outcome& sweep) {
  if (x != "time_seconds")
    return x;
  for (auto& m : sweep.methods)
    for (auto& run : m.reported) {
      auto it = run.config.find("clock.kind");
      if (it != run.config.end())
        return x + (it->second.find("virtual") != std::string::npos
                      ? " (simulated)"
                      : " (wall clock)");
    }
  return x;
}

/// Renders one figure; a gnuplot failure is noted, the report goes on.
void render(std::ostream& md, const figure& fig, const sweep_outcome& sweep,
            const std::string& name, std::ostream& log) {
  auto file = sweep.dir / "plots" / name;
  try {
    fs::create_directories(file.parent_path());
    render_figure(fig, file);
    md << "![" << fig.title << "](plots/" << name << ")\n";
  } catch (const std::exception& e) {
    log << "sweep: warning: " << file.string() << ": " << e.what() << "\n";
  }
}

/// The methods with reported runs, and their mean curves of y against x.
struct shown_methods {
  std::vector<const method_outcome*> methods;

  std::vector<mean_curve> curves(const std::string& x,
                                 const std::string& y) const {
    std::vector<mean_curve> out;
    for (auto* m : methods)
      out.push_back(mean_over_runs(m->reported, x, y));
    return out;
  }
};

figure curve_figure(const shown_methods& shown, const std::string& x,
                    const std::string& y, const sweep_outcome& sweep) {
  figure fig;
  fig.ylabel = y;
  fig.title = y + " against " + x + ", mean ± std over seeds " +
              seeds_text(sweep.spec->seeds);
  panel p;
  p.xlabel = axis_label(x, sweep);
  auto means = shown.curves(x, y);
  for (std::size_t i = 0; i < means.size(); ++i)
    p.curves.push_back({shown.methods[i]->method->name, means[i].x, means[i].y,
                        means[i].spread});
  fig.panels.push_back(std::move(p));
  return fig;
}

/// A method's tuning scores against the values of its single axis `key`,
/// when that axis is numeric.
std::optional<curve> tuning_curve(const method_outcome& m,
                                  const std::string& key) {
  if (m.method->grid.size() != 1 || m.method->grid[0].key != key ||
      m.tuning_runs.empty())
    return std::nullopt;
  curve c{m.method->name, {}, {}, {}};
  for (std::size_t i = 0; i < m.points.size(); ++i) {
    auto& text = m.points[i].values[0].second;
    char* end = nullptr;
    double x = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size())
      return std::nullopt;
    if (std::isnan(m.scores[i]))
      continue;
    c.x.push_back(x);
    c.y.push_back(m.scores[i]);
  }
  return c;
}

/// Log scale for positive values that span a factor of 4 or more (grids of
/// learning rates are usually geometric).
bool spans_factors(const panel& p) {
  double lo = INFINITY, hi = -INFINITY;
  for (auto& c : p.curves)
    for (double x : c.x) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  return lo > 0 && hi >= 4 * lo;
}

} // namespace

mean_curve mean_over_runs(const std::vector<run_record>& runs,
                          const std::string& x, const std::string& y) {
  mean_curve c;
  if (runs.empty())
    return c;
  auto rows = runs.front().rows();
  for (auto& run : runs)
    rows = std::min(rows, run.rows());
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<double> xs, ys;
    for (auto& run : runs) {
      xs.push_back(run.column(x)[i]);
      ys.push_back(run.column(y)[i]);
    }
    auto sy = summarize(ys);
    c.x.push_back(summarize(xs).mean);
    c.y.push_back(sy.mean);
    c.spread.push_back(sy.std);
  }
  return c;
}

bool same_view_as_rounds(const std::vector<mean_curve>& against_x,
                         const std::vector<mean_curve>& against_rounds) {
  auto close = [](double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
  };
  std::optional<double> shared;
  for (std::size_t m = 0; m < against_x.size(); ++m) {
    auto& xs = against_x[m].x;
    auto& rounds = against_rounds[m].x;
    if (rounds.empty() || !(rounds.back() > 0))
      return false;
    double ratio = xs.back() / rounds.back();
    if (shared && !close(*shared, ratio))
      return false;
    shared = ratio;
    for (std::size_t i = 0; i < xs.size(); ++i)
      if (!close(xs[i], ratio * rounds[i]))
        return false;
  }
  return true;
}

void draw_curves(std::ostream& md, const sweep_outcome& sweep,
                 std::ostream& log) {
  shown_methods shown;
  for (auto& m : sweep.methods)
    if (!m.reported.empty())
      shown.methods.push_back(&m);
  if (shown.methods.empty()) {
    md << "No reported run finished: nothing to draw.\n";
    return;
  }
  std::vector<std::string> ys{"test_accuracy"};
  auto selected = per_evaluation_column(sweep.spec->select);
  if (selected != ys[0])
    ys.push_back(selected);
  std::string skipped;
  for (auto& x : budgets()) {
    if (x != "round" && same_view_as_rounds(shown.curves(x, ys[0]),
                                            shown.curves("round", ys[0]))) {
      skipped += " " + x;
      continue;
    }
    for (auto& y : ys)
      render(md, curve_figure(shown, x, y, sweep), sweep,
             y + "-vs-" + x + ".png", log);
  }
  if (!skipped.empty())
    md << "\nNot drawn, as every method spends them in the same proportion "
          "to rounds (the rounds view shows them):"
       << skipped << ".\n";
}

void draw_tuning(std::ostream& md, const sweep_outcome& sweep,
                 std::ostream& log) {
  std::vector<std::string> keys;
  for (auto& m : sweep.methods)
    for (auto& axis : m.method->grid)
      if (std::find(keys.begin(), keys.end(), axis.key) == keys.end())
        keys.push_back(axis.key);
  auto& spec = *sweep.spec;
  for (auto& key : keys) {
    panel p;
    p.xlabel = key;
    p.points = true;
    for (auto& m : sweep.methods)
      if (auto c = tuning_curve(m, key))
        p.curves.push_back(std::move(*c));
    if (p.curves.empty())
      continue;
    p.log_x = spans_factors(p);
    figure fig;
    fig.ylabel =
      to_string(spec.select) +
      (spec.last == 1 ? std::string{", final"}
                      : ", last " + std::to_string(spec.last) + " evals");
    fig.title = "tuning on seed " + std::to_string(spec.tuning_seed);
    fig.panels.push_back(std::move(p));
    render(md, fig, sweep, "tuning-" + key + ".png", log);
  }
}

} // namespace murmur
