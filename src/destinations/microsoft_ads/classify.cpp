// Microsoft UET CAPI: per-event outcome of one request from the answer. Pure.
//
// - 2xx with a JSON object: delivered (validation warnings only mean an optional field was dropped). A 2xx
//   with anything else (a proxy's or CDN's page) is no answer of the API: retry, the lane backs off.
// - 400 (ValidationError): the batch fails as a whole for any bad event -> split a batch, reject a lone
//   event with Microsoft's message and the first failing property.
// - 401 (Unauthorized): the tag token is wrong -> retry (pending until fixed), never split.
// - 429 / 5xx / no answer -> retry; other 4xx (403, 404: the tag or URL) -> retry.
#include <rapidjson/document.h>

#include "destinations/microsoft_ads/capi.h"

namespace fanout::dest::microsoft_ads {
namespace {

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

}  // namespace fanout::dest::microsoft_ads
