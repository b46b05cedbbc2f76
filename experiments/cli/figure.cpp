// Figures through a pipe into gnuplot (Debian gnuplot-nox; pngcairo and svg
// terminals), no Python needed.
#include "experiments/cli/figure.hpp"

#include "core/base/error.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
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

std::string terminal_for(const fs::path& output, std::size_t panels) {
  auto ext = output.extension().string();
  auto width = std::to_string(panels > 1 ? 700 * panels : 800);
  if (ext == ".png")
    return "pngcairo noenhanced size " + width + ",520 font 'sans,10'";
  if (ext == ".svg")
    return "svg noenhanced size " + width + ",520 dynamic font 'sans,11'";
  throw input_error("plot: -o " + output.string() +
                    ": use a .png or .svg file name");
}

std::string block_name(std::size_t p, std::size_t c) {
  return "$p" + std::to_string(p) + "c" + std::to_string(c);
}

/// One inline data block per curve: x y [spread].
std::string data_block(const std::string& name, const curve& c) {
  std::ostringstream out;
  out.precision(9);
  out << name << " << EOD\n";
  for (std::size_t i = 0; i < c.x.size() && i < c.y.size(); ++i) {
    out << c.x[i] << ' ' << c.y[i];
    if (!c.spread.empty())
      out << ' ' << c.spread[i];
    out << '\n';
  }
  out << "EOD\n";
  return out.str();
}

std::string plot_command(std::size_t p, const panel& pan) {
  std::ostringstream out;
  out << "set xlabel " << quoted(pan.xlabel) << "\n"
      << (pan.log_x ? "set logscale x\n" : "unset logscale x\n")
      << (pan.legend ? "set key" : "unset key") << "\nplot ";
  std::string sep;
  for (std::size_t c = 0; c < pan.curves.size(); ++c) {
    auto& cur = pan.curves[c];
    auto name = block_name(p, c);
    auto colour = std::to_string(c + 1);
    if (!cur.spread.empty()) {
      out << sep << name
          << " using 1:($2-$3):($2+$3) with filledcurves fillcolor lt "
          << colour << " fillstyle transparent solid 0.2 noborder notitle";
      sep = ", \\\n     ";
    }
    out << sep << name << " using 1:2 with "
        << (pan.points ? "linespoints pointtype 7" : "lines")
        << " lw 1.5 linecolor " << colour << " title "
        << (pan.legend ? quoted(cur.title) : std::string{"''"});
    sep = ", \\\n     ";
  }
  out << "\n";
  return out.str();
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

std::string gnuplot_script(const figure& fig, const fs::path& output,
                           const std::string& image) {
  std::ostringstream out;
  out << "set terminal " << terminal_for(output, fig.panels.size())
      << "\nset output " << quoted(image) << "\n";
  for (std::size_t p = 0; p < fig.panels.size(); ++p)
    for (std::size_t c = 0; c < fig.panels[p].curves.size(); ++c)
      out << data_block(block_name(p, c), fig.panels[p].curves[c]);
  bool accuracy = fig.ylabel.find("accuracy") != std::string::npos;
  out << "set grid\nset ylabel " << quoted(fig.ylabel) << "\nset key "
      << (accuracy ? "bottom right" : "top right")
      << " opaque box noenhanced\n";
  bool several = fig.panels.size() > 1;
  if (several)
    out << "set multiplot layout 1," << fig.panels.size()
        << (fig.title.empty() ? "" : " title " + quoted(fig.title)) << "\n";
  else if (!fig.title.empty())
    out << "set title " << quoted(fig.title) << "\n";
  for (std::size_t p = 0; p < fig.panels.size(); ++p)
    out << plot_command(p, fig.panels[p]);
  if (several)
    out << "unset multiplot\n";
  out << "set output\n";
  return out.str();
}

bool gnuplot_available() {
  return on_path("gnuplot");
}

void render_figure(const figure& fig, const fs::path& output) {
  auto dir = output.has_parent_path() ? output.parent_path() : fs::path{"."};
  if (!fs::is_directory(dir))
    throw input_error("plot: -o " + output.string() + ": no folder " +
                      dir.string());
  auto tmp = dir / (".murmur-plot-" + std::to_string(::getpid()) +
                    output.extension().string());
  auto script = gnuplot_script(fig, output, tmp.string());
  if (!gnuplot_available())
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
}

} // namespace murmur
