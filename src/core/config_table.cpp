#include "core/config_table.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace fanout {

ConfigTable::ConfigTable(const toml::table* table, std::string prefix, ConfigErrors& errors)
    : table_(table), prefix_(std::move(prefix)), errors_(errors) {}

std::string ConfigTable::full_key(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

bool ConfigTable::has(std::string_view key) const { return table_ && table_->contains(key); }

const toml::node* ConfigTable::get(std::string_view key) {
  used_.emplace_back(key);
  if (!table_) return nullptr;
  return table_->get(key);
}

std::string ConfigTable::str(std::string_view key, std::string def) {
  const toml::node* node = get(key);
  if (!node) return def;
  if (auto v = node->value<std::string>(); v && node->is_string()) return *v;
  errors_.add(full_key(key), "must be a string");
  return def;
}

std::string ConfigTable::required_str(std::string_view key) {
  std::string v = str(key);
  if (v.empty() && (!table_ || !table_->contains(key) || (*table_)[key].is_string()))
    errors_.add(full_key(key), "required");
  return v;
}

int64_t ConfigTable::integer(std::string_view key, int64_t def) {
  const toml::node* node = get(key);
  if (!node) return def;
  if (node->is_integer()) return *node->value<int64_t>();
  errors_.add(full_key(key), "must be an integer");
  return def;
}

bool ConfigTable::boolean(std::string_view key, bool def) {
  const toml::node* node = get(key);
  if (!node) return def;
  if (node->is_boolean()) return *node->value<bool>();
  errors_.add(full_key(key), "must be true or false");
  return def;
}

std::vector<std::string> ConfigTable::str_list(std::string_view key) {
  std::vector<std::string> out;
  const toml::node* node = get(key);
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr) {
    errors_.add(full_key(key), "must be an array of strings");
    return out;
  }
  for (const toml::node& item : *arr) {
    if (!item.is_string()) {
      errors_.add(full_key(key), "must be an array of strings");
      return {};
    }
    out.push_back(*item.value<std::string>());
  }
  return out;
}

std::map<std::string, std::string> ConfigTable::str_map(std::string_view key) {
  std::map<std::string, std::string> out;
  const toml::node* node = get(key);
  if (!node) return out;
  const toml::table* t = node->as_table();
  if (!t) {
    errors_.add(full_key(key), "must be a table");
    return out;
  }
  for (const auto& [k, v] : *t) {
    if (!v.is_string()) {
      errors_.add(full_key(key) + "." + std::string(k.str()), "must be a string");
      continue;
    }
    out.emplace(std::string(k.str()), *v.value<std::string>());
  }
  return out;
}

namespace {
std::string trim(std::string s) {
  auto ws = [](unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && ws(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && ws(s[i])) ++i;
  return s.substr(i);
}
}  // namespace

std::string ConfigTable::secret(std::string_view name, bool required, std::string env_default) {
  std::string env_key = std::string(name) + "_env";
  std::string file_key = std::string(name) + "_file";
  std::string env_name = str(env_key, env_default);
  std::string file_name = str(file_key);
  if (errors_.redact_secrets) return (env_name.empty() && file_name.empty()) ? "" : "REDACTED";
  if (!file_name.empty()) {
    std::ifstream in(file_name);
    if (!in) {
      errors_.add(full_key(file_key), "cannot read secret file " + file_name);
      return {};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string value = trim(ss.str());
    if (value.empty() && required) errors_.add(full_key(file_key), "secret file " + file_name + " is empty");
    return value;
  }
  if (env_name.empty()) {
    if (required) errors_.add(full_key(env_key), "required (name of the environment variable holding the secret)");
    return {};
  }
  const char* value = nullptr;
  if (errors_.environment) {
    auto it = errors_.environment->find(env_name);
    if (it != errors_.environment->end()) value = it->second.c_str();
  }
  if (!value) value = std::getenv(env_name.c_str());
  if (!value || !*value) {
    if (required) errors_.add(full_key(env_key), "environment variable " + env_name + " is not set");
    return {};
  }
  return trim(value);
}

ConfigTable ConfigTable::sub(std::string_view key) {
  const toml::node* node = get(key);
  if (node && !node->is_table()) {
    errors_.add(full_key(key), "must be a table");
    return ConfigTable(nullptr, full_key(key), errors_);
  }
  return ConfigTable(node ? node->as_table() : nullptr, full_key(key), errors_);
}

std::vector<std::string> ConfigTable::table_keys() const {
  std::vector<std::string> out;
  if (!table_) return out;
  for (const auto& [k, v] : *table_)
    if (v.is_table()) out.emplace_back(k.str());
  return out;
}

void ConfigTable::finish() {
  if (!table_) return;
  for (const auto& [k, v] : *table_) {
    std::string key(k.str());
    if (std::find(used_.begin(), used_.end(), key) == used_.end()) errors_.add(full_key(key), "unknown key");
  }
}

}  // namespace fanout
