// Registers the tiktok destination (destinations/registry.h): its name, factory and the hash rules it reads.
#include "destinations/tiktok/tiktok.h"
#include "destinations/registry.h"

namespace fanout::dest::tiktok {
namespace {

constexpr std::string_view kUserFields[] = {
    "email_lower_sha256",
    "phone_e164_sha256",
    "external_id_sha256",
};

}  // namespace

const Registration& registration() {
  static const Registration r{"tiktok", &make_tiktok, kUserFields};
  return r;
}

}  // namespace fanout::dest::tiktok
