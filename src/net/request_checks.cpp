#include "net/request_checks.h"

namespace fanout::net {
namespace {

beast::string_view trim(beast::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Printable ASCII only, so an operator's log never carries raw control bytes from a client.
std::string printable(beast::string_view s) {
  constexpr size_t kMaxShown = 64;
  std::string out;
  for (char c : s.substr(0, kMaxShown)) out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  return out;
}

}  // namespace

std::optional<HeadProblem> check_framing(const http::request_header<>& head) {
  const auto codings = head.equal_range(http::field::transfer_encoding);
  if (codings.first == codings.second) return std::nullopt;
  if (std::next(codings.first) != codings.second)
    return HeadProblem{501, "not_implemented", "repeated Transfer-Encoding headers are not supported"};
  const beast::string_view coding = trim(codings.first->value());
  if (!beast::iequals(coding, "chunked"))
    return HeadProblem{501, "not_implemented",
                       "Transfer-Encoding \"" + printable(coding) + "\" is not supported; send chunked or Content-Length"};
  if (head.count(http::field::content_length) != 0)
    return HeadProblem{400, "bad_request", "Transfer-Encoding and Content-Length together are ambiguous"};
  return std::nullopt;
}

}  // namespace fanout::net
