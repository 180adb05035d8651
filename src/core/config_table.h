#pragma once
// Reads one TOML table with every problem recorded against its full key ("destinations.meta.pixel_id"),
// unknown keys reported at finish(), and secrets resolved from `<name>_env` / `<name>_file` keys.
// Used at startup only: collects errors instead of throwing so check-config can print them all.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace fanout {

// Every problem found while loading a config, in order, each naming its key.
struct ConfigErrors {
  std::vector<std::string> items;  // "destinations.meta.pixel_id: required"
  bool redact_secrets = false;     // preview: every secret reads as "REDACTED" and none is required
  // Variables read before the process environment (`serve --env-file`, re-read on reload); may be null.
  const std::map<std::string, std::string>* environment = nullptr;
  void add(const std::string& key, const std::string& message) { items.push_back(key + ": " + message); }
  bool ok() const { return items.empty(); }
};

class ConfigTable {
 public:
  // `table` may be null (an absent section: every key takes its default). `prefix` is the table's
  // dotted path ("" for the root).
  ConfigTable(const toml::table* table, std::string prefix, ConfigErrors& errors);

  bool present() const { return table_ != nullptr; }
  bool has(std::string_view key) const;
  std::string full_key(std::string_view key) const;

  // Typed reads; a wrong type is recorded as an error and the default returned.
  std::string str(std::string_view key, std::string def = {});
  std::string required_str(std::string_view key);
  int64_t integer(std::string_view key, int64_t def);
  bool boolean(std::string_view key, bool def);
  std::vector<std::string> str_list(std::string_view key);
  std::map<std::string, std::string> str_map(std::string_view key);  // a sub-table of string values

  // The secret named by `<name>_env` (an environment variable) or `<name>_file` (a file whose
  // trimmed content is the secret). With `required`, a missing setting or empty value is an error.
  // `env_default` is used as the variable name when neither key is present ("" = none).
  std::string secret(std::string_view name, bool required, std::string env_default = {});

  // A nested table (absent -> present() false).
  ConfigTable sub(std::string_view key);

  // Names of the sub-tables of this table (e.g. the destinations configured).
  std::vector<std::string> table_keys() const;

  // Records every key of this table that was never read as "unknown key".
  void finish();

  ConfigErrors& errors() { return errors_; }

 private:
  const toml::node* get(std::string_view key);
  const toml::table* table_;
  std::string prefix_;
  ConfigErrors& errors_;
  std::vector<std::string> used_;
};

}  // namespace fanout
