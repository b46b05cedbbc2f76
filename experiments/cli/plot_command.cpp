// murmur plot: metrics.csv of several runs through a pipe into gnuplot
// (Debian gnuplot-nox; pngcairo and svg terminals), no Python needed.
#include "experiments/cli/plot_command.hpp"

#include "core/base/error.hpp"
#include "experiments/cli/report_command.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace murmur {

namespace fs = std::filesystem;

namespace {

/// A gnuplot single-quoted string: only the quote itself needs escaping.
std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string{"''"} : std::string(1, c);
  return out + "'";
}

std::string terminal_for(const fs::path& output, bool two_panels) {
  auto ext = output.extension().string();
  const char* size = two_panels ? "1400,520" : "800,520";
  if (ext == ".png")
    return std::string{"pngcairo noenhanced size "} + size + " font 'sans,10'";
  if (ext == ".svg")
    return std::string{"svg noenhanced size "} + size +
           " dynamic font 'sans,11'";
  throw input_error("plot: -o " + output.string() +
                    ": use a .png or .svg file name");
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs{path ? path : ""};
  std::string dir;
  while (std::getline(dirs, dir, ':'))
    if (!dir.empty() && ::access((fs::path{dir} / program).c_str(), X_OK) == 0)
      return true;
  return false;
}

/// One inline data block per run: round, time_seconds, y, and x when the
/// x axis is another column (e.g. bytes_sent).
std::string data_block(std::size_t index, const run_record& run,
                       const std::string& y, const std::string& other_x) {
  auto& rounds = run.column("round");
  auto& times = run.column("time_seconds");
  auto& values = run.column(y);
  auto* xs = other_x.empty() ? nullptr : &run.column(other_x);
  std::ostringstream out;
  out.precision(9);
  out << "$run" << index << " << EOD\n";
  for (std::size_t r = 0; r < rounds.size(); ++r) {
    out << rounds[r] << ' ' << times[r] << ' ' << values[r];
    if (xs)
      out << ' ' << (*xs)[r];
    out << '\n';
  }
  out << "EOD\n";
  return out.str();
}

/// `plot` command of one panel: column 1 (round), 2 (time) or 4 (another
/// metrics column) against 3.
std::string panel(const std::vector<run_record>& runs, int x_column,
                  bool legend) {
  std::ostringstream out;
  out << (legend ? "" : "unset key\n") << "plot ";
  for (std::size_t i = 0; i < runs.size(); ++i)
    out << (i ? ", \\\n     " : "") << "$run" << i << " using " << x_column
        << ":3 with lines lw 1.5 linecolor " << i + 1 << " title "
        << (legend ? quoted(runs[i].name) : std::string{"''"});
  out << "\n";
  return out.str();
}

std::string first_error_line(const fs::path& log) {
  std::ifstream in{log};
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t^") == std::string::npos)
      continue;
    if (line.find("rror") != std::string::npos)
      return line;
    last = line;
  }
  return last;
}

} // namespace

std::string gnuplot_script(const std::vector<std::string>& folders,
                           const plot_options& opts, const std::string& image) {
  if (folders.empty())
    throw input_error("plot: name at least one run folder");
  bool both = opts.x.empty();
  bool other_x = !both && opts.x != "round" && opts.x != "time";
  auto terminal = terminal_for(opts.output, both);
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
  std::ostringstream out;
  out << "set terminal " << terminal << "\nset output " << quoted(image)
      << "\n";
  for (std::size_t i = 0; i < runs.size(); ++i)
    out << data_block(i, runs[i], opts.y, other_x ? opts.x : "");
  bool accuracy = opts.y.find("accuracy") != std::string::npos;
  out << "set grid\nset ylabel " << quoted(opts.y) << "\nset key "
      << (accuracy ? "bottom right" : "top right")
      << " opaque box noenhanced\n";
  if (both)
    out << "set multiplot layout 1,2"
        << (opts.title.empty() ? "" : " title " + quoted(opts.title)) << "\n";
  else if (!opts.title.empty())
    out << "set title " << quoted(opts.title) << "\n";
  if (both || opts.x == "round")
    out << "set xlabel 'round'\n" << panel(runs, 1, true);
  if (both || opts.x == "time")
    out << "set xlabel 'time_seconds'\n" << panel(runs, 2, !both);
  if (other_x)
    out << "set xlabel " << quoted(opts.x) << "\n" << panel(runs, 4, true);
  if (both)
    out << "unset multiplot\n";
  out << "set output\n";
  return out.str();
}

void plot_command(const std::vector<std::string>& folders,
                  const plot_options& opts, std::ostream& out) {
  fs::path output{opts.output};
  if (opts.output.empty())
    throw input_error("plot: -o FILE.png|FILE.svg is required");
  auto dir = output.has_parent_path() ? output.parent_path() : fs::path{"."};
  if (!fs::is_directory(dir))
    throw input_error("plot: -o " + opts.output + ": no folder " +
                      dir.string());
  auto tmp = dir / (".murmur-plot-" + std::to_string(::getpid()) +
                    output.extension().string());
  auto script = gnuplot_script(folders, opts, tmp.string());
  if (!on_path("gnuplot"))
    throw input_error("plot: gnuplot not found; install the Debian package "
                      "gnuplot-nox");
  auto log = fs::temp_directory_path() /
             ("murmur-gnuplot-" + std::to_string(::getpid()) + ".log");
  auto command = "gnuplot 2>" + quoted(log.string());
  FILE* pipe = ::popen(command.c_str(), "w");
  if (!pipe)
    throw std::runtime_error("plot: cannot start gnuplot");
  // A gnuplot that dies early must not kill us with SIGPIPE.
  auto previous = std::signal(SIGPIPE, SIG_IGN);
  std::fwrite(script.data(), 1, script.size(), pipe);
  int status = ::pclose(pipe);
  std::signal(SIGPIPE, previous);
  auto message = first_error_line(log);
  std::error_code ec;
  fs::remove(log, ec);
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(tmp) &&
            fs::file_size(tmp) > 0;
  if (!ok) {
    fs::remove(tmp, ec);
    throw std::runtime_error("plot: gnuplot failed: " +
                             (message.empty() ? "no output" : message));
  }
  fs::rename(tmp, output);
  out << "plot: " << output.string() << " (" << folders.size() << " runs, "
      << opts.y << ")\n";
}

} // namespace murmur
