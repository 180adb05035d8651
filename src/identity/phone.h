#pragma once
// Phone numbers to E.164 with libphonenumber, so trunk prefixes come out right per country
// (UK "07911 123456" -> +447911123456, Italy keeps its leading 0: "06 1234 5678" -> +390612345678).
#include <optional>
#include <string>
#include <string_view>

namespace fanout::identity {

// E.164 with '+' (TikTok, Google, Microsoft) for `raw` dialled from `region` (ISO alpha-2, either case;
// "" or unknown: only international numbers parse reliably). A number starting with '+' or "00" is
// international. nullopt when the value has no usable digits.
std::optional<std::string> phone_e164(std::string_view raw, std::string_view region);

// Loads libphonenumber's metadata and compiles its patterns now rather than in the first phone_e164 call
// (~27 million instructions, once per process: ~10 ms the first webhook with a phone number would wait).
// Intake calls it when it is built; calling it again does nothing.
void load_phone_metadata();

// Meta's spelling: the E.164 number without '+', digits only ("16505551212").
std::optional<std::string> phone_digits(std::string_view raw, std::string_view region);

}  // namespace fanout::identity
