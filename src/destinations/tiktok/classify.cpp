// TikTok Events API 2.0: per-event outcome of one request from the answer. Pure.
// What each answer means, and why: README.md here, "Answers".
#include <rapidjson/document.h>

#include "destinations/tiktok/tiktok.h"

namespace fanout::dest::tiktok {
namespace {

struct Answer {
  bool present = false;  // the body carried a numeric "code"
  int64_t code = 0;
  std::string message;
};

Answer parse_answer(const std::string& body) {
  Answer a;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return a;
  auto code = doc.FindMember("code");
  if (code == doc.MemberEnd() || !code->value.IsInt64()) return a;
  a.present = true;
  a.code = code->value.GetInt64();
  if (auto m = doc.FindMember("message"); m != doc.MemberEnd() && m->value.IsString())
    a.message.assign(m->value.GetString(), m->value.GetStringLength());
  return a;
}

}  // namespace

Classification TiktokDestination::classify(const Request& request, const HttpResponse& response) const {
  Classification c;
  auto all = [&](Outcome outcome, const std::string& reason) {
    c.events.assign(request.indices.size(), EventResult{outcome, reason});
    return c;
  };
  auto about_events = [&](const std::string& reason) {
    if (request.indices.size() <= 1) return all(Outcome::reject, reason);
    c.split = true;
    return all(Outcome::retry, "batch rejected, splitting: " + reason);
  };
  if (response.status == 0) return all(Outcome::retry, transport_reason(response));

  const Answer a = parse_answer(response.body);
  const std::string http = "http_" + std::to_string(response.status);
  const std::string detail = a.present ? "(" + std::to_string(a.code) + ") " + clip_message(a.message) : http;
  if (response.status == 429 || response.status >= 500) return all(Outcome::retry, "tiktok: " + detail);
  // 401, 403, 404, ...: a wrong URL, proxy or credentials, whatever code the body carries.
  const bool ok_or_400 = response.status == 400 || (response.status >= 200 && response.status < 300);
  if (!ok_or_400) return all(Outcome::retry, "tiktok: " + detail + (a.present ? ", " + http : ""));
  if (!a.present) {
    // No TikTok answer (a proxy page, an empty body): only a plain 400 says the request itself was bad.
    if (response.status == 400) return about_events("tiktok: " + http);
    c.foreign_body = true;
    return all(Outcome::retry, "tiktok: unreadable answer, " + http);
  }
  const int64_t code = a.code;
  if (code == 0) return all(Outcome::delivered, "");
  if (code == 20001) return all(Outcome::delivered, "tiktok partial success: " + detail);
  if (code == 40100 || code == 40132) return all(Outcome::retry, "tiktok rate limited: " + detail);
  if (code == 40102 || code == 40104 || code == 40105)
    return all(Outcome::retry, "tiktok access token rejected: " + detail);
  if (code == 40001) return all(Outcome::retry, "tiktok permission denied: " + detail);
  if (code == 50000 || code == 50002 || (code >= 51000 && code <= 51999))
    return all(Outcome::retry, "tiktok: " + detail);
  if (code >= 40000 && code <= 49999) return about_events("tiktok: " + detail);
  return all(Outcome::retry, "tiktok: " + detail);
}

}  // namespace fanout::dest::tiktok
