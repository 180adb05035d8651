#include <algorithm>
#include <array>

#include "identity/address.h"
#include "identity/unicode.h"

namespace fanout::identity {
namespace {

struct State {
  std::string_view key;   // name lowercase without spaces or punctuation
  std::string_view code;  // USPS code, lowercase
};

constexpr std::array<State, 60> kStates{{
    {"alabama", "al"},
    {"alaska", "ak"},
    {"arizona", "az"},
    {"arkansas", "ar"},
    {"california", "ca"},
    {"colorado", "co"},
    {"connecticut", "ct"},
    {"delaware", "de"},
    {"florida", "fl"},
    {"georgia", "ga"},
    {"hawaii", "hi"},
    {"idaho", "id"},
    {"illinois", "il"},
    {"indiana", "in"},
    {"iowa", "ia"},
    {"kansas", "ks"},
    {"kentucky", "ky"},
    {"louisiana", "la"},
    {"maine", "me"},
    {"maryland", "md"},
    {"massachusetts", "ma"},
    {"michigan", "mi"},
    {"minnesota", "mn"},
    {"mississippi", "ms"},
    {"missouri", "mo"},
    {"montana", "mt"},
    {"nebraska", "ne"},
    {"nevada", "nv"},
    {"newhampshire", "nh"},
    {"newjersey", "nj"},
    {"newmexico", "nm"},
    {"newyork", "ny"},
    {"northcarolina", "nc"},
    {"northdakota", "nd"},
    {"ohio", "oh"},
    {"oklahoma", "ok"},
    {"oregon", "or"},
    {"pennsylvania", "pa"},
    {"rhodeisland", "ri"},
    {"southcarolina", "sc"},
    {"southdakota", "sd"},
    {"tennessee", "tn"},
    {"texas", "tx"},
    {"utah", "ut"},
    {"vermont", "vt"},
    {"virginia", "va"},
    {"washington", "wa"},
    {"westvirginia", "wv"},
    {"wisconsin", "wi"},
    {"wyoming", "wy"},
    {"districtofcolumbia", "dc"},
    {"washingtondc", "dc"},
    {"puertorico", "pr"},
    {"guam", "gu"},
    {"americansamoa", "as"},
    {"northernmarianaislands", "mp"},
    {"usvirginislands", "vi"},
    {"virginislands", "vi"},
    {"unitedstatesvirginislands", "vi"},
    {"unitedstatesminoroutlyingislands", "um"},
}};

}  // namespace

std::string us_state_code(std::string_view name) {
  std::u32string text = unicode::fold(name);
  std::erase_if(text, [](char32_t c) { return unicode::is_space(c) || unicode::is_punctuation_or_symbol(c); });
  const std::string key = unicode::encode_utf8(text);
  auto it = std::find_if(kStates.begin(), kStates.end(), [&](const State& s) { return s.key == key; });
  return it != kStates.end() ? std::string(it->code) : std::string();
}

}  // namespace fanout::identity
