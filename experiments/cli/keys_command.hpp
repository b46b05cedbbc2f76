#pragma once

#include <ostream>

namespace murmur {

/// `murmur keys`: every config key with its default and help, from the
/// declarations that also parse and validate them, then every registered
/// algorithm, topology and partition with the algorithms' own options.
/// `markdown` writes the config reference (experiments/config-reference.md,
/// which a test keeps identical to this output).
void keys_command(std::ostream& out, bool markdown);

} // namespace murmur
