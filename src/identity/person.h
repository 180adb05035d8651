#pragma once
// Gender, date of birth and external id, normalized to the spelling every platform hashes.
#include <string>
#include <string_view>

namespace fanout::identity {

// "f" or "m" from f/female/woman or m/male/man, any case; "" for anything else (dropped).
std::string normalize_gender(std::string_view raw);

// YYYYMMDD from "1997-02-16" (ISO, a trailing time allowed), "19970216", "2/16/1997" (US month/day order,
// day first when the first number is above 12) or "16.02.1997" (dotted: day.month.year).
// "" when the date does not exist or the year is outside 1900..max_year (dropped).
std::string normalize_date_of_birth(std::string_view raw, int max_year);

// Same, with max_year = the current UTC year.
std::string normalize_date_of_birth(std::string_view raw);

// Trimmed external id as sent (Microsoft externalId, GA4 user_id fallback).
std::string trim_external_id(std::string_view raw);

// Meta/TikTok spelling before hashing: trimmed and lowercased.
std::string normalize_external_id(std::string_view raw);

}  // namespace fanout::identity
