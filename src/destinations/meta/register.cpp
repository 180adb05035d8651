// Registers the meta destination (destinations/registry.h): its name, factory and the hash rules it reads.
#include "destinations/meta/meta.h"
#include "destinations/registry.h"

namespace fanout::dest::meta {
namespace {

constexpr std::string_view kUserFields[] = {
    "email_lower_sha256",
    "phone_digits_sha256",
    "first_name_sha256",
    "last_name_sha256",
    "city_sha256",
    "state_sha256",
    "zip_sha256",
    "country_sha256",
    "gender_sha256",
    "date_of_birth_sha256",
    "external_id_sha256",
};

}  // namespace

const Registration& registration() {
  static const Registration r{"meta", &make_meta, kUserFields};
  return r;
}

}  // namespace fanout::dest::meta
