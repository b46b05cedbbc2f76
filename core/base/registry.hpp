#pragma once

#include "core/base/error.hpp"

#include <map>
#include <string>
#include <vector>

namespace murmur {

/// Name -> factory table. Each implementation registers itself from its own
/// source file (`static const bool registered = registry<F>::add(...)`), so a
/// new algorithm, topology or partitioner touches no other file.
template <class Factory>
class registry {
public:
  struct entry {
    Factory make;
    std::string help;
  };

  static bool add(const std::string& name, Factory make, std::string help) {
    table().emplace(name, entry{std::move(make), std::move(help)});
    return true;
  }

  /// Throws input_error naming `field`, the unknown name and the known ones.
  static const entry& get(const std::string& name, const std::string& field) {
    auto i = table().find(name);
    if (i == table().end())
      throw input_error(field + ": unknown value '" + name +
                        "'; use one of: " + joined_names());
    return i->second;
  }

  static std::vector<std::string> names() {
    std::vector<std::string> result;
    for (auto& kv : table())
      result.push_back(kv.first);
    return result;
  }

  static std::string joined_names() {
    std::string result;
    for (auto& name : names())
      result += (result.empty() ? "" : ", ") + name;
    return result;
  }

private:
  static std::map<std::string, entry>& table() {
    static std::map<std::string, entry> instance;
    return instance;
  }
};

} // namespace murmur
