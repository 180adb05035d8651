// The platform registry: every folder of src/destinations/ is one registered platform with the same file
// shape, registered once and in output order, and the hash rules the platforms declare cover exactly the
// HashedUser fields the spool keeps (a rule nobody reads is waste; a field read but not declared would be a
// platform reading a rule it did not ask for).
#include "destinations/registry.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/config_table.h"
#include "core/event_codec.h"

namespace fanout::dest {
namespace {

namespace fs = std::filesystem;

TEST(Registry, ListsEveryPlatformOnceInOutputOrder) {
  std::vector<std::string> names;
  for (const Registration& r : registry()) names.emplace_back(r.name);
  // The order users see in the status JSON and in error messages; a new platform goes at the end.
  ASSERT_GE(names.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(names.begin(), names.begin() + 5),
            (std::vector<std::string>{"meta", "ga4", "google_ads", "microsoft_ads", "tiktok"}));
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "a name registered twice";
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_NE(find_registration(names[i]), nullptr);
    EXPECT_EQ(find_registration(names[i])->name, names[i]);
    EXPECT_EQ(output_rank(names[i]), i);
  }
  EXPECT_EQ(find_registration("myspace"), nullptr);
  EXPECT_EQ(output_rank("myspace"), names.size());
  EXPECT_EQ(name_list(), "meta, ga4, google_ads, microsoft_ads, tiktok");
}

TEST(Registry, FactoriesBuildTheirNamedDestination) {
  for (const Registration& r : registry()) {
    ConfigErrors errors;
    ConfigTable table(nullptr, "destinations." + std::string(r.name), errors);
    auto d = r.make(table, {});
    ASSERT_NE(d, nullptr) << r.name;
    EXPECT_EQ(d->name(), r.name);
  }
}

// docs/design.md, "How to add a platform": the same files in every folder, and a folder is a platform only
// once its registry line exists (and the other way round).
TEST(Registry, EveryDestinationFolderHasTheSameShape) {
  const fs::path root = fs::path(FANOUT_SOURCE_DIR) / "src" / "destinations";
  std::set<std::string> folders;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    folders.insert(name);
    for (const std::string& file : std::vector<std::string>{"README.md", name + ".h", "config.cpp", "request.cpp",
                                                             "classify.cpp", "register.cpp"})
      EXPECT_TRUE(fs::exists(entry.path() / file)) << "src/destinations/" << name << "/" << file << " is missing";
    for (const auto& f : fs::directory_iterator(entry.path())) {
      const std::string ext = f.path().extension().string();
      if (ext != ".h" && ext != ".cpp") continue;
      std::vector<std::string> lines;
      std::ifstream in(f.path());
      for (std::string line; std::getline(in, line);) lines.push_back(line);
      // Each header opens with a comment saying what it is for.
      if (ext == ".h") {
        ASSERT_GE(lines.size(), 2u) << f.path();
        EXPECT_EQ(lines[0], "#pragma once") << f.path();
        EXPECT_EQ(lines[1].rfind("// ", 0), 0u) << f.path() << " does not open with a comment";
      }
      // A platform's folder stands alone: it includes shared destination headers, never another platform's.
      const std::string prefix = "#include \"destinations/";
      for (const std::string& line : lines) {
        if (line.rfind(prefix, 0) != 0) continue;
        const std::string path = line.substr(prefix.size());
        if (path.find('/') == std::string::npos) continue;  // destinations/options.h and the like
        EXPECT_EQ(path.rfind(name + "/", 0), 0u) << f.path() << " includes another platform: " << line;
      }
    }
  }
  std::set<std::string> registered;
  for (const Registration& r : registry()) registered.emplace(r.name);
  EXPECT_EQ(folders, registered);
}

TEST(Registry, DeclaredHashRulesAreExactlyTheSpooledUserFields) {
  // Every HashedUser field set, encoded: the keys of "user" are the spool's field names.
  Event e;
  HashedUser& u = e.user;
  for (auto* list : {&u.email_lower_sha256, &u.email_gmail_sha256, &u.email_no_dots_tag_sha256,
                     &u.phone_digits_sha256, &u.phone_e164_sha256})
    *list = {"x"};
  for (auto* field : {&u.first_name_sha256, &u.last_name_sha256, &u.first_name_words_sha256,
                      &u.last_name_words_sha256, &u.city_sha256, &u.state_sha256, &u.zip_sha256, &u.country_sha256,
                      &u.gender_sha256, &u.date_of_birth_sha256, &u.external_id_sha256, &u.city, &u.region,
                      &u.postal_code, &u.country, &u.external_id})
    *field = "x";
  rapidjson::Document doc;
  doc.Parse(encode_event(e).c_str());
  std::set<std::string> spooled;
  for (const auto& m : doc["user"].GetObject()) spooled.insert(m.name.GetString());

  std::set<std::string> declared;
  for (const Registration& r : registry()) {
    for (std::string_view f : r.user_fields) {
      EXPECT_TRUE(spooled.count(std::string(f))) << r.name << " declares " << f << ", which the spool does not keep";
      declared.insert(std::string(f));
    }
  }
  EXPECT_EQ(declared, spooled);
}

}  // namespace
}  // namespace fanout::dest
