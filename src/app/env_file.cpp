#include "app/env_file.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace fanout::app {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool valid_name(const std::string& key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0]))) return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

// Strips matching quotes; false when a quote is opened and not closed.
bool unquote(std::string& value) {
  if (value.empty() || (value[0] != '"' && value[0] != '\'')) return true;
  const char q = value[0];
  if (value.size() < 2 || value.back() != q) return false;
  std::string inner = value.substr(1, value.size() - 2);
  if (q == '\'') {
    value = inner;
    return true;
  }
  std::string out;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '\\' && i + 1 < inner.size() && (inner[i + 1] == '"' || inner[i + 1] == '\\')) ++i;
    out.push_back(inner[i]);
  }
  value = out;
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_env_text(const std::string& text, const std::string& path) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    size_t eq = t.find('=');
    std::string key = eq == std::string::npos ? "" : trim(t.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : trim(t.substr(eq + 1));
    if (!valid_name(key) || !unquote(value))
      return fail("invalid_config", path + ":" + std::to_string(number) + ": expected NAME=value");
    out[key] = value;
  }
  return out;
}

Result<std::map<std::string, std::string>> read_env_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("invalid_config", path + ": cannot read environment file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_env_text(ss.str(), path);
}

}  // namespace fanout::app
