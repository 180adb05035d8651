// Meta CAPI: per-event outcome of one request from the Graph API answer. Pure.
// What each answer means, and why: README.md here, "Answers".
#include <rapidjson/document.h>

#include <initializer_list>

#include "destinations/meta/meta.h"

namespace fanout::dest::meta {
namespace {

struct GraphError {
  bool present = false;
  int64_t code = 0;
  int64_t subcode = 0;
  bool transient = false;
  std::string message;
};

GraphError parse_error(const std::string& body) {
  GraphError e;
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return e;
  auto it = doc.FindMember("error");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return e;
  const auto& err = it->value;
  e.present = true;
  if (auto m = err.FindMember("code"); m != err.MemberEnd() && m->value.IsInt64()) e.code = m->value.GetInt64();
  if (auto m = err.FindMember("error_subcode"); m != err.MemberEnd() && m->value.IsInt64())
    e.subcode = m->value.GetInt64();
  if (auto m = err.FindMember("is_transient"); m != err.MemberEnd() && m->value.IsBool())
    e.transient = m->value.GetBool();
  if (auto m = err.FindMember("message"); m != err.MemberEnd() && m->value.IsString())
    e.message.assign(m->value.GetString(), m->value.GetStringLength());
  return e;
}

// The Graph API's success shape: an object counting the events it received.
bool graph_success(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  auto it = doc.FindMember("events_received");
  return it != doc.MemberEnd() && it->value.IsNumber();
}

bool one_of(int64_t code, std::initializer_list<int64_t> codes) {
  for (int64_t c : codes)
    if (c == code) return true;
  return false;
}

}  // namespace

Classification MetaDestination::classify(const Request& request, const HttpResponse& response) const {
  Classification c;
  auto all = [&](Outcome outcome, const std::string& reason) {
    c.events.assign(request.indices.size(), EventResult{outcome, reason});
    return c;
  };
  if (response.status == 0) return all(Outcome::retry, transport_reason(response));
  if (response.status >= 200 && response.status < 300) {
    if (graph_success(response.body)) return all(Outcome::delivered, "");
    c.foreign_body = true;
    return all(Outcome::retry, "meta: no Graph API answer, http_" + std::to_string(response.status));
  }

  const GraphError err = parse_error(response.body);
  std::string detail = "http_" + std::to_string(response.status);
  if (err.present) {
    // Graph messages usually start with their own "(#100)"; add the code only when it does not.
    std::string code = "(#" + std::to_string(err.code) + ")";
    detail = clip_message(err.message.rfind("(#", 0) == 0 ? err.message : code + " " + err.message);
  }
  if (err.transient || one_of(err.code, {1, 2, 4, 17, 32, 341, 368, 613}) || response.status == 429 ||
      response.status >= 500)
    return all(Outcome::retry, "meta: " + detail);
  if (one_of(err.code, {190, 102, 104})) return all(Outcome::retry, "meta access token rejected: " + detail);
  if (err.code == 10 || (err.code >= 200 && err.code <= 299))
    return all(Outcome::retry, "meta permission denied: " + detail);
  if ((err.code == 100 && err.subcode == 33) || one_of(err.code, {803, 2500}))
    return all(Outcome::retry, "meta pixel or endpoint not found: " + detail);
  if (response.status == 400 || response.status == 413) {
    if (request.indices.size() > 1) {
      c.split = true;
      return all(Outcome::retry, "batch rejected, splitting: meta: " + detail);
    }
    return all(Outcome::reject, "meta: " + detail);
  }
  return all(Outcome::retry, "meta: " + detail);
}

}  // namespace fanout::dest::meta
