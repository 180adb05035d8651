// Registers the ga4 destination (destinations/registry.h): its name, factory and the hash rules it reads.
#include "destinations/ga4/ga4.h"
#include "destinations/registry.h"

namespace fanout::dest::ga4 {
namespace {

constexpr std::string_view kUserFields[] = {
    "email_gmail_sha256",
    "phone_e164_sha256",
    "first_name_words_sha256",
    "last_name_words_sha256",
    "city",
    "region",
    "postal_code",
    "country",
    "external_id",
};

}  // namespace

const Registration& registration() {
  static const Registration r{"ga4", &make_ga4, kUserFields};
  return r;
}

}  // namespace fanout::dest::ga4
