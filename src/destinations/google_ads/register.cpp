// Registers the google_ads destination (destinations/registry.h): its name, factory and the hash rules it reads.
#include "destinations/google_ads/google_ads.h"
#include "destinations/registry.h"

namespace fanout::dest::google_ads {
namespace {

constexpr std::string_view kUserFields[] = {
    "email_gmail_sha256",
    "phone_e164_sha256",
    "first_name_words_sha256",
    "last_name_words_sha256",
    "country",
    "postal_code",
};

}  // namespace

const Registration& registration() {
  static const Registration r{"google_ads", &make_google_ads, kUserFields};
  return r;
}

}  // namespace fanout::dest::google_ads
