// Microsoft Advertising: per-event outcome of one request from the answer, for both modes. Pure.
// What each answer means, and why: README.md here, "Answers".
#include <rapidjson/document.h>

#include "destinations/microsoft_ads/microsoft_ads.h"

namespace fanout::dest::microsoft_ads {
namespace {

// Mode "capi".
std::string get_string(const rapidjson::Value& obj, const char* key) {
  auto m = obj.FindMember(key);
  if (m == obj.MemberEnd() || !m->value.IsString()) return {};
  return std::string(m->value.GetString(), m->value.GetStringLength());
}

// "ValidationError: <message>; data[0].eventTime: <errorMessage>", or "" when the body has no error object.
std::string error_text(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  auto err = doc.FindMember("error");
  if (err == doc.MemberEnd() || !err->value.IsObject()) return {};
  std::string text = get_string(err->value, "code") + ": " + get_string(err->value, "message");
  auto details = err->value.FindMember("details");
  if (details != err->value.MemberEnd() && details->value.IsArray()) {
    for (const auto& d : details->value.GetArray()) {
      if (!d.IsObject()) continue;
      auto warning = d.FindMember("isWarning");
      if (warning != d.MemberEnd() && warning->value.IsBool() && warning->value.GetBool()) continue;
      text += "; " + get_string(d, "propertyName") + ": " + get_string(d, "errorMessage");
      break;
    }
  }
  return text;
}

bool json_object(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject();
}

// Mode "offline".
struct MsError {
  int64_t code = -1;
  int64_t index = -1;  // position in the request for item errors; -1 for whole-call errors
  std::string error_code;
  std::string message;
};

struct Answer {
  bool object = false;         // the body is a JSON object (an API answer, not a proxy's page)
  std::vector<MsError> items;  // PartialErrors / BatchErrors
  std::vector<MsError> call;   // OperationErrors / Errors
};

void collect(const rapidjson::Value& doc, const char* key, std::vector<MsError>& out) {
  auto arr = doc.FindMember(key);
  if (arr == doc.MemberEnd() || !arr->value.IsArray()) return;
  for (const auto& v : arr->value.GetArray()) {
    if (!v.IsObject()) continue;
    MsError e;
    if (auto m = v.FindMember("Code"); m != v.MemberEnd() && m->value.IsInt64()) e.code = m->value.GetInt64();
    if (auto m = v.FindMember("Index"); m != v.MemberEnd() && m->value.IsInt64()) e.index = m->value.GetInt64();
    if (auto m = v.FindMember("ErrorCode"); m != v.MemberEnd() && m->value.IsString())
      e.error_code = m->value.GetString();
    if (auto m = v.FindMember("Message"); m != v.MemberEnd() && m->value.IsString()) e.message = m->value.GetString();
    out.push_back(std::move(e));
  }
}

Answer parse_answer(const std::string& body) {
  Answer a;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return a;
  a.object = true;
  collect(doc, "PartialErrors", a.items);
  collect(doc, "BatchErrors", a.items);
  collect(doc, "OperationErrors", a.call);
  collect(doc, "Errors", a.call);
  return a;
}

bool transient(int64_t code) {
  return code == 0 || code == 117 || code == 5612 || code == 5615;
}

std::string describe(const MsError& e) {
  return clip_message("microsoft_ads: " + std::to_string(e.code) + " " + e.error_code + ": " + e.message);
}

const MsError* find_code(const Answer& a, int64_t code) {
  for (const auto* list : {&a.call, &a.items})
    for (const MsError& e : *list)
      if (e.code == code) return &e;
  return nullptr;
}

}  // namespace

Classification CapiDestination::classify(const Request& request, const HttpResponse& response) const {
  Classification c;
  auto all = [&](Outcome outcome, const std::string& reason) {
    c.events.assign(request.indices.size(), EventResult{outcome, reason});
    return c;
  };
  if (response.status == 0) return all(Outcome::retry, transport_reason(response));
  if (response.status >= 200 && response.status < 300) {
    if (json_object(response.body)) return all(Outcome::delivered, "");
    c.foreign_body = true;
    return all(Outcome::retry, "microsoft_ads: no API answer, http_" + std::to_string(response.status));
  }

  std::string text = error_text(response.body);
  const std::string detail = text.empty() ? "http_" + std::to_string(response.status) : clip_message(text);
  if (response.status == 401) return all(Outcome::retry, "microsoft_ads capi token rejected: " + detail);
  if (response.status == 400) {
    if (request.indices.size() > 1) {
      c.split = true;
      return all(Outcome::retry, "batch rejected, splitting: microsoft_ads: " + detail);
    }
    return all(Outcome::reject, "microsoft_ads: " + detail);
  }
  return all(Outcome::retry, "microsoft_ads: " + detail);
}

Classification OfflineDestination::classify(const Request& request, const HttpResponse& response) const {
  const size_t n = request.indices.size();
  Classification c;
  auto all = [&](Outcome outcome, const std::string& reason) {
    c.events.assign(n, EventResult{outcome, reason});
    return c;
  };
  if (response.status == 0) return all(Outcome::retry, transport_reason(response));

  const Answer a = parse_answer(response.body);
  const std::string http = "microsoft_ads: http_" + std::to_string(response.status);
  if (find_code(a, 117)) c.retry_after = std::chrono::seconds(60);
  if (const MsError* e = find_code(a, 109); e || response.status == 401) {
    c.refresh_auth = true;
    return all(Outcome::retry, "microsoft_ads access token rejected: " + (e ? describe(*e) : http));
  }
  if (const MsError* e = find_code(a, 5601)) {
    if (n <= 1) return all(Outcome::reject, describe(*e));
    c.split = true;
    return all(Outcome::retry, "batch rejected, splitting: " + describe(*e));
  }
  if (!a.call.empty()) return all(Outcome::retry, describe(a.call.front()));

  const bool applied = response.status >= 200 && response.status < 300;
  if (applied && !a.object) {
    c.foreign_body = true;
    return all(Outcome::retry, http + " without an API answer");
  }
  c.events.assign(n, EventResult{applied ? Outcome::delivered : Outcome::retry, applied ? "" : http});
  for (const MsError& e : a.items) {
    if (e.index < 0 || static_cast<size_t>(e.index) >= n) continue;  // an Index we did not send: nothing to blame
    EventResult& r = c.events[static_cast<size_t>(e.index)];
    if (r.outcome == Outcome::reject) continue;  // a permanent error on the same item outranks a transient one
    r = EventResult{transient(e.code) ? Outcome::retry : Outcome::reject, describe(e)};
  }
  return c;
}

}  // namespace fanout::dest::microsoft_ads
