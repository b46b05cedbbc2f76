#pragma once

#include "experiments/cli/sweep_outcome.hpp"

#include <ostream>

namespace murmur {

/// The main table (per method: chosen values, seeds, metrics as mean ± std
/// over the reported seeds) followed by each metric's convention in words.
void print_results(std::ostream& out, const sweep_outcome& sweep);

/// Writes into the sweep's folder: grid.csv (every tuning run and its
/// score), chosen.csv (each method's values and whether they sit on the
/// grid's edge), the figures (plots/, when gnuplot is there; notes go to
/// `log`) and report.md, which holds all of it.
void write_sweep_report(const sweep_outcome& sweep, std::ostream& log);

} // namespace murmur
