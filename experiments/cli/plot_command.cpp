// murmur plot: metrics.csv of several runs, one line each, as a gnuplot
// figure.
#include "experiments/cli/plot_command.hpp"

#include "core/base/error.hpp"
#include "experiments/cli/run_record.hpp"

namespace murmur {

namespace {

panel runs_panel(const std::vector<run_record>& runs, const std::string& x,
                 const std::string& y, bool legend) {
  panel p;
  p.xlabel = x;
  p.legend = legend;
  for (auto& run : runs)
    p.curves.push_back({run.name + (run.incomplete ? " (incomplete)" : ""),
                        run.column(x),
                        run.column(y),
                        {}});
  return p;
}

} // namespace

figure runs_figure(const std::vector<std::string>& folders,
                   const plot_options& opts) {
  if (folders.empty())
    throw input_error("plot: name at least one run folder");
  refuse_incomplete(folders, opts.allow_incomplete, "plot");
  bool both = opts.x.empty();
  bool other_x = !both && opts.x != "round" && opts.x != "time";
  std::vector<run_record> runs;
  for (auto& f : folders) {
    runs.push_back(read_run(f, false));
    runs.back().column(opts.y);
    runs.back().column("round");
    runs.back().column("time_seconds");
    if (other_x) {
      try {
        runs.back().column(opts.x);
      } catch (const input_error& e) {
        throw input_error("plot: --x " + opts.x +
                          ": use round, time or a metrics column (" + e.what() +
                          ")");
      }
    }
  }
  figure fig;
  fig.title = opts.title;
  fig.ylabel = opts.y;
  if (both || opts.x == "round")
    fig.panels.push_back(runs_panel(runs, "round", opts.y, true));
  if (both || opts.x == "time")
    fig.panels.push_back(runs_panel(runs, "time_seconds", opts.y, !both));
  if (other_x)
    fig.panels.push_back(runs_panel(runs, opts.x, opts.y, true));
  return fig;
}

std::string gnuplot_script(const std::vector<std::string>& folders,
                           const plot_options& opts, const std::string& image) {
  return gnuplot_script(runs_figure(folders, opts), opts.output, image);
}

void plot_command(const std::vector<std::string>& folders,
                  const plot_options& opts, std::ostream& out) {
  if (opts.output.empty())
    throw input_error("plot: -o FILE.png|FILE.svg is required");
  render_figure(runs_figure(folders, opts), opts.output);
  out << "plot: " << opts.output << " (" << folders.size() << " runs, "
      << opts.y << ")\n";
}

} // namespace murmur
