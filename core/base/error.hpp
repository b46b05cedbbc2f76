#pragma once

#include <stdexcept>
#include <string>

namespace murmur {

/// Bad input from the user: a config field, a data file, a trace. The message
/// is one line that names the offending field or file and says how to fix it;
/// the command line prints it and exits non-zero.
class input_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace murmur
