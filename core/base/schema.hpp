#pragma once

#include "core/base/error.hpp"

#include <toml++/toml.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace murmur {

/// The names of an enum's values, declared once beside the enum by an
/// overload found through argument-dependent lookup:
///
///   enum class clock_kind { real, simulated };
///   inline const enum_names<clock_kind>& names_of(clock_kind) {
///     static const enum_names<clock_kind> n{{"real", clock_kind::real},
///                                           {"virtual", ...}};
///     return n;
///   }
///
/// A config key of that type then parses, validates, prints and documents
/// itself from this one table; code compares enum values, never strings.
template <class E>
using enum_names = std::vector<std::pair<std::string, E>>;

/// The name of an enum value (its entry in names_of).
template <class E, class = std::enable_if_t<std::is_enum<E>::value>>
const std::string& to_string(E value) {
  for (auto& [name, v] : names_of(E{}))
    if (v == value)
      return name;
  throw std::logic_error("an enum value without a name");
}

/// "a, b, c": every name of an enum, in declaration order.
template <class E>
std::string joined_names_of() {
  std::string list;
  for (auto& entry : names_of(E{}))
    list += (list.empty() ? "" : ", ") + entry.first;
  return list;
}

/// Looks `name` up among an enum's names; throws input_error naming `key`.
template <class E>
E parse_enum(const std::string& key, const std::string& name) {
  for (auto& [n, v] : names_of(E{}))
    if (n == name)
      return v;
  throw input_error(key + ": unknown value '" + name +
                    "'; use one of: " + joined_names_of<E>());
}

/// Reads a TOML value into a typed field; false when the kinds do not match.
bool read_value(const toml::node& node, std::string& out);
bool read_value(const toml::node& node, bool& out);
bool read_value(const toml::node& node, double& out);
bool read_value(const toml::node& node, int& out);
bool read_value(const toml::node& node, std::uint64_t& out);
bool read_value(const toml::node& node, std::vector<int>& out);
bool read_value(const toml::node& node, std::vector<double>& out);
bool read_value(const toml::node& node, std::vector<std::string>& out);

/// Inserts a typed value at a dotted key of a table, creating sub-tables.
void write_value(toml::table& root, const std::string& dotted,
                 const std::string& v);
void write_value(toml::table& root, const std::string& dotted, bool v);
void write_value(toml::table& root, const std::string& dotted, double v);
void write_value(toml::table& root, const std::string& dotted, int v);
void write_value(toml::table& root, const std::string& dotted, std::uint64_t v);
void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<int>& v);
void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<double>& v);
void write_value(toml::table& root, const std::string& dotted,
                 const std::vector<std::string>& v);
/// A TOML array as built by a field type's own writer (e.g. tables).
void write_value(toml::table& root, const std::string& dotted, toml::array v);

/// Human name of a field type, for error messages ("an integer").
inline const char* kind_name(const std::string*) {
  return "a string";
}
inline const char* kind_name(const bool*) {
  return "true or false";
}
inline const char* kind_name(const double*) {
  return "a number";
}
inline const char* kind_name(const int*) {
  return "an integer";
}
inline const char* kind_name(const std::uint64_t*) {
  return "a non-negative integer";
}
inline const char* kind_name(const std::vector<int>*) {
  return "an array of integers";
}
inline const char* kind_name(const std::vector<double>*) {
  return "an array of numbers";
}
inline const char* kind_name(const std::vector<std::string>*) {
  return "an array of strings";
}

/// A TOML value as it would appear in a file ("ring", 0.5, [100]).
std::string show_node(const toml::node& node);

/// Every key of a TOML table as dotted paths to its leaves (arrays are
/// leaves).
std::vector<std::pair<std::string, const toml::node*>>
leaves(const toml::table& root, const std::string& prefix = "");

/// The closest key to `key` among `known`, or "" when nothing is close.
std::string closest_key(const std::string& key,
                        const std::vector<std::string>& known);

/// The declaration of a config struct's keys: each key is declared exactly
/// once with its default (the struct's initialiser), help text and check.
/// The same table parses TOML, applies --set overrides, writes the resolved
/// config and prints the documentation, so these can never drift apart.
template <class T>
class schema {
public:
  struct field {
    std::string key;
    std::string help;
    std::function<void(T&, const toml::node&)> read;
    std::function<void(const T&, toml::table&)> write;
    std::function<std::string(const T&)> show;
  };

  /// `access` maps the struct to the member; `check` throws input_error
  /// (use the helpers below) when a value is out of range. Enum members
  /// read and write the names their names_of() declares.
  template <class V, class Access>
  schema& add(std::string key, Access access, std::string help,
              std::function<void(const std::string&, const V&)> check = {}) {
    if constexpr (std::is_enum<V>::value)
      return add_enum<V>(std::move(key), access, std::move(help));
    else
      return add_value<V>(std::move(key), access, std::move(help),
                          std::move(check));
  }

  /// Declares every field of `section` (a schema over a member struct,
  /// with its full dotted keys) as fields of this schema; `access` maps this
  /// struct to the member. Each section declares its keys in its own file.
  template <class Sub, class Access>
  schema& include(const schema<Sub>& section, Access access) {
    for (auto& sub : section.fields()) {
      field f;
      f.key = sub.key;
      f.help = sub.help;
      f.read = [read = sub.read, access](T& obj, const toml::node& node) {
        read(access(obj), node);
      };
      f.write = [write = sub.write, access](const T& obj, toml::table& out) {
        write(access(const_cast<T&>(obj)), out);
      };
      f.show = [show = sub.show, access](const T& obj) {
        return show(access(const_cast<T&>(obj)));
      };
      fields_.push_back(std::move(f));
    }
    return *this;
  }

  /// Applies every leaf of `root` whose dotted key is declared here; an
  /// undeclared key is an error that suggests the nearest declared one.
  /// Undeclared keys starting with a `passthrough` prefix are left to others.
  void apply(T& obj, const toml::table& root,
             const std::vector<std::string>& passthrough = {}) const {
    for (auto& [key, node] : leaves(root)) {
      if (!declares(key) && is_passthrough(key, passthrough))
        continue;
      find(key).read(obj, *node);
    }
  }

  bool declares(const std::string& key) const {
    for (auto& f : fields_)
      if (f.key == key)
        return true;
    return false;
  }

  const field& find(const std::string& key) const {
    for (auto& f : fields_)
      if (f.key == key)
        return f;
    auto hint = closest_key(key, keys());
    throw input_error(key + ": unknown config key" +
                      (hint.empty() ? std::string{"; see 'murmur keys'"}
                                    : "; did you mean " + hint + "?"));
  }

  toml::table to_toml(const T& obj) const {
    toml::table out;
    for (auto& f : fields_)
      f.write(obj, out);
    return out;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> result;
    for (auto& f : fields_)
      result.push_back(f.key);
    return result;
  }

  const std::vector<field>& fields() const { return fields_; }

private:
  template <class V, class Access>
  schema& add_value(std::string key, Access access, std::string help,
                    std::function<void(const std::string&, const V&)> check) {
    field f;
    f.key = key;
    f.help = std::move(help);
    f.read = [key, access, check](T& obj, const toml::node& node) {
      V& target = access(obj);
      V value{};
      if (!read_value(node, value))
        throw input_error(key + ": expected " + kind_name(&value));
      if (check)
        check(key, value);
      target = std::move(value);
    };
    f.write = [key, access](const T& obj, toml::table& out) {
      write_value(out, key, access(const_cast<T&>(obj)));
    };
    f.show = [key, access](const T& obj) {
      toml::table tmp;
      write_value(tmp, "v", access(const_cast<T&>(obj)));
      return show_node(*tmp.get("v"));
    };
    fields_.push_back(std::move(f));
    return *this;
  }

  template <class E, class Access>
  schema& add_enum(std::string key, Access access, std::string help) {
    field f;
    f.key = key;
    f.help = std::move(help) + " (" + joined_names_of<E>() + ")";
    f.read = [key, access](T& obj, const toml::node& node) {
      std::string name;
      if (!read_value(node, name))
        throw input_error(key + ": expected one of: " + joined_names_of<E>());
      access(obj) = parse_enum<E>(key, name);
    };
    f.write = [key, access](const T& obj, toml::table& out) {
      write_value(out, key, to_string(access(const_cast<T&>(obj))));
    };
    f.show = [access](const T& obj) {
      return show_node(
        toml::value<std::string>{to_string(access(const_cast<T&>(obj)))});
    };
    fields_.push_back(std::move(f));
    return *this;
  }

  static bool is_passthrough(const std::string& key,
                             const std::vector<std::string>& prefixes) {
    for (auto& p : prefixes)
      if (key.compare(0, p.size(), p) == 0)
        return true;
    return false;
  }

  std::vector<field> fields_;
};

/// A number as a user wrote it: 0.1, 1e-09, inf (not 0.100000).
std::string show_number(double v);

/// Range checks for schema::add.
template <class V>
std::function<void(const std::string&, const V&)> at_least(V lo) {
  return [lo](const std::string& key, const V& v) {
    if (v < lo)
      throw input_error(key + ": must be >= " + std::to_string(lo) + ", got " +
                        std::to_string(v));
  };
}

/// An integer in [lo, hi].
template <class V>
std::function<void(const std::string&, const V&)> between(V lo, V hi) {
  return [lo, hi](const std::string& key, const V& v) {
    if (v < lo || v > hi)
      throw input_error(key + ": must be in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "], got " + std::to_string(v));
  };
}

/// A finite number > 0.
inline std::function<void(const std::string&, const double&)> positive() {
  return [](const std::string& key, const double& v) {
    if (!(v > 0 && std::isfinite(v)))
      throw input_error(key + ": must be a finite number > 0, got " +
                        show_number(v));
  };
}

/// A number in [lo, hi]; `open_low` / `open_high` exclude an end.
inline std::function<void(const std::string&, const double&)>
in_range(double lo, double hi, bool open_low = false, bool open_high = false) {
  return [=](const std::string& key, const double& v) {
    bool ok = (open_low ? v > lo : v >= lo) && (open_high ? v < hi : v <= hi);
    if (!ok)
      throw input_error(key + ": must be in " + (open_low ? "(" : "[") +
                        show_number(lo) + ", " + show_number(hi) +
                        (open_high ? ")" : "]") + ", got " + show_number(v));
  };
}

inline std::function<void(const std::string&, const std::string&)>
one_of(std::vector<std::string> allowed) {
  return [allowed](const std::string& key, const std::string& v) {
    for (auto& a : allowed)
      if (a == v)
        return;
    std::string list;
    for (auto& a : allowed)
      list += (list.empty() ? "" : ", ") + a;
    throw input_error(key + ": unknown value '" + v + "'; use one of: " + list);
  };
}

} // namespace murmur
