#pragma once

#include "experiments/cli/run_metrics.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

namespace murmur {

/// One markdown table row: "| a | b |".
void markdown_row(std::ostream& out, const std::vector<std::string>& cells);

/// A header row and its "| --- |" separator.
void markdown_header(std::ostream& out, const std::vector<std::string>& cells);

/// "78.00 ± 2.00" (fractions shown in percent); no ± for a single run.
std::string percent(const mean_std& s);

/// "0.4312 ± 0.02": four significant digits, two for the spread.
std::string general(const mean_std& s);

/// "12.50 ± 1.20" with `decimals` decimals; no ± for a single run.
std::string fixed(const mean_std& s, int decimals);

/// `text` for a quantity that `hits` of `runs` reached: "(2/3)" appended
/// when not all did, "not reached (0/3)" when none did.
std::string with_hits(const std::string& text, std::size_t hits,
                      std::size_t runs);

/// A quantity only some runs reach (time to a target): the mean (± std)
/// over the `hits` runs that reached it with `decimals` decimals, "(2/3)"
/// when not all of `runs` did, "not reached (0/3)" when none did.
std::string reached(const mean_std& s, std::size_t hits, std::size_t runs,
                    int decimals);

/// A config value for display: strings without TOML's quotes, numbers in
/// their shortest form (config.toml writes 0.1 as 0.10000000000000001).
std::string bare(const std::string& value);

} // namespace murmur
