// Registers the microsoft_ads destination (destinations/registry.h): its name, factory and the hash rules it reads.
#include "destinations/microsoft_ads/microsoft_ads.h"
#include "destinations/registry.h"

namespace fanout::dest::microsoft_ads {
namespace {

constexpr std::string_view kUserFields[] = {
    "email_no_dots_tag_sha256",
    "phone_e164_sha256",
    "external_id",
};

}  // namespace

const Registration& registration() {
  static const Registration r{"microsoft_ads", &make_microsoft_ads, kUserFields};
  return r;
}

}  // namespace fanout::dest::microsoft_ads
