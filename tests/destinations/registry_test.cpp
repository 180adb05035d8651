// The platform registry: every platform is registered once, in destination_names() order, and the hash rules
// the platforms declare cover exactly the HashedUser fields the spool keeps (a rule nobody reads is waste; a
// field read but not declared would be a platform reading a rule it did not ask for).
#include "destinations/registry.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>

#include "core/event_codec.h"

namespace fanout::dest {
namespace {

TEST(Registry, ListsEveryPlatformInOutputOrder) {
  std::vector<std::string> names;
  for (const Registration& r : registry()) names.emplace_back(r.name);
  EXPECT_EQ(names, destination_names());
  EXPECT_EQ(find_registration("tiktok")->name, "tiktok");
  EXPECT_EQ(find_registration("myspace"), nullptr);
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
